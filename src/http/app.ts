/**
 * The Fastify application: plugins (multipart, rate limit, back-pressure,
 * OpenAPI), hooks, error handling and every route. Built without listening,
 * so tests drive it in-process with `inject`.
 */
import { randomUUID } from 'node:crypto';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyUnderPressure from '@fastify/under-pressure';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { FacegateError } from '../core/errors.js';
import { hashApiKey } from '../services/api-keys.js';
import type { AppDeps } from './context.js';
import { sendError, toFacegateError } from './errors.js';
import { registerHooks } from './hooks.js';
import { adminRoutes } from './routes/admin.js';
import { authenticationRoutes } from './routes/authentication.js';
import { captureAssetRoutes, loadSdkAssets } from './routes/capture-assets.js';
import { dossierRoutes } from './routes/dossiers.js';
import { sessionRoutes } from './routes/sessions.js';
import { contextRoutes } from './routes/context.js';
import { engineRoutes } from './routes/engine.js';
import { livenessRoutes } from './routes/liveness.js';
import { ErrorBody, MAX_UPLOAD_BYTES } from './schemas.js';
import { publicRoutes } from './routes/public.js';
import { httpsServerOptions } from './tls.js';


/** Multipart files arrive as Buffers; this keyword validates them and `binarySchemas` shows them as files in OpenAPI. */
const fileBufferKeyword = {
  keyword: 'fileBuffer',
  errors: false,
  validate: (_schema: unknown, data: unknown) => Buffer.isBuffer(data),
};

function binarySchemas<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(binarySchemas) as T;
  if (!schema || typeof schema !== 'object') return schema;
  const entries = Object.entries(schema as Record<string, unknown>);
  if ((schema as Record<string, unknown>).fileBuffer) {
    return { type: 'string', format: 'binary', ...Object.fromEntries(entries.filter(([k]) => k !== 'fileBuffer')) } as T;
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, binarySchemas(v)])) as T;
}

export async function buildApp(deps: AppDeps, options: { logger?: boolean | object } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    https: deps.config.tls ? httpsServerOptions(deps.config.tls) : null,
    logger: options.logger ?? { level: deps.config.logLevel },
    bodyLimit: deps.config.bodyLimitBytes,
    requestIdHeader: 'requestid',
    genReqId: () => randomUUID(),
    ajv: { customOptions: { keywords: [fileBufferKeyword], removeAdditional: false, coerceTypes: 'array' } },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addSchema(ErrorBody);
  // Set before any plugin registers routes, so theirs (/docs) answer with the common error body too.
  app.setErrorHandler((error, request, reply) => {
    const failure = toFacegateError(error as Error);
    if (failure.httpStatus >= 500 && failure.code !== 'ERROR_ENGINE_OVERLOADED') request.log.error({ err: error }, 'request failed');
    return sendError(request, reply, failure);
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Facegate', version: '0.1.0', description: 'Self-hosted face verification: the spec 000 enrollment API, the spec 002 face server API and administration.' },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' }, basicAuth: { type: 'http', scheme: 'basic' } } },
    },
    transform: ({ schema, url }) => ({ schema: binarySchemas(schema), url }),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyMultipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: MAX_UPLOAD_BYTES, files: 2, fields: 20 } });
  await app.register(fastifyRateLimit, {
    max: deps.config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const key = request.headers['x-api-key'];
      return typeof key === 'string' && key ? `key:${hashApiKey(key)}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => new FacegateError('ERROR_RATE_LIMITED', `Rate limit of ${context.max} requests per minute reached; retry in ${Math.ceil(context.ttl / 1000)} s`),
  });
  await app.register(fastifyUnderPressure, {
    maxEventLoopDelay: 2000,
    retryAfter: 1,
    pressureHandler: (request, reply) => {
      void sendError(request, reply, new FacegateError('ERROR_ENGINE_OVERLOADED', 'Server under pressure; retry shortly'));
    },
  });

  registerHooks(app, deps);
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new FacegateError('ERROR_NOT_FOUND', `No route ${request.method} ${request.url}; the API is described at /openapi.json and /docs`)),
  );

  await app.register(publicRoutes(deps));
  await app.register(engineRoutes(deps));
  await app.register(livenessRoutes(deps));
  await app.register(contextRoutes(deps, 'sdk'));
  await app.register(contextRoutes(deps, 'backoffice'));
  await app.register(adminRoutes(deps));
  const sessions = {
    engine: deps.engine,
    store: deps.store,
    keys: deps.keys,
    webhooks: deps.webhooks,
    challenges: deps.challenges,
    livenessLevel: deps.config.captureLivenessLevel,
    sessionLifetimeMs: deps.config.sessionLifetimeMs,
  };
  await app.register(sessionRoutes(deps, sessions));
  await app.register(authenticationRoutes(deps, sessions));
  await app.register(dossierRoutes(deps, sessions));
  await app.register(captureAssetRoutes(deps, await loadSdkAssets()));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
