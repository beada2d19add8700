import type { Affine } from './image.js';

export type Point = readonly [number, number];

/** A detected face box in source-image pixels. */
export interface Box {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

export const meanPoint = (points: readonly Point[]): Point => [
  points.reduce((s, p) => s + p[0], 0) / points.length,
  points.reduce((s, p) => s + p[1], 0) / points.length,
];

/** Centres of the image-left and image-right eyes in the 68-point layout (means of 36-41 and 42-47). */
export const eyeCentres68 = (landmarks: readonly Point[]): [Point, Point] => [meanPoint(landmarks.slice(36, 42)), meanPoint(landmarks.slice(42, 48))];

export const boxWidth = (b: Box): number => b.x2 - b.x1;
export const boxHeight = (b: Box): number => b.y2 - b.y1;
export const boxArea = (b: Box): number => Math.max(0, boxWidth(b)) * Math.max(0, boxHeight(b));

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = ix * iy;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy non-maximum suppression; returns the kept items, highest score first. */
export function nonMaxSuppression<T extends { box: Box; score: number }>(items: readonly T[], iouThreshold: number): T[] {
  const sorted = [...items].sort((p, q) => q.score - p.score);
  const kept: T[] = [];
  for (const item of sorted) {
    if (kept.every((k) => iou(k.box, item.box) <= iouThreshold)) kept.push(item);
  }
  return kept;
}

export function applyAffine(m: Affine, [x, y]: Point): Point {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (Math.abs(det) < 1e-12) throw new RangeError('affine matrix is singular');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/**
 * Least-squares similarity transform (rotation, uniform scale, translation)
 * taking `src` points onto `dst` points (Umeyama 1991, 2-D case).
 */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[]): Affine {
  const n = src.length;
  if (n !== dst.length || n < 2) throw new RangeError('need at least two matching points');
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[i][0]; sy += src[i][1]; dx += dst[i][0]; dy += dst[i][1];
  }
  sx /= n; sy /= n; dx /= n; dy /= n;
  // For 2-D similarity the optimum has closed form: with centred points,
  // a = Σ(x·x' + y·y') / Σ|p|², b = Σ(x·y' − y·x') / Σ|p|².
  let num1 = 0, num2 = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const x = src[i][0] - sx, y = src[i][1] - sy;
    const u = dst[i][0] - dx, v = dst[i][1] - dy;
    num1 += x * u + y * v;
    num2 += x * v - y * u;
    den += x * x + y * y;
  }
  if (den < 1e-12) throw new RangeError('source points are degenerate');
  const a = num1 / den;
  const b = num2 / den;
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}
