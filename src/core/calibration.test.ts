import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MATCH_LEVELS, MATCH_LEVEL_TARGETS, decideMatch, highestLevelReached, reachesLevel, levelThreshold, parseMatchLevel, similarityScore, type CalibrationTable } from './calibration.js';
import { FacegateError } from './errors.js';

const table: CalibrationTable = {
  modelId: 'm',
  dataset: 'test',
  impostorPairs: 1,
  genuinePairs: 1,
  createdAt: '2026-01-01',
  zeroCosine: 0,
  fullCosine: 0.8,
  thresholds: [
    { far: 1 / 200, cosine: 0.27, method: 'empirical' },
    { far: 1e-3, cosine: 0.33, method: 'empirical' },
    { far: 1 / 5000, cosine: 0.39, method: 'empirical' },
    { far: 1e-4, cosine: 0.41, method: 'empirical' },
    { far: 1e-5, cosine: 0.49, method: 'tail-fit' },
    { far: 1e-6, cosine: 0.57, method: 'tail-fit' },
  ],
};

test('each level threshold maps to exactly the spec similarity, in both modes', () => {
  for (const mode of ['selfie', 'picture-id'] as const) {
    for (const level of MATCH_LEVELS) {
      const t = levelThreshold(table, mode, level);
      assert.equal(similarityScore(t, table, mode), MATCH_LEVEL_TARGETS[mode][level].similarity, `${mode} ${level}`);
      assert.ok(similarityScore(t - 1e-4, table, mode) < MATCH_LEVEL_TARGETS[mode][level].similarity);
    }
  }
});

test('similarity is monotone and bounded 0-100', () => {
  let previous = -1;
  for (let c = -1; c <= 1; c += 0.001) {
    const s = similarityScore(c, table, 'selfie');
    assert.ok(s >= previous && s >= 0 && s <= 100);
    previous = s;
  }
  assert.equal(similarityScore(-0.5, table, 'selfie'), 0);
  assert.equal(similarityScore(0.95, table, 'selfie'), 100);
});

test('highest level reached and possibleMatch follow the requested level', () => {
  assert.equal(highestLevelReached(0.2, table, 'selfie'), 'NONE');
  assert.equal(highestLevelReached(0.45, table, 'selfie'), 'HIGH');
  assert.equal(highestLevelReached(0.45, table, 'picture-id'), 'HIGHEST');
  const d = decideMatch(0.45, table, 'selfie', 'VERY_HIGH');
  assert.equal(d.possibleMatch, false);
  assert.equal(d.matchHighestSecurityLevelReached, 'HIGH');
  assert.equal(d.score, 0.55);
  assert.equal(decideMatch(0.45, table, 'selfie', 'HIGH').possibleMatch, true);
});

test('unknown levels are ERROR_INVALID_MATCH_LEVEL', () => {
  assert.equal(parseMatchLevel('HIGHEST'), 'HIGHEST');
  for (const bad of ['LOW', 'high', '', 3, undefined]) {
    assert.throws(() => parseMatchLevel(bad), (e: unknown) => e instanceof FacegateError && e.code === 'ERROR_INVALID_MATCH_LEVEL' && e.numericCode === 505);
  }
});

test('a level is reached by itself and every stricter level, never by NONE', () => {
  assert.equal(reachesLevel('HIGH', 'HIGH'), true);
  assert.equal(reachesLevel('HIGHEST', 'MEDIUM'), true);
  assert.equal(reachesLevel('MEDIUM', 'HIGH'), false);
  assert.equal(reachesLevel('NONE', 'MEDIUM'), false);
});
