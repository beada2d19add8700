/**
 * A synthetic 68-landmark head for tests: points in the 68-point layout on a
 * rough 3D face (nose forward, cheeks and jaw set back), which can be rotated
 * and projected by a pinhole camera, or flattened into a plane to play a photo.
 */
import type { Point } from '../geometry.js';

type Point3 = readonly [number, number, number];

/** Units are inter-ocular distances; x to the image right, y down, z towards the camera. */
function layout(): Point3[] {
  const points: Point3[] = [];
  const arc = (n: number, from: number, to: number, at: (t: number) => Point3) => {
    for (let i = 0; i < n; i++) points.push(at(from + ((to - from) * i) / Math.max(1, n - 1)));
  };
  arc(17, Math.PI * 0.95, Math.PI * 0.05, (a) => [1.05 * Math.cos(a), 0.35 + 0.95 * Math.sin(a), -1.0 + 0.7 * Math.sin(a)]); // jaw 0-16, set back towards the ears
  arc(5, -0.95, -0.2, (x) => [x, -0.45 - 0.1 * Math.cos(x * 2), 0.05]); // brow 17-21
  arc(5, 0.2, 0.95, (x) => [x, -0.45 - 0.1 * Math.cos(x * 2), 0.05]); // brow 22-26
  arc(4, -0.3, 0.45, (y) => [0, y, 0.2 + 0.55 * ((y + 0.3) / 0.75)]); // nose bridge 27-30
  arc(5, -0.25, 0.25, (x) => [x, 0.55, 0.3 - Math.abs(x) * 0.4]); // nostrils 31-35
  const eye = (cx: number) => {
    for (let i = 0; i < 6; i++) {
      const a = Math.PI - (i * Math.PI * 2) / 6;
      points.push([cx + 0.22 * Math.cos(a), -0.05 * Math.sin(a) - 0.0, 0.0]);
    }
  };
  eye(-0.5); // 36-41
  eye(0.5); // 42-47
  arc(12, 0, Math.PI * 2 * (11 / 12), (a) => [0.42 * -Math.cos(a), 0.95 - 0.12 * Math.sin(a), 0.1 - 0.1 * Math.abs(Math.cos(a))]); // outer lips 48-59
  arc(8, 0, Math.PI * 2 * (7 / 8), (a) => [0.3 * -Math.cos(a), 0.95 - 0.05 * Math.sin(a), 0.12]); // inner lips 60-67
  return points;
}

const FACE = layout();

export interface View {
  /** Degrees about the vertical axis; positive moves the nose to the image right (a person turning to their own left). */
  yawDeg?: number;
  pitchDeg?: number;
  /** Camera distance in inter-ocular distances. */
  distance?: number;
  /** Pixels per inter-ocular distance at distance 1. */
  focal?: number;
}

/** The head's landmarks seen from `view`; with `flat`, the frontal landmarks printed on a card that is rotated instead. */
export function projectFace(view: View, flat = false): Point[] {
  const { yawDeg = 0, pitchDeg = 0, distance = 8, focal = 480 } = view;
  const [cy, sy] = [Math.cos((yawDeg * Math.PI) / 180), Math.sin((yawDeg * Math.PI) / 180)];
  const [cp, sp] = [Math.cos((pitchDeg * Math.PI) / 180), Math.sin((pitchDeg * Math.PI) / 180)];
  return FACE.map(([x, y, z0]) => {
    const z = flat ? 0 : z0;
    const xr = cy * x + sy * z;
    const zr = -sy * x + cy * z;
    const yr = cp * y - sp * zr;
    const zz = sp * y + cp * zr;
    const depth = distance - zz;
    return [320 + (focal * xr) / depth, 240 + (focal * yr) / depth] as Point;
  });
}
