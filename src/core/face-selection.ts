import { boxWidth, type Box } from './geometry.js';

export interface DetectedFace {
  readonly box: Box;
  readonly score: number;
}

/** Faces narrower than this share of the largest are ignored: they are background or false positives. */
const SIGNIFICANT_FACE_RATIO = 0.35;
/** The primary face is the one nearest the centre among faces at least this share of the largest. */
const PRIMARY_CANDIDATE_RATIO = 0.5;

/**
 * Keeps the significant faces and puts the most prominent first: among the
 * faces at least half as wide as the largest, the one nearest the centre
 * (a lone large box can be a lens reflection; centrality breaks that tie).
 */
export function orderFaces(faces: readonly DetectedFace[], width: number, height: number): DetectedFace[] {
  if (faces.length === 0) return [];
  const largest = Math.max(...faces.map((f) => boxWidth(f.box)));
  const significant = faces.filter((f) => boxWidth(f.box) >= SIGNIFICANT_FACE_RATIO * largest);
  const centreDistance = (f: DetectedFace) => Math.hypot((f.box.x1 + f.box.x2) / 2 - width / 2, (f.box.y1 + f.box.y2) / 2 - height / 2);
  const candidates = significant.filter((f) => boxWidth(f.box) >= PRIMARY_CANDIDATE_RATIO * largest);
  const primary = candidates.reduce((best, f) => (centreDistance(f) < centreDistance(best) ? f : best));
  return [primary, ...significant.filter((f) => f !== primary).sort((p, q) => boxWidth(q.box) - boxWidth(p.box))];
}
