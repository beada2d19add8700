import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyAffine, estimateSimilarity, invertAffine, iou, nonMaxSuppression, type Point } from './geometry.js';

test('estimateSimilarity recovers a known rotation, scale and translation exactly', () => {
  const angle = 0.3;
  const scale = 1.7;
  const truth = [scale * Math.cos(angle), -scale * Math.sin(angle), 12, scale * Math.sin(angle), scale * Math.cos(angle), -5] as const;
  const src: Point[] = [[10, 20], [50, 22], [30, 40], [15, 60], [45, 61]];
  const dst = src.map((p) => applyAffine(truth, p));
  const m = estimateSimilarity(src, dst);
  truth.forEach((v, i) => assert.ok(Math.abs(m[i] - v) < 1e-9, `coefficient ${i}: ${m[i]} vs ${v}`));
});

test('invertAffine composes to the identity', () => {
  const m = [1.2, -0.4, 7, 0.4, 1.2, -3] as const;
  const inv = invertAffine(m);
  const p: Point = [13.5, -8.25];
  const back = applyAffine(inv, applyAffine(m, p));
  assert.ok(Math.abs(back[0] - p[0]) < 1e-9 && Math.abs(back[1] - p[1]) < 1e-9);
  assert.throws(() => invertAffine([1, 2, 0, 2, 4, 0]), /singular/);
});

test('iou and non-maximum suppression', () => {
  const a = { x1: 0, y1: 0, x2: 10, y2: 10 };
  const b = { x1: 5, y1: 0, x2: 15, y2: 10 };
  assert.equal(iou(a, b), 50 / 150);
  assert.equal(iou(a, { x1: 20, y1: 20, x2: 30, y2: 30 }), 0);
  const kept = nonMaxSuppression([{ box: a, score: 0.9 }, { box: b, score: 0.95 }, { box: { x1: 40, y1: 40, x2: 50, y2: 50 }, score: 0.7 }], 0.3);
  assert.deepEqual(kept.map((k) => k.score), [0.95, 0.7]);
});
