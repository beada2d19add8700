import { estimateSimilarity, invertAffine, type Point } from '../../core/geometry.js';
import { sampleToTensor, type Affine, type RgbImage } from '../../core/image.js';
import { l2Normalize } from '../../core/template.js';
import type { PackManifest } from '../pack.js';
import type { OnnxModel } from '../runtime.js';

/** The standard ArcFace 112x112 five-point template. */
export const ARCFACE_TEMPLATE: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** Source-to-aligned-crop transform; the crop is what the embedder sees. */
export function alignmentTransform(fivePoints: readonly Point[]): Affine {
  return estimateSimilarity(fivePoints, ARCFACE_TEMPLATE);
}

/** Recognition model (fr_feature.onnx): aligned 112x112 BGR crop → L2-normalised embedding. */
export class EmbeddingModel {
  constructor(private readonly model: OnnxModel, private readonly entry: PackManifest['models']['embedder']) {}

  async embed(img: RgbImage, fivePoints: readonly Point[]): Promise<Float32Array> {
    const { width, height } = this.entry.input;
    const tensor = sampleToTensor(img, invertAffine(alignmentTransform(fivePoints)), this.entry.input, 'edge');
    const out = await this.model.run(tensor, [1, 3, height, width]);
    const raw = out[Object.keys(out)[0]];
    return l2Normalize(raw);
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}
