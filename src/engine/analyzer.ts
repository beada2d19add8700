/**
 * The per-image pipeline, run inside an inference worker: decode → detect →
 * choose the primary face → landmarks → (template, liveness, quality) as asked.
 */
import { orderFaces } from '../core/face-selection.js';
import type { Box, Point } from '../core/geometry.js';
import { meanLuma } from '../core/image.js';
import { assessQuality, type QualityAssessment } from '../core/quality.js';
import { decodeImage, type ImageFormat } from './decode.js';
import type { DetectedFace } from '../core/face-selection.js';
import { FaceDetector } from './models/detector.js';
import { EmbeddingModel } from './models/embedder.js';
import { EyeStateModel } from './models/eyes.js';
import { LandmarkModel, fivePointsFrom68 } from './models/landmarks.js';
import { LivenessModel } from './models/liveness.js';
import { HeadPoseModel, type HeadPose } from './models/pose.js';
import type { ModelPack } from './pack.js';
import { loadOnnxModel } from './runtime.js';

export interface AnalyzeOptions {
  template?: boolean;
  liveness?: boolean;
  quality?: boolean;
  /** All 68 landmarks and the head pose: what active liveness tracks across frames. */
  geometry?: boolean;
}

export interface PrimaryFace {
  box: Box;
  score: number;
  landmarks: Point[];
  template?: Float32Array;
  liveness?: number;
  quality?: QualityAssessment;
  landmarks68?: Point[];
  pose?: HeadPose;
}

export interface ImageAnalysis {
  width: number;
  height: number;
  format: ImageFormat;
  sourceChannels: number;
  /** Mean luma (0-255) of the primary face, or of the frame without one: live guidance says "too dark" / "too bright" from it. */
  brightness: number;
  /** Faces that count (see `significantFaces`), the primary one first. */
  faces: DetectedFace[];
  multipleFaces: boolean;
  primary: PrimaryFace | null;
}

export class FaceAnalyzer {
  private constructor(
    private readonly detector: FaceDetector,
    private readonly landmarks: LandmarkModel,
    private readonly embedder: EmbeddingModel,
    private readonly livenessModel: LivenessModel,
    private readonly eyes: EyeStateModel,
    private readonly pose: HeadPoseModel,
  ) {}

  static async load(pack: ModelPack): Promise<FaceAnalyzer> {
    const m = pack.manifest.models;
    const load = (entry: { file: string; graphOptimizationLevel: Parameters<typeof loadOnnxModel>[1] }) =>
      loadOnnxModel(`${pack.dir}/${entry.file}`, entry.graphOptimizationLevel);
    // allSettled: a failed model must not leave the others loading while the worker is torn down.
    const settled = await Promise.allSettled([load(m.detector), load(m.landmarks), load(m.embedder), load(m.liveness), load(m.eyes), load(m.pose)]);
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const loaded = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (failure) {
      await Promise.all(loaded.map((model) => model.dispose()));
      throw failure.reason;
    }
    const [det, lmk, emb, liv, eye, pose] = loaded;
    return new FaceAnalyzer(
      new FaceDetector(det, m.detector),
      new LandmarkModel(lmk, m.landmarks),
      new EmbeddingModel(emb, m.embedder),
      new LivenessModel(liv, m.liveness),
      new EyeStateModel(eye, m.eyes),
      new HeadPoseModel(pose, m.pose),
    );
  }

  async analyze(bytes: Uint8Array, options: AnalyzeOptions): Promise<ImageAnalysis> {
    const { image, format, sourceChannels } = await decodeImage(bytes);
    const faces = orderFaces(await this.detector.detect(image), image.width, image.height);
    const box = faces[0]?.box;
    const brightness = meanLuma(image, box ? { x: box.x1, y: box.y1, width: box.x2 - box.x1, height: box.y2 - box.y1 } : undefined);
    const base = { width: image.width, height: image.height, format, sourceChannels, brightness, faces, multipleFaces: faces.length > 1 };
    if (faces.length === 0) return { ...base, primary: null };
    const { score } = faces[0];
    const landmarks = await this.landmarks.predict(image, box);
    const primary: PrimaryFace = { box, score, landmarks: fivePointsFrom68(landmarks) };
    if (options.template) primary.template = await this.embedder.embed(image, primary.landmarks);
    if (options.liveness) primary.liveness = await this.livenessModel.score(image, box);
    if (options.quality || options.geometry) {
      const pose = await this.pose.estimate(image, box);
      if (options.geometry) Object.assign(primary, { landmarks68: landmarks, pose });
      if (options.quality) primary.quality = assessQuality({ image, box, landmarks, faceCount: faces.length, eyesOpen: await this.eyes.openness(image, landmarks), pose });
    }
    return { ...base, primary };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.detector, this.landmarks, this.embedder, this.livenessModel, this.eyes, this.pose].map((m) => m.dispose()));
  }
}
