/** The spec 002 engine endpoints in-process, on real images. */
import assert from 'node:assert/strict';
import { generateKeyPairSync, privateDecrypt, constants, createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { templateFromBase64 } from '../src/core/template.js';
import { createCaptureBlob } from '../src/crypto/capture-blob.js';
import { DATASETS } from './datasets.js';
import { datasetBase64, multipart, startTestApp, type TestApp } from './http-harness.js';

const SALLEY = ['dlib-johns/images/John_Salley/000179_02159509.jpg', 'dlib-johns/images/John_Salley/000183_02159543.jpg'];
const powell = 'lfw-dev/images/Colin_Powell/Colin_Powell_0001.jpg';

let t: TestApp;
let savage: string;
before(async () => {
  t = await startTestApp();
  const dir = join(DATASETS, 'dlib-johns/images/John_Savage');
  savage = `dlib-johns/images/John_Savage/${(await import('node:fs')).readdirSync(dir).sort()[0]}`;
});
after(() => t.close());

const imageRef = (relative: string) => ({ template: datasetBase64(relative), format: 'JPEG' });

test('matchWithSelfie: spec fields, refid format, same vs different person', async () => {
  const same = await t.request({ method: 'POST', url: '/api/v1/matchWithSelfie', payload: { image: imageRef(SALLEY[0]), imageToVerifyAgainst: imageRef(SALLEY[1]), level: 'HIGH' } });
  assert.equal(same.statusCode, 200, same.body);
  const body = same.json();
  assert.equal(body.code, 200);
  assert.equal(body.feedbackCode, 'FEEDBACK_MATCHED');
  assert.match(body.refid, /^W-face-match121-[0-9a-f-]{36}-\d{13}$/);
  assert.equal(body.possibleMatch, true);
  assert.ok(body.similarityScore >= 90);
  assert.equal(typeof body.multipleFacesImage, 'boolean');
  assert.ok(same.headers.requestid);
  const different = (await t.request({ method: 'POST', url: '/api/v1/matchWithSelfie', payload: { image: imageRef(SALLEY[0]), imageToVerifyAgainst: imageRef(savage), level: 'MEDIUM' } })).json();
  assert.equal(different.possibleMatch, false);
  assert.equal(different.matchHighestSecurityLevelReached, 'NONE');
});

test('matchWithPictureId uses the ID-photo scale', async () => {
  const r = (await t.request({ method: 'POST', url: '/api/v1/matchWithPictureId', payload: { image: imageRef(SALLEY[0]), imageToVerifyAgainst: imageRef(SALLEY[1]), level: 'HIGHEST' } })).json();
  assert.equal(r.possibleMatch, true);
  assert.equal(r.matchHighestSecurityLevelReached, 'HIGHEST');
});

test('bad input on the match endpoints gives the spec codes, never a 500', async () => {
  const cases: Array<[unknown, number, string]> = [
    [{ image: imageRef(SALLEY[0]), imageToVerifyAgainst: imageRef(SALLEY[1]), level: 'LOW' }, 400, 'ERROR_INVALID_JSON'],
    [{ image: imageRef(SALLEY[0]), level: 'HIGH' }, 400, 'ERROR_INVALID_JSON'],
    [{ image: { template: 'bm90IGFuIGltYWdl', format: 'JPEG' }, imageToVerifyAgainst: imageRef(SALLEY[1]), level: 'HIGH' }, 400, 'ERROR_INVALID_FORMAT'],
    [{ image: { template: '!!!', format: 'JPEG' }, imageToVerifyAgainst: imageRef(SALLEY[1]), level: 'HIGH' }, 400, 'ERROR_INVALID_FORMAT'],
    [{ image: { ...imageRef(SALLEY[0]), format: 'ISO_19794_5' }, imageToVerifyAgainst: imageRef(SALLEY[1]), level: 'HIGH' }, 400, 'ERROR_INVALID_FORMAT'],
    [{ image: imageRef(SALLEY[0]), imageToVerifyAgainst: { template: 123, format: 'JPEG' }, level: 'HIGH' }, 400, 'ERROR_INVALID_FORMAT'],
    [{ image: imageRef(SALLEY[0]), imageToVerifyAgainst: { template: { nested: true }, format: 'JPEG' }, level: 'HIGH' }, 400, 'ERROR_INVALID_JSON'],
  ];
  for (const [payload, status, code] of cases) {
    const r = await t.request({ method: 'POST', url: '/api/v1/matchWithSelfie', payload: payload as object });
    assert.equal(r.statusCode, status, r.body);
    assert.equal(r.json().feedbackCode, code, r.body);
    assert.ok(r.json().message.length > 10);
  }
  const blank = (await import('sharp')).default({ create: { width: 200, height: 200, channels: 3, background: '#777' } }).jpeg();
  const noFace = await t.request({ method: 'POST', url: '/api/v1/matchWithSelfie', payload: { image: { template: (await blank.toBuffer()).toString('base64'), format: 'JPEG' }, imageToVerifyAgainst: imageRef(SALLEY[1]), level: 'HIGH' } });
  assert.equal(noFace.json().feedbackCode, 'ERROR_INVALID_IMAGE');
  assert.match(noFace.json().message, /image\/template/);
  const notJson = await t.request({ method: 'POST', url: '/api/v1/matchWithSelfie', payload: '{not json', headers: { 'content-type': 'application/json' } });
  assert.equal(notJson.statusCode, 400);
  assert.equal(notJson.json().code, 501);
});

test('process accepts an encrypted capture blob and a plain image; expired and tampered blobs are refused', async () => {
  const image = readFileSync(join(DATASETS, powell));
  const blob = await createCaptureBlob(image, 'image/jpeg', t.deps.keys.publicKeyPem);
  const form = multipart({ file: { data: blob, filename: 'bdata', contentType: 'application/octet-stream' }, enableQuality: 'true', level: 'LOW' });
  const r = await t.request({ method: 'POST', url: '/api/v1/process', ...form });
  assert.equal(r.statusCode, 200, r.body);
  const body = r.json();
  assert.equal(body.message, 'FEEDBACK_CAPTURED');
  assert.match(body.refid, /^W-face-process-/);
  assert.equal(body.data.width, 250);
  assert.ok(body.data.spoof_score[0] >= 0 && body.data.spoof_score[0] <= 1);
  assert.ok(['OPEN', 'CLOSED'].includes(body.data.quality.eyes_status));
  assert.equal(typeof body.icao_data.is_compliant, 'boolean');
  assert.equal(templateFromBase64(body.data.templates.FACEGATE_TEMPLATE).vector.length, 512);
  assert.equal(Buffer.from(body.data.templates.JPEG, 'base64').length, image.length);

  const plain = await t.request({ method: 'POST', url: '/api/v1/process', ...multipart({ file: { data: image, filename: 'a.jpg', contentType: 'image/jpeg' }, level: 'LOW' }) });
  assert.equal(plain.statusCode, 200, plain.body);

  const old = await createCaptureBlob(image, 'image/jpeg', t.deps.keys.publicKeyPem, { capturedAt: Date.now() - 130_000 });
  const expired = await t.request({ method: 'POST', url: '/api/v1/process', ...multipart({ file: { data: old, filename: 'b', contentType: 'application/octet-stream' } }) });
  assert.equal(expired.json().feedbackCode, 'ERROR_REQUEST_EXPIRED');
  assert.equal(expired.json().code, 604);
  const tampered = Buffer.from(blob);
  tampered[tampered.length - 40] ^= 0xff;
  const bad = await t.request({ method: 'POST', url: '/api/v1/process', ...multipart({ file: { data: tampered, filename: 'b', contentType: 'application/octet-stream' } }) });
  assert.equal(bad.json().feedbackCode, 'ERROR_DECRYPTION_FAILED');
  assert.equal(bad.json().code, 601);
  const missing = await t.request({ method: 'POST', url: '/api/v1/process', ...multipart({ enableQuality: 'true' }) });
  assert.equal(missing.statusCode, 400);
});

test('face/as and secure/face/as: score, levels, spoof verdict at a strict level', async () => {
  const r = await t.request({ method: 'POST', url: '/api/v1/face/as', payload: { image: datasetBase64(powell), threshold: 'LOW' } });
  assert.equal(r.statusCode, 200, r.body);
  const body = r.json();
  assert.equal(typeof body.is_spoof, 'boolean');
  assert.ok(body.score >= 0 && body.score <= 1);
  assert.match(body.refid, /^W-face-antispoof-/);
  const badLevel = await t.request({ method: 'POST', url: '/api/v1/face/as', payload: { image: datasetBase64(powell), threshold: 'EXTREME' } });
  assert.equal(badLevel.statusCode, 400);
  const plainToSecure = await t.request({ method: 'POST', url: '/api/v1/secure/face/as', ...multipart({ file: { data: readFileSync(join(DATASETS, powell)), filename: 'a.jpg', contentType: 'image/jpeg' } }) });
  assert.equal(plainToSecure.json().feedbackCode, 'ERROR_DECRYPTION_FAILED');
  const blob = await createCaptureBlob(readFileSync(join(DATASETS, powell)), 'image/jpeg', t.deps.keys.publicKeyPem);
  const secure = await t.request({ method: 'POST', url: '/api/v1/secure/face/as', ...multipart({ file: { data: blob, filename: 'b', contentType: 'application/octet-stream' }, threshold: 'LOW' }) });
  assert.equal(secure.statusCode, 200, secure.body);
  assert.equal(secure.json().score, body.score);
});

test('a capture that fails liveness gets FEEDBACK_RETRY (code 401 in an HTTP 400) from process and verifyWithPictureId', async () => {
  const spoofs = JSON.parse(readFileSync(join(DATASETS, 'spoof-replay-crops/manifest.json'), 'utf8')).images.filter((i: { label: string }) => i.label === 'spoof');
  let spoofFile: string | undefined;
  for (const candidate of spoofs.slice(0, 30)) {
    const r = (await t.request({ method: 'POST', url: '/api/v1/face/as', payload: { image: datasetBase64(`spoof-replay-crops/${candidate.file}`), threshold: 'MODERATE' } })).json();
    if (r.is_spoof) {
      spoofFile = `spoof-replay-crops/${candidate.file}`;
      break;
    }
  }
  assert.ok(spoofFile, 'no replay crop fails MODERATE');
  const bytes = readFileSync(join(DATASETS, spoofFile));
  const processed = await t.request({ method: 'POST', url: '/api/v1/process', ...multipart({ file: { data: bytes, filename: 'x.png', contentType: 'image/png' }, level: 'MODERATE' }) });
  assert.equal(processed.statusCode, 400, processed.body);
  assert.equal(processed.json().code, 401);
  assert.equal(processed.json().liveness.reason, 'passive');
  assert.equal(processed.json().message, 'FEEDBACK_RETRY');
  assert.ok(processed.json().data.image.length > 100);
  const verify = await t.request({ method: 'POST', url: '/api/v1/verifyWithPictureId', ...multipart({ file: { data: bytes, filename: 'x.png', contentType: 'image/png' }, picID: datasetBase64(SALLEY[0]), template: 'JPEG', level: 'HIGH', livenessLevel: 'MODERATE' }) });
  assert.equal(verify.json().message, 'FEEDBACK_RETRY');
});

test('verifyWithPictureId matches a live capture against an ID photo', async () => {
  const blob = await createCaptureBlob(readFileSync(join(DATASETS, SALLEY[0])), 'image/jpeg', t.deps.keys.publicKeyPem);
  const r = await t.request({ method: 'POST', url: '/api/v1/verifyWithPictureId', ...multipart({ file: { data: blob, filename: 'b', contentType: 'application/octet-stream' }, picID: datasetBase64(SALLEY[1]), template: 'JPEG', level: 'HIGH', livenessLevel: 'LOW' }) });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().feedbackCode, 'FEEDBACK_MATCHED');
  assert.match(r.json().refid, /^W-face-verify-/);
  assert.equal(r.json().possibleMatch, true);
});

test('generateTemplateFromImage: template, ICAO block, quality gate errors', async () => {
  const ok = await t.request({ method: 'POST', url: '/api/v1/face/generateTemplateFromImage', payload: { image: datasetBase64(SALLEY[0]), qualityMode: 'DISABLED' } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(templateFromBase64(ok.json().data.templates.FACEGATE_TYPE_1).modelId, t.deps.engine.modelId);
  const group = await t.request({ method: 'POST', url: '/api/v1/face/generateTemplateFromImage', payload: { image: datasetBase64('faceapi-bbt/images/bbt1.jpg'), qualityMode: 'ENROL' } });
  assert.equal(group.json().code, 509);
  assert.equal(group.json().feedbackCode, 'ERROR_MULTIPLE_FACES');
  const badMode = await t.request({ method: 'POST', url: '/api/v1/face/generateTemplateFromImage', payload: { image: datasetBase64(SALLEY[0]), qualityMode: 'STRICT' } });
  assert.equal(badMode.statusCode, 400);
});

test('template encryption: templates leave only as encrypted_templates that the private key opens', async () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const encrypted = await startTestApp({ TEMPLATE_ENCRYPTION_ENABLED: 'true', TEMPLATE_ENCRYPTION_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
  try {
    const r = (await encrypted.request({ method: 'POST', url: '/api/v1/face/generateTemplateFromImage', payload: { image: datasetBase64(SALLEY[0]), qualityMode: 'DISABLED' } })).json();
    assert.equal(r.data.templates, undefined);
    const { data, key1, key2 } = r.data.encrypted_templates.FACEGATE_TYPE_1;
    const rsa = (b64: string) => privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(b64, 'base64'));
    const sealed = Buffer.from(data, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', rsa(key1), rsa(key2));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
    assert.equal(templateFromBase64(plain.toString('base64')).vector.length, 512);
  } finally {
    await encrypted.close();
  }
});

test('OpenAPI 3.1 document lists every route with its schema', async () => {
  const doc = (await t.request({ method: 'GET', url: '/openapi.json', key: null })).json();
  assert.equal(doc.openapi, '3.1.0');
  for (const path of ['/api/v1/process', '/api/v1/matchWithSelfie', '/sdk/v1/enroll', '/backoffice/v1/enroll', '/backoffice/v1/log-session', '/admin/v1/keys']) assert.ok(doc.paths[path], path);
  assert.equal(doc.paths['/api/v1/process'].post.requestBody.content['multipart/form-data'].schema.properties.file.format, 'binary');
  assert.equal((await t.request({ method: 'GET', url: '/docs/', key: null })).statusCode, 200);
});

test('requestID header is honoured and echoed', async () => {
  const r = await t.request({ method: 'GET', url: '/api/v1/time', key: null, headers: { requestID: 'session-42', LogAPITrigger: 'true' } });
  assert.equal(r.headers.requestid, 'session-42');
});

test('a full inference queue answers 503 with Retry-After instead of queueing without bound', async () => {
  const small = await startTestApp({ FACEGATE_WORKERS: '1', FACEGATE_MAX_QUEUE: '1' });
  try {
    const payload = { image: imageRef(SALLEY[0]), imageToVerifyAgainst: imageRef(SALLEY[1]), level: 'HIGH' };
    const responses = await Promise.all(Array.from({ length: 6 }, () => small.request({ method: 'POST', url: '/api/v1/matchWithSelfie', payload })));
    const overloaded = responses.filter((r) => r.statusCode === 503);
    assert.ok(overloaded.length >= 1, responses.map((r) => r.statusCode).join(','));
    assert.equal(overloaded[0].headers['retry-after'], '1');
    assert.equal(overloaded[0].json().feedbackCode, 'ERROR_ENGINE_OVERLOADED');
    assert.ok(responses.some((r) => r.statusCode === 200));
  } finally {
    await small.close();
  }
});
