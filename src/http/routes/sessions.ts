/**
 * Spec 004 sessions: HMAC-signed creation and result lookup for clients, and
 * the token-authenticated capture endpoints the hosted page calls.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FacegateError } from '../../core/errors.js';
import { currentSessionState } from '../../core/verification-states.js';
import { authenticateSignedRequest } from '../../services/clients.js';
import { guidanceAnswer, openCaptureSession, openSessionChallenge, sessionForToken, submitCapture, touchSession, type SessionDeps } from '../../services/capture-sessions.js';
import { publicBaseUrl, type AppDeps } from '../context.js';
import { LooseObject, MAX_UPLOAD_BYTES, errorResponses } from '../schemas.js';
import { IssuedChallengeSchema, withFramesUrl } from './liveness.js';

const tags = ['sessions (spec 004)'];

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

export function sessionRoutes(deps: AppDeps, sessions: SessionDeps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    // The signature covers the body byte for byte, so keep it as sent.
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      request.rawBody = body as string;
      try {
        done(null, body === '' ? {} : JSON.parse(body as string));
      } catch (err) {
        done(new FacegateError('ERROR_INVALID_JSON', `JSON EXCEPTION: ${(err as Error).message}`), undefined);
      }
    });
    app.addContentTypeParser(['application/octet-stream', 'image/jpeg'], { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES }, (_request, body, done) => done(null, body));

    const signedClient = (request: FastifyRequest) =>
      authenticateSignedRequest(
        deps.store,
        {
          method: request.method,
          url: request.url,
          authClient: request.headers['x-auth-client'],
          signature: request.headers['x-hmac-signature'],
          contentType: request.headers['content-type'] ?? '',
          body: request.rawBody ?? '',
        },
        new Date(),
      );

    r.post('/api/v1/session', {
      schema: {
        tags, summary: 'Create a capture session (x-auth-client + x-hmac-signature); returns the hosted capture URL',
        headers: Type.Object({ 'x-auth-client': Type.Optional(Type.String()), 'x-hmac-signature': Type.Optional(Type.String()) }),
        body: Type.Object({ country: Type.Optional(Type.String({ maxLength: 8 })), uniqueIdentifier: Type.Optional(Type.String({ maxLength: 255 })), timestamp: Type.Optional(Type.Number()) }),
        response: { 200: LooseObject('{success, data: {sessionId, baseUrl, Token, url}}'), ...errorResponses },
      },
      handler: async (request) => {
        const client = await signedClient(request);
        const { session, token } = await openCaptureSession(sessions, { clientId: client.id, kind: 'session', subjectRef: request.body.uniqueIdentifier ?? null, country: request.body.country ?? null }, new Date());
        const baseUrl = publicBaseUrl(deps, request);
        return { success: true, data: { sessionId: session.id, baseUrl, Token: token, url: `${baseUrl}/capture/${token}`, expiresAt: session.expiresAt.toISOString() } };
      },
    });

    r.get('/api/v1/session/:sessionId', {
      schema: { tags, summary: 'State and result of a session (signed like creation, with an empty body)', params: Type.Object({ sessionId: Type.String() }), response: { 200: LooseObject('{success, data}'), ...errorResponses } },
      handler: async (request) => {
        const client = await signedClient(request);
        const session = await deps.store.getCaptureSession(request.params.sessionId);
        if (!session || session.clientId !== client.id) throw new FacegateError('ERROR_NOT_FOUND', `no session ${request.params.sessionId} for this client`);
        const state = currentSessionState(session, new Date());
        return { success: true, data: { sessionId: session.id, kind: session.kind, uniqueIdentifier: session.subjectRef, state, result: session.result, createdAt: session.createdAt.toISOString(), expiresAt: session.expiresAt.toISOString(), completedAt: session.completedAt?.toISOString() ?? null } };
      },
    });

    r.post('/capture/:token/guidance', {
      config: { clientCertOptional: true },
      schema: { tags, summary: 'Face boxes, face brightness and head pose of a small camera frame (image/jpeg), for live guidance', params: Type.Object({ token: Type.String() }), response: { 200: LooseObject('{faces, frameWidth, frameHeight, brightness}'), ...errorResponses } },
      handler: async (request) => {
        const session = await sessionForToken(deps, request.params.token, new Date());
        if (session.state !== 'created' && session.state !== 'in_progress') throw new FacegateError('ERROR_NOT_FOUND', 'This capture link is no longer open.');
        await touchSession(deps, session, new Date());
        const frame = request.body as Buffer;
        if (!Buffer.isBuffer(frame) || frame.length > 512 * 1024) throw new FacegateError('ERROR_INVALID_IMAGE', 'send one JPEG frame of at most 512 KB as image/jpeg');
        return guidanceAnswer(await deps.engine.analyze(frame, { quality: true }));
      },
    });

    r.post('/capture/:token/challenge', {
      config: { clientCertOptional: true },
      schema: {
        tags,
        summary: 'A new active-liveness challenge for one capture attempt on the hosted page (refused with 429 after 5 failed attempts in 3 minutes)',
        params: Type.Object({ token: Type.String() }),
        response: { 201: IssuedChallengeSchema, ...errorResponses },
      },
      handler: async (request, reply) => reply.code(201).send(withFramesUrl(await openSessionChallenge(sessions, request.params.token, new Date()))),
    });

    r.post('/capture/:token/submit', {
      config: { clientCertOptional: true },
      schema: { tags, summary: 'Submit the encrypted capture blob (application/octet-stream); answers the outcome in plain words', params: Type.Object({ token: Type.String() }), response: { 200: LooseObject('{status, message, redirectUrl?}'), ...errorResponses } },
      handler: async (request) => {
        const blob = request.body;
        if (!Buffer.isBuffer(blob)) throw new FacegateError('ERROR_INVALID_JSON', 'send the capture blob as application/octet-stream');
        return submitCapture(sessions, request.params.token, blob, new Date());
      },
    });
  };
}
