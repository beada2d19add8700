/**
 * HTTPS and mTLS against the real server on a real socket: the handshake
 * refuses strangers in require mode; request mode serves the capture page to
 * phones and answers 401 elsewhere. The PKI is made with the CLI's helpers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadServerConfig } from '../src/config.js';
import { createClientCa, createClientCsr, createServerCertificate, signClientCsr } from '../src/crypto/x509.js';
import { buildApp } from '../src/http/app.js';
import { openCaptureSession } from '../src/services/capture-sessions.js';
import { createClient } from '../src/services/clients.js';
import { startTestApp, type TestApp } from './http-harness.js';

interface ClientIdentity {
  cert: string;
  key: string;
}

const dir = mkdtempSync(join(tmpdir(), 'facegate-tls-'));
const clientCa = createClientCa({ days: 30 });
const server = createServerCertificate({ hosts: ['localhost', '127.0.0.1'], days: 30 });
const csr = createClientCsr({ commonName: 'bank-backend' });
const bank: ClientIdentity = { cert: signClientCsr(csr.csrPem, clientCa, { days: 1 }).certificatePem, key: csr.privateKeyPem };
// Same key and subject, signed by another CA of the very same name: only the CA's key tells them apart.
const impostor: ClientIdentity = { cert: signClientCsr(csr.csrPem, createClientCa({ days: 30 }), { days: 1 }).certificatePem, key: csr.privateKeyPem };

const file = (name: string, content: string) => {
  writeFileSync(join(dir, name), content);
  return join(dir, name);
};
const tlsEnv = {
  FACEGATE_TLS_CERT: file('server.crt', server.certificatePem),
  FACEGATE_TLS_KEY: file('server.key', server.privateKeyPem),
  FACEGATE_TLS_CLIENT_CA: file('client-ca.crt', clientCa.certificatePem),
};

let t: TestApp;
let requireUrl: string;
let requestModeApp: FastifyInstance;
let requestUrl: string;

before(async () => {
  t = await startTestApp(tlsEnv);
  requireUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  // The same engine and store behind a second listener, configured for request mode.
  const config = loadServerConfig({ FACEGATE_DATA_DIR: t.dataDir, LOG_LEVEL: 'silent', ...tlsEnv, FACEGATE_TLS_CLIENT_CERT: 'request' });
  requestModeApp = await buildApp({ ...t.deps, config }, { logger: false });
  requestUrl = await requestModeApp.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await requestModeApp.close();
  await t.close();
});

/** One HTTPS request on a fresh connection (agent: false), so every call does its own handshake. */
function call(base: string, path: string, options: { identity?: ClientIdentity; apiKey?: string; method?: string; body?: string | Buffer; contentType?: string } = {}): Promise<{ status: number; body: string; json: () => Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.apiKey) headers['x-api-key'] = options.apiKey;
    if (options.contentType) headers['content-type'] = options.contentType;
    const outgoing = httpsRequest(new URL(path, base), { method: options.method ?? 'GET', agent: false, ca: server.certificatePem, ...options.identity, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode!, body, json: () => JSON.parse(body) as Record<string, unknown> });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

const handshakeRefused = (err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  // TLS 1.3 clients learn of the refusal after sending: an alert, or the connection reset.
  assert.match(code, /^(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ERR_SSL_TLSV1_ALERT_UNKNOWN_CA|ECONNRESET|EPIPE)$/, String(err));
  return true;
};

test('the server listens on https', () => {
  assert.match(requireUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(requestUrl, /^https:\/\//);
});

test('require mode: a certificate signed by the client CA gets through, and the API key is still checked', async () => {
  const galleries = await call(requireUrl, '/admin/v1/galleries', { identity: bank, apiKey: t.adminKey });
  assert.equal(galleries.status, 200, galleries.body);
  assert.ok(Array.isArray(galleries.json().galleries));
  const keyless = await call(requireUrl, '/admin/v1/galleries', { identity: bank });
  assert.equal(keyless.status, 401);
  assert.match(String(keyless.json().message), /x-api-key/);
});

test('require mode: without a certificate, or with one of another CA, the handshake fails even for public routes', async () => {
  await assert.rejects(call(requireUrl, '/admin/v1/galleries', { apiKey: t.adminKey }), handshakeRefused);
  await assert.rejects(call(requireUrl, '/api/v1/time'), handshakeRefused);
  await assert.rejects(call(requireUrl, '/admin/v1/galleries', { identity: impostor, apiKey: t.adminKey }), handshakeRefused);
});

test('request mode: the capture page, its SDK and the endpoints they call work without a certificate', async () => {
  const { client } = await createClient(t.deps.store, { name: 'shop' });
  const sessions = { engine: t.deps.engine, store: t.deps.store, keys: t.deps.keys, webhooks: t.deps.webhooks, challenges: t.deps.challenges, livenessLevel: 'LOW' as const, sessionLifetimeMs: 60_000 };
  const { token } = await openCaptureSession(sessions, { clientId: client.id, kind: 'session', subjectRef: null, country: null }, new Date());

  const page = await call(requestUrl, `/capture/${token}`);
  assert.equal(page.status, 200, page.body);
  assert.match(page.body, /facegate-capture-config/);
  assert.equal((await call(requestUrl, '/sdk/facegate-capture.js')).status, 200);
  for (const path of ['/api/v1/time', '/api/v1/pub_key', '/api/v1/models', '/api/v1/face_health']) {
    const response = await call(requestUrl, path);
    assert.equal(response.status, 200, `${path}: ${response.body}`);
  }
  // Not a JPEG: the guidance handler itself answers, so the request got past the certificate check.
  const guidance = await call(requestUrl, `/capture/${token}/guidance`, { method: 'POST', body: Buffer.from('not a frame'), contentType: 'image/jpeg' });
  assert.equal(guidance.status, 400, guidance.body);
  assert.equal(guidance.json().feedbackCode, 'ERROR_INVALID_FORMAT');
});

test('request mode: any other route answers 401 with the error body unless the client CA signed the certificate', async () => {
  const match = { method: 'POST', apiKey: t.adminKey, contentType: 'application/json', body: JSON.stringify({ image: { template: 'x', format: 'JPEG' }, imageToVerifyAgainst: { template: 'x', format: 'JPEG' } }) };
  const anonymous = await call(requestUrl, '/api/v1/matchWithSelfie', match);
  assert.equal(anonymous.status, 401, anonymous.body);
  const body = anonymous.json();
  assert.equal(body.code, 710);
  assert.equal(body.feedbackCode, 'ERROR_UNAUTHORIZED');
  assert.match(String(body.message), /client certificate.*none was sent/);
  assert.equal(typeof body.requestId, 'string');

  const stranger = await call(requestUrl, '/api/v1/matchWithSelfie', { ...match, identity: impostor });
  assert.equal(stranger.status, 401, stranger.body);
  assert.match(String(stranger.json().message), /client certificate was refused/);

  const galleries = await call(requestUrl, '/admin/v1/galleries', { identity: bank, apiKey: t.adminKey });
  assert.equal(galleries.status, 200, galleries.body);
  const unknownRoute = await call(requestUrl, '/admin/v1/nothing-here', { apiKey: t.adminKey });
  assert.equal(unknownRoute.status, 401, 'a stranger does not even learn which routes exist');
  const docs = await call(requestUrl, '/docs/json', {});
  assert.equal(docs.status, 401, 'plugin routes answer with the common error body too, not a 500');
  assert.equal(docs.json().feedbackCode, 'ERROR_UNAUTHORIZED');
});

test('bad TLS settings stop the start with a message naming the variable', () => {
  const base = { FACEGATE_DATA_DIR: dir };
  const refuses = (env: Record<string, string>, pattern: RegExp) => assert.throws(() => loadServerConfig({ ...base, ...env }), pattern);
  refuses({ FACEGATE_TLS_CERT: tlsEnv.FACEGATE_TLS_CERT }, /FACEGATE_TLS_KEY is missing/);
  refuses({ ...tlsEnv, FACEGATE_TLS_CERT: join(dir, 'missing.crt') }, /FACEGATE_TLS_CERT: cannot read .*missing\.crt \(ENOENT\)/);
  refuses({ ...tlsEnv, FACEGATE_TLS_CERT: file('garbage.crt', 'hello') }, /FACEGATE_TLS_CERT: .* is not a PEM certificate/);
  refuses({ ...tlsEnv, FACEGATE_TLS_KEY: file('csr.key', csr.privateKeyPem) }, /FACEGATE_TLS_KEY: .* is not the private key of the certificate/);
  refuses({ FACEGATE_TLS_CLIENT_CA: tlsEnv.FACEGATE_TLS_CLIENT_CA }, /FACEGATE_TLS_CLIENT_CA needs FACEGATE_TLS_CERT and FACEGATE_TLS_KEY/);
  refuses({ ...tlsEnv, FACEGATE_TLS_CLIENT_CA: tlsEnv.FACEGATE_TLS_CERT }, /FACEGATE_TLS_CLIENT_CA: .* is not a CA certificate/);
  refuses({ ...tlsEnv, FACEGATE_TLS_CLIENT_CERT: 'optional' }, /FACEGATE_TLS_CLIENT_CERT must be require or request/);
  refuses({ FACEGATE_TLS_CERT: tlsEnv.FACEGATE_TLS_CERT, FACEGATE_TLS_KEY: tlsEnv.FACEGATE_TLS_KEY, FACEGATE_TLS_CLIENT_CERT: 'request' }, /FACEGATE_TLS_CLIENT_CERT needs FACEGATE_TLS_CLIENT_CA/);
  assert.equal(loadServerConfig({ ...base, ...tlsEnv }).tls?.clientCa?.mode, 'require', 'a client CA alone means require');
  assert.equal(loadServerConfig(base).tls, undefined);
});
