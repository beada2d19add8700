/**
 * Endpoints that need no API key: health, server time, the capture public key
 * and the model list. The capture page's SDK fetches the last three and
 * probes call health, so none needs a client certificate either.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../context.js';
import { LooseObject } from '../schemas.js';

export function publicRoutes(deps: AppDeps) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const both = ['GET', 'POST'] as const;
    const tags = ['server'];
    const config = { clientCertOptional: true } as const;

    app.route({
      method: [...both],
      url: '/api/v1/face_health',
      config,
      schema: { tags, summary: 'Health: OK when every model is loaded and the store answers', response: { 200: LooseObject('{status: "OK", …}') } },
      handler: async () => {
        // A cheap indexed query: proves the store answers without reading any data.
        await deps.store.countEnrollments('__health__');
        return { status: 'OK', modelId: deps.engine.modelId, pack: `${deps.engine.pack.manifest.id}@${deps.engine.pack.manifest.version}`, store: deps.store.kind, ...deps.engine.stats };
      },
    });
    app.route({
      method: [...both],
      url: '/api/v1/time',
      config,
      schema: { tags, summary: 'Server epoch time, for aligning capture timestamps (blobs expire after 2 minutes)', response: { 200: LooseObject('{epochMillis, iso}') } },
      handler: async () => {
        const now = Date.now();
        return { epochMillis: now, iso: new Date(now).toISOString() };
      },
    });
    app.route({
      method: [...both],
      url: '/api/v1/pub_key',
      config,
      schema: { tags, summary: 'RSA public key that capture blobs are encrypted to (RSA-OAEP SHA-256 + AES-256-GCM, docs/encryption.md), and the Ed25519 key that signs result manifests', response: { 200: LooseObject('{keyId, algorithm, spki, pem, signingKeyPem}') } },
      handler: async () => ({ keyId: deps.keys.keyId, algorithm: 'RSA-OAEP-256+A256GCM', spki: deps.keys.publicKeySpkiDerBase64, pem: deps.keys.publicKeyPem, signingKeyPem: deps.keys.signingPublicKeyPem }),
    });
    app.route({
      method: [...both],
      url: '/api/v1/models',
      config,
      schema: { tags, summary: 'The model pack in use', response: { 200: LooseObject('{packId, version, modelId, models}') } },
      handler: async () => {
        const { manifest } = deps.engine.pack;
        return {
          packId: manifest.id,
          version: manifest.version,
          modelId: deps.engine.modelId,
          models: Object.fromEntries(Object.entries(manifest.models).map(([role, m]) => [role, { file: m.file, sha256: m.sha256, input: m.input }])),
        };
      },
    });
  };
}
