/**
 * Follows one challenge frame by frame on the server's clock: waits for a
 * frontal baseline, prompts each step after its random delay, decides when the
 * head has done it (held for a few frames, after coming back to frontal, within
 * the deadline), and fails on a turn the wrong way, a second face or a missed
 * deadline. The same tracker replays recorded clips in `facegate eval active`.
 */
import type { Point } from '../geometry.js';
import { meetsStep, type ActiveThresholds, type ChallengePlan, type ChallengeStep } from './challenge.js';

/** One analysed frame: what the engine saw in a guidance frame or a clip frame. */
export interface FrameObservation {
  readonly seq: number;
  /** Arrival time in ms (server clock), or the frame's time in a clip. */
  readonly at: number;
  /** Detection scores of the faces besides the primary one. */
  readonly otherFaceScores: readonly number[];
  /** The primary face, when there is one. */
  readonly face: ObservedFace | null;
}

export interface ObservedFace {
  readonly width: number;
  readonly yaw: number;
  readonly pitch: number;
  readonly landmarks: readonly Point[];
  /** L2-normalised template, on the frames the caller samples. */
  readonly template?: Float32Array;
}

export type TrackerPhase = 'FRONTAL' | 'WAITING' | 'STEP' | 'RETURN' | 'PASSED' | 'FAILED';

export interface TrackerFailure {
  readonly check: 'sequence' | 'identity';
  readonly message: string;
}

export interface TrackedFrame extends FrameObservation {
  readonly face: ObservedFace;
}

export interface StepRecord {
  readonly step: ChallengeStep;
  promptedAt: number | null;
  doneAt: number | null;
  /** The frame that completed the step: the capture's key frame for it. */
  keyFrameSeq: number | null;
  /** Frames with a face from the prompt until the head is back to frontal after the step: the depth check reads them. */
  readonly frames: TrackedFrame[];
}

export interface Baseline {
  readonly yaw: number;
  readonly pitch: number;
  readonly width: number;
  readonly frame: TrackedFrame;
}

export interface TrackerStatus {
  readonly phase: TrackerPhase;
  /** Index of the step being waited for or done; equals the step count once all are done. */
  readonly stepIndex: number;
  readonly stepCount: number;
  /** What the person should do now; null while frontal is awaited or a prompt is pending. */
  readonly prompt: ChallengeStep | null;
  /** Set on the frame that completed a step. */
  readonly completedStep: ChallengeStep | null;
  readonly deadlineAt: number | null;
  readonly failure: TrackerFailure | null;
}

export interface TrackerOptions {
  /** Clips start at an arbitrary moment, so `facegate eval active` gives the first step no deadline. */
  firstStepDeadline: boolean;
}

/** Frames kept for identity sampling; at about 6 guidance frames a second this is several minutes. */
const MAX_SAMPLED_FRAMES = 2000;

export class ChallengeTracker {
  private phase: TrackerPhase = 'FRONTAL';
  private stepIndex = 0;
  private promptAt: number | null = null;
  private deadlineAt: number | null = null;
  private neutralRun = 0;
  private recentMeets: boolean[] = [];
  private recentOpposite: boolean[] = [];
  private frontalRun: TrackedFrame[] = [];
  private failure: TrackerFailure | null = null;
  private completedStep: ChallengeStep | null = null;
  private trailingStep: StepRecord | null = null;
  private baselineValue: Baseline | null = null;
  private readonly stepRecords: StepRecord[];
  private readonly samples: TrackedFrame[] = [];
  private lastAt = -Infinity;

  constructor(
    readonly plan: ChallengePlan,
    private readonly thresholds: ActiveThresholds,
    private readonly options: TrackerOptions = { firstStepDeadline: true },
  ) {
    this.stepRecords = plan.steps.map((step) => ({ step, promptedAt: null, doneAt: null, keyFrameSeq: null, frames: [] }));
  }

  get baseline(): Baseline | null {
    return this.baselineValue;
  }

  get steps(): readonly StepRecord[] {
    return this.stepRecords;
  }

  /** Frames that carried a template, in order. */
  get sampledFrames(): readonly TrackedFrame[] {
    return this.samples;
  }

  get status(): TrackerStatus {
    const prompt = this.phase === 'STEP' ? this.plan.steps[this.stepIndex] : null;
    return {
      phase: this.phase,
      stepIndex: this.stepIndex,
      stepCount: this.plan.steps.length,
      prompt,
      completedStep: this.completedStep,
      deadlineAt: this.deadlineAt,
      failure: this.failure,
    };
  }

  /** Fails the challenge when its current deadline has passed, with or without a frame. */
  expire(now: number): TrackerStatus {
    if ((this.phase === 'STEP' || this.phase === 'RETURN') && this.deadlineAt !== null && now > this.deadlineAt) {
      const what = this.phase === 'STEP' ? `${this.plan.steps[this.stepIndex]} was not done` : 'the face did not come back to frontal';
      this.fail('sequence', `${what} within ${(this.thresholds.stepTimeoutMs / 1000).toFixed(0)} s of the prompt`);
    }
    return this.status;
  }

  observe(frame: FrameObservation): TrackerStatus {
    this.completedStep = null;
    if (this.phase === 'PASSED' || this.phase === 'FAILED') return this.status;
    if (frame.at < this.lastAt) throw new RangeError('frames must arrive in time order');
    this.lastAt = frame.at;
    if (this.expire(frame.at).phase === 'FAILED') return this.status;
    if (frame.otherFaceScores.some((score) => score >= this.thresholds.otherFaceMinScore)) {
      this.fail('identity', 'more than one face was in view');
      return this.status;
    }
    if (!frame.face) return this.status;
    const tracked = frame as TrackedFrame;
    if (tracked.face.template && this.samples.length < MAX_SAMPLED_FRAMES) this.samples.push(tracked);
    // A head keeps turning after it crosses the threshold: until it is back to frontal, frames also belong to the step just done.
    if (this.trailingStep !== null) {
      this.trailingStep.frames.push(tracked);
      if (this.isNeutral(tracked)) this.trailingStep = null;
    }
    if (this.phase === 'FRONTAL') this.awaitFrontal(tracked);
    else if (this.phase === 'WAITING') this.awaitPrompt(tracked);
    if (this.phase === 'STEP') this.followStep(tracked);
    else if (this.phase === 'RETURN') this.awaitReturn(tracked);
    return this.status;
  }

  private awaitFrontal(frame: TrackedFrame): void {
    const { frontalMaxDeg, holdFrames } = this.thresholds;
    const frontal = Math.abs(frame.face.yaw) <= frontalMaxDeg && Math.abs(frame.face.pitch) <= frontalMaxDeg;
    this.frontalRun = frontal ? [...this.frontalRun, frame] : [];
    if (this.frontalRun.length < holdFrames) return;
    const mean = (pick: (f: TrackedFrame) => number) => this.frontalRun.reduce((s, f) => s + pick(f), 0) / this.frontalRun.length;
    this.baselineValue = { yaw: mean((f) => f.face.yaw), pitch: mean((f) => f.face.pitch), width: mean((f) => f.face.width), frame };
    this.frontalRun = [];
    this.schedulePrompt(frame.at);
  }

  /** Back to frontal for as long as a step is held: one jittery reading near profile is not a return. */
  private awaitReturn(frame: TrackedFrame): void {
    this.neutralRun = this.isNeutral(frame) ? this.neutralRun + 1 : 0;
    if (this.neutralRun >= this.thresholds.holdFrames) this.phase = 'PASSED';
  }

  private schedulePrompt(from: number): void {
    this.phase = 'WAITING';
    this.promptAt = from + this.plan.promptDelaysMs[this.stepIndex];
  }

  private awaitPrompt(frame: TrackedFrame): void {
    if (frame.at < this.promptAt!) return;
    // The prompt reaches the person with the answer to this frame, so its time is the frame's.
    const record = this.stepRecords[this.stepIndex];
    record.promptedAt = frame.at;
    this.phase = 'STEP';
    this.neutralRun = 0;
    this.recentMeets = [];
    this.recentOpposite = [];
    const timed = this.stepIndex > 0 || this.options.firstStepDeadline;
    this.deadlineAt = timed ? frame.at + this.thresholds.stepTimeoutMs : null;
  }

  private followStep(frame: TrackedFrame): void {
    const record = this.stepRecords[this.stepIndex];
    record.frames.push(frame);
    const { holdFrames } = this.thresholds;
    // A step counts only as a movement that starts after its prompt, from a frontal pose held as long as a step.
    if (this.neutralRun < holdFrames) {
      // Only a step that asks to come closer needs the face back at its distance; a person may stay close for a turn.
      const neutral = this.isNeutral(frame) && (record.step !== 'MOVE_CLOSER' || this.closeness(frame) < (1 + this.thresholds.closerWidthRatio) / 2);
      this.neutralRun = neutral ? this.neutralRun + 1 : 0;
      return;
    }
    const step = record.step;
    const opposite = OPPOSITE_TURN[step];
    // Pose readings jitter by a few degrees, so "held" is most of a short window rather than every frame in a row.
    const held = (recent: boolean[], meets: boolean) => {
      recent.push(meets);
      if (recent.length > holdFrames + 1) recent.shift();
      return recent.filter(Boolean).length >= holdFrames;
    };
    if (held(this.recentOpposite, opposite !== undefined && this.meets(opposite, frame))) {
      this.fail('sequence', `asked for ${step}, the head did ${opposite}`);
      return;
    }
    if (!held(this.recentMeets, this.meets(step, frame))) return;
    record.doneAt = frame.at;
    record.keyFrameSeq = frame.seq;
    this.completedStep = step;
    this.trailingStep = record;
    this.stepIndex += 1;
    if (this.stepIndex < this.plan.steps.length) {
      this.deadlineAt = null;
      this.schedulePrompt(frame.at);
    } else {
      this.phase = 'RETURN';
      this.neutralRun = 0;
      this.deadlineAt = frame.at + this.thresholds.stepTimeoutMs;
    }
  }

  private deltas(frame: TrackedFrame): { yaw: number; pitch: number } {
    const base = this.baselineValue!;
    return { yaw: frame.face.yaw - base.yaw, pitch: frame.face.pitch - base.pitch };
  }

  private closeness(frame: TrackedFrame): number {
    return frame.face.width / this.baselineValue!.width;
  }

  private isNeutral(frame: TrackedFrame): boolean {
    const d = this.deltas(frame);
    return Math.abs(d.yaw) <= this.thresholds.neutralDeg && Math.abs(d.pitch) <= this.thresholds.neutralDeg;
  }

  private meets(step: ChallengeStep, frame: TrackedFrame): boolean {
    return meetsStep(step, { ...this.deltas(frame), closeness: this.closeness(frame) }, this.thresholds);
  }

  private fail(check: TrackerFailure['check'], message: string): void {
    this.phase = 'FAILED';
    this.failure = { check, message };
    this.deadlineAt = null;
  }
}

const OPPOSITE_TURN: Partial<Record<ChallengeStep, ChallengeStep>> = { TURN_LEFT: 'TURN_RIGHT', TURN_RIGHT: 'TURN_LEFT' };

