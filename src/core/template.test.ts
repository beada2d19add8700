import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FacegateError } from './errors.js';
import { cosineSimilarity, decodeTemplate, encodeTemplate, l2Normalize, templateFromBase64, templateToBase64 } from './template.js';

const vector = l2Normalize(Float32Array.from({ length: 512 }, (_, i) => Math.sin(i)));

test('binary and base64 forms round-trip exactly', () => {
  const t = { modelId: 'facegate-default@1.0.0/fr_feature', vector };
  const back = decodeTemplate(encodeTemplate(t));
  assert.equal(back.modelId, t.modelId);
  assert.deepEqual(back.vector, t.vector);
  assert.deepEqual(templateFromBase64(templateToBase64(t)).vector, t.vector);
  assert.equal(encodeTemplate(t).length, 9 + t.modelId.length + 512 * 4);
});

test('l2Normalize gives unit length and cosine of a template with itself is 1', () => {
  const t = { modelId: 'm', vector };
  assert.ok(Math.abs(cosineSimilarity(t, t) - 1) < 1e-6);
});

test('templates of different models refuse to compare', () => {
  assert.throws(
    () => cosineSimilarity({ modelId: 'a', vector }, { modelId: 'b', vector }),
    (e: unknown) => e instanceof FacegateError && e.code === 'ERROR_TEMPLATE_MODEL_MISMATCH',
  );
});

test('corrupt templates are rejected with ERROR_INVALID_TEMPLATE', () => {
  const bytes = encodeTemplate({ modelId: 'm', vector });
  const isInvalid = (e: unknown) => e instanceof FacegateError && e.code === 'ERROR_INVALID_TEMPLATE';
  assert.throws(() => decodeTemplate(bytes.subarray(0, bytes.length - 4)), isInvalid);
  assert.throws(() => decodeTemplate(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])), isInvalid);
  const wrongVersion = bytes.slice();
  wrongVersion[4] = 9;
  assert.throws(() => decodeTemplate(wrongVersion), isInvalid);
});
