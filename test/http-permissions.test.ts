/** The full permission matrix: every protected endpoint × no key (401), a key without its permission (403), a key with it (neither). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ALL_PERMISSIONS, type Permission } from '../src/core/permissions.js';
import { createApiKey } from '../src/services/api-keys.js';
import { startTestApp, type TestApp } from './http-harness.js';

type Guard = Permission | 'sdk' | 'backoffice';
const ENDPOINTS: Array<[method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', url: string, guard: Guard]> = [
  ['POST', '/api/v1/process', 'api:process'],
  ['POST', '/api/v1/matchWithSelfie', 'api:match'],
  ['POST', '/api/v1/matchWithPictureId', 'api:match'],
  ['POST', '/api/v1/verifyWithPictureId', 'api:verify'],
  ['POST', '/api/v1/face/generateTemplateFromImage', 'api:generate-template'],
  ['POST', '/api/v1/face/as', 'api:liveness'],
  ['POST', '/api/v1/secure/face/as', 'api:liveness'],
  ['POST', '/api/v1/liveness/challenges', 'api:liveness'],
  ['POST', '/sdk/v1/handshake', 'sdk'],
  ['POST', '/sdk/v1/enroll', 'sdk:enroll'],
  ['POST', '/sdk/v1/identify', 'sdk:identify'],
  ['POST', '/sdk/v1/search', 'sdk:search'],
  ['POST', '/sdk/v1/liveness', 'sdk:liveness'],
  ['POST', '/sdk/v1/capture', 'sdk:capture'],
  ['POST', '/backoffice/v1/handshake', 'backoffice'],
  ['POST', '/backoffice/v1/enroll', 'backoffice:enroll'],
  ['PUT', '/backoffice/v1/enroll', 'backoffice:update-enroll'],
  ['DELETE', '/backoffice/v1/enroll?gallery=g&userId=u', 'backoffice:delete-enroll'],
  ['POST', '/backoffice/v1/identify', 'backoffice:identify'],
  ['POST', '/backoffice/v1/search', 'backoffice:search'],
  ['POST', '/backoffice/v1/liveness', 'backoffice:liveness'],
  ['POST', '/backoffice/v1/capture', 'backoffice:capture'],
  ['GET', '/backoffice/v1/photo?gallery=g&userId=u', 'backoffice:photo'],
  ['GET', '/backoffice/v1/log-session', 'backoffice:log-session'],
  ['POST', '/admin/v1/keys', 'admin:keys'],
  ['GET', '/admin/v1/keys', 'admin:keys'],
  ['DELETE', '/admin/v1/keys/00000000-0000-0000-0000-000000000000', 'admin:keys'],
  ['POST', '/admin/v1/galleries', 'admin:galleries'],
  ['GET', '/admin/v1/galleries', 'admin:galleries'],
  ['GET', '/admin/v1/galleries/g', 'admin:galleries'],
  ['PATCH', '/admin/v1/galleries/g', 'admin:galleries'],
  ['DELETE', '/admin/v1/galleries/g', 'admin:galleries'],
  ['GET', '/backoffice/v1/facemap?gallery=g&userId=u', 'backoffice:facemap'],
  ['POST', '/admin/v1/clients', 'admin:clients'],
  ['GET', '/admin/v1/clients', 'admin:clients'],
  ['DELETE', '/admin/v1/clients/00000000-0000-0000-0000-000000000000', 'admin:clients'],
  ['GET', '/admin/v1/webhooks', 'admin:webhooks'],
  ['GET', '/admin/v1/webhooks/00000000-0000-0000-0000-000000000000', 'admin:webhooks'],
];

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const withoutGuard = (guard: Guard) => ALL_PERMISSIONS.filter((p) => (guard === 'sdk' || guard === 'backoffice' ? !p.startsWith(`${guard}:`) : p !== guard));
const withGuard = (guard: Guard): string[] => (guard === 'sdk' ? ['sdk:liveness'] : guard === 'backoffice' ? ['backoffice:photo'] : [guard]);

test('every permission guards at least one endpoint of the matrix, in every route family', () => {
  const routes = t.app.printRoutes({ commonPrefix: false });
  for (const prefix of ['/api/v1/', '/sdk/v1/', '/backoffice/v1/', '/admin/v1/']) assert.ok(routes.includes(prefix));
  const covered = new Set(ENDPOINTS.map(([, , guard]) => guard));
  for (const permission of ALL_PERMISSIONS) assert.ok(covered.has(permission), `${permission} has no endpoint in the matrix`);
});

/** Routes guarded by something other than an API key (or by nothing), each for a reason. */
const NOT_API_KEY_ROUTES = [
  /^\/docs/, // API documentation
  /^\/openapi\.json$/,
  /^\/api\/v1\/(face_health|time|pub_key|models)$/, // public by the spec and for the SDK
  /^\/sdk\/:file$/, // the SDK script, loaded by end users' browsers
  /^\/capture\/:token/, // the hosted page: its token
  /^\/api\/v1\/session/, // spec 004: HMAC-signed
  /^\/api\/v1\/liveness\/challenges\/:challengeId\/frames$/, // the challenge token, held by the person's browser
  /^\/api\/v1\/dossiers/, // spec 001: HTTP Basic
  /^\/api\/authentication\/v1\//, // spec 003: HTTP Basic
];

/** Every route Fastify has, as [method, path], read from its route tree (children under their parents). */
function registeredRoutes(app: TestApp['app']): Array<[string, string]> {
  const routes: Array<[string, string]> = [];
  const parents: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│   |    )*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    const path = (parents[depth - 1] ?? '') + match[2];
    parents[depth] = path;
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push([method, path]);
  }
  return routes;
}

test('every route is in the matrix unless it is authenticated some other way, on purpose', () => {
  const routes = registeredRoutes(t.app);
  assert.ok(routes.length > 50, `read ${routes.length} routes from the route tree`);
  const inMatrix = (method: string, path: string) => {
    const pattern = new RegExp(`^${path.replace(/:[^/]+/g, '[^/]+')}$`);
    return ENDPOINTS.some(([m, url]) => m === method && pattern.test(url.split('?')[0]));
  };
  const unaccounted = routes.filter(([method, path]) => !NOT_API_KEY_ROUTES.some((allowed) => allowed.test(path)) && !inMatrix(method, path));
  assert.deepEqual(unaccounted, [], 'add these to the permission matrix, or to NOT_API_KEY_ROUTES with the reason');
});

for (const [method, url, guard] of ENDPOINTS) {
  test(`${method} ${url.split('?')[0]}: 401 without a key, 403 without ${guard}, allowed with it`, async () => {
    const body = method === 'GET' || method === 'DELETE' ? undefined : {};
    const anonymous = await t.request({ method, url, payload: body, key: null });
    assert.equal(anonymous.statusCode, 401, anonymous.body);
    assert.equal(anonymous.json().feedbackCode, 'ERROR_UNAUTHORIZED');
    const unknown = await t.request({ method, url, payload: body, key: '6f1c1f7e-1111-4222-8333-944445555666' });
    assert.equal(unknown.statusCode, 401);

    const lacking = await createApiKey(t.deps.store, { name: `without ${guard}`, permissions: withoutGuard(guard) });
    const denied = await t.request({ method, url, payload: body, key: lacking.key });
    assert.equal(denied.statusCode, 403, denied.body);
    assert.equal(denied.json().feedbackCode, 'ERROR_FORBIDDEN');
    assert.match(denied.json().message, /lacks the permission/);

    const holding = await createApiKey(t.deps.store, { name: `with ${guard}`, permissions: withGuard(guard) });
    const allowed = await t.request({ method, url, payload: body, key: holding.key });
    assert.ok(![401, 403].includes(allowed.statusCode), `${allowed.statusCode} ${allowed.body}`);
    assert.ok(allowed.statusCode < 500, `${allowed.statusCode} ${allowed.body}`);
  });
}

test('public endpoints need no key', async () => {
  for (const url of ['/api/v1/face_health', '/api/v1/time', '/api/v1/pub_key', '/api/v1/models', '/openapi.json']) {
    const response = await t.request({ method: 'GET', url, key: null });
    assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
  }
  assert.equal((await t.request({ method: 'POST', url: '/api/v1/time', key: null })).statusCode, 200);
});

test('a revoked key stops working at once', async () => {
  const { key, record } = await createApiKey(t.deps.store, { name: 'short-lived', permissions: ['admin:galleries'] });
  assert.equal((await t.request({ method: 'GET', url: '/admin/v1/galleries', key })).statusCode, 200);
  const revoked = await t.request({ method: 'DELETE', url: `/admin/v1/keys/${record.id}` });
  assert.equal(revoked.statusCode, 200, revoked.body);
  assert.equal((await t.request({ method: 'GET', url: '/admin/v1/galleries', key })).statusCode, 401);
});
