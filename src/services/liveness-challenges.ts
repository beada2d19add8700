/**
 * Active-liveness challenges on the server: created per capture attempt,
 * followed frame by frame as the person's device streams guidance frames, and
 * consumed once by the capture that answers them. Challenges live in this
 * process's memory for their 90 s: a load balancer must send one challenge's
 * frames and its capture to the same server (docs/liveness.md).
 */
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { DEFAULT_ACTIVE_THRESHOLDS, planChallenge, type ActiveThresholds, type ChallengeStep } from '../core/active-liveness/challenge.js';
import { stepCountFor } from '../core/active-liveness/levels.js';
import { ChallengeTracker, type TrackerStatus } from '../core/active-liveness/tracker.js';
import { verifyActive, type ActiveVerdict, type CaptureKeyFrame, type CheckOutcome } from '../core/active-liveness/verify.js';
import { levelThreshold } from '../core/calibration.js';
import { FacegateError } from '../core/errors.js';
import type { LivenessLevel } from '../core/liveness.js';
import type { ChallengeAnswer, KeyFrame } from '../crypto/capture-blob.js';
import type { FaceEngine } from '../engine/engine.js';
import type { TransactionRecord } from '../store/types.js';
import type { CaptureKind } from '../store/verification-types.js';
import { guidanceAnswer } from './capture-sessions.js';

export interface ChallengeSettings {
  lifetimeMs: number;
  minPromptDelayMs: number;
  maxPromptDelayMs: number;
  thresholds: ActiveThresholds;
  maxFrames: number;
  lockoutAttempts: number;
  lockoutWindowMs: number;
  /** Challenges alive at once; more are refused (each holds its frames' landmarks and templates). */
  maxLive: number;
}

export const DEFAULT_CHALLENGE_SETTINGS: ChallengeSettings = {
  lifetimeMs: 90_000,
  minPromptDelayMs: 500,
  maxPromptDelayMs: 1500,
  thresholds: DEFAULT_ACTIVE_THRESHOLDS,
  maxFrames: 900,
  lockoutAttempts: 5,
  lockoutWindowMs: 180_000,
  maxLive: 10_000,
};

/** What a challenge is for: a capture session, facemap authentication, dossier process, or an integrator's own flow. */
export interface ChallengePurpose {
  kind: CaptureKind | 'api';
  /** The session id, transaction reference, process id, or the integrator's subject; lockout counts per ref. */
  ref: string | null;
}

export interface IssuedChallenge {
  challengeId: string;
  /** Authenticates the guidance frames (Bearer). */
  token: string;
  /** Goes into the capture blob; single use. */
  nonce: string;
  stepCount: number;
  expiresAt: string;
}

interface Entry {
  id: string;
  tokenHash: Buffer;
  nonceHash: Buffer;
  purpose: ChallengePurpose;
  createdAt: number;
  expiresAt: number;
  tracker: ChallengeTracker;
  nextSeq: number;
  /** Arrival time of the latest frame: the tracker needs time to run forward even if the wall clock steps back. */
  lastAt: number;
  /** Observations are applied in arrival order though their analyses run in parallel. */
  applied: Promise<unknown>;
  /** The attempt's outcome was counted and logged. */
  settled: boolean;
}

export interface ChallengeStatusJson {
  id: string;
  phase: TrackerStatus['phase'];
  prompt: TrackerStatus['prompt'];
  /** 1-based step being prompted or awaited; stepCount + 1 once all are done. */
  step: number;
  stepCount: number;
  /** Set on the frame that completed a step: the SDK keeps the full-resolution frame it took with it. */
  keyFrame: { step: ChallengeStep; seq: number } | null;
  msLeft: number | null;
  failure: TrackerStatus['failure'];
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();
const sameHash = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);
const subjectKey = (purpose: ChallengePurpose): string | null => (purpose.ref === null ? null : `${purpose.kind}:${purpose.ref}`);
/** Uniform in [0, 1) from the CSPRNG: step order and prompt times must not be predictable. */
const secureRandom = (): number => randomInt(0, 2 ** 47) / 2 ** 47;

export class LivenessChallenges {
  private readonly entries = new Map<string, Entry>();
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly deps: { engine: FaceEngine; log: (record: TransactionRecord) => Promise<void> },
    private readonly settings: ChallengeSettings = DEFAULT_CHALLENGE_SETTINGS,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = secureRandom,
  ) {}

  async create(purpose: ChallengePurpose, level: LivenessLevel): Promise<IssuedChallenge> {
    const now = this.now();
    await this.sweep(now);
    this.assertNotLocked(purpose, now);
    // One open attempt per subject: a new challenge ends the previous one as failed, so challenges made in advance cannot outlast a lockout.
    const subject = subjectKey(purpose);
    for (const open of this.entries.values()) if (subject !== null && subjectKey(open.purpose) === subject) await this.end(open, 'abandoned', now);
    if (this.entries.size >= this.settings.maxLive) throw new FacegateError('ERROR_ENGINE_OVERLOADED', 'too many liveness challenges are open; retry shortly');
    const { minPromptDelayMs, maxPromptDelayMs, thresholds, lifetimeMs } = this.settings;
    const plan = planChallenge(this.random, { stepCount: stepCountFor(level), minPromptDelayMs, maxPromptDelayMs });
    const [token, nonce] = [randomBytes(32).toString('base64url'), randomBytes(24).toString('base64url')];
    const entry: Entry = {
      id: randomUUID(),
      tokenHash: sha256(token),
      nonceHash: sha256(nonce),
      purpose,
      createdAt: now,
      expiresAt: now + lifetimeMs,
      tracker: new ChallengeTracker(plan, thresholds),
      nextSeq: 0,
      lastAt: now,
      applied: Promise.resolve(),
      settled: false,
    };
    this.entries.set(entry.id, entry);
    return { challengeId: entry.id, token, nonce, stepCount: plan.steps.length, expiresAt: new Date(entry.expiresAt).toISOString() };
  }

  /** One guidance frame of a challenge: the guidance answer, with what the person should do now. */
  async frame(challengeId: string, token: string, bytes: Uint8Array) {
    const entry = this.entries.get(challengeId);
    if (!entry || !sameHash(entry.tokenHash, sha256(token))) throw new FacegateError('ERROR_NOT_FOUND', 'This liveness challenge does not exist or its token is wrong.');
    const at = Math.max(this.now(), entry.lastAt);
    entry.lastAt = at;
    if (at > entry.expiresAt) throw new FacegateError('ERROR_REQUEST_EXPIRED', 'This liveness challenge has expired; start a new capture.');
    if (entry.nextSeq >= this.settings.maxFrames) throw new FacegateError('ERROR_INVALID_ARGUMENT', `a challenge takes at most ${this.settings.maxFrames} frames`);
    const seq = entry.nextSeq++;
    // Every frame is templated (engine.observe): frames the identity check skips must not be predictable.
    const analysing = this.deps.engine.observe(bytes, { seq, at });
    const applying = entry.applied.then(async () => {
      const { observation } = await analysing;
      return entry.tracker.observe(observation);
    });
    entry.applied = applying.catch(() => undefined);
    const [{ analysis }, status] = await Promise.all([analysing, applying]);
    if (status.phase === 'FAILED') await this.end(entry, status.failure!.check, at);
    return { seq, ...guidanceAnswer(analysis), challenge: statusJson(entry, status, at) };
  }

  /**
   * Verifies the capture that answers a challenge and uses the challenge up,
   * whatever the outcome: a capture, or a challenge, counts once.
   */
  async consume(
    answer: ChallengeAnswer,
    expected: ChallengePurpose,
    capture: { frontalTemplate: Float32Array; passiveScore: number; keyFrames: readonly KeyFrame[] },
  ): Promise<ActiveVerdict> {
    const entry = this.entries.get(answer.id);
    const now = Math.max(this.now(), entry?.lastAt ?? 0);
    const fresh = freshness(entry, answer, expected, now);
    // A challenge named by a capture for another flow is left to its own flow; naming it costs that flow nothing.
    if (!entry || fresh.reason === 'purpose') return this.unverified(fresh, capture.passiveScore);
    // Before any await: of two captures naming one challenge at once, only one can get past here.
    this.entries.delete(entry.id);
    try {
      if (!fresh.passed) return this.unverified(fresh, capture.passiveScore);
      await entry.applied;
      entry.tracker.expire(now);
      const verdict = await this.verify(entry, capture);
      await this.end(entry, verdict.reason, now, capture.passiveScore);
      return verdict;
    } finally {
      // Settles the attempt when it ended early: a stale or wrong-nonce capture, or a key frame that would not decode.
      await this.end(entry, fresh.passed ? 'error' : 'fresh', now, capture.passiveScore);
    }
  }

  private async verify(entry: Entry, capture: { frontalTemplate: Float32Array; passiveScore: number; keyFrames: readonly KeyFrame[] }): Promise<ActiveVerdict> {
    const keyFrames = await Promise.all(capture.keyFrames.map((frame) => this.analyseKeyFrame(frame)));
    const match = this.deps.engine.calibration.match;
    return verifyActive({
      fresh: { passed: true },
      tracker: entry.tracker,
      capture: { frontal: { template: capture.frontalTemplate }, keyFrames: keyFrames.flatMap((k) => (k ? [k] : [])) },
      thresholds: this.settings.thresholds,
      matchCosine: levelThreshold(match, 'selfie', 'HIGH'),
      keyFrameCosine: levelThreshold(match, 'selfie', 'MEDIUM'),
      passiveScore: capture.passiveScore,
    });
  }

  private async analyseKeyFrame(frame: KeyFrame): Promise<CaptureKeyFrame | null> {
    const { observation } = await this.deps.engine.observe(frame.image, { seq: frame.seq, at: 0 });
    const face = observation.face;
    return face?.template ? { step: frame.step, seq: frame.seq, template: face.template, yaw: face.yaw, pitch: face.pitch } : null;
  }

  /** A capture naming a challenge this server does not hold fails freshness without consulting anything else. */
  private unverified(fresh: CheckOutcome, passiveScore: number): ActiveVerdict {
    const message = `fresh: ${fresh.message}`;
    return {
      live: false,
      method: 'ACTIVE',
      stepCount: 0,
      checks: {
        fresh,
        sequence: { passed: false, steps: [], message: 'not checked' },
        identity: { passed: false, sampledFrames: 0, matchingShare: null, lowestKeyFrameSimilarity: null, message: 'not checked' },
        depth: { passed: false, turns: [], message: 'not checked' },
        passive: { score: passiveScore },
      },
      reason: 'fresh',
      message,
    };
  }

  private assertNotLocked(purpose: ChallengePurpose, now: number): void {
    const key = subjectKey(purpose);
    if (!key) return;
    const recent = (this.failures.get(key) ?? []).filter((t) => now - t < this.settings.lockoutWindowMs);
    if (recent.length === 0) this.failures.delete(key);
    else this.failures.set(key, recent);
    if (recent.length < this.settings.lockoutAttempts) return;
    const retryAfterSeconds = Math.ceil((recent[0] + this.settings.lockoutWindowMs - now) / 1000);
    throw new FacegateError(
      'ERROR_TOO_MANY_ATTEMPTS',
      `${recent.length} liveness attempts failed in the last ${this.settings.lockoutWindowMs / 60_000} minutes; try again in ${retryAfterSeconds} s`,
      { retryAfterSeconds },
    );
  }

  /** Ends an attempt once: failures count towards the lockout, every outcome goes into the transaction log. */
  private async end(entry: Entry, failedCheck: string | null, now: number, passiveScore: number | null = null): Promise<void> {
    this.entries.delete(entry.id);
    if (entry.settled) return;
    entry.settled = true;
    const key = subjectKey(entry.purpose);
    if (failedCheck && key) this.failures.set(key, [...(this.failures.get(key) ?? []), now]);
    await this.deps.log({
      refid: entry.id,
      endpoint: 'liveness challenge',
      context: 'api',
      apiKeyId: null,
      galleryName: null,
      userId: key,
      requestId: null,
      result: failedCheck ? `LIVENESS_${failedCheck.toUpperCase()}` : 'success',
      httpStatus: failedCheck ? 400 : 200,
      similarityScore: null,
      livenessScore: passiveScore,
      matchLevelReached: null,
      livenessLevelReached: null,
      durationMs: now - entry.createdAt,
      createdAt: new Date(now),
    });
  }

  /** Forgets expired challenges; one that expired unanswered was a failed attempt. */
  private async sweep(now: number): Promise<void> {
    for (const entry of [...this.entries.values()]) {
      if (now <= entry.expiresAt) continue;
      await this.end(entry, 'expired', now);
    }
  }
}

function freshness(entry: Entry | undefined, answer: ChallengeAnswer, expected: ChallengePurpose, now: number): CheckOutcome & { reason?: 'purpose' } {
  if (!entry) return { passed: false, message: 'the challenge is unknown here, already used, or expired' };
  const { kind, ref } = entry.purpose;
  if (kind !== expected.kind || (kind !== 'api' && ref !== expected.ref)) return { passed: false, reason: 'purpose', message: 'the challenge was made for another capture' };
  if (!sameHash(entry.nonceHash, sha256(answer.nonce))) return { passed: false, message: 'the capture carries the wrong nonce for its challenge' };
  if (now > entry.expiresAt) return { passed: false, message: 'the challenge expired before the capture arrived' };
  return { passed: true };
}

function statusJson(entry: Entry, status: TrackerStatus, at: number): ChallengeStatusJson {
  const done = status.completedStep ? entry.tracker.steps[status.stepIndex - 1] : undefined;
  return {
    id: entry.id,
    phase: status.phase,
    prompt: status.prompt,
    step: status.stepIndex + 1,
    stepCount: status.stepCount,
    keyFrame: done ? { step: done.step, seq: done.keyFrameSeq! } : null,
    msLeft: status.deadlineAt === null ? null : Math.max(0, status.deadlineAt - at),
    failure: status.failure,
  };
}
