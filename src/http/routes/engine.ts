/** Spec 002 face server endpoints under /api/v1 (engine permissions `api:*`). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FacegateError } from '../../core/errors.js';
import { decodeBase64Field } from '../../services/inputs.js';
import { generateTemplateFromImage, livenessCheck, matchImages, processCapture, verifyWithPictureId, type VerificationDeps } from '../../services/verification.js';
import type { AppDeps } from '../context.js';
import { Base64Image, FileField, LivenessLevelSchema, LooseObject, MatchLevelSchema, errorResponses } from '../schemas.js';

const ImageRef = Type.Object({ template: Base64Image('Image'), format: Type.Optional(Type.String({ description: 'JPEG, PNG or WEBP (the container is sniffed; ISO_19794_5 is refused)' })) });
const MatchBody = Type.Object({ image: ImageRef, imageToVerifyAgainst: ImageRef, level: MatchLevelSchema });
const security = [{ apiKey: [] }];
const tags = ['face server (spec 002)'];

function refidOf(request: FastifyRequest): string {
  return request.audit!.refid;
}

/** Records the outcome's scores in the transaction log entry. */
function note(request: FastifyRequest, facts: { similarityScore?: number; matchLevelReached?: string; livenessScore?: number; livenessLevelReached?: string | null }) {
  Object.assign(request.audit!.facts, facts);
}

function bytesOf(value: unknown, field: string): Uint8Array {
  if (Buffer.isBuffer(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return decodeBase64Field(value, `/${field}`);
  throw new FacegateError('ERROR_INVALID_JSON', `(/${field}) is required: a multipart file or a base64 string`);
}

export function engineRoutes(deps: AppDeps) {
  const v: VerificationDeps = { engine: deps.engine, keys: deps.keys, challenges: deps.challenges, defaultLivenessLevel: deps.config.defaultLivenessLevel, templateEncryptionKey: deps.templateEncryptionKey };
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const send = (reply: FastifyReply, outcome: { httpStatus: number; body: unknown }) => reply.code(outcome.httpStatus).send(outcome.body);

    app.post('/api/v1/process', {
      config: { permission: 'api:process', audit: { action: 'process', context: 'api' } },
      schema: {
        tags, security, summary: 'Liveness, quality, ICAO metrics and templates of a capture (an encrypted capture blob or a plain image)',
        consumes: ['multipart/form-data'],
        body: Type.Object({ file: FileField('Encrypted capture blob or image'), enableQuality: Type.Optional(Type.Boolean({ default: true })), level: Type.Optional(LivenessLevelSchema) }),
        response: { 200: LooseObject('FEEDBACK_CAPTURED with data, quality, icao_data'), ...errorResponses },
      },
      handler: async (request, reply) => {
        const outcome = await processCapture(v, { file: bytesOf(request.body.file, 'file'), enableQuality: request.body.enableQuality ?? true, level: request.body.level }, refidOf(request));
        note(request, { livenessScore: outcome.liveness.score, livenessLevelReached: outcome.liveness.as_highest_security_level_reached });
        return send(reply, outcome);
      },
    });

    for (const [url, mode, action] of [['/api/v1/matchWithSelfie', 'selfie', 'match121'], ['/api/v1/matchWithPictureId', 'picture-id', 'matchPictureId']] as const) {
      app.post(url, {
        config: { permission: 'api:match', audit: { action, context: 'api' } },
        schema: { tags, security, summary: mode === 'selfie' ? 'Selfie vs selfie 1:1 match' : 'Selfie vs ID-card photo 1:1 match', body: MatchBody, response: { 200: LooseObject('FEEDBACK_MATCHED with similarityScore, possibleMatch, …'), ...errorResponses } },
        handler: async (request) => {
          const result = await matchImages(v, request.body, mode, refidOf(request));
          note(request, { similarityScore: result.similarityScore, matchLevelReached: result.matchHighestSecurityLevelReached });
          return result;
        },
      });
    }

    app.post('/api/v1/verifyWithPictureId', {
      config: { permission: 'api:verify', audit: { action: 'verify', context: 'api' } },
      schema: {
        tags, security, summary: 'Liveness on a capture, then a 1:1 match against an ID-card photo', consumes: ['multipart/form-data'],
        body: Type.Object({ file: FileField('Encrypted capture blob or image'), picID: Base64Image('Face photo from the ID card'), template: Type.Optional(Type.String()), level: MatchLevelSchema, livenessLevel: Type.Optional(LivenessLevelSchema) }),
        response: { 200: LooseObject('FEEDBACK_MATCHED'), ...errorResponses },
      },
      handler: async (request, reply) => {
        const outcome = await verifyWithPictureId(v, { ...request.body, file: bytesOf(request.body.file, 'file') }, refidOf(request));
        note(request, { livenessScore: outcome.liveness.score, livenessLevelReached: outcome.liveness.as_highest_security_level_reached, ...(outcome.decision ? { similarityScore: outcome.decision.similarityScore, matchLevelReached: outcome.decision.matchHighestSecurityLevelReached } : {}) });
        return send(reply, outcome);
      },
    });

    app.post('/api/v1/face/generateTemplateFromImage', {
      config: { permission: 'api:generate-template', audit: { action: 'generate', context: 'api' } },
      schema: {
        tags, security, summary: 'Template of a face image, with the ENROL / VERIFY quality gates',
        body: Type.Object({ image: Base64Image('Face image'), qualityMode: Type.Optional(Type.Union([Type.Literal('ENROL'), Type.Literal('VERIFY'), Type.Literal('DISABLED')], { default: 'ENROL' })) }),
        response: { 200: LooseObject('data.templates.FACEGATE_TYPE_1 and icao_data'), ...errorResponses },
      },
      handler: async (request) => generateTemplateFromImage(v, request.body, refidOf(request)),
    });

    const LivenessBody = (image: ReturnType<typeof FileField> | ReturnType<typeof Base64Image>) => Type.Object({ image, threshold: Type.Optional(LivenessLevelSchema) });
    for (const secure of [false, true]) {
      app.post(secure ? '/api/v1/secure/face/as' : '/api/v1/face/as', {
        config: { permission: 'api:liveness', audit: { action: 'antispoof', context: 'api' } },
        schema: {
          tags, security,
          summary: secure ? 'Liveness of an encrypted capture blob (multipart field "file")' : 'Liveness of a face image from a legacy or third-party capture (JSON or multipart)',
          consumes: secure ? ['multipart/form-data'] : ['application/json', 'multipart/form-data'],
          body: secure
            ? Type.Object({ file: FileField('Encrypted capture blob'), threshold: Type.Optional(LivenessLevelSchema) })
            : Type.Union([LivenessBody(Base64Image('Face image')), LivenessBody(FileField('Face image'))]),
          response: { 200: LooseObject('as_highest_security_level_reached, is_spoof, score'), ...errorResponses },
        },
        handler: async (request) => {
          const body = request.body as { image?: unknown; file?: unknown; threshold?: string };
          const image = secure ? bytesOf(body.file, 'file') : bytesOf(body.image, 'image');
          const { body: response, result } = await livenessCheck(v, { image, threshold: body.threshold, secure, passiveOnly: !secure }, refidOf(request));
          note(request, { livenessScore: result.score, livenessLevelReached: result.as_highest_security_level_reached });
          return response;
        },
      });
    }
  };
}
