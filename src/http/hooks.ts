/**
 * Cross-cutting request handling: client certificates (mTLS request mode),
 * API-key authentication and authorization, request ids, the LogAPITrigger
 * line, and the transaction log.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { FacegateError } from '../core/errors.js';
import { grants, grantsContext } from '../core/permissions.js';
import { makeRefid } from '../core/refid.js';
import type { AppDeps } from './context.js';
import { checkClientCertificate } from './tls.js';

export function registerHooks(app: FastifyInstance, deps: AppDeps): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('requestID', request.id);
    if (String(request.headers.logapitrigger).toLowerCase() === 'true') {
      request.log.info({ logApiTrigger: true, method: request.method, url: request.url, requestId: request.id }, `LogAPITrigger ${request.method} ${request.routeOptions.url ?? request.url}`);
    }
    const audit = request.routeOptions.config.audit;
    if (audit) request.audit = { refid: makeRefid(audit.action, randomUUID(), Date.now()), startedAt: performance.now(), facts: {} };
    if (deps.config.tls?.clientCa?.mode === 'request') checkClientCertificate(request);

    const { permission, anyOf } = request.routeOptions.config;
    if (!permission && !anyOf) return;
    const key = request.headers['x-api-key'];
    if (typeof key !== 'string' || key.length === 0) throw new FacegateError('ERROR_UNAUTHORIZED', 'Missing x-api-key header: send the API key you were given');
    const record = await deps.authenticator.authenticate(key);
    if (!record) throw new FacegateError('ERROR_UNAUTHORIZED', 'Unknown or revoked API key');
    request.apiKey = record;
    const allowed = permission ? grants(record.permissions, permission) : grantsContext(record.permissions, anyOf!);
    if (!allowed) throw new FacegateError('ERROR_FORBIDDEN', `This API key lacks the permission ${permission ?? `${anyOf}:*`} for ${request.method} ${request.routeOptions.url}`);
  });

  // onSend, not onResponse: the log entry is written before the client hears back, so a caller can read it at once.
  app.addHook('onSend', async (request, reply, payload) => {
    const audit = request.audit;
    const config = request.routeOptions.config.audit;
    if (!audit || !config) return payload;
    const facts = audit.facts;
    try {
      await deps.store.recordTransaction({
        refid: audit.refid,
        endpoint: `${request.method} ${request.routeOptions.url}`,
        context: config.context,
        apiKeyId: request.apiKey?.id ?? null,
        galleryName: facts.galleryName ?? null,
        userId: facts.userId ?? null,
        requestId: request.id,
        result: reply.statusCode < 400 ? 'success' : (audit.failure ?? String(reply.statusCode)),
        httpStatus: reply.statusCode,
        similarityScore: facts.similarityScore ?? null,
        livenessScore: facts.livenessScore ?? null,
        matchLevelReached: facts.matchLevelReached ?? null,
        livenessLevelReached: facts.livenessLevelReached ?? null,
        durationMs: Math.round(performance.now() - audit.startedAt),
        createdAt: new Date(),
      });
    } catch (err) {
      request.log.error({ err, refid: audit.refid }, 'could not write the transaction log entry');
    }
    return payload;
  });
}
