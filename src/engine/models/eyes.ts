import type { Point } from '../../core/geometry.js';
import { rectToOutput, sampleToTensor, type RgbImage } from '../../core/image.js';
import { softmax } from '../../core/numeric.js';
import type { PackManifest } from '../pack.js';
import type { OnnxModel } from '../runtime.js';

export interface EyeOpenness {
  /** Probability (0-1) that the eye on the image's left is open. */
  readonly left: number;
  readonly right: number;
}

/** Eye-state classifier (fr_eye.onnx): 24x24 gray square around each eye from the 68 landmarks. */
export class EyeStateModel {
  constructor(private readonly model: OnnxModel, private readonly entry: PackManifest['models']['eyes']) {}

  async openness(img: RgbImage, landmarks: readonly Point[]): Promise<EyeOpenness> {
    const [left, right] = [eyeSquare(landmarks, 36), eyeSquare(landmarks, 42)];
    return { left: await this.openProbability(img, left), right: await this.openProbability(img, right) };
  }

  private async openProbability(img: RgbImage, sq: { x: number; y: number; size: number }): Promise<number> {
    const { width, height } = this.entry.input;
    const tensor = sampleToTensor(img, rectToOutput(sq.x, sq.y, sq.size, sq.size, width, height), this.entry.input, 'edge');
    const out = await this.model.run(tensor, [1, 1, height, width]);
    return softmax(out[Object.keys(out)[0]])[this.entry.openClass];
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}

/** Square centred on the eyelid points, 1.6x the eye-corner distance wide (the model's own crop). */
function eyeSquare(p: readonly Point[], first: number): { x: number; y: number; size: number } {
  const lids = [p[first + 1], p[first + 2], p[first + 4], p[first + 5]];
  const cx = lids.reduce((s, q) => s + q[0], 0) / 4;
  const cy = lids.reduce((s, q) => s + q[1], 0) / 4;
  const size = Math.max(4, Math.hypot(p[first + 3][0] - p[first][0], p[first + 3][1] - p[first][1]) * 1.6);
  return { x: cx - size / 2, y: cy - size / 2, size };
}
