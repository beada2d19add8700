import type { Box } from '../../core/geometry.js';
import { rectToOutput, sampleToTensor, type RgbImage } from '../../core/image.js';
import { softmax } from '../../core/numeric.js';
import type { PackManifest } from '../pack.js';
import type { OnnxModel } from '../runtime.js';

/**
 * Passive presentation-attack detection (fr_liveness.onnx, 3 classes; class
 * `liveClass` is bona fide). The box is scaled by `cropScale` (less when the
 * frame is too small) and slid inside the frame. The model's own JS uses 2.7;
 * on our data 1.0 (the face alone) separated bona fide from replay best and
 * rejected far fewer bona fide LFW faces (docs/calibration.md).
 */
export class LivenessModel {
  constructor(private readonly model: OnnxModel, private readonly entry: PackManifest['models']['liveness']) {}

  /** Probability (0-1) that the face is a bona fide presentation. */
  async score(img: RgbImage, box: Box): Promise<number> {
    const { width, height } = this.entry.input;
    const r = livenessCrop(img, box, this.entry.cropScale);
    const tensor = sampleToTensor(img, rectToOutput(r.x, r.y, r.w, r.h, width, height), this.entry.input, 'edge');
    const out = await this.model.run(tensor, [1, 3, height, width]);
    return softmax(out[Object.keys(out)[0]])[this.entry.liveClass];
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}

export function livenessCrop(img: RgbImage, box: Box, cropScale: number): { x: number; y: number; w: number; h: number } {
  const bw = box.x2 - box.x1;
  const bh = box.y2 - box.y1;
  const scale = Math.min((img.height - 1) / bh, (img.width - 1) / bw, cropScale);
  const w = bw * scale;
  const h = bh * scale;
  const x = Math.min(Math.max(box.x1 + bw / 2 - w / 2, 0), img.width - 1 - w);
  const y = Math.min(Math.max(box.y1 + bh / 2 - h / 2, 0), img.height - 1 - h);
  return { x: Math.max(0, x), y: Math.max(0, y), w, h };
}
