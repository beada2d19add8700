/** Spec 004 signed sessions and spec 003 facemap authentication, in-process, with a real callback receiver. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createCaptureBlob } from '../src/crypto/capture-blob.js';
import { openCaptureSession, submitCapture } from '../src/services/capture-sessions.js';
import { verifyWebhookSignature } from '../src/webhooks/signing.js';
import { DATASETS } from './datasets.js';
import { datasetBase64, multipart, startTestApp, type TestApp } from './http-harness.js';
import { generateHmac } from './spec-hmac.js';

const ALICE = ['dlib-johns/images/John_Salley/000179_02159509.jpg', 'dlib-johns/images/John_Salley/000183_02159543.jpg'];
const STRANGER = 'lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg';


let t: TestApp;
let receiver: Server;
let receiverUrl: string;
const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
let client: { client: string; secret: string };

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  t = await startTestApp({ FACEGATE_LIVENESS_LEVEL: 'LOW', FACEGATE_CAPTURE_LIVENESS_LEVEL: 'LOW', FACEGATE_PUBLIC_URL: 'https://verify.example.com' });
  await t.request({ method: 'POST', url: '/admin/v1/galleries', payload: { name: 'members', livenessLevel: 'LOW' } });
  assert.equal((await t.request({ method: 'POST', url: '/backoffice/v1/enroll', payload: { gallery: 'members', userId: 'alice', image: datasetBase64(ALICE[0]) } })).statusCode, 200);
  const created = await t.request({ method: 'POST', url: '/admin/v1/clients', payload: { name: 'shop', gallery: 'members', callbackUrl: receiverUrl } });
  assert.equal(created.statusCode, 200, created.body);
  client = created.json();
});
after(async () => {
  await t.close();
  receiver.close();
});

async function signedSession(body: string, options: { secret?: string; signedBody?: string } = {}) {
  const signature = generateHmac('POST', 'https://verify.example.com/api/v1/session', options.signedBody ?? body, 'application/json', client.client, options.secret ?? client.secret);
  return t.request({ method: 'POST', url: '/api/v1/session', key: null, payload: body, headers: { 'content-type': 'application/json', 'x-auth-client': client.client, 'x-hmac-signature': signature } });
}

const blobOf = async (relative: string) => createCaptureBlob(readFileSync(join(DATASETS, relative)), 'image/jpeg', t.deps.keys.publicKeyPem);
const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(check(), 'timed out');
};

test('a session signed with the spec code opens a capture page that verifies the enrolled person and calls back', async () => {
  const created = await signedSession(JSON.stringify({ country: 'US', uniqueIdentifier: 'alice' }));
  assert.equal(created.statusCode, 200, created.body);
  const { sessionId, baseUrl, Token, url } = created.json().data;
  assert.equal(baseUrl, 'https://verify.example.com');
  assert.equal(url, `https://verify.example.com/capture/${Token}`);

  const submitted = await t.request({ method: 'POST', url: `/capture/${Token}/submit`, key: null, payload: Buffer.from(await blobOf(ALICE[1])), headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(submitted.statusCode, 200, submitted.body);
  assert.equal(submitted.json().status, 'completed');
  assert.match(submitted.json().message, /verified/);

  const path = `/api/v1/session/${sessionId}`;
  const lookup = await t.request({ method: 'GET', url: path, key: null, headers: { 'x-auth-client': client.client, 'x-hmac-signature': generateHmac('GET', `https://x${path}`, '', '', client.client, client.secret) } });
  assert.equal(lookup.statusCode, 200, lookup.body);
  assert.equal(lookup.json().data.state, 'completed');
  assert.equal(lookup.json().data.result.match.possibleMatch, true);

  await waitFor(() => received.some((r) => r.headers['x-facegate-event'] === 'session.completed'));
  const hook = received.find((r) => r.headers['x-facegate-event'] === 'session.completed')!;
  assert.equal(verifyWebhookSignature(client.secret, hook.headers, hook.body), true);
  assert.equal(JSON.parse(hook.body).sessionId, sessionId);

  const again = await t.request({ method: 'POST', url: `/capture/${Token}/submit`, key: null, payload: Buffer.from(await blobOf(ALICE[1])), headers: { 'content-type': 'application/octet-stream' } });
  assert.match(again.json().message, /already completed/);
});

test('a different person fails the session', async () => {
  const { Token } = (await signedSession(JSON.stringify({ uniqueIdentifier: 'alice', timestamp: Date.now() }))).json().data;
  const submitted = await t.request({ method: 'POST', url: `/capture/${Token}/submit`, key: null, payload: Buffer.from(await blobOf(STRANGER)), headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(submitted.json().status, 'failed');
});

test('bad signatures, altered bodies, replays and stale requests are refused', async () => {
  const body = JSON.stringify({ uniqueIdentifier: 'alice', timestamp: Date.now() });
  const wrongSecret = await signedSession(body, { secret: 'not-the-secret' });
  assert.equal(wrongSecret.statusCode, 401);
  assert.match(wrongSecret.json().message, /does not match/);
  const altered = await signedSession(body.replace('alice', 'mallory'), { signedBody: body });
  assert.equal(altered.statusCode, 401);
  assert.equal((await signedSession(body)).statusCode, 200);
  const replay = await signedSession(body);
  assert.equal(replay.statusCode, 401);
  assert.match(replay.json().message, /Replayed/);
  const stale = await signedSession(JSON.stringify({ uniqueIdentifier: 'alice', timestamp: Date.now() - 10 * 60_000 }));
  assert.equal(stale.statusCode, 401);
  assert.match(stale.json().message, /Stale/);
  const unsigned = await t.request({ method: 'POST', url: '/api/v1/session', key: null, payload: body, headers: { 'content-type': 'application/json' } });
  assert.equal(unsigned.statusCode, 401, unsigned.body);
});

test('an expired session cannot be completed', async () => {
  const sessions = { engine: t.deps.engine, store: t.deps.store, keys: t.deps.keys, webhooks: t.deps.webhooks, challenges: t.deps.challenges, livenessLevel: 'LOW' as const, sessionLifetimeMs: 1 };
  const { token } = await openCaptureSession(sessions, { clientId: client.client, kind: 'session', subjectRef: 'alice', country: null }, new Date(Date.now() - 1000));
  const outcome = await submitCapture(sessions, token, await blobOf(ALICE[1]), new Date());
  assert.equal(outcome.status, 'expired');
  const unknown = await t.request({ method: 'POST', url: '/capture/not-a-token/submit', key: null, payload: Buffer.from('x'), headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(unknown.statusCode, 404);
});

test('facemap authentication: export, initiate with Basic auth, newest wins, PASSED, callback', async () => {
  const exported = (await t.request({ method: 'GET', url: '/backoffice/v1/facemap?gallery=members&userId=alice' })).json();
  const facemap = Buffer.from(exported.facemap, 'base64');
  const basic = `Basic ${Buffer.from(`${client.client}:${client.secret}`).toString('base64')}`;
  const initiate = async (bytes: Buffer) =>
    t.request({
      method: 'POST', url: '/api/authentication/v1/facemap/initiate', key: null,
      ...(() => {
        const form = multipart({
          facemap: { data: bytes, filename: 'facemap.bin', contentType: 'application/octet-stream' },
          enrollmentMetadata: JSON.stringify({ enrollmentMetadata: { enrollmentTransactionReference: exported.enrollmentTransactionReference, userReference: 'u-1', callbackUrl: receiverUrl, successUrl: 'https://shop.example/ok', errorUrl: 'https://shop.example/no', tokenLifetimeInMinutes: 5 } }),
        });
        return { payload: form.payload, headers: { ...form.headers, authorization: basic } };
      })(),
    });
  const first = await initiate(facemap);
  assert.equal(first.statusCode, 200, first.body);
  const second = (await initiate(facemap)).json();
  const state = async (reference: string) => (await t.request({ method: 'GET', url: `/api/authentication/v1/facemap/${reference}`, key: null, headers: { authorization: basic } })).json();
  assert.equal((await state(first.json().authenticationTransactionReference)).state, 'EXPIRED');
  assert.equal((await state(second.authenticationTransactionReference)).state, 'PENDING');

  const token = new URL(second.redirectUrl).pathname.split('/').pop()!;
  const outcome = (await t.request({ method: 'POST', url: `/capture/${token}/submit`, key: null, payload: Buffer.from(await blobOf(ALICE[1])), headers: { 'content-type': 'application/octet-stream' } })).json();
  assert.equal(outcome.status, 'completed');
  assert.equal(outcome.redirectUrl, 'https://shop.example/ok');
  const finished = await state(second.authenticationTransactionReference);
  assert.equal(finished.state, 'PASSED');
  assert.equal(finished.result.match.possibleMatch, true);
  await waitFor(() => received.some((r) => r.headers['x-facegate-event'] === 'authentication.finished'));

  const tampered = Buffer.from(facemap);
  tampered[tampered.length - 5] ^= 0xff;
  const refused = await initiate(tampered);
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.json().feedbackCode, 'ERROR_INVALID_TEMPLATE');
  const wrongSecret = await t.request({ method: 'GET', url: `/api/authentication/v1/facemap/${second.authenticationTransactionReference}`, key: null, headers: { authorization: `Basic ${Buffer.from(`${client.client}:nope`).toString('base64')}` } });
  assert.equal(wrongSecret.statusCode, 401);
});

test('a gallery that keeps no templates hands the enrollment to the client as a facemap, which then authenticates', async () => {
  assert.equal((await t.request({ method: 'POST', url: '/admin/v1/galleries', payload: { name: 'held', keepTemplates: false, livenessLevel: 'LOW' } })).json().keepTemplates, false);
  const enrolled = (await t.request({ method: 'POST', url: '/sdk/v1/enroll', payload: { gallery: 'held', userId: 'bob', image: datasetBase64(ALICE[0]) } })).json();
  assert.equal(enrolled.stored, false);
  assert.equal(enrolled.enrollmentTransactionReference, 'held/bob');
  assert.equal(await t.deps.store.getEnrollment('held', 'bob'), null);
  assert.equal(await t.deps.store.countEnrollments('held'), 0);
  const identify = await t.request({ method: 'POST', url: '/sdk/v1/identify', payload: { gallery: 'held', userId: 'bob', image: datasetBase64(ALICE[1]) } });
  assert.equal(identify.statusCode, 400);
  assert.match(identify.json().message, /keeps no templates/);

  const form = multipart({
    facemap: { data: Buffer.from(enrolled.facemap, 'base64'), filename: 'facemap.bin', contentType: 'application/octet-stream' },
    enrollmentMetadata: JSON.stringify({ enrollmentTransactionReference: 'held/bob' }),
  });
  const basic = `Basic ${Buffer.from(`${client.client}:${client.secret}`).toString('base64')}`;
  const initiated = (await t.request({ method: 'POST', url: '/api/authentication/v1/facemap/initiate', key: null, payload: form.payload, headers: { ...form.headers, authorization: basic } })).json();
  const token = new URL(initiated.redirectUrl).pathname.split('/').pop()!;
  const outcome = (await t.request({ method: 'POST', url: `/capture/${token}/submit`, key: null, payload: Buffer.from(await blobOf(ALICE[1])), headers: { 'content-type': 'application/octet-stream' } })).json();
  assert.equal(outcome.status, 'completed');
  const state = (await t.request({ method: 'GET', url: `/api/authentication/v1/facemap/${initiated.authenticationTransactionReference}`, key: null, headers: { authorization: basic } })).json();
  assert.equal(state.state, 'PASSED');
});
