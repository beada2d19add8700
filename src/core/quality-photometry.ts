/**
 * Brightness-based metrics: exposure and illumination over the face area,
 * background continuity over the frame outside the person, and sharpness of
 * the inner face. Each works on a small resampled patch, never on the full
 * image, so the cost does not grow with the photo's resolution.
 */
import type { Box, Point } from './geometry.js';
import { cropRgb, luma, type RgbImage } from './image.js';
import { forEachPixelIn, ramp, sampleFacePatch, type FaceFrame, type FacePatch, type FaceRect } from './quality-frame.js';

/** Luma at which a face pixel starts to count as blown out / crushed, and where it counts fully. */
const OVER_EXPOSED_RAMP = [215, 250] as const;
const UNDER_EXPOSED_RAMP = [45, 12] as const;
/** Exposure scores reach 100 when this share of the face is fully blown out or crushed. */
const EXPOSURE_FULL_SCALE = 0.5;

/**
 * Indices of the in-frame patch pixels inside the face outline, by scanline
 * fill: per row, the crossings of the outline's edges bound the inside spans
 * (even-odd rule).
 */
export function facePixels(patch: FacePatch, outline: readonly Point[]): number[] {
  const pixels: number[] = [];
  const crossings: number[] = [];
  for (let v = 0; v < patch.height; v++) {
    const y = patch.rect.top + (v + 0.5) * patch.step;
    crossings.length = 0;
    for (let i = 0, j = outline.length - 1; i < outline.length; j = i++) {
      const [xi, yi] = outline[i];
      const [xj, yj] = outline[j];
      if (yi > y !== yj > y) crossings.push(xi + ((y - yi) * (xj - xi)) / (yj - yi));
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const u0 = Math.max(0, Math.ceil((crossings[k] - patch.rect.left) / patch.step - 0.5));
      const u1 = Math.min(patch.width - 1, Math.floor((crossings[k + 1] - patch.rect.left) / patch.step - 0.5));
      for (let u = u0; u <= u1; u++) {
        const i = v * patch.width + u;
        if (patch.inFrame[i]) pixels.push(i);
      }
    }
  }
  return pixels;
}

export interface Exposure {
  /** 0-1 */
  readonly over: number;
  /** 0-1 */
  readonly under: number;
  /** Mean face luma, 0-255. */
  readonly brightness: number;
  /** Standard deviation of face luma, 0-255. */
  readonly contrast: number;
}

/** Soft share of blown-out and of crushed face pixels, so a face at luma 240 already counts as mostly over-exposed. */
export function exposure(patch: FacePatch, face: readonly number[]): Exposure {
  if (face.length === 0) return { over: 0, under: 0, brightness: 0, contrast: 0 };
  let over = 0, under = 0, sum = 0, sumSq = 0;
  for (const i of face) {
    const y = patch.luma[i];
    over += ramp(y, OVER_EXPOSED_RAMP[0], OVER_EXPOSED_RAMP[1]);
    under += ramp(y, UNDER_EXPOSED_RAMP[0], UNDER_EXPOSED_RAMP[1]);
    sum += y;
    sumSq += y * y;
  }
  const n = face.length;
  const brightness = sum / n;
  return {
    over: Math.min(1, over / n / EXPOSURE_FULL_SCALE),
    under: Math.min(1, under / n / EXPOSURE_FULL_SCALE),
    brightness,
    contrast: Math.sqrt(Math.max(0, sumSq / n - brightness * brightness)),
  };
}

/** Relative brightness change across the face (two IOD, about its width) at which the plane cue reaches 0 / 1; below 1 is what even frontal light leaves on a face that is not flat. */
const ILLUMINATION_SPREAD_RAMP = [0.9, 0.1] as const;
/** Darker-to-brighter cheek ratio at which the cheek cue reaches 0 / 1. */
const CHEEK_RATIO_RAMP = [0.5, 0.9] as const;

function medianLuma(patch: FacePatch, rect: FaceRect): number {
  const values: number[] = [];
  forEachPixelIn(patch, rect, (i) => {
    if (patch.inFrame[i]) values.push(patch.luma[i]);
  });
  if (values.length === 0) return NaN;
  values.sort((a, b) => a - b);
  return values[values.length >> 1];
}

/**
 * Two cues, the weaker one wins. Plane: fit luma = a + b·x + c·y over the skin
 * pixels (x, y in face units) and take the change it predicts across two IOD
 * relative to the mean, so side light gives a steep plane. Cheeks: the darker
 * cheek's median over the brighter one's, which hair cannot disturb.
 */
export function illuminationUniformity(patch: FacePatch, skinPixels: readonly number[], cheeks: readonly [FaceRect, FaceRect]): number {
  if (skinPixels.length < 10) return 0;
  let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, sl = 0, sxl = 0, syl = 0;
  for (const i of skinPixels) {
    const x = patch.rect.left + ((i % patch.width) + 0.5) * patch.step;
    const y = patch.rect.top + (Math.floor(i / patch.width) + 0.5) * patch.step;
    const l = patch.luma[i];
    n++; sx += x; sy += y; sxx += x * x; sxy += x * y; syy += y * y; sl += l; sxl += x * l; syl += y * l;
  }
  // Centred normal equations for the slopes (b, c) of the least-squares plane.
  const cxx = sxx - (sx * sx) / n, cxy = sxy - (sx * sy) / n, cyy = syy - (sy * sy) / n;
  const cxl = sxl - (sx * sl) / n, cyl = syl - (sy * sl) / n;
  const det = cxx * cyy - cxy * cxy;
  const meanLuma = sl / n;
  if (Math.abs(det) < 1e-9 || meanLuma <= 1) return 0;
  const b = (cxl * cyy - cyl * cxy) / det;
  const c = (cyl * cxx - cxl * cxy) / det;
  const plane = ramp((2 * Math.hypot(b, c)) / meanLuma, ILLUMINATION_SPREAD_RAMP[0], ILLUMINATION_SPREAD_RAMP[1]);
  const [left, right] = cheeks.map((rect) => medianLuma(patch, rect));
  const cheekRatio = Math.min(left, right) / Math.max(left, right);
  const cheek = Number.isFinite(cheekRatio) ? ramp(cheekRatio, CHEEK_RATIO_RAMP[0], CHEEK_RATIO_RAMP[1]) : 0;
  return Math.min(plane, cheek);
}

/** The frame is judged on a thumbnail this many pixels on its long side: clutter shows, sensor noise mostly not. */
const BACKGROUND_THUMBNAIL = 96;
/** Mean colour step between neighbouring thumbnail pixels (0-255) at which continuity is 0 / 1. */
const BACKGROUND_STEP_RAMP = [16, 2] as const;
/** Luma standard deviation over the background at which continuity is 0 / 1. */
const BACKGROUND_SPREAD_RAMP = [64, 8] as const;
/** Less background than this share of the frame cannot be judged, and a plain background cannot be confirmed. */
const MIN_BACKGROUND_SHARE = 0.03;

/** Everything but the head (box widened for hair and ears) and the body below it counts as background. */
function isPerson(x: number, y: number, box: Box): boolean {
  const w = box.x2 - box.x1;
  const h = box.y2 - box.y1;
  const cx = (box.x1 + box.x2) / 2;
  const head = x >= box.x1 - 0.45 * w && x <= box.x2 + 0.45 * w && y >= box.y1 - 0.6 * h && y <= box.y2 + 0.3 * h;
  const body = y > box.y2 && Math.abs(x - cx) <= 1.7 * w;
  return head || body;
}

/** 0-1: high when the background is plain (small colour steps between neighbours and little overall spread). */
export function backgroundContinuity(image: RgbImage, box: Box): number {
  const scale = BACKGROUND_THUMBNAIL / Math.max(image.width, image.height);
  const tw = Math.max(1, Math.round(image.width * scale));
  const th = Math.max(1, Math.round(image.height * scale));
  const thumb = cropRgb(image, 0, 0, image.width, image.height, tw, th);
  const background = new Uint8Array(tw * th);
  let count = 0, sum = 0, sumSq = 0;
  for (let v = 0; v < th; v++) {
    for (let u = 0; u < tw; u++) {
      if (isPerson((u + 0.5) / scale, (v + 0.5) / scale, box)) continue;
      const i = v * tw + u;
      const y = luma(thumb.data[i * 3], thumb.data[i * 3 + 1], thumb.data[i * 3 + 2]);
      background[i] = 1;
      count++;
      sum += y;
      sumSq += y * y;
    }
  }
  if (count < MIN_BACKGROUND_SHARE * tw * th) return 0;
  let steps = 0, stepSum = 0;
  const colourStep = (i: number, j: number) =>
    (Math.abs(thumb.data[i * 3] - thumb.data[j * 3]) + Math.abs(thumb.data[i * 3 + 1] - thumb.data[j * 3 + 1]) + Math.abs(thumb.data[i * 3 + 2] - thumb.data[j * 3 + 2])) / 3;
  for (let v = 0; v < th; v++) {
    for (let u = 0; u < tw; u++) {
      const i = v * tw + u;
      if (!background[i]) continue;
      if (u + 1 < tw && background[i + 1]) { stepSum += colourStep(i, i + 1); steps++; }
      if (v + 1 < th && background[i + tw]) { stepSum += colourStep(i, i + tw); steps++; }
    }
  }
  const mean = sum / count;
  const spread = Math.sqrt(Math.max(0, sumSq / count - mean * mean));
  const stepScore = steps > 0 ? ramp(stepSum / steps, BACKGROUND_STEP_RAMP[0], BACKGROUND_STEP_RAMP[1]) : 0;
  return 0.7 * stepScore + 0.3 * ramp(spread, BACKGROUND_SPREAD_RAMP[0], BACKGROUND_SPREAD_RAMP[1]);
}

/** Eyes to mouth, where focus shows; sampled at a fixed 64x64 so the number compares across face sizes. */
const SHARPNESS_RECT: FaceRect = { left: -0.9, top: -0.45, right: 0.9, bottom: 1.35 };
const SHARPNESS_SIZE = 64;

/**
 * Variance of the 4-neighbour Laplacian of luma over the inner face (in-frame
 * pixels only), scaled by (128 / mean luma)² so that a darker exposure of the
 * same focus scores the same: exposure has its own metrics.
 */
export function sharpness(image: RgbImage, frame: FaceFrame): number {
  const patch = sampleFacePatch(image, frame, SHARPNESS_RECT, (SHARPNESS_RECT.right - SHARPNESS_RECT.left) / SHARPNESS_SIZE);
  const { width: w, height: h, luma: y, inFrame } = patch;
  let n = 0, sum = 0, sumSq = 0, lumaSum = 0;
  for (let v = 1; v < h - 1; v++) {
    for (let u = 1; u < w - 1; u++) {
      const i = v * w + u;
      if (!(inFrame[i] && inFrame[i - 1] && inFrame[i + 1] && inFrame[i - w] && inFrame[i + w])) continue;
      const lap = y[i - 1] + y[i + 1] + y[i - w] + y[i + w] - 4 * y[i];
      n++;
      sum += lap;
      sumSq += lap * lap;
      lumaSum += y[i];
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  const exposureScale = 128 / Math.max(8, lumaSum / n);
  return Math.max(0, sumSq / n - mean * mean) * exposureScale * exposureScale;
}
