/**
 * Spec 003: authentication against a facemap the client holds. The client
 * exports the facemap once (Backoffice), keeps it, and later initiates a
 * transaction with it over HTTP Basic auth; the person completes the capture
 * at the returned redirectUrl.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';
import { FacegateError } from '../../core/errors.js';
import { authLifetimeMinutes, currentAuthState } from '../../core/verification-states.js';
import { openFacemap } from '../../crypto/facemap.js';
import { issueFacemap } from '../../services/enrollment.js';
import { openCaptureSession, type SessionDeps } from '../../services/capture-sessions.js';
import { authenticateBasic } from '../../services/clients.js';
import { requireGallery } from '../../services/galleries.js';
import { publicBaseUrl, type AppDeps } from '../context.js';
import { FileField, LooseObject, errorResponses } from '../schemas.js';

const tags = ['facemap authentication (spec 003)'];
const EnrollmentMetadata = Type.Object({
  enrollmentTransactionReference: Type.String({ minLength: 1, maxLength: 1024 }),
  userReference: Type.Optional(Type.String({ maxLength: 255 })),
  callbackUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  successUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  errorUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  locale: Type.Optional(Type.String({ maxLength: 16 })),
  tokenLifetimeInMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 15 })),
});

function parseMetadata(value: unknown): Record<string, unknown> {
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  if (typeof text !== 'string') throw new FacegateError('ERROR_INVALID_JSON', '(/enrollmentMetadata) is required: a JSON part');
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return (parsed.enrollmentMetadata as Record<string, unknown> | undefined) ?? parsed;
  } catch (err) {
    throw new FacegateError('ERROR_INVALID_JSON', `(/enrollmentMetadata) JSON EXCEPTION: ${(err as Error).message}`);
  }
}

export function authenticationRoutes(deps: AppDeps, sessions: SessionDeps) {
  const key = deps.keys.facemapKey;
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/backoffice/v1/facemap', {
      config: { permission: 'backoffice:facemap', audit: { action: 'facemap', context: 'backoffice' } },
      schema: { tags, security: [{ apiKey: [] }], summary: 'Export an enrollment as a facemap the client stores (sealed and signed by this server)', querystring: Type.Object({ gallery: Type.String(), userId: Type.String() }), response: { 200: LooseObject('{facemap, enrollmentTransactionReference}'), ...errorResponses } },
      handler: async (request) => {
        const gallery = await requireGallery(deps.store, request.query.gallery);
        const enrollment = await deps.store.getEnrollmentTemplate(gallery.name, request.query.userId);
        if (!enrollment) throw new FacegateError('ERROR_USER_NOT_FOUND', `user "${request.query.userId}" is not enrolled in gallery "${gallery.name}"`);
        Object.assign(request.audit!.facts, { galleryName: gallery.name, userId: enrollment.userId });
        return { ...issueFacemap(deps, gallery.name, enrollment.userId, enrollment.template), modelId: enrollment.modelId };
      },
    });

    app.post('/api/authentication/v1/facemap/initiate', {
      schema: {
        tags, summary: 'Start an authentication with a stored facemap (HTTP Basic: client id + secret)', consumes: ['multipart/form-data'],
        body: Type.Object({ facemap: FileField('Facemap bytes'), enrollmentMetadata: Type.Unknown({ description: 'JSON part: {enrollmentMetadata: {enrollmentTransactionReference, userReference, callbackUrl, successUrl, errorUrl, locale, tokenLifetimeInMinutes}}' }) }),
        response: { 200: LooseObject('{authenticationTransactionReference, redirectUrl}'), ...errorResponses },
      },
      handler: async (request) => {
        const client = await authenticateBasic(deps.store, request.headers.authorization);
        const metadata = parseMetadata(request.body.enrollmentMetadata);
        if (!Value.Check(EnrollmentMetadata, metadata)) {
          const first = [...Value.Errors(EnrollmentMetadata, metadata)][0];
          throw new FacegateError('ERROR_INVALID_JSON', `(/enrollmentMetadata${first?.path ?? ''}) ${first?.message ?? 'is invalid'}`);
        }
        const meta: Static<typeof EnrollmentMetadata> = metadata;
        const facemap = openFacemap(new Uint8Array(request.body.facemap), key);
        if (facemap.enrollmentReference !== meta.enrollmentTransactionReference) {
          throw new FacegateError('ERROR_INVALID_TEMPLATE', `the facemap belongs to enrollment "${facemap.enrollmentReference}", not "${meta.enrollmentTransactionReference}"`);
        }
        const now = new Date();
        const lifetimeMs = authLifetimeMinutes(meta.tokenLifetimeInMinutes) * 60_000;
        const reference = randomUUID();
        const { token } = await openCaptureSession(sessions, { clientId: client.id, kind: 'authentication', subjectRef: reference, country: null, lifetimeMs }, now);
        await deps.store.createAuthenticationTransaction({
          reference,
          clientId: client.id,
          enrollmentReference: meta.enrollmentTransactionReference,
          userReference: meta.userReference ?? null,
          facemap: new Uint8Array(request.body.facemap),
          callbackUrl: meta.callbackUrl ?? null,
          successUrl: meta.successUrl ?? null,
          errorUrl: meta.errorUrl ?? null,
          locale: meta.locale ?? null,
          createdAt: now,
          expiresAt: new Date(now.getTime() + lifetimeMs),
        });
        return { authenticationTransactionReference: reference, redirectUrl: `${publicBaseUrl(deps, request)}/capture/${token}${meta.locale ? `?locale=${encodeURIComponent(meta.locale)}` : ''}` };
      },
    });

    app.get('/api/authentication/v1/facemap/:reference', {
      schema: { tags, summary: 'State and result of an authentication transaction (HTTP Basic)', params: Type.Object({ reference: Type.String() }), response: { 200: LooseObject('{authenticationTransactionReference, state, result}'), ...errorResponses } },
      handler: async (request) => {
        const client = await authenticateBasic(deps.store, request.headers.authorization);
        const tx = await deps.store.getAuthenticationTransaction(request.params.reference);
        if (!tx || tx.clientId !== client.id) throw new FacegateError('ERROR_NOT_FOUND', `no authentication transaction ${request.params.reference} for this client`);
        return {
          authenticationTransactionReference: tx.reference,
          enrollmentTransactionReference: tx.enrollmentReference,
          userReference: tx.userReference,
          state: currentAuthState(tx, new Date()),
          result: tx.result,
          createdAt: tx.createdAt.toISOString(),
          expiresAt: tx.expiresAt.toISOString(),
          completedAt: tx.completedAt?.toISOString() ?? null,
        };
      },
    });
  };
}
