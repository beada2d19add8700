/** Administration: API keys and galleries (permissions admin:keys, admin:galleries). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FacegateError } from '../../core/errors.js';
import { createApiKey } from '../../services/api-keys.js';
import { createGallery, deleteGallery, requireGallery, updateGallery } from '../../services/galleries.js';
import type { ApiKeyRecord, Gallery } from '../../store/types.js';
import type { VerificationClient } from '../../store/verification-types.js';
import { createClient } from '../../services/clients.js';
import type { AppDeps } from '../context.js';
import { LivenessLevelSchema, LooseObject, MatchLevelSchema, errorResponses } from '../schemas.js';

const security = [{ apiKey: [] }];
const keyJson = (k: ApiKeyRecord) => ({ id: k.id, name: k.name, permissions: k.permissions, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt?.toISOString() ?? null });
const galleryJson = (g: Gallery) => ({ name: g.name, savePhoto: g.savePhoto, keepTemplates: g.keepTemplates, matchLevel: g.matchLevel, livenessLevel: g.livenessLevel, createdAt: g.createdAt.toISOString() });
const GallerySettings = {
  savePhoto: Type.Optional(Type.Boolean({ description: 'Keep enrollment photos (default true)' })),
  keepTemplates: Type.Optional(Type.Boolean({ description: 'Keep templates (default true); false: enroll returns a facemap the client keeps and the server stores nothing' })),
  matchLevel: Type.Optional(MatchLevelSchema),
  livenessLevel: Type.Optional(Type.Union([LivenessLevelSchema, Type.Null()], { description: 'Liveness level for SDK enroll/identify/search, or null to skip (default MODERATE)' })),
};

export function adminRoutes(deps: AppDeps) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const ok = { 200: LooseObject('Result'), ...errorResponses };
    const keysTags = ['admin: API keys'];
    const galleryTags = ['admin: galleries'];

    app.post('/admin/v1/keys', {
      config: { permission: 'admin:keys', audit: { action: 'key', context: 'admin' } },
      schema: { tags: keysTags, security, summary: 'Create an API key; the key is shown once', body: Type.Object({ name: Type.String({ minLength: 1 }), permissions: Type.Array(Type.String(), { minItems: 1, description: 'e.g. ["sdk:*", "backoffice:photo", "api:match"] or ["*"]' }) }), response: ok },
      handler: async (request) => {
        const { key, record } = await createApiKey(deps.store, request.body);
        return { key, ...keyJson(record) };
      },
    });
    app.get('/admin/v1/keys', {
      config: { permission: 'admin:keys' },
      schema: { tags: keysTags, security, summary: 'List API keys (never the keys themselves)', response: ok },
      handler: async () => ({ keys: (await deps.store.listApiKeys()).map(keyJson) }),
    });
    app.delete('/admin/v1/keys/:id', {
      config: { permission: 'admin:keys', audit: { action: 'key', context: 'admin' } },
      schema: { tags: keysTags, security, summary: 'Revoke an API key', params: Type.Object({ id: Type.String() }), response: ok },
      handler: async (request) => {
        if (!(await deps.store.revokeApiKey(request.params.id))) throw new FacegateError('ERROR_KEY_NOT_FOUND', `no active API key with id ${request.params.id}`);
        deps.authenticator.forget();
        return { id: request.params.id, revoked: true };
      },
    });

    const clientTags = ['admin: verification clients'];
    const clientJson = (c: VerificationClient) => ({ client: c.id, name: c.name, gallery: c.galleryName, callbackUrl: c.callbackUrl, createdAt: c.createdAt.toISOString(), revokedAt: c.revokedAt?.toISOString() ?? null });
    app.post('/admin/v1/clients', {
      config: { permission: 'admin:clients', audit: { action: 'client', context: 'admin' } },
      schema: { tags: clientTags, security, summary: 'Create a client for signed sessions (spec 004) and facemap authentication (spec 003); the secret is shown once', body: Type.Object({ name: Type.String({ minLength: 1 }), gallery: Type.Optional(Type.String()), callbackUrl: Type.Optional(Type.String()) }), response: ok },
      handler: async (request) => {
        const { client, secret } = await createClient(deps.store, { name: request.body.name, galleryName: request.body.gallery, callbackUrl: request.body.callbackUrl });
        return { ...clientJson(client), secret };
      },
    });
    app.get('/admin/v1/clients', {
      config: { permission: 'admin:clients' },
      schema: { tags: clientTags, security, summary: 'List clients (never their secrets)', response: ok },
      handler: async () => ({ clients: (await deps.store.listClients()).map(clientJson) }),
    });
    app.delete('/admin/v1/clients/:id', {
      config: { permission: 'admin:clients', audit: { action: 'client', context: 'admin' } },
      schema: { tags: clientTags, security, summary: 'Revoke a client', params: Type.Object({ id: Type.String() }), response: ok },
      handler: async (request) => {
        if (!(await deps.store.revokeClient(request.params.id))) throw new FacegateError('ERROR_NOT_FOUND', `no active client ${request.params.id}`);
        return { client: request.params.id, revoked: true };
      },
    });

    const webhookTags = ['admin: webhooks'];
    app.get('/admin/v1/webhooks', {
      config: { permission: 'admin:webhooks' },
      schema: {
        tags: webhookTags, security, summary: 'Webhook deliveries, newest first (docs/webhooks.md)',
        querystring: Type.Object({ status: Type.Optional(Type.Union(['pending', 'delivering', 'delivered', 'failed'].map((s) => Type.Literal(s)))), event: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        response: ok,
      },
      handler: async (request) => ({ deliveries: await deps.store.listWebhookDeliveries(request.query as Parameters<typeof deps.store.listWebhookDeliveries>[0]) }),
    });
    app.get('/admin/v1/webhooks/:id', {
      config: { permission: 'admin:webhooks' },
      schema: { tags: webhookTags, security, summary: 'One delivery with every attempt', params: Type.Object({ id: Type.String() }), response: ok },
      handler: async (request) => {
        const delivery = await deps.store.getWebhookDelivery(request.params.id);
        if (!delivery) throw new FacegateError('ERROR_NOT_FOUND', `no webhook delivery ${request.params.id}`);
        return delivery;
      },
    });

    app.post('/admin/v1/galleries', {
      config: { permission: 'admin:galleries', audit: { action: 'gallery', context: 'admin' } },
      schema: { tags: galleryTags, security, summary: 'Create a gallery', body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), ...GallerySettings }), response: ok },
      handler: async (request) => {
        const { name, ...settings } = request.body;
        return galleryJson(await createGallery(deps.store, name, settings));
      },
    });
    app.get('/admin/v1/galleries', {
      config: { permission: 'admin:galleries' },
      schema: { tags: galleryTags, security, summary: 'List galleries', response: ok },
      handler: async () => ({ galleries: (await deps.store.listGalleries()).map(galleryJson) }),
    });
    app.get('/admin/v1/galleries/:name', {
      config: { permission: 'admin:galleries' },
      schema: { tags: galleryTags, security, summary: 'A gallery with its enrollment count and index kind', params: Type.Object({ name: Type.String() }), response: ok },
      handler: async (request) => {
        const gallery = await requireGallery(deps.store, request.params.name);
        const enrollments = await deps.store.countEnrollments(gallery.name);
        const index = deps.indexes.find(gallery.name);
        return { ...galleryJson(gallery), enrollments, index: index ? { kind: index.kind, size: index.size } : { kind: deps.indexes.loading ? 'loading' : 'exact', size: 0 } };
      },
    });
    app.patch('/admin/v1/galleries/:name', {
      config: { permission: 'admin:galleries', audit: { action: 'gallery', context: 'admin' } },
      schema: { tags: galleryTags, security, summary: 'Change gallery settings', params: Type.Object({ name: Type.String() }), body: Type.Object(GallerySettings), response: ok },
      handler: async (request) => galleryJson(await updateGallery(deps.store, request.params.name, request.body)),
    });
    app.delete('/admin/v1/galleries/:name', {
      config: { permission: 'admin:galleries', audit: { action: 'gallery', context: 'admin' } },
      schema: { tags: galleryTags, security, summary: 'Delete a gallery with every enrollment, template and photo in it', params: Type.Object({ name: Type.String() }), response: ok },
      handler: async (request) => {
        await deleteGallery(deps.store, deps.indexes, request.params.name);
        return { name: request.params.name, deleted: true };
      },
    });
  };
}
