import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadServerConfig } from '../src/config.js';
import { FacegateError } from '../src/core/errors.js';

test('liveness levels and challenge settings come from the environment, validated, with documented defaults', () => {
  const defaults = loadServerConfig({});
  assert.equal(defaults.defaultLivenessLevel, 'MODERATE');
  assert.equal(defaults.captureLivenessLevel, 'HIGH');
  assert.deepEqual(defaults.challenges, { lifetimeMs: 90_000, lockoutAttempts: 5, lockoutWindowMs: 180_000 });
  const set = loadServerConfig({ FACEGATE_CAPTURE_LIVENESS_LEVEL: 'LOW', FACEGATE_CHALLENGE_SECONDS: '60', FACEGATE_LIVENESS_LOCKOUT_ATTEMPTS: '3', FACEGATE_LIVENESS_LOCKOUT_MINUTES: '10' });
  assert.equal(set.captureLivenessLevel, 'LOW');
  assert.deepEqual(set.challenges, { lifetimeMs: 60_000, lockoutAttempts: 3, lockoutWindowMs: 600_000 });
  assert.throws(() => loadServerConfig({ FACEGATE_CAPTURE_LIVENESS_LEVEL: 'SUPER' }), (e: unknown) => e instanceof FacegateError && /FACEGATE_CAPTURE_LIVENESS_LEVEL must be one of/.test(e.message));
  assert.throws(() => loadServerConfig({ FACEGATE_LIVENESS_LOCKOUT_ATTEMPTS: '0' }), /FACEGATE_LIVENESS_LOCKOUT_ATTEMPTS must be a positive integer/);
});
