/**
 * The face-aligned coordinate frame the quality metrics are measured in:
 * origin at the midpoint of the two eye centres, x towards the image-right eye,
 * y down the face, one unit = the inter-ocular distance (IOD). Regions defined
 * in this frame mean the same part of the face whatever the face's size, roll
 * or position, and one small resampled patch serves every region metric.
 */
import { applyAffine, eyeCentres68, invertAffine, type Point } from './geometry.js';
import { luma, sampleToTensor, type Affine, type RgbImage } from './image.js';

/** A rectangle in face units (IOD), edges along the face's axes. */
export interface FaceRect {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

export interface FaceFrame {
  /** Distance between the eye centres in image pixels. */
  readonly iod: number;
  /** Face units → image pixels. */
  readonly toImage: Affine;
  /** Image pixels → face units. */
  readonly toFace: Affine;
}

/** The image resampled on a regular grid of the face frame. */
export interface FacePatch {
  readonly rect: FaceRect;
  readonly width: number;
  readonly height: number;
  /** Face units per patch pixel. */
  readonly step: number;
  readonly luma: Float32Array;
  /** Chromaticity r / (r + g + b) and g / (r + g + b): brightness-free colour, so shading does not read as a colour change. */
  readonly chromaR: Float32Array;
  readonly chromaG: Float32Array;
  /** 1 where the sample lies inside the image; outside samples are edge-replicated and carry no information. */
  readonly inFrame: Uint8Array;
}

export function faceFrame(landmarks: readonly Point[]): FaceFrame {
  const [left, right] = eyeCentres68(landmarks);
  const dx = right[0] - left[0];
  const dy = right[1] - left[1];
  const distance = Math.hypot(dx, dy);
  // A one-pixel floor keeps the frame invertible for degenerate landmarks; such faces then score as tiny.
  const iod = Math.max(1, distance);
  const cos = distance > 0 ? dx / distance : 1;
  const sin = distance > 0 ? dy / distance : 0;
  const ox = (left[0] + right[0]) / 2;
  const oy = (left[1] + right[1]) / 2;
  const toImage: Affine = [iod * cos, -iod * sin, ox, iod * sin, iod * cos, oy];
  return { iod, toImage, toFace: invertAffine(toImage) };
}

export const toFace = (frame: FaceFrame, landmarks: readonly Point[]): Point[] => landmarks.map((p) => applyAffine(frame.toFace, p));

/** Samples `rect` of the face frame at `step` face units per pixel. */
export function sampleFacePatch(image: RgbImage, frame: FaceFrame, rect: FaceRect, step: number): FacePatch {
  const width = Math.max(1, Math.round((rect.right - rect.left) / step));
  const height = Math.max(1, Math.round((rect.bottom - rect.top) / step));
  const [a, b, c, d, e, f] = frame.toImage;
  const patchToImage: Affine = [a * step, b * step, a * rect.left + b * rect.top + c, d * step, e * step, d * rect.left + e * rect.top + f];
  const [pa, pb, pc, pd, pe, pf] = patchToImage;
  const planar = sampleToTensor(image, patchToImage, { width, height, channels: 'RGB', mean: 0, scale: 1 });
  const n = width * height;
  const lumaPlane = new Float32Array(n);
  const chromaR = new Float32Array(n);
  const chromaG = new Float32Array(n);
  const inFrame = new Uint8Array(n);
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const i = v * width + u;
      const r = planar[i];
      const g = planar[n + i];
      const bl = planar[2 * n + i];
      const sum = r + g + bl;
      lumaPlane[i] = luma(r, g, bl);
      chromaR[i] = sum > 0 ? r / sum : 1 / 3;
      chromaG[i] = sum > 0 ? g / sum : 1 / 3;
      const sx = pa * (u + 0.5) + pb * (v + 0.5) + pc;
      const sy = pd * (u + 0.5) + pe * (v + 0.5) + pf;
      inFrame[i] = sx >= 0 && sy >= 0 && sx < image.width && sy < image.height ? 1 : 0;
    }
  }
  return { rect, width, height, step, luma: lumaPlane, chromaR, chromaG, inFrame };
}

/** Calls `visit` with the index of every patch pixel whose centre lies in `rect`; returns how many there were. */
export function forEachPixelIn(patch: FacePatch, rect: FaceRect, visit: (index: number, x: number, y: number) => void): number {
  const u0 = Math.max(0, Math.ceil((rect.left - patch.rect.left) / patch.step - 0.5));
  const u1 = Math.min(patch.width - 1, Math.floor((rect.right - patch.rect.left) / patch.step - 0.5));
  const v0 = Math.max(0, Math.ceil((rect.top - patch.rect.top) / patch.step - 0.5));
  const v1 = Math.min(patch.height - 1, Math.floor((rect.bottom - patch.rect.top) / patch.step - 0.5));
  let count = 0;
  for (let v = v0; v <= v1; v++) {
    for (let u = u0; u <= u1; u++) {
      visit(v * patch.width + u, patch.rect.left + (u + 0.5) * patch.step, patch.rect.top + (v + 0.5) * patch.step);
      count++;
    }
  }
  return count;
}

/** 0 at or below `from`, 1 at or beyond `to`, linear in between; `from > to` gives a falling ramp. */
export function ramp(value: number, from: number, to: number): number {
  const t = (value - from) / (to - from);
  return t <= 0 ? 0 : t >= 1 ? 1 : t;
}
