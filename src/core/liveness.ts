/**
 * Liveness security levels (spec 002, /face/as): each level is a threshold on
 * the bona fide probability. Thresholds live in the pack's calibration file,
 * chosen for a target bona fide rejection rate (BPCER) each.
 */
import { FacegateError } from './errors.js';

export const LIVENESS_LEVELS = ['LOW', 'MEDIUM', 'MODERATE', 'BALANCED_HIGH', 'HIGH', 'BALANCED_VERY_HIGH', 'VERY_HIGH', 'HIGHEST'] as const;
export type LivenessLevel = (typeof LIVENESS_LEVELS)[number];

export type LivenessThresholds = Readonly<Record<LivenessLevel, number>>;

export interface LivenessDecision {
  /** 0-1, 1 = bona fide. */
  readonly score: number;
  readonly passed: boolean;
  /** Highest level whose threshold the score reaches; null below LOW. */
  readonly as_highest_security_level_reached: LivenessLevel | null;
}

export function isLivenessLevel(value: unknown): value is LivenessLevel {
  return typeof value === 'string' && (LIVENESS_LEVELS as readonly string[]).includes(value);
}

export function parseLivenessLevel(value: unknown): LivenessLevel {
  if (isLivenessLevel(value)) return value;
  throw new FacegateError('ERROR_INVALID_AS_LEVEL', `AS level ${JSON.stringify(value)} not supported: use one of ${LIVENESS_LEVELS.join(', ')}`);
}

export function decideLiveness(score: number, thresholds: LivenessThresholds, level: LivenessLevel): LivenessDecision {
  let reached: LivenessLevel | null = null;
  for (const l of LIVENESS_LEVELS) if (score >= thresholds[l]) reached = l;
  return { score, passed: score >= thresholds[level], as_highest_security_level_reached: reached };
}
