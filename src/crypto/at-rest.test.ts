import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { FacegateError } from '../core/errors.js';
import { createSealer, dataKeyId } from './at-rest.js';

const plaintext = new TextEncoder().encode('template bytes of gallery-a/user-1');
const ad = 'enrollment:gallery-a:user-1:template';
const isDecryptionFailed = (message?: RegExp) => (e: unknown) =>
  e instanceof FacegateError && e.code === 'ERROR_DECRYPTION_FAILED' && e.numericCode === 601 && (!message || message.test(e.message));

test('seal/open round-trips, with a fresh IV each time and the documented layout', () => {
  const key = randomBytes(32);
  const sealer = createSealer(key, 7);
  const a = sealer.seal(plaintext, ad);
  const b = sealer.seal(plaintext, ad);
  assert.deepEqual(sealer.open(a, ad), plaintext);
  assert.notDeepEqual(a, b);
  assert.equal(a.length, 1 + 1 + 12 + plaintext.length + 16);
  assert.equal(a[0], 1);
  assert.equal(a[1], 7);
  assert.deepEqual(createSealer(key, 7).open(sealer.seal(new Uint8Array(0), ad), ad), new Uint8Array(0));
});

test('the default key id is derived from the key', () => {
  const key = randomBytes(32);
  assert.equal(createSealer(key).seal(plaintext, ad)[1], dataKeyId(key));
});

test('altering any byte fails with ERROR_DECRYPTION_FAILED', () => {
  const sealer = createSealer(randomBytes(32));
  const sealed = sealer.seal(plaintext, ad);
  for (let i = 0; i < sealed.length; i++) {
    const altered = sealed.slice();
    altered[i] ^= 0x01;
    assert.throws(() => sealer.open(altered, ad), isDecryptionFailed(), `byte ${i}`);
  }
});

test('wrong associated data, wrong key and truncation fail with ERROR_DECRYPTION_FAILED', () => {
  const key = randomBytes(32);
  const sealed = createSealer(key, 1).seal(plaintext, ad);
  assert.throws(() => createSealer(key, 1).open(sealed, 'enrollment:gallery-a:user-2:template'), isDecryptionFailed(/authentication/));
  assert.throws(() => createSealer(randomBytes(32), 1).open(sealed, ad), isDecryptionFailed(/authentication/));
  assert.throws(() => createSealer(randomBytes(32), 2).open(sealed, ad), isDecryptionFailed(/key id 1.*not configured/));
  assert.throws(() => createSealer(key, 1).open(sealed.subarray(0, 29), ad), isDecryptionFailed(/truncated/));
  assert.throws(() => createSealer(key, 1).open(sealed.subarray(0, sealed.length - 1), ad), isDecryptionFailed());
});

test('after a rotation, values sealed with a previous key still open and new ones use the current key', () => {
  // Fixed keys: random ones share a derived key id 1 time in 256, which the sealer rightly refuses.
  const oldKey = Buffer.alloc(32, 1);
  const newKey = Buffer.alloc(32, 2);
  assert.notEqual(dataKeyId(oldKey), dataKeyId(newKey));
  assert.notEqual(dataKeyId(oldKey), 2);
  const sealedBefore = createSealer(oldKey).seal(plaintext, ad);
  const rotated = createSealer({ current: { key: newKey }, previous: [{ key: oldKey }] });
  assert.deepEqual(rotated.open(sealedBefore, ad), plaintext);
  const sealedAfter = rotated.seal(plaintext, ad);
  assert.equal(sealedAfter[1], dataKeyId(newKey));
  assert.throws(() => createSealer(oldKey).open(sealedAfter, ad), isDecryptionFailed(/not configured/));

  const explicit = createSealer({ current: { key: newKey, id: 2 }, previous: [{ key: oldKey, id: dataKeyId(oldKey) }] });
  assert.deepEqual(explicit.open(sealedBefore, ad), plaintext);
});

test('bad keys are refused when the sealer is made', () => {
  const isInvalid = (e: unknown) => e instanceof FacegateError && e.code === 'ERROR_INVALID_ARGUMENT';
  assert.throws(() => createSealer(randomBytes(16)), isInvalid);
  assert.throws(() => createSealer(randomBytes(32), 256), isInvalid);
  assert.throws(() => createSealer({ current: { key: randomBytes(32), id: 3 }, previous: [{ key: randomBytes(32), id: 3 }] }), /share the key id 3/);
});
