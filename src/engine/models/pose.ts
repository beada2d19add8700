import type { Box } from '../../core/geometry.js';
import { rectToOutput, sampleToTensor, type RgbImage } from '../../core/image.js';
import { expectedBin } from '../../core/numeric.js';
import type { ModelEntry } from '../pack.js';
import type { OnnxModel } from '../runtime.js';

export interface HeadPose {
  /** Degrees; 0 is frontal. */
  readonly yaw: number;
  readonly pitch: number;
  readonly roll: number;
}

/** Head-pose regressor (fr_pose.onnx, Hopenet-style 66 bins of 3 degrees per angle). */
export class HeadPoseModel {
  constructor(private readonly model: OnnxModel, private readonly entry: ModelEntry) {}

  async estimate(img: RgbImage, box: Box): Promise<HeadPose> {
    const { width, height } = this.entry.input;
    const w = box.x2 - box.x1;
    const h = box.y2 - box.y1;
    const tensor = sampleToTensor(img, rectToOutput(box.x1 - w / 4, box.y1 - h / 4, w * 1.5, h * 1.5, width, height), this.entry.input, 'edge');
    const out = await this.model.run(tensor, [1, 3, height, width]);
    const degrees = (logits: Float32Array) => expectedBin(logits) * 3 - 99;
    // Output names come from the exported graph: yaw, pitch, roll in that order.
    return { yaw: degrees(out.output), pitch: degrees(out['617']), roll: degrees(out['618']) };
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}
