import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arrowDirection, CHALLENGE_STEPS, parseChallengeAnswer, parseIssuedChallenge, phaseMessage, promptKey, type ChallengeStatus } from './challenge.js';
import { DEFAULT_STRINGS } from './localization.js';

const ISSUED = { challengeId: 'c-1', token: 'tok', nonce: 'n', stepCount: 2, expiresAt: '2030-01-01T00:00:00.000Z', framesUrl: '/api/v1/liveness/challenges/c-1/frames' };

/** A frames answer as the server sends it, with the challenge block overridden. */
function answer(challenge: Record<string, unknown> = {}, seq = 7): Record<string, unknown> {
  return {
    seq,
    faces: [{ x: 100, y: 60, width: 90, height: 115, score: 0.99 }],
    frameWidth: 320,
    frameHeight: 180,
    brightness: 120,
    yaw: 3,
    pitch: -2,
    challenge: { id: 'c-1', phase: 'STEP', prompt: 'TURN_LEFT', step: 1, stepCount: 2, keyFrame: null, msLeft: 5400, failure: null, ...challenge },
  };
}

const status = (phase: ChallengeStatus['phase'], prompt: ChallengeStatus['prompt'] = null): ChallengeStatus => ({ id: 'c-1', phase, prompt, step: 1, stepCount: 2, keyFrame: null, msLeft: null, failure: null });

describe('parseIssuedChallenge', () => {
  it("takes the server's 201 body as it is", () => {
    assert.deepEqual(parseIssuedChallenge({ ...ISSUED, extra: true }), ISSUED);
  });

  it('refuses anything an integrator may have mangled', () => {
    for (const bad of [null, 'c-1', { ...ISSUED, token: '' }, { ...ISSUED, nonce: undefined }, { ...ISSUED, framesUrl: 3 }, { ...ISSUED, stepCount: 0 }, { ...ISSUED, stepCount: '2' }]) {
      assert.throws(() => parseIssuedChallenge(bad), TypeError, JSON.stringify(bad));
    }
  });
});

describe('parseChallengeAnswer', () => {
  it('reads the guidance fields, the seq and the challenge block', () => {
    const parsed = parseChallengeAnswer(answer(), 'c-1');
    assert.equal(parsed.seq, 7);
    assert.deepEqual(parsed.frame, { faces: [{ x: 100, y: 60, width: 90, height: 115, score: 0.99 }], frameWidth: 320, frameHeight: 180, brightness: 120, yaw: 3, pitch: -2 });
    assert.deepEqual(parsed.challenge, { id: 'c-1', phase: 'STEP', prompt: 'TURN_LEFT', step: 1, stepCount: 2, keyFrame: null, msLeft: 5400, failure: null });
  });

  it('names the key frame by the seq of the answer that completed the step', () => {
    const parsed = parseChallengeAnswer(answer({ phase: 'WAITING', prompt: null, step: 2, keyFrame: { step: 'TURN_LEFT', seq: 7 }, msLeft: null }), 'c-1');
    assert.deepEqual(parsed.challenge.keyFrame, { step: 'TURN_LEFT', seq: 7 });
  });

  it('reads a failure', () => {
    const failure = { check: 'sequence', message: 'TURN_LEFT was not done within 6 s of the prompt' };
    assert.deepEqual(parseChallengeAnswer(answer({ phase: 'FAILED', prompt: null, failure, msLeft: null }), 'c-1').challenge.failure, failure);
  });

  it('refuses answers the SDK cannot follow safely', () => {
    const bad: [string, Record<string, unknown>][] = [
      ['another challenge', answer({ id: 'c-2' })],
      ['no seq', { ...answer(), seq: undefined }],
      ['no challenge block', { ...answer(), challenge: undefined }],
      ['an unknown phase', answer({ phase: 'DANCING' })],
      ['an unknown prompt', answer({ prompt: 'BLINK' })],
      ['a step without a prompt', answer({ prompt: null })],
      ['a key frame of another frame', answer({ keyFrame: { step: 'TURN_LEFT', seq: 6 } })],
      ['a key frame of an unknown step', answer({ keyFrame: { step: 'SMILE', seq: 7 } })],
      ['a failure without its message', answer({ phase: 'FAILED', prompt: null, failure: null })],
      ['a malformed failure', answer({ phase: 'FAILED', prompt: null, failure: { check: 'sequence' } })],
      ['msLeft that is not a number', answer({ msLeft: '5s' })],
      ['no guidance fields', { ...answer(), faces: undefined }],
    ];
    for (const [what, body] of bad) assert.throws(() => parseChallengeAnswer(body, 'c-1'), TypeError, what);
  });
});

describe('what the screen shows', () => {
  it('maps every prompt to its own string', () => {
    const keys = CHALLENGE_STEPS.map(promptKey);
    assert.deepEqual(keys, ['FEEDBACK_CHALLENGE_TURN_LEFT', 'FEEDBACK_CHALLENGE_TURN_RIGHT', 'FEEDBACK_CHALLENGE_LOOK_UP', 'FEEDBACK_CHALLENGE_MOVE_CLOSER']);
    assert.equal(DEFAULT_STRINGS.FEEDBACK_CHALLENGE_TURN_LEFT, 'Slowly turn your head to your left');
  });

  it('leaves the frontal phase to the oval guidance and names every other phase', () => {
    assert.equal(phaseMessage(status('FRONTAL')), null);
    assert.equal(phaseMessage(status('WAITING')), 'FEEDBACK_CHALLENGE_WAIT');
    assert.equal(phaseMessage(status('STEP', 'LOOK_UP')), 'FEEDBACK_CHALLENGE_LOOK_UP');
    assert.equal(phaseMessage(status('RETURN')), 'FEEDBACK_CHALLENGE_RETURN');
    assert.equal(phaseMessage(status('PASSED')), 'FEEDBACK_CAPTURED');
    assert.equal(phaseMessage(status('FAILED')), 'FEEDBACK_CHALLENGE_FAILED');
  });

  it("points turns to the person's side in a mirrored preview and flips them in an unmirrored one", () => {
    assert.equal(arrowDirection('TURN_LEFT', true), 'left');
    assert.equal(arrowDirection('TURN_RIGHT', true), 'right');
    assert.equal(arrowDirection('TURN_LEFT', false), 'right');
    assert.equal(arrowDirection('TURN_RIGHT', false), 'left');
    for (const mirrored of [true, false]) {
      assert.equal(arrowDirection('LOOK_UP', mirrored), 'up');
      assert.equal(arrowDirection('MOVE_CLOSER', mirrored), 'closer');
    }
  });
});
