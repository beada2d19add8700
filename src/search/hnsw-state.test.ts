import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeGraphState, encodeGraphState, type SavedGraphState } from './hnsw-state.js';

const saved: SavedGraphState = {
  modelId: 'fr_feature@0.0.1',
  dimensions: 512,
  state: {
    connectivity: 32,
    expansionAdd: 128,
    removedNodes: 1,
    idByKey: ['alice', null, 'bob-ü'],
    fingerprints: BigUint64Array.of(0xfedcba9876543210n, 0n, 42n),
  },
};

test('a graph state survives encoding whatever the JSON length (fingerprint alignment)', () => {
  for (const modelId of ['m', 'mo', 'mod', 'mode', 'model-id-of-odd-length']) {
    const decoded = decodeGraphState(encodeGraphState({ ...saved, modelId }));
    assert.equal(decoded.modelId, modelId);
    assert.deepEqual(decoded.state, saved.state);
    assert.equal(decoded.dimensions, 512);
  }
});

test('a truncated, foreign or future state is refused', () => {
  const bytes = Buffer.from(encodeGraphState(saved));
  assert.throws(() => decodeGraphState(bytes.subarray(0, bytes.length - 1)), /truncated/);
  assert.throws(() => decodeGraphState(Buffer.from('not a state at all')), /not a saved graph state/);
  const future = Buffer.from(bytes);
  future[4] = 2;
  assert.throws(() => decodeGraphState(future), /version 2/);
});
