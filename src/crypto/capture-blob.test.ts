import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FacegateError } from '../core/errors.js';
import { createCaptureBlob as createSdkCaptureBlob, importCaptureKey, sealCapture } from '../../sdk/src/capture-blob.js';
import { createCaptureBlob, looksLikeCaptureBlob, openCaptureBlob } from './capture-blob.js';
import { loadOrCreateServerKeys } from './server-keys.js';

const dataDir = await mkdtemp(join(tmpdir(), 'facegate-blob-'));
after(() => rm(dataDir, { recursive: true, force: true }));
const keys = await loadOrCreateServerKeys(dataDir);
const otherKeys = await loadOrCreateServerKeys(await mkdtemp(join(dataDir, 'other-')));

const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...Array.from({ length: 60 }, (_, i) => i), 0xff, 0xd9]);
const capturedAt = 1_760_000_000_000;

const fails = (code: 'ERROR_DECRYPTION_FAILED' | 'ERROR_REQUEST_EXPIRED', message?: RegExp) => (e: unknown) =>
  e instanceof FacegateError && e.code === code && (!message || message.test(e.message));

/** A payload as the SDK lays it out, from any header: the malformed cases need ones it would never make. */
function payloadOf(header: object, image: Uint8Array): Uint8Array<ArrayBuffer> {
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const payload = new Uint8Array(4 + headerBytes.length + image.length);
  new DataView(payload.buffer).setUint32(0, headerBytes.length);
  payload.set(headerBytes, 4);
  payload.set(image, 4 + headerBytes.length);
  return payload;
}

test('a blob the browser SDK makes (WebCrypto alone, run on Node\'s globalThis.crypto) opens', async () => {
  const metadata = { sdkVersion: '1.0.0', deviceLabel: 'FaceTime HD Camera' };
  const blob = await createSdkCaptureBlob(jpeg, { capturedAt, mime: 'image/jpeg', metadata }, await importCaptureKey(keys.publicKeySpkiDerBase64));
  assert.deepEqual(openCaptureBlob(blob, keys, { now: capturedAt + 5_000 }), { image: jpeg, mime: 'image/jpeg', capturedAt, metadata, challenge: null, keyFrames: [] });
});

test('createCaptureBlob round-trips and takes the public key as KeyObject, PEM or SPKI base64', async () => {
  for (const publicKey of [keys.rsaPublicKey, keys.publicKeyPem, keys.publicKeySpkiDerBase64]) {
    const blob = await createCaptureBlob(jpeg, 'image/jpeg', publicKey, { capturedAt, metadata: { n: 1 } });
    assert.ok(looksLikeCaptureBlob(blob));
    assert.deepEqual(openCaptureBlob(blob, keys, { now: capturedAt }), { image: jpeg, mime: 'image/jpeg', capturedAt, metadata: { n: 1 }, challenge: null, keyFrames: [] });
  }
  const now = Date.now();
  const opened = openCaptureBlob(await createCaptureBlob(jpeg, 'image/webp', keys.rsaPublicKey), keys);
  assert.ok(opened.capturedAt >= now && opened.capturedAt <= Date.now());
  assert.deepEqual(opened.metadata, {});
});

test('looksLikeCaptureBlob tells blobs from plain images', () => {
  assert.equal(looksLikeCaptureBlob(jpeg), false);
  assert.equal(looksLikeCaptureBlob(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), false);
  assert.equal(looksLikeCaptureBlob(Uint8Array.from([0x46, 0x47, 0x43])), false);
});

test('altering any byte of any part fails with 601, saying which check failed', async () => {
  const blob = await createCaptureBlob(jpeg, 'image/jpeg', keys.rsaPublicKey, { capturedAt });
  const wrappedEnd = 15 + 384;
  const partOf = (i: number): [string, RegExp] =>
    i < 4 ? ['magic', /not a capture blob/]
    : i === 4 ? ['version', /version/]
    : i < 13 ? ['key id', /made for server key/]
    : i < 15 ? ['wrapped key length', /wrapped key is/]
    : i < wrappedEnd ? ['wrapped key', /does not decrypt/]
    : i < wrappedEnd + 12 ? ['IV', /does not decrypt/]
    : i < blob.length - 16 ? ['ciphertext', /does not decrypt/]
    : ['tag', /does not decrypt/];
  for (let i = 0; i < blob.length; i++) {
    const altered = blob.slice();
    altered[i] ^= 0x80;
    const [part, message] = partOf(i);
    assert.throws(() => openCaptureBlob(altered, keys, { now: capturedAt }), fails('ERROR_DECRYPTION_FAILED', message), `${part} byte ${i}`);
  }
});

test('every truncation fails with 601', async () => {
  const blob = await createCaptureBlob(jpeg, 'image/jpeg', keys.rsaPublicKey, { capturedAt });
  for (let length = 0; length < blob.length; length++) {
    assert.throws(() => openCaptureBlob(blob.subarray(0, length), keys, { now: capturedAt }), fails('ERROR_DECRYPTION_FAILED'), `length ${length}`);
  }
});

test('a blob for another server key fails with 601 naming both key ids', async () => {
  const blob = await createCaptureBlob(jpeg, 'image/jpeg', otherKeys.rsaPublicKey, { capturedAt });
  const message = new RegExp(`made for server key ${otherKeys.keyId}, but this server's key is ${keys.keyId}`);
  assert.throws(() => openCaptureBlob(blob, keys, { now: capturedAt }), fails('ERROR_DECRYPTION_FAILED', message));
  const impostor = { rsaPrivateKey: otherKeys.rsaPrivateKey, keyId: keys.keyId };
  const forThisKey = await createCaptureBlob(jpeg, 'image/jpeg', keys.rsaPublicKey, { capturedAt });
  assert.throws(() => openCaptureBlob(forThisKey, impostor, { now: capturedAt }), fails('ERROR_DECRYPTION_FAILED', /does not decrypt/));
  const smallKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  assert.throws(() => openCaptureBlob(forThisKey, { rsaPrivateKey: smallKey, keyId: keys.keyId }, { now: capturedAt }), fails('ERROR_DECRYPTION_FAILED', /wrapped key is 384 bytes, expected 256/));
});

test('captures older than 2 minutes or more than 30 s ahead fail with 604 giving the age', async () => {
  const blob = await createCaptureBlob(jpeg, 'image/jpeg', keys.rsaPublicKey, { capturedAt });
  assert.equal(openCaptureBlob(blob, keys, { now: capturedAt + 120_000 }).capturedAt, capturedAt);
  assert.equal(openCaptureBlob(blob, keys, { now: capturedAt - 30_000 }).capturedAt, capturedAt);
  assert.throws(() => openCaptureBlob(blob, keys, { now: capturedAt + 121_000 }), fails('ERROR_REQUEST_EXPIRED', /121\.0 s old; captures expire after 120\.0 s/));
  assert.throws(() => openCaptureBlob(blob, keys, { now: capturedAt - 31_000 }), fails('ERROR_REQUEST_EXPIRED', /31\.0 s ahead/));
  assert.throws(() => openCaptureBlob(blob, keys, { now: capturedAt + 11_000, maxAgeMs: 10_000 }), (e: unknown) => e instanceof FacegateError && e.numericCode === 604);
});

test('an authentic blob with a malformed payload fails with 601 saying what is wrong', async () => {
  const header = { v: 1, capturedAt, mime: 'image/jpeg' };
  const cases: [Uint8Array<ArrayBuffer>, RegExp][] = [
    [new Uint8Array(2), /too short/],
    [Uint8Array.from([0, 0, 1, 0, 1, 2]), /exceeds the payload/],
    [payloadOf({ ...header, v: 2 }, jpeg), /v: 1/],
    [payloadOf({ ...header, capturedAt: '2025-01-01' }, jpeg), /capturedAt/],
    [payloadOf({ ...header, mime: 'image/gif' }, jpeg), /mime/],
    [payloadOf({ ...header, metadata: [1] }, jpeg), /metadata/],
    [payloadOf(header, new Uint8Array(0)), /no image/],
  ];
  const key = await importCaptureKey(keys.publicKeySpkiDerBase64);
  for (const [payload, message] of cases) {
    const blob = await sealCapture(payload, key);
    assert.throws(() => openCaptureBlob(blob, keys, { now: capturedAt }), fails('ERROR_DECRYPTION_FAILED', message), String(message));
  }
});

test('createCaptureBlob refuses a bad mime, an empty image and a short RSA key', async () => {
  await assert.rejects(createCaptureBlob(jpeg, 'image/gif', keys.rsaPublicKey), /mime must be one of/);
  await assert.rejects(createCaptureBlob(new Uint8Array(0), 'image/jpeg', keys.rsaPublicKey), /empty/);
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  await assert.rejects(createCaptureBlob(jpeg, 'image/jpeg', weak), /1024 bits is too short/);
});

test('a version 2 blob carries the challenge and its key frames, from the SDK and from Node alike', async () => {
  const keyFrame = Uint8Array.from([0xff, 0xd8, 0xff, 0xe1, 7, 7, 7, 0xff, 0xd9]);
  const response = { challenge: { id: 'c1', nonce: 'n1' }, keyFrames: [{ step: 'TURN_LEFT' as const, seq: 4, mime: 'image/jpeg' as const, image: keyFrame }] };
  const expected = { image: jpeg, mime: 'image/jpeg', capturedAt, metadata: {}, ...response };
  const sdkBlob = await createSdkCaptureBlob(jpeg, { capturedAt, mime: 'image/jpeg', metadata: {} }, await importCaptureKey(keys.publicKeySpkiDerBase64), response);
  assert.equal(sdkBlob[4], 2);
  assert.deepEqual(openCaptureBlob(sdkBlob, keys, { now: capturedAt }), expected);
  const nodeBlob = await createCaptureBlob(jpeg, 'image/jpeg', keys.rsaPublicKey, { capturedAt, ...response });
  assert.deepEqual(openCaptureBlob(nodeBlob, keys, { now: capturedAt }), expected);
});

test('a version 2 header must describe its challenge and key frames exactly', async () => {
  const key = await importCaptureKey(keys.publicKeySpkiDerBase64);
  const base = { v: 2, capturedAt, mime: 'image/jpeg', challenge: { id: 'c', nonce: 'n' } };
  const cases: [object, RegExp][] = [
    [{ ...base, challenge: { id: 1 }, keyFrames: [] }, /challenge: \{ id, nonce \}/],
    [{ ...base, keyFrames: [{ step: 'SMILE', seq: 1, mime: 'image/jpeg', length: 2 }] }, /key frame 0 needs step/],
    [{ ...base, keyFrames: [{ step: 'TURN_LEFT', seq: 1, mime: 'image/jpeg', length: jpeg.length }] }, /longer than the payload/],
    [{ ...base, v: 1, keyFrames: [] }, /v: 2, as the blob's version byte says/],
  ];
  for (const [header, message] of cases) {
    const blob = await sealCapture(payloadOf(header, jpeg), key, 2);
    assert.throws(() => openCaptureBlob(blob, keys, { now: capturedAt }), fails('ERROR_DECRYPTION_FAILED', message), JSON.stringify(header));
  }
});
