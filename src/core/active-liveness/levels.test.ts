import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activeLevelReached, activeOutcome, passiveOutcome, requiresActive, stepCountFor } from './levels.js';
import type { ActiveVerdict } from './verify.js';

const passive = (score: number, reached: 'HIGHEST' | 'LOW' | null, passed: boolean) => ({ score, passed, as_highest_security_level_reached: reached });
const verdict = (live: boolean, stepCount: number): ActiveVerdict => ({
  live,
  method: 'ACTIVE',
  stepCount,
  checks: {
    fresh: { passed: true },
    sequence: { passed: true, steps: [] },
    identity: { passed: true, sampledFrames: 9, matchingShare: 1, lowestKeyFrameSimilarity: 0.7 },
    depth: { passed: live, turns: [] },
    passive: { score: 0.2 },
  },
  reason: live ? null : 'depth',
  message: live ? 'ok' : 'depth: flat',
});

test('levels from BALANCED_HIGH up need an active challenge; three steps from VERY_HIGH up', () => {
  assert.deepEqual(['LOW', 'MEDIUM', 'MODERATE', 'BALANCED_HIGH', 'HIGH', 'BALANCED_VERY_HIGH', 'VERY_HIGH', 'HIGHEST'].map((l) => requiresActive(l as never)), [false, false, false, true, true, true, true, true]);
  assert.equal(stepCountFor('HIGH'), 2);
  assert.equal(stepCountFor('VERY_HIGH'), 3);
  assert.equal(activeLevelReached(2), 'BALANCED_VERY_HIGH');
  assert.equal(activeLevelReached(3), 'HIGHEST');
});

test('a passive score never reaches above MODERATE and never passes an active level', () => {
  const low = passiveOutcome(passive(0.99, 'HIGHEST', true), 'MODERATE');
  assert.equal(low.live, true);
  assert.equal(low.method, 'PASSIVE');
  assert.equal(low.as_highest_security_level_reached, 'MODERATE');
  const high = passiveOutcome(passive(0.99, 'HIGHEST', true), 'HIGH');
  assert.equal(high.live, false);
  assert.equal(high.passed, false);
  assert.equal(high.reason, 'active_required');
  assert.equal(passiveOutcome(passive(0.01, null, false), 'LOW').reason, 'passive');
});

test('a passed challenge reaches its steps\' level; a failed one reaches none', () => {
  const two = activeOutcome(verdict(true, 2), passive(0.1, 'LOW', true), 'HIGH');
  assert.equal(two.live, true);
  assert.equal(two.as_highest_security_level_reached, 'BALANCED_VERY_HIGH');
  const tooFew = activeOutcome(verdict(true, 2), passive(0.1, 'LOW', true), 'HIGHEST');
  assert.equal(tooFew.live, false);
  assert.match(tooFew.message, /needs a challenge of 3 steps/);
  const failed = activeOutcome(verdict(false, 3), passive(0.99, 'HIGHEST', true), 'LOW');
  assert.equal(failed.live, false);
  assert.equal(failed.as_highest_security_level_reached, null);
  assert.equal(failed.reason, 'depth');
});
