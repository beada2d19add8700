import { eyeCentres68, type Box, type Point } from '../../core/geometry.js';
import { rectToOutput, sampleToTensor, type RgbImage } from '../../core/image.js';
import type { ModelEntry } from '../pack.js';
import type { OnnxModel } from '../runtime.js';

/** 68-point landmarks (fr_landmark.onnx): 64x64 gray crop of the detection box, outputs 0..1 of the box. */
export class LandmarkModel {
  constructor(private readonly model: OnnxModel, private readonly entry: ModelEntry) {}

  async predict(img: RgbImage, box: Box): Promise<Point[]> {
    const { width, height } = this.entry.input;
    const w = box.x2 - box.x1;
    const h = box.y2 - box.y1;
    const tensor = sampleToTensor(img, rectToOutput(box.x1, box.y1, w, h, width, height), this.entry.input, 'edge');
    const out = (await this.model.run(tensor, [1, 1, height, width])).output;
    const points: Point[] = [];
    for (let i = 0; i < 68; i++) points.push([box.x1 + out[i * 2] * w, box.y1 + out[i * 2 + 1] * h]);
    return points;
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}

/**
 * Five points in ArcFace order (image-left eye, image-right eye, nose tip,
 * image-left mouth corner, image-right mouth corner) from the 68-point layout.
 */
export function fivePointsFrom68(p: readonly Point[]): Point[] {
  return [...eyeCentres68(p), p[30], p[48], p[54]];
}
