/** Spec 001 dossiers and processes in-process: reference photo, liveness capture, verification, signed result zip. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createCaptureBlob } from '../src/crypto/capture-blob.js';
import { DATASETS } from './datasets.js';
import { datasetBase64, startTestApp, type TestApp } from './http-harness.js';

let t: TestApp;
let basic: string;
let otherBasic: string;
before(async () => {
  t = await startTestApp({ FACEGATE_LIVENESS_LEVEL: 'LOW', FACEGATE_CAPTURE_LIVENESS_LEVEL: 'LOW' });
  const auth = (c: { client: string; secret: string }) => `Basic ${Buffer.from(`${c.client}:${c.secret}`).toString('base64')}`;
  basic = auth((await t.request({ method: 'POST', url: '/admin/v1/clients', payload: { name: 'bank' } })).json());
  otherBasic = auth((await t.request({ method: 'POST', url: '/admin/v1/clients', payload: { name: 'other' } })).json());
});
after(() => t.close());

const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, authorization = basic) => t.request({ method, url, payload, key: null, headers: { authorization } });

async function newProcess() {
  const dossier = (await call('POST', '/api/v1/dossiers', { metadata: { customer: 'c-42' } })).json();
  const process = (await call('POST', `/api/v1/dossiers/${dossier.dossierId}/processes`, { provider: 'facegate' })).json();
  return { dossierId: dossier.dossierId as string, processId: process.processId as string, captureUrl: process.captureUrl as string, base: `/api/v1/dossiers/${dossier.dossierId}/processes/${process.processId}` };
}

test('accepted when liveness and match pass; the zip holds the result, the images and a signed manifest', async () => {
  const p = await newProcess();
  assert.equal((await call('PUT', `${p.base}/image`, { image: datasetBase64('lfw-dev/images/Colin_Powell/Colin_Powell_0002.jpg') })).statusCode, 200);
  const early = await call('POST', `${p.base}/verify`);
  assert.equal(early.statusCode, 400);
  assert.match(early.json().message, /liveness capture/);

  const token = new URL(p.captureUrl).pathname.split('/').pop()!;
  const blob = await createCaptureBlob(readFileSync(join(DATASETS, 'lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg')), 'image/jpeg', t.deps.keys.publicKeyPem);
  const captured = await t.request({ method: 'POST', url: `/capture/${token}/submit`, key: null, payload: Buffer.from(blob), headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(captured.json().status, 'completed', captured.body);

  const verified = (await call('POST', `${p.base}/verify`)).json();
  assert.equal(verified.status, 'accepted', JSON.stringify(verified));
  assert.equal(verified.result.match.possibleMatch, true);
  assert.equal(verified.result.liveness.passed, true);
  assert.equal((await call('POST', `${p.base}/verify`)).statusCode, 400, 'a finished process is not verified again');

  const zip = await call('GET', `${p.base}/result.zip`);
  assert.equal(zip.statusCode, 200);
  assert.equal(zip.headers['content-type'], 'application/zip');
  const dir = mkdtempSync(join(tmpdir(), 'facegate-dossier-'));
  writeFileSync(join(dir, 'r.zip'), zip.rawPayload);
  execFileSync('python3', ['-c', 'import zipfile,sys;zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', join(dir, 'r.zip'), dir]);
  const manifestBytes = readFileSync(join(dir, 'manifest.json'));
  const manifest = JSON.parse(manifestBytes.toString());
  assert.deepEqual(manifest.files.map((f: { name: string }) => f.name), ['result.json', 'reference.jpeg', 'liveness.jpeg']);
  for (const file of manifest.files) assert.equal(createHash('sha256').update(readFileSync(join(dir, file.name))).digest('hex'), file.sha256);
  const { signingKeyPem } = (await t.request({ method: 'GET', url: '/api/v1/pub_key', key: null })).json();
  const signature = Buffer.from(readFileSync(join(dir, 'manifest.sig'), 'utf8'), 'base64');
  assert.equal(verify(null, manifestBytes, signingKeyPem, signature), true);
  assert.equal(verify(null, Buffer.concat([manifestBytes, Buffer.from(' ')]), signingKeyPem, signature), false);
  assert.equal(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')).process.status, 'accepted');
});

test('rejected when the capture is someone else; uploads with faces only; clients see only their dossiers', async () => {
  const p = await newProcess();
  await call('PUT', `${p.base}/image`, { image: datasetBase64('dlib-johns/images/John_Salley/000179_02159509.jpg') });
  const noFace = await call('POST', `${p.base}/capture`, { image: Buffer.from(readFileSync(join(DATASETS, 'README.md'))).toString('base64') });
  assert.equal(noFace.statusCode, 400);
  assert.equal((await call('POST', `${p.base}/capture`, { image: datasetBase64('lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg') })).statusCode, 200);
  const verified = (await call('POST', `${p.base}/verify`)).json();
  assert.equal(verified.status, 'rejected');
  assert.equal(verified.result.match.possibleMatch, false);

  // The capture link is still at hand after an upload: it must not replace the verified image.
  const token = new URL(p.captureUrl).pathname.split('/').pop()!;
  const blob = await createCaptureBlob(readFileSync(join(DATASETS, 'lfw-dev/images/Colin_Powell/Colin_Powell_0002.jpg')), 'image/jpeg', t.deps.keys.publicKeyPem);
  const late = await t.request({ method: 'POST', url: `/capture/${token}/submit`, key: null, payload: Buffer.from(blob), headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(late.statusCode, 400, late.body);
  assert.match(late.json().message, /is rejected; create a new process/);
  const kept = await t.deps.store.getProcess(p.processId);
  assert.deepEqual(Buffer.from(kept!.livenessImage!), readFileSync(join(DATASETS, 'lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg')));
  assert.equal((await call('GET', p.base, undefined, otherBasic)).statusCode, 404);
  assert.equal((await call('GET', p.base, undefined, 'Basic Zm9vOmJhcg==')).statusCode, 401);
});
