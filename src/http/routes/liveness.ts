/**
 * Active-liveness challenges (docs/liveness.md): an integrator's backend
 * creates one per capture attempt with its API key; the person's browser
 * streams guidance frames to it with the challenge token and gets the prompts.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CHALLENGE_STEPS } from '../../core/active-liveness/challenge.js';
import { FacegateError } from '../../core/errors.js';
import type { IssuedChallenge } from '../../services/liveness-challenges.js';
import type { AppDeps } from '../context.js';
import { LivenessLevelSchema, errorResponses } from '../schemas.js';

const tags = ['liveness challenges'];
/** Guidance frames are small: the SDK sends 320 px JPEGs. */
export const MAX_GUIDANCE_FRAME_BYTES = 512 * 1024;

export const framesUrl = (challengeId: string): string => `/api/v1/liveness/challenges/${challengeId}/frames`;

const Step = Type.Union(CHALLENGE_STEPS.map((s) => Type.Literal(s)));

export const IssuedChallengeSchema = Type.Object({
  challengeId: Type.String(),
  token: Type.String({ description: 'Bearer token for the guidance frames' }),
  nonce: Type.String({ description: 'Single use; goes into the capture blob (version 2)' }),
  stepCount: Type.Integer(),
  expiresAt: Type.String({ format: 'date-time' }),
  framesUrl: Type.String(),
});

const FrameAnswer = Type.Object({
  seq: Type.Integer({ description: 'The frame number: a key frame is named by it' }),
  faces: Type.Array(Type.Object({ x: Type.Number(), y: Type.Number(), width: Type.Number(), height: Type.Number(), score: Type.Number() })),
  frameWidth: Type.Number(),
  frameHeight: Type.Number(),
  brightness: Type.Number(),
  yaw: Type.Optional(Type.Number()),
  pitch: Type.Optional(Type.Number()),
  challenge: Type.Object({
    id: Type.String(),
    phase: Type.Union(['FRONTAL', 'WAITING', 'STEP', 'RETURN', 'PASSED', 'FAILED'].map((p) => Type.Literal(p))),
    prompt: Type.Union([Step, Type.Null()], { description: 'What the person should do now, from their own point of view' }),
    step: Type.Integer(),
    stepCount: Type.Integer(),
    keyFrame: Type.Union([Type.Object({ step: Step, seq: Type.Integer() }), Type.Null()], { description: 'This frame completed a step: keep the full-resolution frame taken with it' }),
    msLeft: Type.Union([Type.Number(), Type.Null()]),
    failure: Type.Union([Type.Object({ check: Type.String(), message: Type.String() }), Type.Null()]),
  }),
});

export const withFramesUrl = (issued: IssuedChallenge) => ({ ...issued, framesUrl: framesUrl(issued.challengeId) });

function bearer(request: FastifyRequest): string {
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  if (!match) throw new FacegateError('ERROR_UNAUTHORIZED', 'send the challenge token as "authorization: Bearer <token>"');
  return match[1];
}

export function livenessRoutes(deps: AppDeps) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    app.addContentTypeParser('image/jpeg', { parseAs: 'buffer', bodyLimit: MAX_GUIDANCE_FRAME_BYTES }, (_request, body, done) => done(null, body));

    app.post('/api/v1/liveness/challenges', {
      config: { permission: 'api:liveness' },
      schema: {
        tags,
        security: [{ apiKey: [] }],
        summary: 'Create an active-liveness challenge for one capture attempt; pass it to the browser SDK\'s capture()',
        body: Type.Object({
          level: Type.Optional(LivenessLevelSchema),
          subject: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Your reference for the person: failed attempts are counted (and locked out) per subject' })),
        }),
        response: { 201: IssuedChallengeSchema, ...errorResponses },
      },
      handler: async (request, reply) => {
        const issued = await deps.challenges.create({ kind: 'api', ref: request.body.subject ?? null }, request.body.level ?? 'HIGH');
        return reply.code(201).send(withFramesUrl(issued));
      },
    });

    app.post('/api/v1/liveness/challenges/:challengeId/frames', {
      config: { clientCertOptional: true },
      schema: {
        tags,
        summary: 'One guidance frame (image/jpeg, authorization: Bearer <challenge token>): face boxes, pose and the challenge prompt',
        params: Type.Object({ challengeId: Type.String({ maxLength: 64 }) }),
        response: { 200: FrameAnswer, ...errorResponses },
      },
      handler: async (request) => {
        const token = bearer(request);
        const frame = request.body;
        if (!Buffer.isBuffer(frame)) throw new FacegateError('ERROR_INVALID_IMAGE', `send one JPEG frame of at most ${MAX_GUIDANCE_FRAME_BYTES / 1024} KB as image/jpeg`);
        return deps.challenges.frame(request.params.challengeId, token, frame);
      },
    });
  };
}
