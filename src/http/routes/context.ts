/**
 * Spec 000 endpoints, once per context: /sdk/v1/… and /backoffice/v1/…
 * (handshake, enroll, identify, search, liveness, capture; Backoffice also
 * updates and deletes enrollments, returns photos and the transaction log).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Permission } from '../../core/permissions.js';
import { deleteEnrollment, enroll, enrollmentPhoto, identify, search, updateEnrollment, type EnrollmentDeps } from '../../services/enrollment.js';
import { decodeBase64Field } from '../../services/inputs.js';
import { livenessCheck, processCapture, type VerificationDeps } from '../../services/verification.js';
import type { Context } from '../../store/types.js';
import type { AppDeps } from '../context.js';
import { Base64Image, LivenessLevelSchema, LooseObject, MatchLevelSchema, errorResponses } from '../schemas.js';

const security = [{ apiKey: [] }];
const GalleryField = Type.String({ minLength: 1, description: 'Gallery name' });
const UserField = Type.String({ minLength: 1, maxLength: 255, description: 'Your identifier for the person' });
const ReturnPhoto = {
  returntPhoto: Type.Optional(Type.Boolean({ description: 'SDK: include the photo (base64) in the response (spelled as in spec 000)' })),
  returnPhoto: Type.Optional(Type.Boolean({ description: 'Same as returntPhoto' })),
};
const ImageField = Base64Image('Capture: an encrypted capture blob or a JPEG/PNG/WebP image');

export function contextRoutes(deps: AppDeps, context: Context) {
  const e: EnrollmentDeps = { engine: deps.engine, store: deps.store, indexes: deps.indexes, keys: deps.keys, challenges: deps.challenges };
  const v: VerificationDeps = { engine: deps.engine, keys: deps.keys, challenges: deps.challenges, defaultLivenessLevel: deps.config.defaultLivenessLevel, templateEncryptionKey: deps.templateEncryptionKey };
  const base = `/${context}/v1`;
  const tags = [context === 'sdk' ? 'SDK (spec 000)' : 'Backoffice (spec 000)'];
  const guard = (permission: Permission, action: string) => ({ permission, audit: { action, context } });
  const facts = (request: FastifyRequest) => request.audit!.facts;
  const wantsPhoto = (body: { returntPhoto?: boolean; returnPhoto?: boolean }) => body.returntPhoto ?? body.returnPhoto;

  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const ok = { 200: LooseObject('Result'), ...errorResponses };

    app.post(`${base}/handshake`, {
      config: { anyOf: context, audit: { action: 'handshake', context } },
      schema: { tags, security, summary: context === 'backoffice' ? 'Deprecated: send x-api-key on each request instead' : 'Checks the key and lists what it may do', deprecated: context === 'backoffice', response: ok },
      handler: async (request, reply) => {
        if (context === 'backoffice') reply.header('Deprecation', 'true');
        const galleries = await deps.store.listGalleries();
        return {
          success: true,
          context,
          apiKey: { name: request.apiKey!.name, permissions: request.apiKey!.permissions.filter((p) => p === '*' || p.startsWith(`${context}:`)) },
          galleries: galleries.map((g) => ({ name: g.name, savePhoto: g.savePhoto, matchLevel: g.matchLevel, livenessLevel: g.livenessLevel })),
          modelId: deps.engine.modelId,
          serverTime: Date.now(),
        };
      },
    });

    app.post(`${base}/enroll`, {
      config: guard(`${context}:enroll`, 'enroll'),
      schema: { tags, security, summary: context === 'sdk' ? 'Enroll a person (liveness checked as the gallery asks)' : 'Enroll a person from a legacy database (refreshed after the first live SDK identification)', body: Type.Object({ gallery: GalleryField, userId: UserField, image: ImageField, ...ReturnPhoto }), response: ok },
      handler: async (request) => enroll(e, { context, galleryName: request.body.gallery, userId: request.body.userId, image: decodeBase64Field(request.body.image, '/image'), returnPhoto: wantsPhoto(request.body) }, facts(request)),
    });

    app.post(`${base}/identify`, {
      config: guard(`${context}:identify`, 'identify'),
      schema: { tags, security, summary: '1:1: is this the enrolled person?', body: Type.Object({ gallery: GalleryField, userId: UserField, image: ImageField, level: Type.Optional(MatchLevelSchema), ...ReturnPhoto }), response: ok },
      handler: async (request) => identify(e, { context, galleryName: request.body.gallery, userId: request.body.userId, level: request.body.level, image: decodeBase64Field(request.body.image, '/image'), returnPhoto: wantsPhoto(request.body) }, facts(request)),
    });

    app.post(`${base}/search`, {
      config: guard(`${context}:search`, 'match1n'),
      schema: { tags, security, summary: '1:N: who in the gallery is this?', body: Type.Object({ gallery: GalleryField, image: ImageField, level: Type.Optional(MatchLevelSchema), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 5 })), ...ReturnPhoto }), response: ok },
      handler: async (request) => search(e, { context, galleryName: request.body.gallery, level: request.body.level, limit: request.body.limit, image: decodeBase64Field(request.body.image, '/image'), returnPhoto: wantsPhoto(request.body) }, facts(request)),
    });

    app.post(`${base}/liveness`, {
      config: guard(`${context}:liveness`, 'antispoof'),
      schema: { tags, security, summary: 'Passive liveness of a capture', body: Type.Object({ image: ImageField, level: Type.Optional(LivenessLevelSchema), ...ReturnPhoto }), response: ok },
      handler: async (request) => {
        const echo = context === 'sdk' && wantsPhoto(request.body);
        const { body, result } = await livenessCheck(v, { image: decodeBase64Field(request.body.image, '/image'), threshold: request.body.level, secure: false, echoImage: echo }, request.audit!.refid);
        Object.assign(facts(request), { livenessScore: result.score, livenessLevelReached: result.as_highest_security_level_reached });
        const { input, ...rest } = body;
        return { success: true, ...rest, ...(echo ? { photo: input.image } : {}) };
      },
    });

    app.post(`${base}/capture`, {
      config: guard(`${context}:capture`, 'capture'),
      schema: { tags, security, summary: 'Quality, ICAO metrics and liveness of a capture', body: Type.Object({ image: ImageField, level: Type.Optional(LivenessLevelSchema) }), response: ok },
      handler: async (request, reply) => {
        const outcome = await processCapture(v, { file: decodeBase64Field(request.body.image, '/image'), enableQuality: true, level: request.body.level }, request.audit!.refid);
        Object.assign(facts(request), { livenessScore: outcome.liveness.score, livenessLevelReached: outcome.liveness.as_highest_security_level_reached });
        return reply.code(outcome.httpStatus as 200 | 400).send(outcome.body);
      },
    });

    if (context !== 'backoffice') return;

    const EnrollmentRef = Type.Object({ gallery: GalleryField, userId: UserField });
    app.put(`${base}/enroll`, {
      config: guard('backoffice:update-enroll', 'enroll'),
      schema: { tags, security, summary: 'Replace the photo and template of an enrollment', body: Type.Object({ gallery: GalleryField, userId: UserField, image: ImageField }), response: ok },
      handler: async (request) => updateEnrollment(e, { context, galleryName: request.body.gallery, userId: request.body.userId, image: decodeBase64Field(request.body.image, '/image') }, facts(request)),
    });
    app.delete(`${base}/enroll`, {
      config: guard('backoffice:delete-enroll', 'enroll'),
      // No body schema: a DELETE usually has no body, and the service validates gallery and userId wherever they came from.
      schema: { tags, security, summary: 'Delete an enrollment with its template and photo (gallery and userId in the query, or in a JSON body)', querystring: Type.Partial(EnrollmentRef), response: ok },
      handler: async (request) => {
        const body = typeof request.body === 'object' && request.body !== null ? (request.body as { gallery?: unknown; userId?: unknown }) : {};
        const ref = { ...request.query, ...body };
        return deleteEnrollment(e, { galleryName: ref.gallery, userId: ref.userId }, facts(request));
      },
    });
    app.get(`${base}/photo`, {
      config: guard('backoffice:photo', 'photo'),
      schema: { tags, security, summary: 'The enrollment photo (galleries that keep photos)', querystring: EnrollmentRef, response: ok },
      handler: async (request) => enrollmentPhoto(e, { galleryName: request.query.gallery, userId: request.query.userId }, facts(request)),
    });
    app.get(`${base}/log-session`, {
      config: { permission: 'backoffice:log-session' },
      schema: {
        tags, security, summary: 'Transaction log, newest first',
        querystring: Type.Object({
          gallery: Type.Optional(Type.String()), userId: Type.Optional(Type.String()), refid: Type.Optional(Type.String()), requestId: Type.Optional(Type.String()),
          since: Type.Optional(Type.String({ format: 'date-time' })), until: Type.Optional(Type.String({ format: 'date-time' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }),
        response: ok,
      },
      handler: async (request) => {
        const q = request.query;
        const transactions = await deps.store.listTransactions({
          galleryName: q.gallery, userId: q.userId, refid: q.refid, requestId: q.requestId,
          since: q.since ? new Date(q.since) : undefined, until: q.until ? new Date(q.until) : undefined, limit: q.limit,
        });
        return { transactions };
      },
    });
  };
}
