import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { FacegateError } from '../core/errors.js';
import { facemapKey, openFacemap, sealFacemap } from './facemap.js';

const key = facemapKey(randomBytes(32));
const facemap = { enrollmentReference: 'enrol-7f3a', issuedAt: 1_795_000_000_000, template: new Uint8Array(randomBytes(2057)) };
const invalid = (e: unknown) => e instanceof FacegateError && e.code === 'ERROR_INVALID_TEMPLATE';

test('a sealed facemap opens to the same template, reference and time', () => {
  const opened = openFacemap(sealFacemap(facemap, key), key);
  assert.deepEqual(opened, facemap);
});

test('the template is not readable in the facemap', () => {
  const sealed = Buffer.from(sealFacemap(facemap, key));
  assert.equal(sealed.includes(Buffer.from(facemap.template.subarray(0, 32))), false);
});

test('any changed byte, another key or a swapped reference is refused', () => {
  const sealed = sealFacemap(facemap, key);
  for (const i of [0, 5, 8, 20, 40, sealed.length - 1]) {
    const altered = sealed.slice();
    altered[i] ^= 0x01;
    assert.throws(() => openFacemap(altered, key), invalid, `byte ${i}`);
  }
  assert.throws(() => openFacemap(sealed, facemapKey(randomBytes(32))), invalid);
  assert.throws(() => openFacemap(sealed.subarray(0, 30), key), invalid);
  const other = sealFacemap({ ...facemap, enrollmentReference: 'enrol-7f3b' }, key);
  const spliced = Buffer.concat([Buffer.from(sealed.subarray(0, 7 + 10 + 8)), Buffer.from(other.subarray(7 + 10 + 8))]);
  assert.throws(() => openFacemap(spliced, key), invalid);
});
