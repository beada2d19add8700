/**
 * A flat card (a printed photo) seen by a pinhole camera: the exact image of
 * every pose of a photo attack, so active liveness can be tested against
 * tilts and approaches that no head performs.
 */
import { applyHomography, type Homography } from './homography.js';
import { bilinearRgb, type RgbImage } from './image.js';

export interface CardView {
  /** Card size in its own pixels; the card's unit of length is one of them. */
  readonly cardWidth: number;
  readonly cardHeight: number;
  /** From the camera to the card's centre, in card pixels: a frontal card appears focal / distance times its pixel size. */
  readonly distance: number;
  /** Signed like fr_pose's yaw: negative faces the card to the frame's right (its right edge recedes), as a person turning to their left. */
  readonly yawDeg: number;
  /** Signed like fr_pose's pitch: positive moves the top edge away, as a person looking up. */
  readonly pitchDeg: number;
  /** Focal length in frame pixels; the principal point is the frame's centre. */
  readonly focal: number;
  readonly frameWidth: number;
  readonly frameHeight: number;
}

/**
 * Card pixel coordinates → frame pixel coordinates (both continuous: pixel i
 * spans [i, i + 1)), as K · [r1 r2 t] · (centre the card). The card is turned
 * by pitch first, then yaw, about its own centre on the optical axis.
 */
export function cardHomography(view: CardView): number[] {
  const yaw = (view.yawDeg * Math.PI) / 180;
  const pitch = (view.pitchDeg * Math.PI) / 180;
  const [cy, sy, cp, sp] = [Math.cos(yaw), Math.sin(yaw), Math.cos(pitch), Math.sin(pitch)];
  // Camera axes: x right, y down, z forward. Columns are where the card's x and y axes point.
  const r1 = [cy, 0, -sy];
  const r2 = [-sy * sp, cp, -cy * sp];
  const t = [0, 0, view.distance];
  const [f, px, py] = [view.focal, view.frameWidth / 2, view.frameHeight / 2];
  const camera = [r1, r2, t].map((c) => [f * c[0] + px * c[2], f * c[1] + py * c[2], c[2]]);
  const [ox, oy] = [view.cardWidth / 2, view.cardHeight / 2];
  const h = [0, 1, 2].flatMap((row) => [camera[0][row], camera[1][row], camera[2][row] - ox * camera[0][row] - oy * camera[1][row]]);
  return h.map((v) => v / h[8]);
}

function invertHomography(h: Homography): number[] {
  const [a, b, c, d, e, f, g, k, l] = h;
  const adjugate = [e * l - f * k, c * k - b * l, b * f - c * e, f * g - d * l, a * l - c * g, c * d - a * f, d * k - e * g, b * g - a * k, a * e - b * d];
  const det = a * adjugate[0] + b * adjugate[3] + c * adjugate[6];
  if (Math.abs(det) < 1e-12) throw new RangeError('homography is singular');
  return adjugate.map((v) => v / det);
}


/**
 * Renders `src` through `h` (source → output, continuous pixel coordinates):
 * each output pixel centre is mapped back and sampled bilinearly; what falls
 * outside the source, or behind the camera, is `background`.
 */
export function warpPerspective(src: RgbImage, h: Homography, outWidth: number, outHeight: number, background: readonly [number, number, number]): RgbImage {
  const inverse = invertHomography(h);
  const data = new Uint8Array(outWidth * outHeight * 3);
  const rgb = [0, 0, 0];
  for (let v = 0; v < outHeight; v++) {
    for (let u = 0; u < outWidth; u++) {
      const o = (v * outWidth + u) * 3;
      const w = inverse[6] * (u + 0.5) + inverse[7] * (v + 0.5) + inverse[8];
      const [x, y] = applyHomography(inverse, [u + 0.5, v + 0.5]);
      if (!(w * h[8] > 0) || x < 0 || y < 0 || x > src.width || y > src.height) {
        data.set(background, o);
        continue;
      }
      // Continuous coordinates put pixel centres at +0.5; the sampler indexes them at whole numbers.
      bilinearRgb(src, x - 0.5, y - 0.5, 'edge', rgb);
      for (let ch = 0; ch < 3; ch++) data[o + ch] = Math.round(rgb[ch]);
    }
  }
  return { width: outWidth, height: outHeight, data };
}
