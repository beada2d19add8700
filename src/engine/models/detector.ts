import { clamp } from '../../core/numeric.js';
import type { DetectedFace } from '../../core/face-selection.js';
import { boxWidth, boxHeight, nonMaxSuppression } from '../../core/geometry.js';
import { rectToOutput, sampleToTensor, type RgbImage } from '../../core/image.js';
import type { PackManifest } from '../pack.js';
import type { OnnxModel } from '../runtime.js';


interface Rect { x: number; y: number; w: number; h: number }

type DetectorEntry = PackManifest['models']['detector'];

/** A face this large relative to the frame is likely cut by it: look again with margin added. */
const TIGHT_CROP_FRACTION = 0.45;

/**
 * RFB-320 detector (fr_detect.onnx). The whole frame is stretched to the
 * 320x240 input as the model was trained; crops where the face fills the frame
 * are searched again on a padded canvas, because the detector needs context
 * around a face to fire.
 */
export class FaceDetector {
  constructor(private readonly model: OnnxModel, private readonly entry: DetectorEntry) {}

  async detect(img: RgbImage): Promise<DetectedFace[]> {
    const direct = await this.detectIn(img, { x: 0, y: 0, w: img.width, h: img.height });
    const largest = Math.max(0, ...direct.map((f) => boxWidth(f.box) / img.width), ...direct.map((f) => boxHeight(f.box) / img.height));
    if (direct.length > 0 && largest < TIGHT_CROP_FRACTION) return direct;
    const padded = await this.detectIn(img, paddedCanvas(img));
    return padded.length > 0 ? padded : direct;
  }

  private async detectIn(img: RgbImage, rect: Rect): Promise<DetectedFace[]> {
    const { width, height } = this.entry.input;
    const tensor = sampleToTensor(img, rectToOutput(rect.x, rect.y, rect.w, rect.h, width, height), this.entry.input, 'edge');
    const out = await this.model.run(tensor, [1, 3, height, width]);
    const scores = out.scores;
    const boxes = out.boxes;
    const candidates: DetectedFace[] = [];
    for (let i = 0; i < scores.length / 2; i++) {
      const score = scores[i * 2 + 1];
      if (score < this.entry.scoreThreshold) continue;
      const x1 = clamp(rect.x + boxes[i * 4] * rect.w, 0, img.width);
      const y1 = clamp(rect.y + boxes[i * 4 + 1] * rect.h, 0, img.height);
      const x2 = clamp(rect.x + boxes[i * 4 + 2] * rect.w, 0, img.width);
      const y2 = clamp(rect.y + boxes[i * 4 + 3] * rect.h, 0, img.height);
      if (x2 - x1 < 4 || y2 - y1 < 4) continue;
      candidates.push({ box: { x1, y1, x2, y2 }, score });
    }
    return nonMaxSuppression(candidates, this.entry.nmsIou);
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}

/** A 4:3 canvas with the image centred and at least 40% of its size as margin on each side. */
function paddedCanvas(img: RgbImage): Rect {
  let h = img.height * 1.8;
  let w = img.width * 1.8;
  if (w / h < 4 / 3) w = (h * 4) / 3;
  else h = (w * 3) / 4;
  return { x: (img.width - w) / 2, y: (img.height - h) / 2, w, h };
}


