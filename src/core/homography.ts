/**
 * Plane-to-plane projective transforms. Every view of a flat object (a printed
 * photo, a screen) by a pinhole camera is a homography of any other view, so
 * how well one explains the landmark motion between two frames says whether
 * the face is flat: active liveness's depth check rests on it.
 */
import type { Point } from './geometry.js';

/** Row-major 3x3, h[8] scaled to 1 where possible. */
export type Homography = readonly number[];

export function applyHomography(h: Homography, [x, y]: Point): Point {
  const w = h[6] * x + h[7] * y + h[8];
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}

/** Translation and scale that move points to mean 0 and mean distance √2 (Hartley 1997): conditions the DLT. */
function normalisation(points: readonly Point[]): { scale: number; cx: number; cy: number } {
  const n = points.length;
  const cx = points.reduce((s, p) => s + p[0], 0) / n;
  const cy = points.reduce((s, p) => s + p[1], 0) / n;
  const spread = points.reduce((s, p) => s + Math.hypot(p[0] - cx, p[1] - cy), 0) / n;
  if (!(spread > 1e-12)) throw new RangeError('points are degenerate: they all coincide');
  return { scale: Math.SQRT2 / spread, cx, cy };
}

/**
 * Least-squares homography taking `src` onto `dst` (normalised direct linear
 * transform): the unit vector minimising |A h| is the eigenvector of AᵀA with
 * the smallest eigenvalue.
 */
export function fitHomography(src: readonly Point[], dst: readonly Point[]): Homography {
  if (src.length !== dst.length || src.length < 4) throw new RangeError('need at least four matching points');
  const ns = normalisation(src);
  const nd = normalisation(dst);
  const ata = Array.from({ length: 9 }, () => new Float64Array(9));
  const addRow = (row: readonly number[]) => {
    for (let i = 0; i < 9; i++) for (let j = i; j < 9; j++) ata[i][j] += row[i] * row[j];
  };
  for (let k = 0; k < src.length; k++) {
    const x = (src[k][0] - ns.cx) * ns.scale;
    const y = (src[k][1] - ns.cy) * ns.scale;
    const u = (dst[k][0] - nd.cx) * nd.scale;
    const v = (dst[k][1] - nd.cy) * nd.scale;
    addRow([-x, -y, -1, 0, 0, 0, u * x, u * y, u]);
    addRow([0, 0, 0, -x, -y, -1, v * x, v * y, v]);
  }
  for (let i = 0; i < 9; i++) for (let j = 0; j < i; j++) ata[i][j] = ata[j][i];
  const hn = smallestEigenvector(ata);
  // Undo the normalisations: H = Td⁻¹ · Hn · Ts.
  const ts = [ns.scale, 0, -ns.scale * ns.cx, 0, ns.scale, -ns.scale * ns.cy, 0, 0, 1];
  const tdInverse = [1 / nd.scale, 0, nd.cx, 0, 1 / nd.scale, nd.cy, 0, 0, 1];
  const h = multiply3(tdInverse, multiply3(hn, ts));
  const last = Math.abs(h[8]) > 1e-12 ? h[8] : 1;
  return h.map((value) => value / last);
}

/** Root mean square distance, in `dst` units, between `dst` and `src` mapped by the best homography. */
export function homographyResidual(src: readonly Point[], dst: readonly Point[]): number {
  const h = fitHomography(src, dst);
  let sum = 0;
  for (let k = 0; k < src.length; k++) {
    const [x, y] = applyHomography(h, src[k]);
    sum += (x - dst[k][0]) ** 2 + (y - dst[k][1]) ** 2;
  }
  return Math.sqrt(sum / src.length);
}

function multiply3(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return out;
}

/** Cyclic Jacobi rotations on a symmetric matrix (modified in place); returns the eigenvector of its smallest eigenvalue. */
function smallestEigenvector(m: Float64Array[]): number[] {
  const n = m.length;
  const vectors = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let offDiagonal = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) offDiagonal += m[p][q] ** 2;
    if (offDiagonal < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(m[p][q]) < 1e-300) continue;
        const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k][p];
          const mkq = m[k][q];
          m[k][p] = c * mkp - s * mkq;
          m[k][q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p][k];
          const mqk = m[q][k];
          m[p][k] = c * mpk - s * mqk;
          m[q][k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = vectors[k][p];
          const vkq = vectors[k][q];
          vectors[k][p] = c * vkp - s * vkq;
          vectors[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let smallest = 0;
  for (let i = 1; i < n; i++) if (m[i][i] < m[smallest][smallest]) smallest = i;
  return Array.from({ length: n }, (_, k) => vectors[k][smallest]);
}
