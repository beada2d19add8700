import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accuracyAt, equalErrorRate, trueAcceptRate } from './metrics.js';

const pairs = [
  { score: 0.9, same: true }, { score: 0.8, same: true }, { score: 0.35, same: true }, { score: 0.7, same: true },
  { score: 0.1, same: false }, { score: 0.4, same: false }, { score: 0.0, same: false }, { score: 0.2, same: false },
];

test('accuracy, TAR and EER on a hand-checked set', () => {
  assert.equal(accuracyAt(pairs, (p) => p.score >= 0.5), 7 / 8);
  assert.equal(trueAcceptRate(pairs, 0.5), 3 / 4);
  const { eer, threshold } = equalErrorRate(pairs);
  assert.equal(eer, 0.25);
  assert.ok(threshold >= 0.35 && threshold <= 0.7);
  assert.equal(equalErrorRate([{ score: 1, same: true }, { score: 0, same: false }]).eer, 0);
});
