import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apcerBpcer, isBonaFideLabel, wilsonInterval } from './error-rates.js';

const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 5e-5, `${what}: ${actual} vs ${expected}`);

test('Wilson 95% intervals match published values', () => {
  // 0/10, 5/10, 10/10: the textbook small-sample cases; the rest: Newcombe (1998), Stat Med 17:857, Table I, method 3.
  const cases: Array<[number, number, number, number]> = [
    [0, 10, 0, 0.2775],
    [5, 10, 0.2366, 0.7634],
    [10, 10, 0.7225, 1],
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ];
  for (const [k, n, low, high] of cases) {
    const w = wilsonInterval(k, n);
    assert.equal(w.rate, k / n);
    near(w.low, low, `${k}/${n} low`);
    near(w.high, high, `${k}/${n} high`);
  }
});

test('a wider z widens the interval; no trials say nothing', () => {
  const at95 = wilsonInterval(3, 40);
  const at99 = wilsonInterval(3, 40, 2.576);
  assert.ok(at99.low < at95.low && at99.high > at95.high);
  const none = wilsonInterval(0, 0);
  assert.ok(Number.isNaN(none.rate));
  assert.deepEqual([none.low, none.high], [0, 1]);
});

test('APCER counts attacks at or above the threshold, BPCER bona fide below it', () => {
  const scores = [
    { score: 0.9, bonaFide: true },
    { score: 0.5, bonaFide: true },
    { score: 0.49, bonaFide: true },
    { score: 0.5, bonaFide: false },
    { score: 0.2, bonaFide: false },
  ];
  const { apcer, bpcer } = apcerBpcer(scores, 0.5);
  assert.deepEqual([apcer.errors, apcer.of, apcer.rate], [1, 2, 0.5]);
  assert.deepEqual([bpcer.errors, bpcer.of], [1, 3]);
  near(bpcer.rate, 1 / 3, 'BPCER');
  assert.deepEqual({ ...apcer }, { ...wilsonInterval(1, 2), errors: 1, of: 2 });
  assert.equal(apcerBpcer(scores.filter((s) => s.bonaFide), 0.5).apcer.of, 0);
});

test('bona fide labels', () => {
  assert.ok(isBonaFideLabel('live') && isBonaFideLabel('bona_fide'));
  assert.ok(!isBonaFideLabel('spoof') && !isBonaFideLabel('print_photo') && !isBonaFideLabel('Live'));
});
