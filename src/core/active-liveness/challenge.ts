/**
 * What an active-liveness challenge asks for, and the thresholds that decide
 * whether a head did it. Directions are the person's own: TURN_LEFT is the
 * person turning to their left, which an unmirrored camera sees as the nose
 * pointing to the right of the frame (negative yaw from fr_pose).
 */
export const CHALLENGE_STEPS = ['TURN_LEFT', 'TURN_RIGHT', 'LOOK_UP', 'MOVE_CLOSER'] as const;
export type ChallengeStep = (typeof CHALLENGE_STEPS)[number];

export const TURN_STEPS: ReadonlySet<ChallengeStep> = new Set(['TURN_LEFT', 'TURN_RIGHT']);

export function isChallengeStep(value: unknown): value is ChallengeStep {
  return typeof value === 'string' && (CHALLENGE_STEPS as readonly string[]).includes(value);
}

export interface ChallengePlan {
  readonly steps: readonly ChallengeStep[];
  /** Wait before each step's prompt, after the frontal hold or the previous step: a recording cannot know when to move. */
  readonly promptDelaysMs: readonly number[];
}

export interface PlanOptions {
  stepCount: number;
  minPromptDelayMs: number;
  maxPromptDelayMs: number;
}

/**
 * Distinct random steps, at least one of them a turn: only turns are checked
 * for depth (docs/liveness.md says why MOVE_CLOSER and LOOK_UP are not).
 * `random` returns uniform numbers in [0, 1): crypto-backed on the server,
 * seeded in tests.
 */
export function planChallenge(random: () => number, options: PlanOptions): ChallengePlan {
  const { stepCount, minPromptDelayMs, maxPromptDelayMs } = options;
  if (!Number.isInteger(stepCount) || stepCount < 1 || stepCount > CHALLENGE_STEPS.length) throw new RangeError(`stepCount must be 1-${CHALLENGE_STEPS.length}`);
  const pool = [...CHALLENGE_STEPS];
  const steps: ChallengeStep[] = [];
  while (steps.length < stepCount) steps.push(pool.splice(Math.floor(random() * pool.length), 1)[0]);
  if (!steps.some((s) => TURN_STEPS.has(s))) steps[Math.floor(random() * steps.length)] = random() < 0.5 ? 'TURN_LEFT' : 'TURN_RIGHT';
  const promptDelaysMs = steps.map(() => Math.round(minPromptDelayMs + random() * (maxPromptDelayMs - minPromptDelayMs)));
  return { steps, promptDelaysMs };
}

/** How far a frame is from the frontal baseline: degrees of yaw and pitch, and face width over the baseline's (null where widths are not comparable). */
export interface PoseChange {
  readonly yaw: number;
  readonly pitch: number;
  readonly closeness: number | null;
}

/** Whether `change` does `step` at `share` of its thresholds (1 on guidance frames; key frames are read more leniently). */
export function meetsStep(step: ChallengeStep, change: PoseChange, t: ActiveThresholds, share = 1): boolean {
  switch (step) {
    case 'TURN_LEFT':
      return change.yaw <= -t.turnYawDeg * share;
    case 'TURN_RIGHT':
      return change.yaw >= t.turnYawDeg * share;
    case 'LOOK_UP':
      return change.pitch >= t.lookUpPitchDeg * share;
    case 'MOVE_CLOSER':
      return change.closeness === null || change.closeness >= 1 + (t.closerWidthRatio - 1) * share;
  }
}

/** Biometric thresholds of the active check; defaults in DEFAULT_ACTIVE_THRESHOLDS, chosen in docs/liveness.md. */
export interface ActiveThresholds {
  /** Head turn, degrees of fr_pose yaw away from the frontal baseline. */
  readonly turnYawDeg: number;
  /** Looking up, degrees of fr_pose pitch above the frontal baseline. */
  readonly lookUpPitchDeg: number;
  /** Moving closer: face box width over the baseline width. */
  readonly closerWidthRatio: number;
  /** A frame within this many degrees of the baseline yaw and pitch counts as frontal again. */
  readonly neutralDeg: number;
  /** The frontal baseline: |yaw| and |pitch| at most this. */
  readonly frontalMaxDeg: number;
  /** Consecutive frames with a face that must meet a step (or the frontal pose) before it counts. */
  readonly holdFrames: number;
  /** From a step's prompt to its completion, and from the last step back to frontal. */
  readonly stepTimeoutMs: number;
  /** Homography residual (share of the inter-ocular distance) a turn must reach: a flat photo stays below. */
  readonly depthResidual: number;
  /** Share of the sampled frames whose template must match the frontal baseline. */
  readonly identityShare: number;
  /** A second detection this confident fails the attempt; weaker ones (a hand beside the face) do not (docs/liveness.md). */
  readonly otherFaceMinScore: number;
  /** Beyond this turn from the baseline the recognition model cannot vouch for a face: such frames are not identity-checked. */
  readonly identityMaxYawDeg: number;
}

export const DEFAULT_ACTIVE_THRESHOLDS: ActiveThresholds = {
  turnYawDeg: 12,
  lookUpPitchDeg: 10,
  closerWidthRatio: 1.2,
  neutralDeg: 10,
  frontalMaxDeg: 20,
  holdFrames: 2,
  stepTimeoutMs: 6000,
  depthResidual: 0.05,
  identityShare: 0.5,
  identityMaxYawDeg: 30,
  otherFaceMinScore: 0.85,
};
