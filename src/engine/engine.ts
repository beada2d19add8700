/**
 * The engine facade: the library API the CLI and the server use. Image work
 * runs in the inference pool; calibration and decisions are pure and run here.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { decideMatch, parseMatchLevel, type CalibrationTable, type MatchDecision, type MatchLevel, type MatchMode } from '../core/calibration.js';
import { FacegateError } from '../core/errors.js';
import type { FrameObservation } from '../core/active-liveness/tracker.js';
import { decideLiveness, parseLivenessLevel, type LivenessDecision, type LivenessLevel, type LivenessThresholds } from '../core/liveness.js';
import { qualityModeRejection, type QualityAssessment, type QualityMode } from '../core/quality.js';
import { cosineSimilarity, type FaceTemplate } from '../core/template.js';
import type { AnalyzeOptions, ImageAnalysis } from './analyzer.js';
import { openModelPack, type ModelPack } from './pack.js';
import { InferencePool } from './pool.js';

export interface EngineOptions {
  packDir: string;
  /** Inference workers; defaults to the number of cores. */
  workers?: number;
  /** Requests allowed to wait for a worker before ERROR_ENGINE_OVERLOADED. */
  maxQueue?: number;
}

export interface PackCalibration {
  match: CalibrationTable;
  liveness: { thresholds: LivenessThresholds } & Record<string, unknown>;
}

export interface MatchResult extends MatchDecision {
  multipleFacesImage: boolean;
  multipleFacesImageToVerifyAgainst: boolean;
}

export interface LivenessResult extends LivenessDecision {
  multipleFaces: boolean;
}

export interface TemplateResult {
  template: FaceTemplate;
  analysis: ImageAnalysis;
}

export async function readPackCalibration(pack: ModelPack): Promise<PackCalibration> {
  const path = join(pack.dir, 'calibration.json');
  let calibration: PackCalibration;
  try {
    calibration = JSON.parse(await readFile(path, 'utf8')) as PackCalibration;
  } catch (err) {
    throw new FacegateError('ERROR_MODEL_LOAD_FAILED', `model pack ${pack.dir} has no readable calibration.json (run "npm run calibrate"): ${(err as Error).message}`);
  }
  if (calibration.match?.modelId !== pack.templateModelId) {
    throw new FacegateError('ERROR_MODEL_LOAD_FAILED', `calibration.json in ${pack.dir} was made for ${calibration.match?.modelId}, not ${pack.templateModelId}; run "npm run calibrate"`);
  }
  return calibration;
}

const noFace = (which: string) => new FacegateError('ERROR_INVALID_IMAGE', `(${which}) No face detected`);

export class FaceEngine {
  private constructor(
    readonly pack: ModelPack,
    readonly calibration: PackCalibration,
    private readonly pool: InferencePool,
  ) {}

  /** Verifies the pack, reads its calibration and starts the workers; fails if any model cannot load. */
  static async open(options: EngineOptions): Promise<FaceEngine> {
    const pack = await openModelPack(options.packDir);
    const calibration = await readPackCalibration(pack);
    const workers = options.workers ?? availableParallelism();
    const pool = await InferencePool.start({ packDir: pack.dir, workers, maxQueue: options.maxQueue ?? workers * 32 });
    return new FaceEngine(pack, calibration, pool);
  }

  get modelId(): string {
    return this.pack.templateModelId;
  }

  get stats(): { workers: number; busyWorkers: number; queueDepth: number } {
    return { workers: this.pool.size, busyWorkers: this.pool.busyWorkers, queueDepth: this.pool.queueDepth };
  }

  analyze(bytes: Uint8Array, options: AnalyzeOptions = {}): Promise<ImageAnalysis> {
    return this.pool.analyze(bytes, options);
  }

  /** Template of the primary face; `which` names the input in the error message. */
  async template(bytes: Uint8Array, which = 'image'): Promise<TemplateResult> {
    const analysis = await this.analyze(bytes, { template: true }).catch((err: unknown) => {
      throw err instanceof FacegateError ? new FacegateError(err.code, `(${which}) ${err.message}`, err.details) : err;
    });
    if (!analysis.primary?.template) throw noFace(which);
    return { template: { modelId: this.modelId, vector: analysis.primary.template }, analysis };
  }

  /** Template and liveness score of the primary face from one analysis; `which` names the input in the error message. */
  async liveTemplate(bytes: Uint8Array, which: string, options: { quality?: boolean } = {}): Promise<TemplateResult & { livenessScore: number }> {
    const analysis = await this.analyze(bytes, { template: true, liveness: true, quality: options.quality });
    const primary = analysis.primary;
    if (!primary?.template || primary.liveness === undefined) throw noFace(which);
    return { template: { modelId: this.modelId, vector: primary.template }, livenessScore: primary.liveness, analysis };
  }

  /**
   * One frame as active liveness tracks it: the other detections' scores, and for the
   * primary face its width, pose, 68 landmarks and template.
   */
  async observe(bytes: Uint8Array, frame: { seq: number; at: number }): Promise<{ observation: FrameObservation; analysis: ImageAnalysis }> {
    const analysis = await this.analyze(bytes, { geometry: true, template: true });
    const primary = analysis.primary;
    const face = primary?.pose && primary.landmarks68
      ? { width: primary.box.x2 - primary.box.x1, yaw: primary.pose.yaw, pitch: primary.pose.pitch, landmarks: primary.landmarks68, ...(primary.template ? { template: primary.template } : {}) }
      : null;
    return { observation: { seq: frame.seq, at: frame.at, otherFaceScores: analysis.faces.slice(1).map((f) => f.score), face }, analysis };
  }

  compareTemplates(a: FaceTemplate, b: FaceTemplate, mode: MatchMode, level: MatchLevel): MatchDecision {
    return decideMatch(cosineSimilarity(a, b), this.calibration.match, mode, level);
  }

  async compare(image: Uint8Array, against: Uint8Array, options: { mode: MatchMode; level: string }): Promise<MatchResult> {
    const level = parseMatchLevel(options.level);
    const [a, b] = await Promise.all([this.template(image, 'image/template'), this.template(against, 'imageToVerifyAgainst/template')]);
    return {
      ...this.compareTemplates(a.template, b.template, options.mode, level),
      multipleFacesImage: a.analysis.multipleFaces,
      multipleFacesImageToVerifyAgainst: b.analysis.multipleFaces,
    };
  }

  livenessDecision(score: number, level: LivenessLevel): LivenessDecision {
    return decideLiveness(score, this.calibration.liveness.thresholds, level);
  }

  async liveness(bytes: Uint8Array, level: string): Promise<LivenessResult & { analysis: ImageAnalysis }> {
    const parsed = parseLivenessLevel(level);
    const analysis = await this.analyze(bytes, { liveness: true });
    if (analysis.primary?.liveness === undefined) throw noFace('image');
    return { ...this.livenessDecision(analysis.primary.liveness, parsed), multipleFaces: analysis.multipleFaces, analysis };
  }

  async quality(bytes: Uint8Array, mode: QualityMode): Promise<{ assessment: QualityAssessment; rejection: string | null; analysis: ImageAnalysis }> {
    const analysis = await this.analyze(bytes, { quality: true });
    if (!analysis.primary?.quality) throw noFace('image');
    const rejection = analysis.multipleFaces && mode !== 'DISABLED' ? 'Multiple faces detected' : qualityModeRejection(analysis.primary.quality, mode);
    return { assessment: analysis.primary.quality, rejection, analysis };
  }

  /**
   * Template for enrolment or verification with the spec's quality gate
   * (generateTemplateFromImage): ERROR_MULTIPLE_FACES, ERROR_POOR_ICAO_QUALITY.
   */
  async gatedTemplate(bytes: Uint8Array, mode: QualityMode): Promise<TemplateResult & { assessment?: QualityAssessment }> {
    const analysis = await this.analyze(bytes, { template: true, quality: mode !== 'DISABLED' });
    const primary = analysis.primary;
    if (!primary?.template) throw noFace('image');
    if (mode !== 'DISABLED') {
      if (analysis.multipleFaces) throw new FacegateError('ERROR_MULTIPLE_FACES', '(/image) Multiple faces detected');
      const rejection = primary.quality ? qualityModeRejection(primary.quality, mode) : null;
      if (rejection) throw new FacegateError('ERROR_POOR_ICAO_QUALITY', rejection, { qualityMode: mode });
    }
    return { template: { modelId: this.modelId, vector: primary.template }, analysis, assessment: primary.quality };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
