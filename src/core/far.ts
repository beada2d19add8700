/**
 * False-accept-rate thresholds from an impostor score sample. Where the sample
 * holds at least MIN_TAIL_COUNT scores above the threshold the empirical
 * quantile is used; further out the tail is extrapolated with a
 * peaks-over-threshold exponential fit (a generalised Pareto with shape 0),
 * which decays slower than the near-Gaussian cosine tail and so errs towards
 * a stricter threshold.
 */
import type { FarThreshold } from './calibration.js';

export const MIN_TAIL_COUNT = 100;
/** Number of top impostor scores used for the tail fit. */
export const TAIL_FIT_SIZE = 2000;

/** `sortedDesc`: impostor scores sorted from highest to lowest. */
export function empiricalThreshold(sortedDesc: Float32Array, far: number): number {
  const k = Math.floor(far * sortedDesc.length);
  // Accept scores strictly above the (k+1)-th highest: exactly k impostors pass.
  return k >= sortedDesc.length ? -1 : nextUp(sortedDesc[k]);
}

export function tailFitThreshold(sortedDesc: Float32Array, far: number, fitSize = TAIL_FIT_SIZE): number {
  const n = sortedDesc.length;
  const k = Math.min(fitSize, n - 1);
  const u = sortedDesc[k];
  let excess = 0;
  for (let i = 0; i < k; i++) excess += sortedDesc[i] - u;
  const meanExcess = excess / k;
  // P(S > t) = (k / n) · exp(−(t − u) / meanExcess)
  return u + meanExcess * Math.log(k / (n * far));
}

export function farThreshold(sortedDesc: Float32Array, far: number): FarThreshold {
  const expectedAbove = far * sortedDesc.length;
  return expectedAbove >= MIN_TAIL_COUNT
    ? { far, cosine: empiricalThreshold(sortedDesc, far), method: 'empirical' }
    : { far, cosine: tailFitThreshold(sortedDesc, far), method: 'tail-fit' };
}

/** Share of scores at or above `threshold` in a descending-sorted sample. */
export function shareAtOrAbove(sortedDesc: Float32Array, threshold: number): number {
  let lo = 0;
  let hi = sortedDesc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortedDesc[mid] >= threshold) lo = mid + 1;
    else hi = mid;
  }
  return lo / sortedDesc.length;
}

function nextUp(x: number): number {
  return x + Math.max(Math.abs(x) * 1e-7, 1e-7);
}
