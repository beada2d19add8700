import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../random.js';
import { DEFAULT_ACTIVE_THRESHOLDS, planChallenge, TURN_STEPS, type ChallengeStep } from './challenge.js';
import { projectFace } from './synthetic-face.js';
import { ChallengeTracker, type FrameObservation } from './tracker.js';

const T = DEFAULT_ACTIVE_THRESHOLDS;
const FRAME_MS = 150;

/** fr_pose's sign: negative yaw is a person turning to their own left. */
function frame(seq: number, pose: { yaw?: number; pitch?: number; width?: number } = {}, faceCount = 1, otherScore = 0.99): FrameObservation {
  const { yaw = 0, pitch = 0, width = 200 } = pose;
  return {
    seq,
    at: seq * FRAME_MS,
    otherFaceScores: Array.from({ length: Math.max(0, faceCount - 1) }, () => otherScore),
    face: faceCount ? { width, yaw, pitch, landmarks: projectFace({ yawDeg: -yaw, pitchDeg: pitch, distance: 8 * (200 / width) }) } : null,
  };
}

/** Feeds frames from `seq` on, each with the given pose, and returns the next seq. */
function feed(tracker: ChallengeTracker, seq: number, count: number, pose: Parameters<typeof frame>[1] = {}): number {
  for (let i = 0; i < count; i++) tracker.observe(frame(seq + i, pose));
  return seq + count;
}

const POSE: Record<ChallengeStep, Parameters<typeof frame>[1]> = {
  TURN_LEFT: { yaw: -25 },
  TURN_RIGHT: { yaw: 25 },
  LOOK_UP: { pitch: 18 },
  MOVE_CLOSER: { width: 260 },
};

test('a head that does each step after its prompt passes, and each completion is reported once', () => {
  const plan = { steps: ['TURN_LEFT', 'LOOK_UP'] as ChallengeStep[], promptDelaysMs: [600, 900] };
  const tracker = new ChallengeTracker(plan, T);
  let seq = feed(tracker, 0, 2);
  assert.equal(tracker.status.phase, 'WAITING');
  assert.equal(tracker.status.prompt, null, 'no prompt before the delay');
  seq = feed(tracker, seq, 4);
  assert.equal(tracker.status.phase, 'STEP');
  assert.equal(tracker.status.prompt, 'TURN_LEFT');
  seq = feed(tracker, seq, 2);
  tracker.observe(frame(seq++, POSE.TURN_LEFT));
  const done = tracker.observe(frame(seq++, POSE.TURN_LEFT));
  assert.equal(done.completedStep, 'TURN_LEFT');
  assert.equal(tracker.steps[0].keyFrameSeq, seq - 1);
  assert.equal(tracker.observe(frame(seq++)).completedStep, null);
  seq = feed(tracker, seq, 8);
  assert.equal(tracker.status.prompt, 'LOOK_UP');
  seq = feed(tracker, seq, 2);
  seq = feed(tracker, seq, 2, POSE.LOOK_UP);
  assert.equal(tracker.status.phase, 'RETURN');
  seq = feed(tracker, seq, 1);
  assert.equal(tracker.status.phase, 'RETURN', 'one frontal reading is not a return');
  feed(tracker, seq, 1);
  assert.equal(tracker.status.phase, 'PASSED');
  assert.equal(tracker.status.failure, null);
});

test('a step done before its prompt does not count: the head must come back to frontal first', () => {
  const tracker = new ChallengeTracker({ steps: ['TURN_RIGHT'], promptDelaysMs: [300] }, T);
  let seq = feed(tracker, 0, 2);
  seq = feed(tracker, seq, 10, POSE.TURN_RIGHT);
  assert.equal(tracker.status.phase, 'STEP');
  assert.equal(tracker.steps[0].doneAt, null, 'already turned when prompted');
  seq = feed(tracker, seq, 2);
  feed(tracker, seq, 2, POSE.TURN_RIGHT);
  assert.equal(tracker.status.phase, 'RETURN');
});

test('a step not done within its deadline fails the sequence, with frames or without', () => {
  const tracker = new ChallengeTracker({ steps: ['MOVE_CLOSER'], promptDelaysMs: [0] }, T);
  const seq = feed(tracker, 0, 3);
  const promptedAt = tracker.steps[0].promptedAt!;
  assert.equal(tracker.expire(promptedAt + T.stepTimeoutMs).phase, 'STEP', 'the deadline itself is still in time');
  const late = tracker.expire(promptedAt + T.stepTimeoutMs + 1);
  assert.equal(late.phase, 'FAILED');
  assert.equal(late.failure?.check, 'sequence');
  assert.match(late.failure!.message, /MOVE_CLOSER was not done within 6 s/);
  assert.equal(tracker.observe(frame(seq, POSE.MOVE_CLOSER)).phase, 'FAILED', 'a failed challenge stays failed');
});

test('turning the other way fails the sequence', () => {
  const tracker = new ChallengeTracker({ steps: ['TURN_LEFT', 'TURN_RIGHT'], promptDelaysMs: [0, 0] }, T);
  let seq = feed(tracker, 0, 4);
  seq = feed(tracker, seq, 2, POSE.TURN_RIGHT);
  assert.equal(tracker.status.phase, 'FAILED');
  assert.equal(tracker.status.failure?.message, 'asked for TURN_LEFT, the head did TURN_RIGHT');
});

test('a second confident face in any frame fails identity; frames with no face are skipped', () => {
  const tracker = new ChallengeTracker({ steps: ['TURN_LEFT'], promptDelaysMs: [0] }, T);
  feed(tracker, 0, 3);
  tracker.observe(frame(3, {}, 0));
  assert.equal(tracker.status.phase, 'STEP');
  tracker.observe(frame(4, {}, 2, 0.7));
  assert.equal(tracker.status.phase, 'STEP', 'a weak second detection (a hand near the face) is not a face');
  tracker.observe(frame(5, {}, 2));
  assert.equal(tracker.status.failure?.check, 'identity');
});

test('the first step has no deadline when replaying a clip, later steps do', () => {
  const tracker = new ChallengeTracker({ steps: ['TURN_LEFT', 'TURN_RIGHT'], promptDelaysMs: [0, 0] }, T, { firstStepDeadline: false });
  let seq = feed(tracker, 0, 100);
  assert.equal(tracker.status.phase, 'STEP');
  seq = feed(tracker, seq, 2, POSE.TURN_LEFT);
  assert.equal(tracker.status.prompt, null);
  seq = feed(tracker, seq, 1);
  assert.equal(tracker.status.prompt, 'TURN_RIGHT');
  feed(tracker, seq, Math.ceil(T.stepTimeoutMs / FRAME_MS) + 1);
  assert.equal(tracker.status.phase, 'FAILED');
});

test('planChallenge draws distinct steps with at least one turn and delays in range', () => {
  const random = seededRandom(7);
  for (let i = 0; i < 200; i++) {
    const plan = planChallenge(random, { stepCount: 1 + (i % 3), minPromptDelayMs: 400, maxPromptDelayMs: 1800 });
    assert.equal(new Set(plan.steps).size, plan.steps.length);
    assert.ok(plan.steps.some((s) => TURN_STEPS.has(s)), plan.steps.join());
    assert.ok(plan.promptDelaysMs.every((d) => d >= 400 && d <= 1800));
  }
  assert.deepEqual(planChallenge(seededRandom(1), { stepCount: 3, minPromptDelayMs: 0, maxPromptDelayMs: 0 }), planChallenge(seededRandom(1), { stepCount: 3, minPromptDelayMs: 0, maxPromptDelayMs: 0 }));
});
