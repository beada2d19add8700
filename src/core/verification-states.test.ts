import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authLifetimeMinutes, completeAuthentication, currentAuthState, currentSessionState, finishSession, startSession } from './verification-states.js';

const t0 = new Date('2026-11-23T10:00:00Z');
const later = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const open = { state: 'PENDING' as const, expiresAt: later(15), superseded: false };
const live = { faceFound: true, livenessPassed: true, matchPassed: true };

test('authentication outcomes', () => {
  assert.equal(completeAuthentication(open, live, later(1)), 'PASSED');
  assert.equal(completeAuthentication(open, { ...live, matchPassed: false }, later(1)), 'FAILED');
  assert.equal(completeAuthentication(open, { ...live, livenessPassed: false }, later(1)), 'FAILED');
  assert.equal(completeAuthentication(open, { ...live, faceFound: false }, later(1)), 'INVALID');
  assert.equal(completeAuthentication(open, live, later(15)), 'EXPIRED');
  assert.equal(completeAuthentication({ ...open, superseded: true }, live, later(1)), 'EXPIRED');
  assert.equal(completeAuthentication({ ...open, state: 'FAILED' }, live, later(1)), 'FAILED', 'final states never change');
  assert.equal(currentAuthState(open, later(14.9)), 'PENDING');
  assert.equal(currentAuthState(open, later(15)), 'EXPIRED');
});

test('token lifetime: default and bounds', () => {
  assert.equal(authLifetimeMinutes(undefined), 15);
  assert.equal(authLifetimeMinutes(5), 5);
  assert.equal(authLifetimeMinutes('5'), 5);
  for (const bad of [0, 16, 2.5, 'soon']) assert.throws(() => authLifetimeMinutes(bad), RangeError);
});

test('capture session states', () => {
  const created = { state: 'created' as const, expiresAt: later(10) };
  assert.equal(startSession(created, later(1)), 'in_progress');
  assert.equal(startSession(created, later(10)), 'expired');
  assert.equal(finishSession({ ...created, state: 'in_progress' }, true, later(2)), 'completed');
  assert.equal(finishSession({ ...created, state: 'in_progress' }, false, later(2)), 'failed');
  assert.equal(finishSession({ ...created, state: 'completed' }, false, later(2)), 'completed');
  assert.equal(currentSessionState({ ...created, state: 'failed' }, later(20)), 'failed');
});
