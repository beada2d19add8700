/**
 * The active-liveness verdict from what the tracker recorded and what the
 * capture carried: fresh, sequence, identity, depth, with the passive score
 * reported beside them. Pure: the service computes freshness and feeds the
 * engine's analyses in.
 */
import { eyeCentres68, type Point } from '../geometry.js';
import { homographyResidual } from '../homography.js';
import { dot } from '../template.js';
import { meetsStep, TURN_STEPS, type ActiveThresholds, type ChallengeStep } from './challenge.js';
import type { ChallengeTracker, TrackedFrame } from './tracker.js';

export type ActiveCheckName = 'fresh' | 'sequence' | 'identity' | 'depth';

export interface CheckOutcome {
  readonly passed: boolean;
  readonly message?: string;
}

/** A high-resolution frame of the capture, analysed by the engine. */
export interface CaptureFace {
  readonly template: Float32Array;
  readonly yaw: number;
  readonly pitch: number;
}

export interface CaptureKeyFrame extends CaptureFace {
  readonly step: ChallengeStep;
  /** The guidance frame it was taken with, as the tracker numbered it. */
  readonly seq: number;
}

export interface ActiveEvidence {
  readonly fresh: CheckOutcome;
  readonly tracker: ChallengeTracker;
  /** The capture's frontal frame and key frames; null when the recorded frames themselves are the capture (clips). */
  readonly capture: { frontal: { template: Float32Array }; keyFrames: readonly CaptureKeyFrame[] } | null;
  readonly thresholds: ActiveThresholds;
  /** Cosine the sampled frames must reach against the frontal frame: the selfie HIGH level. */
  readonly matchCosine: number;
  /** Cosine each key frame must reach: turned faces score lower, so the selfie MEDIUM level (docs/liveness.md). */
  readonly keyFrameCosine: number;
  /** fr_liveness of the frontal frame: reported, never decisive. */
  readonly passiveScore: number | null;
}

export interface ActiveVerdict {
  readonly live: boolean;
  readonly method: 'ACTIVE';
  readonly stepCount: number;
  readonly checks: {
    readonly fresh: CheckOutcome;
    readonly sequence: CheckOutcome & { steps: { step: ChallengeStep; promptedAt: number | null; doneAt: number | null }[] };
    readonly identity: CheckOutcome & { sampledFrames: number; matchingShare: number | null; lowestKeyFrameSimilarity: number | null };
    readonly depth: CheckOutcome & { turns: { step: ChallengeStep; residual: number }[] };
    readonly passive: { score: number | null };
  };
  /** The first check that failed, in the order above; null when live. */
  readonly reason: ActiveCheckName | null;
  readonly message: string;
}

export function interOcularDistance(landmarks: readonly Point[]): number {
  const [a, b] = eyeCentres68(landmarks);
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/**
 * How far the landmark motion from `frontal` to `frame` is from any plane's: residual RMS over
 * the target's inter-ocular distance. Degenerate landmarks (a collapsed detection) show no depth.
 */
export function depthResidual(frontal: readonly Point[], frame: readonly Point[]): number {
  const eyes = interOcularDistance(frame);
  if (!(eyes >= 1)) return 0;
  try {
    return homographyResidual(frontal, frame) / eyes;
  } catch {
    return 0;
  }
}

export function verifyActive(evidence: ActiveEvidence): ActiveVerdict {
  const { tracker, thresholds } = evidence;
  const sequence = sequenceCheck(evidence);
  const identity = identityCheck(evidence);
  const depth = depthCheck(tracker, thresholds);
  const checks = {
    fresh: evidence.fresh,
    sequence,
    identity,
    depth,
    passive: { score: evidence.passiveScore },
  };
  const order: ActiveCheckName[] = ['fresh', 'sequence', 'identity', 'depth'];
  const reason = order.find((name) => !checks[name].passed) ?? null;
  return {
    live: reason === null,
    method: 'ACTIVE',
    stepCount: tracker.plan.steps.length,
    checks,
    reason,
    message: reason ? `${reason}: ${checks[reason].message ?? 'failed'}` : `all ${tracker.plan.steps.length} steps done by a three-dimensional head`,
  };
}

function sequenceCheck({ tracker, capture, thresholds }: ActiveEvidence): ActiveVerdict['checks']['sequence'] {
  const status = tracker.status;
  const steps = tracker.steps.map((s) => ({ step: s.step, promptedAt: s.promptedAt, doneAt: s.doneAt }));
  const result = (passed: boolean, message?: string) => ({ passed, steps, ...(message ? { message } : {}) });
  if (status.failure?.check === 'sequence') return result(false, status.failure.message);
  if (status.phase !== 'PASSED' && status.phase !== 'FAILED') {
    const pending = status.phase === 'FRONTAL' ? 'no frontal face was held before the first step' : `the challenge stopped at step ${status.stepIndex + 1} of ${status.stepCount}`;
    return result(false, pending);
  }
  if (!capture) return result(true);
  const baseline = tracker.baseline!;
  for (const record of tracker.steps) {
    const keyFrame = capture.keyFrames.find((k) => k.step === record.step);
    if (!keyFrame) return result(false, `the capture has no key frame for ${record.step}`);
    if (keyFrame.seq !== record.keyFrameSeq) return result(false, `the ${record.step} key frame was not taken with the frame that completed the step`);
    if (!keyFrameAgrees(record.step, keyFrame, baseline, thresholds)) return result(false, `the ${record.step} key frame does not show the head doing ${record.step}`);
  }
  return result(true);
}

/**
 * Key frames are full resolution, so pose reads a little differently: half the step's threshold in its
 * direction is enough. Their face size is in another resolution than the guidance frames', so closeness is not compared.
 */
function keyFrameAgrees(step: ChallengeStep, frame: CaptureFace, baseline: { yaw: number; pitch: number }, t: ActiveThresholds): boolean {
  return meetsStep(step, { yaw: frame.yaw - baseline.yaw, pitch: frame.pitch - baseline.pitch, closeness: null }, t, 0.5);
}

function identityCheck({ tracker, capture, thresholds, matchCosine, keyFrameCosine }: ActiveEvidence): ActiveVerdict['checks']['identity'] {
  const baseline = tracker.baseline;
  // Far-turned faces score low against a frontal one even for the same person (bench/liveness-depth.ts, lowestSimilarityTurned30).
  const checkable = (yaw: number) => baseline !== null && Math.abs(yaw - baseline.yaw) <= thresholds.identityMaxYawDeg;
  const samples = tracker.sampledFrames.filter((f) => checkable(f.face.yaw));
  const base = { sampledFrames: samples.length, matchingShare: null, lowestKeyFrameSimilarity: null };
  const failure = tracker.status.failure;
  if (failure?.check === 'identity') return { ...base, passed: false, message: failure.message };
  const reference = capture?.frontal.template ?? nearestSample(samples, baseline?.frame.seq)?.face.template;
  if (!reference) return { ...base, passed: false, message: 'no frame carried a template to compare' };
  const keyFrames = capture ? capture.keyFrames.filter((k) => checkable(k.yaw)).map((k) => k.template) : keyFramesOf(tracker, checkable);
  const lowest = keyFrames.length ? Math.min(...keyFrames.map((t) => dot(t, reference))) : null;
  const matching = samples.filter((f) => dot(f.face.template!, reference) >= matchCosine).length;
  const share = samples.length ? matching / samples.length : 0;
  const outcome = { ...base, matchingShare: share, lowestKeyFrameSimilarity: lowest };
  if (lowest !== null && lowest < keyFrameCosine) return { ...outcome, passed: false, message: `a key frame shows another face (similarity ${lowest.toFixed(2)})` };
  if (share < thresholds.identityShare) {
    return { ...outcome, passed: false, message: `only ${(share * 100).toFixed(0)}% of the sampled frames show the captured face (at least ${(thresholds.identityShare * 100).toFixed(0)}% needed)` };
  }
  return { ...outcome, passed: true };
}

function nearestSample(samples: readonly TrackedFrame[], seq: number | undefined): TrackedFrame | undefined {
  if (seq === undefined || samples.length === 0) return undefined;
  return samples.reduce((best, f) => (Math.abs(f.seq - seq) < Math.abs(best.seq - seq) ? f : best));
}

function keyFramesOf(tracker: ChallengeTracker, checkable: (yaw: number) => boolean): Float32Array[] {
  return tracker.steps.flatMap((s) => s.frames.filter((f) => f.seq === s.keyFrameSeq && f.face.template && checkable(f.face.yaw)).map((f) => f.face.template!));
}

function depthCheck(tracker: ChallengeTracker, thresholds: ActiveThresholds): ActiveVerdict['checks']['depth'] {
  const baseline = tracker.baseline;
  const turns = tracker.steps
    .filter((s) => TURN_STEPS.has(s.step) && s.doneAt !== null)
    .map((s) => ({ step: s.step, residual: baseline ? Math.max(0, ...s.frames.map((f) => depthResidual(baseline.frame.face.landmarks, f.face.landmarks))) : 0 }));
  if (turns.length === 0) return { passed: false, turns, message: 'no head turn was completed, so depth could not be measured' };
  const flat = turns.find((t) => t.residual < thresholds.depthResidual);
  if (flat) {
    return { passed: false, turns, message: `during ${flat.step} the face moved like a flat picture (residual ${(flat.residual * 100).toFixed(1)}% < ${(thresholds.depthResidual * 100).toFixed(1)}%)` };
  }
  return { passed: true, turns };
}
