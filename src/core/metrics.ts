/** Verification metrics over labelled score pairs (higher score = more alike). */
export interface LabelledScore { score: number; same: boolean }

export function accuracyAt(pairs: readonly LabelledScore[], accept: (p: LabelledScore) => boolean): number {
  if (pairs.length === 0) return NaN;
  return pairs.filter((p) => accept(p) === p.same).length / pairs.length;
}

/** Equal error rate: sweeps every observed score as threshold, returns the point where FAR ≈ FRR. */
export function equalErrorRate(pairs: readonly LabelledScore[]): { eer: number; threshold: number } {
  const genuine = pairs.filter((p) => p.same).map((p) => p.score).sort((a, b) => a - b);
  const impostor = pairs.filter((p) => !p.same).map((p) => p.score).sort((a, b) => a - b);
  if (genuine.length === 0 || impostor.length === 0) return { eer: NaN, threshold: NaN };
  const candidates = [...genuine, ...impostor].sort((a, b) => a - b);
  let best = { gap: Infinity, eer: NaN, threshold: NaN };
  for (const t of candidates) {
    const frr = countBelow(genuine, t) / genuine.length;
    const far = (impostor.length - countBelow(impostor, t)) / impostor.length;
    const gap = Math.abs(far - frr);
    if (gap < best.gap) best = { gap, eer: (far + frr) / 2, threshold: t };
  }
  return { eer: best.eer, threshold: best.threshold };
}

/** True-accept rate at a fixed threshold. */
export function trueAcceptRate(pairs: readonly LabelledScore[], threshold: number): number {
  const genuine = pairs.filter((p) => p.same);
  return genuine.filter((p) => p.score >= threshold).length / genuine.length;
}

function countBelow(sortedAsc: readonly number[], t: number): number {
  let lo = 0;
  let hi = sortedAsc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortedAsc[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
