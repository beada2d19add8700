/**
 * Landmark-defined face regions and their visibility. A region is visible as
 * far as it lies inside the frame and its pixels look like this face's skin
 * (brightness and colour close to a reference taken from the cheeks and nose
 * bridge); eyes, nose and mouth must also show structure, because a hand or a
 * skin-coloured mask is skin-like but flat. These are photometric heuristics,
 * not a trained occlusion model: see docs/quality.md for what they miss.
 */
import type { Point } from './geometry.js';
import { forEachPixelIn, ramp, type FacePatch, type FaceRect } from './quality-frame.js';

export type RegionName = 'eyeL' | 'eyeR' | 'nose' | 'mouth' | 'top' | 'bottom' | 'sideL' | 'sideR';

export interface FaceLayout {
  readonly regions: Readonly<Record<RegionName, FaceRect>>;
  /** Image-left and image-right cheek, below the eyes and beside the nose. */
  readonly cheeks: readonly [FaceRect, FaceRect];
  readonly noseBridge: FaceRect;
  /** Jaw line closed over the forehead: the face area for exposure and illumination. */
  readonly outline: readonly Point[];
}

export interface SkinReference {
  readonly luma: number;
  readonly chromaR: number;
  readonly chromaG: number;
}

type FeatureRegion = 'eyeL' | 'eyeR' | 'nose' | 'mouth';
const isFeature = (name: RegionName): name is FeatureRegion => name === 'eyeL' || name === 'eyeR' || name === 'nose' || name === 'mouth';

/**
 * Skin-like: luma within this factor band of the reference. Dark hair and dark
 * glasses fall below it; the top is generous so the lit side of a side-lit face
 * still counts (bright occluders fail on colour or clipping instead).
 */
const SKIN_LUMA_BAND = [0.35, 2.5] as const;
/** Skin-like: chromaticity within this distance of the reference. A flushed or tanned cheek stays inside; grey, blue or green objects, sclera and most lips do not, which is why features need only a minority of skin-like pixels. */
const SKIN_CHROMA_TOLERANCE = 0.06;
/** Luma this close to 0 or 255 is clipped: no detail, whatever the reference says. */
const CLIP_LOW = 12;
const CLIP_HIGH = 250;
/** Visibility rises from 0 to 1 as the skin-like share of a region's in-frame pixels goes from `from` to `to`. */
const SKIN_SHARE_RAMP = { skin: [0.3, 0.8], feature: [0.1, 0.4] } as const;
/**
 * Feature structure: luma standard deviation relative to the skin luma, from
 * flat (0) to clearly textured (1). A frontally lit nose or a closed pale mouth
 * has little contrast, an open eye a lot, and dark lenses sit in between.
 */
const FEATURE_STRUCTURE_RAMP: Readonly<Record<FeatureRegion, readonly [number, number]>> = {
  eyeL: [0.05, 0.13],
  eyeR: [0.05, 0.13],
  nose: [0.03, 0.08],
  mouth: [0.04, 0.1],
};

interface Bounds {
  readonly minX: number;
  readonly maxX: number;
  readonly minY: number;
  readonly maxY: number;
}

const bounds = (points: readonly Point[]): Bounds => ({
  minX: Math.min(...points.map((p) => p[0])),
  maxX: Math.max(...points.map((p) => p[0])),
  minY: Math.min(...points.map((p) => p[1])),
  maxY: Math.max(...points.map((p) => p[1])),
});

function eyeRegion(b: Bounds): FaceRect {
  const width = Math.max(0.2, b.maxX - b.minX);
  const centreY = (b.minY + b.maxY) / 2;
  const halfHeight = Math.max(0.25 * width, (b.maxY - b.minY) / 2 + 0.1 * width);
  return { left: b.minX - 0.2 * width, right: b.maxX + 0.2 * width, top: centreY - halfHeight, bottom: centreY + halfHeight };
}

/**
 * Region rectangles from the 68 landmarks in face units (docs/quality.md
 * tabulates them). The jaw contour is the least reliable part of most 68-point
 * models, so the side regions are fixed strips beside the eye corners rather
 * than spans to the jaw.
 */
export function faceLayout(f: readonly Point[]): FaceLayout {
  const eyeL = bounds(f.slice(36, 42));
  const eyeR = bounds(f.slice(42, 48));
  const nose = bounds(f.slice(31, 36));
  const lips = bounds(f.slice(48, 60));
  const brows = bounds(f.slice(17, 27));
  const mouthWidth = Math.max(0.2, lips.maxX - lips.minX);
  const mouthPadY = Math.max(0.08, 0.25 * (lips.maxY - lips.minY));
  const chinTop = Math.max(...[56, 57, 58].map((i) => f[i][1])) + 0.06;
  const eyeLY = (eyeL.minY + eyeL.maxY) / 2;
  const eyeRY = (eyeR.minY + eyeR.maxY) / 2;
  const noseBottom = f[33][1];
  const cheekTop = (eyeBottom: number) => eyeBottom + 0.15;
  const cheekBottom = (eyeBottom: number) => Math.max(cheekTop(eyeBottom) + 0.1, noseBottom);
  const eyeLX = (eyeL.minX + eyeL.maxX) / 2;
  const eyeRX = (eyeR.minX + eyeR.maxX) / 2;
  const bridgeX = (f[27][0] + f[28][0] + f[29][0]) / 3;
  return {
    regions: {
      eyeL: eyeRegion(eyeL),
      eyeR: eyeRegion(eyeR),
      nose: { left: nose.minX - 0.05, right: nose.maxX + 0.05, top: f[28][1], bottom: nose.maxY + 0.05 },
      mouth: { left: lips.minX - 0.1 * mouthWidth, right: lips.maxX + 0.1 * mouthWidth, top: lips.minY - mouthPadY, bottom: lips.maxY + mouthPadY },
      top: { left: f[19][0], right: f[24][0], top: brows.minY - 0.53, bottom: brows.minY - 0.08 },
      bottom: { left: f[48][0] + 0.15 * mouthWidth, right: f[54][0] - 0.15 * mouthWidth, top: chinTop, bottom: Math.max(chinTop + 0.15, f[8][1] - 0.04) },
      sideL: { left: f[36][0] - 0.35, right: f[36][0] - 0.05, top: eyeLY - 0.15, bottom: eyeLY + 0.4 },
      sideR: { left: f[45][0] + 0.05, right: f[45][0] + 0.35, top: eyeRY - 0.15, bottom: eyeRY + 0.4 },
    },
    cheeks: [
      { left: eyeLX - 0.2, right: eyeLX + 0.15, top: cheekTop(eyeL.maxY), bottom: cheekBottom(eyeL.maxY) },
      { left: eyeRX - 0.15, right: eyeRX + 0.2, top: cheekTop(eyeR.maxY), bottom: cheekBottom(eyeR.maxY) },
    ],
    noseBridge: { left: bridgeX - 0.07, right: bridgeX + 0.07, top: f[27][1], bottom: Math.max(f[27][1] + 0.1, f[29][1]) },
    outline: [...f.slice(0, 17), ...f.slice(17, 27).reverse().map(([x, y]): Point => [x, y - 0.3])],
  };
}

function medianOf(values: number[]): number {
  values.sort((a, b) => a - b);
  const m = values.length >> 1;
  return values.length % 2 ? values[m] : (values[m - 1] + values[m]) / 2;
}

/**
 * Median brightness and colour of the unclipped in-frame pixels of both cheeks
 * and the nose bridge, the parts of a face least often covered; null when none
 * are usable. The median holds while one of the three is shadowed or covered.
 */
export function skinReference(patch: FacePatch, layout: FaceLayout): SkinReference | null {
  const samples = [...layout.cheeks, layout.noseBridge];
  const lumas: number[] = [];
  const rs: number[] = [];
  const gs: number[] = [];
  for (const rect of samples) {
    forEachPixelIn(patch, rect, (i) => {
      const y = patch.luma[i];
      if (!patch.inFrame[i] || y <= CLIP_LOW || y >= CLIP_HIGH) return;
      lumas.push(y);
      rs.push(patch.chromaR[i]);
      gs.push(patch.chromaG[i]);
    });
  }
  if (lumas.length === 0) return null;
  return { luma: medianOf(lumas), chromaR: medianOf(rs), chromaG: medianOf(gs) };
}

/** Colour alone, at any unclipped brightness: lit and shadowed skin pass, black hair and most backgrounds do not. */
export function hasSkinColour(patch: FacePatch, i: number, skin: SkinReference): boolean {
  const y = patch.luma[i];
  if (y <= CLIP_LOW || y >= CLIP_HIGH) return false;
  return Math.hypot(patch.chromaR[i] - skin.chromaR, patch.chromaG[i] - skin.chromaG) <= SKIN_CHROMA_TOLERANCE;
}

function isSkinLike(patch: FacePatch, i: number, skin: SkinReference): boolean {
  const y = patch.luma[i];
  return y >= SKIN_LUMA_BAND[0] * skin.luma && y <= SKIN_LUMA_BAND[1] * skin.luma && hasSkinColour(patch, i, skin);
}

export interface RegionEvidence {
  /** Share of the region's area that lies inside the image. */
  readonly coverage: number;
  /** Share of the in-frame pixels that look like this face's skin. */
  readonly skinShare: number;
  /** Luma standard deviation over the in-frame pixels, relative to the skin luma. */
  readonly structure: number;
}

export function regionEvidence(patch: FacePatch, rect: FaceRect, skin: SkinReference | null): RegionEvidence {
  const area = Math.max(0, rect.right - rect.left) * Math.max(0, rect.bottom - rect.top);
  const expected = area / (patch.step * patch.step);
  let inside = 0, skinLike = 0, sum = 0, sumSq = 0;
  forEachPixelIn(patch, rect, (i) => {
    if (!patch.inFrame[i]) return;
    const y = patch.luma[i];
    inside++;
    sum += y;
    sumSq += y * y;
    if (skin && isSkinLike(patch, i, skin)) skinLike++;
  });
  if (inside === 0 || !skin) return { coverage: expected > 0 ? Math.min(1, inside / expected) : 0, skinShare: 0, structure: 0 };
  const mean = sum / inside;
  const std = Math.sqrt(Math.max(0, sumSq / inside - mean * mean));
  return { coverage: Math.min(1, inside / expected), skinShare: skinLike / inside, structure: std / skin.luma };
}

/** Visibility 0-1 of one region from its evidence. */
export function regionVisibility(name: RegionName, e: RegionEvidence): number {
  if (!isFeature(name)) return e.coverage * ramp(e.skinShare, SKIN_SHARE_RAMP.skin[0], SKIN_SHARE_RAMP.skin[1]);
  const skinLike = ramp(e.skinShare, SKIN_SHARE_RAMP.feature[0], SKIN_SHARE_RAMP.feature[1]);
  const [flat, textured] = FEATURE_STRUCTURE_RAMP[name];
  return e.coverage * skinLike * ramp(e.structure, flat, textured);
}

/** Share of the in-frame pixels of `rects` that are clipped white: specular glare on the eyes or on glasses. */
export function glareShare(patch: FacePatch, rects: readonly FaceRect[]): number {
  let inside = 0, clipped = 0;
  for (const rect of rects) {
    forEachPixelIn(patch, rect, (i) => {
      if (!patch.inFrame[i]) return;
      inside++;
      if (patch.luma[i] >= CLIP_HIGH) clipped++;
    });
  }
  return inside > 0 ? clipped / inside : 0;
}
