/**
 * Active-liveness challenges, the browser's side, free of the DOM so it runs
 * (and is tested) in Node: the challenge an integrator's backend or the hosted
 * page obtained, the challenge block of each guidance answer, and what the
 * screen shows for it. The server decides every step; the SDK only follows.
 */
import { parseGuidanceFrame, type GuidanceFrame } from './guidance.js';
import type { StringKey } from './localization.js';

/** The 201 body of POST /api/v1/liveness/challenges and POST /capture/{token}/challenge. */
export interface IssuedChallenge {
  challengeId: string;
  /** Sent as `authorization: Bearer <token>` with every guidance frame. */
  token: string;
  /** Goes into the capture blob; the server accepts it once. */
  nonce: string;
  stepCount: number;
  expiresAt: string;
  /** Where the guidance frames go; relative to the Facegate server. */
  framesUrl: string;
}

export const CHALLENGE_STEPS = ['TURN_LEFT', 'TURN_RIGHT', 'LOOK_UP', 'MOVE_CLOSER'] as const;
/** Directions are the person's own: TURN_LEFT is the person turning to their left. */
export type ChallengeStep = (typeof CHALLENGE_STEPS)[number];

const PHASES = ['FRONTAL', 'WAITING', 'STEP', 'RETURN', 'PASSED', 'FAILED'] as const;
export type ChallengePhase = (typeof PHASES)[number];

export interface ChallengeStatus {
  id: string;
  phase: ChallengePhase;
  prompt: ChallengeStep | null;
  step: number;
  stepCount: number;
  /** Set on the answer to the frame that completed a step; its seq is that answer's. */
  keyFrame: { step: ChallengeStep; seq: number } | null;
  msLeft: number | null;
  failure: { check: string; message: string } | null;
}

export interface ChallengeAnswer {
  frame: GuidanceFrame;
  /** The server's number for the frame this answers. */
  seq: number;
  challenge: ChallengeStatus;
}

/** Throws a TypeError naming the first bad field: a malformed challenge is an integration mistake. */
export function parseIssuedChallenge(value: unknown): IssuedChallenge {
  const body = asRecord(value, 'challenge');
  const text = (key: string) => {
    const field = body[key];
    if (typeof field !== 'string' || field === '') throw new TypeError(`challenge.${key} must be a non-empty string (pass the server's 201 body as it is)`);
    return field;
  };
  const stepCount = body.stepCount;
  if (!Number.isInteger(stepCount) || (stepCount as number) < 1) throw new TypeError('challenge.stepCount must be a positive integer');
  return { challengeId: text('challengeId'), token: text('token'), nonce: text('nonce'), stepCount: stepCount as number, expiresAt: text('expiresAt'), framesUrl: text('framesUrl') };
}

/** Validates a frames answer for challenge `id`; throws a TypeError on anything else, which the SDK counts as a failed request. */
export function parseChallengeAnswer(body: unknown, id: string): ChallengeAnswer {
  const frame = parseGuidanceFrame(body);
  const answer = body as Record<string, unknown>;
  const seq = integer(answer.seq, 'seq');
  const block = asRecord(answer.challenge, 'challenge answer');
  if (block.id !== id) throw new TypeError(`the answer is for challenge ${String(block.id)}, not ${id}`);
  const phase = oneOf(PHASES, block.phase, 'phase');
  const prompt = block.prompt === null ? null : oneOf(CHALLENGE_STEPS, block.prompt, 'prompt');
  if (phase === 'STEP' && prompt === null) throw new TypeError('a STEP answer needs a prompt');
  const keyFrame = block.keyFrame === null ? null : asRecord(block.keyFrame, 'challenge keyFrame');
  if (keyFrame && keyFrame.seq !== seq) throw new TypeError(`keyFrame.seq ${String(keyFrame.seq)} is not this answer's seq ${seq}`);
  const failure = block.failure === null ? null : asRecord(block.failure, 'challenge failure');
  if (failure && (typeof failure.check !== 'string' || typeof failure.message !== 'string')) throw new TypeError('challenge failure needs a check and a message');
  if (phase === 'FAILED' && !failure) throw new TypeError('a FAILED answer needs a failure');
  if (block.msLeft !== null && (typeof block.msLeft !== 'number' || !Number.isFinite(block.msLeft))) throw new TypeError('challenge msLeft must be a number or null');
  return {
    frame,
    seq,
    challenge: {
      id,
      phase,
      prompt,
      step: integer(block.step, 'step'),
      stepCount: integer(block.stepCount, 'stepCount'),
      keyFrame: keyFrame ? { step: oneOf(CHALLENGE_STEPS, keyFrame.step, 'keyFrame.step'), seq } : null,
      msLeft: block.msLeft as number | null,
      failure: failure ? { check: failure.check as string, message: failure.message as string } : null,
    },
  };
}

const PROMPT_KEYS: Record<ChallengeStep, StringKey> = {
  TURN_LEFT: 'FEEDBACK_CHALLENGE_TURN_LEFT',
  TURN_RIGHT: 'FEEDBACK_CHALLENGE_TURN_RIGHT',
  LOOK_UP: 'FEEDBACK_CHALLENGE_LOOK_UP',
  MOVE_CLOSER: 'FEEDBACK_CHALLENGE_MOVE_CLOSER',
};

export const promptKey = (prompt: ChallengeStep): StringKey => PROMPT_KEYS[prompt];

/** The message for a phase; null while the server waits for a frontal face, when the oval guidance speaks. */
export function phaseMessage(status: ChallengeStatus): StringKey | null {
  switch (status.phase) {
    case 'FRONTAL':
      return null;
    case 'WAITING':
      return 'FEEDBACK_CHALLENGE_WAIT';
    case 'STEP':
      return promptKey(status.prompt!);
    case 'RETURN':
      return 'FEEDBACK_CHALLENGE_RETURN';
    case 'PASSED':
      return 'FEEDBACK_CAPTURED';
    case 'FAILED':
      return 'FEEDBACK_CHALLENGE_FAILED';
  }
}

export type ArrowDirection = 'left' | 'right' | 'up' | 'closer';

/**
 * Which way the arrow on the screen points. In a mirrored preview (the front
 * camera) the person's left is the screen's left, as in a mirror; in an
 * unmirrored one (the rear camera, someone else holding the device) their left
 * is the screen's right.
 */
export function arrowDirection(prompt: ChallengeStep, mirrored: boolean): ArrowDirection {
  switch (prompt) {
    case 'TURN_LEFT':
      return mirrored ? 'left' : 'right';
    case 'TURN_RIGHT':
      return mirrored ? 'right' : 'left';
    case 'LOOK_UP':
      return 'up';
    case 'MOVE_CLOSER':
      return 'closer';
  }
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function integer(value: unknown, key: string): number {
  if (!Number.isInteger(value)) throw new TypeError(`challenge answer needs an integer ${key}`);
  return value as number;
}

function oneOf<T extends string>(values: readonly T[], value: unknown, key: string): T {
  if (!values.includes(value as T)) throw new TypeError(`challenge ${key} must be one of ${values.join(', ')}, got ${String(value)}`);
  return value as T;
}
