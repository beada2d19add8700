/**
 * How the spec's eight liveness levels map onto what Facegate can check. The
 * passive model (fr_liveness) accepted 9 of 10 full-frame photo and screen
 * attacks at HIGH, so no level that promises to stop them is granted by it:
 * from BALANCED_HIGH up an active challenge must pass; below, the passive
 * score is accepted and the answer says so.
 */
import { LIVENESS_LEVELS, type LivenessDecision, type LivenessLevel } from '../liveness.js';
import type { ActiveVerdict } from './verify.js';

export const FIRST_ACTIVE_LEVEL: LivenessLevel = 'BALANCED_HIGH';
/** The highest level a passive score alone can reach. */
export const PASSIVE_CEILING: LivenessLevel = 'MODERATE';
const THREE_STEPS_FROM: LivenessLevel = 'VERY_HIGH';

const rank = (level: LivenessLevel): number => LIVENESS_LEVELS.indexOf(level);

export const requiresActive = (level: LivenessLevel): boolean => rank(level) >= rank(FIRST_ACTIVE_LEVEL);

/** Steps of a challenge made for `level`: two, three from VERY_HIGH up. */
export const stepCountFor = (level: LivenessLevel): number => (rank(level) >= rank(THREE_STEPS_FROM) ? 3 : 2);

/** The highest level a passed challenge of `stepCount` steps vouches for. */
export const activeLevelReached = (stepCount: number): LivenessLevel => (stepCount >= 3 ? 'HIGHEST' : 'BALANCED_VERY_HIGH');

export type ActiveChecks = ActiveVerdict['checks'];

/** One answer for every endpoint that decides liveness; `passed` and `score` keep the passive decision's meaning for older callers. */
export interface LivenessOutcome extends LivenessDecision {
  readonly live: boolean;
  readonly method: 'ACTIVE' | 'PASSIVE';
  readonly level: LivenessLevel;
  readonly checks: { [K in keyof ActiveChecks]: ActiveChecks[K] | null } & { passive: { score: number } };
  /** The failed check ('fresh', 'sequence', 'identity', 'depth'), 'passive', 'active_required', or null when live. */
  readonly reason: string | null;
  readonly message: string;
}

const capped = (reached: LivenessLevel | null): LivenessLevel | null => (reached === null ? null : rank(reached) > rank(PASSIVE_CEILING) ? PASSIVE_CEILING : reached);

export function passiveOutcome(decision: LivenessDecision, level: LivenessLevel): LivenessOutcome {
  const reached = capped(decision.as_highest_security_level_reached);
  const needsActive = requiresActive(level);
  const live = !needsActive && decision.passed;
  const reason = needsActive ? 'active_required' : live ? null : 'passive';
  const message = needsActive
    ? `${level} needs an active liveness challenge (docs/liveness.md); a still image is checked passively and reaches at most ${PASSIVE_CEILING}`
    : live
      ? `passive check passed at ${level}`
      : `the passive score ${decision.score.toFixed(3)} is below ${level}`;
  return {
    score: decision.score,
    passed: live,
    as_highest_security_level_reached: reached,
    live,
    method: 'PASSIVE',
    level,
    checks: { fresh: null, sequence: null, identity: null, depth: null, passive: { score: decision.score } },
    reason,
    message,
  };
}

/** A failed challenge vouches for nothing, not even the passive levels: its capture was caught presenting something else. */
export function activeOutcome(verdict: ActiveVerdict, passive: LivenessDecision, level: LivenessLevel): LivenessOutcome {
  const reached = verdict.live ? activeLevelReached(verdict.stepCount) : null;
  const live = reached !== null && rank(reached) >= rank(level);
  const short = verdict.live && !live;
  return {
    score: passive.score,
    passed: live,
    as_highest_security_level_reached: reached,
    live,
    method: 'ACTIVE',
    level,
    checks: { ...verdict.checks, passive: { score: passive.score } },
    reason: short ? 'sequence' : verdict.reason,
    message: short ? `${level} needs a challenge of ${stepCountFor(level)} steps; this one had ${verdict.stepCount}` : verdict.message,
  };
}
