/**
 * Calibrated matching: maps a cosine similarity onto the spec's 0-100
 * `similarityScore` and security levels. A calibration table (made by
 * `npm run calibrate` from impostor and genuine score distributions) gives the
 * cosine threshold reaching each false-accept rate; the similarity score is
 * piecewise linear in cosine through the spec's anchor points, so it means the
 * same FAR whatever level a caller asks for.
 */
import { FacegateError } from './errors.js';

export type MatchMode = 'selfie' | 'picture-id';
export const MATCH_LEVELS = ['MEDIUM', 'HIGH', 'VERY_HIGH', 'HIGHEST'] as const;
export type MatchLevel = (typeof MATCH_LEVELS)[number];
export type MatchLevelReached = MatchLevel | 'NONE';

interface LevelTarget { readonly far: number; readonly similarity: number }

/** Spec 002, matchWithSelfie and matchWithPictureId. */
export const MATCH_LEVEL_TARGETS: Record<MatchMode, Record<MatchLevel, LevelTarget>> = {
  selfie: {
    MEDIUM: { far: 1e-3, similarity: 80 },
    HIGH: { far: 1e-4, similarity: 90 },
    VERY_HIGH: { far: 1e-5, similarity: 95 },
    HIGHEST: { far: 1e-6, similarity: 98 },
  },
  'picture-id': {
    MEDIUM: { far: 1 / 200, similarity: 60 },
    HIGH: { far: 1e-3, similarity: 80 },
    VERY_HIGH: { far: 1 / 5000, similarity: 85 },
    HIGHEST: { far: 1e-4, similarity: 90 },
  },
};

/** FARs the calibration must provide thresholds for. */
export const CALIBRATED_FARS = [1 / 200, 1e-3, 1 / 5000, 1e-4, 1e-5, 1e-6];

export interface FarThreshold {
  readonly far: number;
  /** Cosine at or above which an impostor pair is accepted with this FAR. */
  readonly cosine: number;
  readonly method: 'empirical' | 'tail-fit';
}

export interface CalibrationTable {
  readonly modelId: string;
  readonly dataset: string;
  readonly impostorPairs: number;
  readonly genuinePairs: number;
  readonly createdAt: string;
  /** Cosine mapped to similarity 0 (median impostor score). */
  readonly zeroCosine: number;
  /** Cosine mapped to similarity 100. */
  readonly fullCosine: number;
  readonly thresholds: readonly FarThreshold[];
}

export function thresholdForFar(table: CalibrationTable, far: number): number {
  const hit = table.thresholds.find((t) => Math.abs(Math.log10(t.far) - Math.log10(far)) < 1e-6);
  if (!hit) throw new FacegateError('ERROR_SERVER_INTERNAL', `calibration table for ${table.modelId} has no threshold for FAR ${far}`);
  return hit.cosine;
}

export function levelThreshold(table: CalibrationTable, mode: MatchMode, level: MatchLevel): number {
  return thresholdForFar(table, MATCH_LEVEL_TARGETS[mode][level].far);
}

/** The (cosine, similarity) anchors of the piecewise-linear map, strictly increasing in both. */
export function similarityAnchors(table: CalibrationTable, mode: MatchMode): Array<[number, number]> {
  const anchors: Array<[number, number]> = [[table.zeroCosine, 0]];
  for (const level of MATCH_LEVELS) anchors.push([levelThreshold(table, mode, level), MATCH_LEVEL_TARGETS[mode][level].similarity]);
  anchors.push([Math.max(table.fullCosine, anchors[anchors.length - 1][0] + 1e-3), 100]);
  for (let i = 1; i < anchors.length; i++) {
    if (!(anchors[i][0] > anchors[i - 1][0])) throw new FacegateError('ERROR_SERVER_INTERNAL', `calibration for ${table.modelId} is not monotone at similarity ${anchors[i][1]}`);
  }
  return anchors;
}

/** Integer 0-100; reaching a level's similarity means reaching its FAR. */
export function similarityScore(cosine: number, table: CalibrationTable, mode: MatchMode): number {
  const anchors = similarityAnchors(table, mode);
  if (cosine <= anchors[0][0]) return 0;
  for (let i = 1; i < anchors.length; i++) {
    const [c1, s1] = anchors[i];
    if (cosine < c1) {
      const [c0, s0] = anchors[i - 1];
      // Floor so that a score just below a threshold never rounds up onto the level's number.
      return Math.floor(s0 + ((cosine - c0) / (c1 - c0)) * (s1 - s0));
    }
  }
  return 100;
}

export function highestLevelReached(cosine: number, table: CalibrationTable, mode: MatchMode): MatchLevelReached {
  let reached: MatchLevelReached = 'NONE';
  for (const level of MATCH_LEVELS) if (cosine >= levelThreshold(table, mode, level)) reached = level;
  return reached;
}

export function parseMatchLevel(value: unknown): MatchLevel {
  if (typeof value === 'string' && (MATCH_LEVELS as readonly string[]).includes(value)) return value as MatchLevel;
  throw new FacegateError('ERROR_INVALID_MATCH_LEVEL', `Match level ${JSON.stringify(value)} is outside the supported range: use one of ${MATCH_LEVELS.join(', ')}`);
}

/** True when a decision's highest level reached is `level` or a stricter one. */
export function reachesLevel(reached: MatchLevelReached, level: MatchLevel): boolean {
  return reached !== 'NONE' && MATCH_LEVELS.indexOf(reached) >= MATCH_LEVELS.indexOf(level);
}

export interface MatchDecision {
  /** Cosine distance (1 − cosine): the spec's debug `score`, closer to 0 is more alike. */
  readonly score: number;
  readonly similarityScore: number;
  readonly possibleMatch: boolean;
  readonly matchHighestSecurityLevelReached: MatchLevelReached;
}

export function decideMatch(cosine: number, table: CalibrationTable, mode: MatchMode, level: MatchLevel): MatchDecision {
  return {
    score: Number((1 - cosine).toFixed(6)),
    similarityScore: similarityScore(cosine, table, mode),
    possibleMatch: cosine >= levelThreshold(table, mode, level),
    matchHighestSecurityLevelReached: highestLevelReached(cosine, table, mode),
  };
}
