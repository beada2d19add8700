import assert from 'node:assert/strict';
import { test } from 'node:test';
import { l2Normalize } from '../template.js';
import { DEFAULT_ACTIVE_THRESHOLDS, type ChallengeStep } from './challenge.js';
import { projectFace } from './synthetic-face.js';
import { ChallengeTracker, type FrameObservation } from './tracker.js';
import { verifyActive, type ActiveEvidence } from './verify.js';

const T = DEFAULT_ACTIVE_THRESHOLDS;
const person = l2Normalize(Array.from({ length: 8 }, (_, i) => (i === 0 ? 1 : 0.1)));
const stranger = l2Normalize(Array.from({ length: 8 }, (_, i) => (i === 1 ? 1 : 0.1)));

/** A clip as the tracker sees it: frontal, a left turn, frontal. `flat` plays a card whose pose reading was fooled. */
function run(options: { flat?: boolean; template?: (seq: number) => Float32Array } = {}): ChallengeTracker {
  const tracker = new ChallengeTracker({ steps: ['TURN_LEFT'] as ChallengeStep[], promptDelaysMs: [0] }, T);
  const yaws = [0, 0, 0, 0, -10, -20, -25, -25, -10, 0];
  yaws.forEach((yaw, seq) => {
    const frame: FrameObservation = {
      seq,
      at: seq * 150,
      otherFaceScores: [],
      face: { width: 200, yaw, pitch: 0, landmarks: projectFace({ yawDeg: -yaw }, options.flat), template: (options.template ?? (() => person))(seq) },
    };
    tracker.observe(frame);
  });
  return tracker;
}

const evidence = (tracker: ChallengeTracker, extra: Partial<ActiveEvidence> = {}): ActiveEvidence => ({
  fresh: { passed: true },
  tracker,
  capture: null,
  thresholds: T,
  matchCosine: 0.6,
  keyFrameCosine: 0.5,
  passiveScore: 0.3,
  ...extra,
});

test('a real head that does the challenge is live; the passive score is reported, not decisive', () => {
  const verdict = verifyActive(evidence(run()));
  assert.equal(verdict.live, true, verdict.message);
  assert.equal(verdict.reason, null);
  assert.equal(verdict.checks.passive.score, 0.3);
  assert.ok(verdict.checks.depth.turns[0].residual > T.depthResidual);
});

test('a flat picture fails depth even when the pose model is fooled into reading a turn', () => {
  const verdict = verifyActive(evidence(run({ flat: true })));
  assert.equal(verdict.live, false);
  assert.equal(verdict.reason, 'depth');
  assert.match(verdict.message, /flat picture/);
});

test('freshness is checked first', () => {
  const verdict = verifyActive(evidence(run(), { fresh: { passed: false, message: 'this challenge was already used' } }));
  assert.equal(verdict.reason, 'fresh');
  assert.equal(verdict.message, 'fresh: this challenge was already used');
});

test('identity fails when most sampled frames show someone else, or a key frame does', () => {
  const swapped = verifyActive(evidence(run({ template: (seq) => (seq < 3 ? person : stranger) })));
  assert.equal(swapped.reason, 'identity');
  const keySeq = run().steps[0].keyFrameSeq;
  const onlyKeyFrame = verifyActive(evidence(run({ template: (seq) => (seq === keySeq ? stranger : person) })));
  assert.equal(onlyKeyFrame.reason, 'identity');
  assert.match(onlyKeyFrame.message, /key frame shows another face/);
});

test('with a capture, its key frames must be the completing frames and show the step', () => {
  const tracker = run();
  const keySeq = tracker.steps[0].keyFrameSeq!;
  const frontal = { template: person, yaw: 0, pitch: 0 };
  const good = { step: 'TURN_LEFT' as const, seq: keySeq, template: person, yaw: -22, pitch: 0 };
  assert.equal(verifyActive(evidence(tracker, { capture: { frontal, keyFrames: [good] } })).live, true);
  const wrongSeq = verifyActive(evidence(tracker, { capture: { frontal, keyFrames: [{ ...good, seq: keySeq - 3 }] } }));
  assert.equal(wrongSeq.reason, 'sequence');
  const frontalKeyFrame = verifyActive(evidence(tracker, { capture: { frontal, keyFrames: [{ ...good, yaw: 0 }] } }));
  assert.match(frontalKeyFrame.message, /does not show the head doing TURN_LEFT/);
  const otherCapture = verifyActive(evidence(tracker, { capture: { frontal: { ...frontal, template: stranger }, keyFrames: [{ ...good, template: stranger }] } }));
  assert.equal(otherCapture.reason, 'identity', 'the captured face must be the one that did the challenge');
});

test('an unfinished challenge fails the sequence', () => {
  const tracker = new ChallengeTracker({ steps: ['TURN_LEFT', 'TURN_RIGHT'] as ChallengeStep[], promptDelaysMs: [0, 0] }, T);
  assert.match(verifyActive(evidence(tracker)).message, /no frontal face was held/);
});
