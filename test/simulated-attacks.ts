/**
 * Photo attacks on active liveness, rendered exactly: a still printed on a
 * card with a white margin, held in front of a 640x480 pinhole camera and
 * tilted or brought closer, one homography per frame.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { cardHomography, warpPerspective } from '../src/core/card-projection.js';

export type CardMotion = 'tilt-left-right' | 'tilt-up' | 'closer' | 'tilt-closer';
export const CARD_MOTIONS: readonly CardMotion[] = ['tilt-left-right', 'tilt-up', 'closer', 'tilt-closer'];

export interface SimulatedClip { dir: string; fps: number; frames: number }

const FRAME = { width: 640, height: 480 };
/** About a 56° horizontal field of view, a usual webcam's. */
const FOCAL = 600;
/** LFW faces span about 40% of the still: at this height they start 150-175 px wide. */
const STILL_HEIGHT = 440;
const MARGIN = 16;
const BACKGROUND: [number, number, number] = [118, 112, 104];
const HOLD_S = 0.5;

interface Pose { yawDeg: number; pitchDeg: number; zoom: number }
/** `at` is the share of the moving time (between the frontal holds) at which the card reaches the pose. */
type Keyframe = Pose & { at: number };

const FRONTAL: Pose = { yawDeg: 0, pitchDeg: 0, zoom: 1 };
// Negative yaw faces the card to the frame's right: what fr_pose calls a person turning to their left.
const PATHS: Record<CardMotion, readonly Keyframe[]> = {
  'tilt-left-right': [{ ...FRONTAL, at: 0 }, { ...FRONTAL, yawDeg: -35, at: 0.25 }, { ...FRONTAL, yawDeg: 35, at: 0.75 }, { ...FRONTAL, at: 1 }],
  'tilt-up': [{ ...FRONTAL, at: 0 }, { ...FRONTAL, pitchDeg: 25, at: 0.5 }, { ...FRONTAL, at: 1 }],
  closer: [{ ...FRONTAL, at: 0 }, { ...FRONTAL, zoom: 1.4, at: 1 }],
  'tilt-closer': [{ ...FRONTAL, at: 0 }, { yawDeg: 35, pitchDeg: 0, zoom: 1.2, at: 0.5 }, { ...FRONTAL, zoom: 1.4, at: 1 }],
};

/** Cosine easing between the keyframes either side: the card starts and stops at each one without a jerk. */
function poseAt(motion: CardMotion, t: number, durationS: number): Pose {
  const s = Math.min(1, Math.max(0, (t - HOLD_S) / (durationS - 2 * HOLD_S)));
  const path = PATHS[motion];
  const k = Math.max(0, path.findIndex((p) => p.at >= s) - 1);
  const [a, b] = [path[k], path[k + 1]];
  const e = (1 - Math.cos((Math.PI * (s - a.at)) / (b.at - a.at))) / 2;
  const mix = (key: keyof Pose) => a[key] + (b[key] - a[key]) * e;
  return { yawDeg: mix('yawDeg'), pitchDeg: mix('pitchDeg'), zoom: mix('zoom') };
}

async function printedCard(still: string) {
  const white = { r: 255, g: 255, b: 255 };
  const { data, info } = await sharp(still)
    .resize({ height: STILL_HEIGHT })
    .extend({ top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN, background: white })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Writes frame_0001.jpg, ... into `dir` (replacing frames left there before). */
export async function simulateCardAttack(still: string, motion: CardMotion, dir: string, options: { fps?: number; durationS?: number } = {}): Promise<SimulatedClip> {
  const fps = options.fps ?? 10;
  const durationS = options.durationS ?? 4;
  if (!(durationS > 2 * HOLD_S)) throw new RangeError(`a clip needs more than ${2 * HOLD_S} s: it holds frontal ${HOLD_S} s at each end`);
  const card = await printedCard(still);
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) if (/^frame_\d{4}\.jpg$/.test(name)) await rm(join(dir, name));
  const frames = Math.round(durationS * fps);
  for (let i = 0; i < frames; i++) {
    const pose = poseAt(motion, i / fps, durationS);
    const h = cardHomography({
      cardWidth: card.width,
      cardHeight: card.height,
      // At distance FOCAL the frontal card shows at its own pixel size.
      distance: FOCAL / pose.zoom,
      yawDeg: pose.yawDeg,
      pitchDeg: pose.pitchDeg,
      focal: FOCAL,
      frameWidth: FRAME.width,
      frameHeight: FRAME.height,
    });
    const frame = warpPerspective(card, h, FRAME.width, FRAME.height, BACKGROUND);
    await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(join(dir, `frame_${String(i + 1).padStart(4, '0')}.jpg`));
  }
  return { dir, fps, frames };
}
