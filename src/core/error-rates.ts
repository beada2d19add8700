/**
 * Presentation attack detection error rates (ISO/IEC 30107-3): APCER, the
 * share of attacks accepted, and BPCER, the share of bona fide presentations
 * rejected, each with a Wilson score interval because test sets are small and
 * rates near 0 are the interesting ones (where the normal approximation fails).
 */

export interface Proportion {
  readonly rate: number;
  readonly low: number;
  readonly high: number;
}

/** The interval at `z` (1.96: 95%); with no trials the rate is NaN and the interval all of [0, 1]. */
export function wilsonInterval(successes: number, trials: number, z = 1.96): Proportion {
  if (trials === 0) return { rate: NaN, low: 0, high: 1 };
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials))) / (1 + z2n);
  // Clamped because at 0 and 1 rounding can leave the bound a hair outside.
  return { rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface ErrorRate extends Proportion {
  readonly errors: number;
  readonly of: number;
}

export interface ScoredPresentation {
  /** Higher = more likely bona fide. */
  readonly score: number;
  readonly bonaFide: boolean;
}

const BONA_FIDE_LABELS: ReadonlySet<string> = new Set(['bona_fide', 'live']);

/** Evaluation manifests say `bona_fide` or `live`; every other label names an attack. */
export const isBonaFideLabel = (label: string): boolean => BONA_FIDE_LABELS.has(label);

/** A presentation is accepted when its score reaches the threshold. */
export function apcerBpcer(scores: readonly ScoredPresentation[], threshold: number): { apcer: ErrorRate; bpcer: ErrorRate } {
  const attacks = scores.filter((s) => !s.bonaFide);
  const bonaFide = scores.filter((s) => s.bonaFide);
  const rate = (errors: number, of: number): ErrorRate => ({ ...wilsonInterval(errors, of), errors, of });
  return {
    apcer: rate(attacks.filter((s) => s.score >= threshold).length, attacks.length),
    bpcer: rate(bonaFide.filter((s) => s.score < threshold).length, bonaFide.length),
  };
}
