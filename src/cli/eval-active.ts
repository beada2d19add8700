/**
 * `facegate eval active`: replays recorded clips through the same tracker and
 * verifier the server runs, taking each clip as the response to its challenge
 * (the first prompt is met when the clip starts; deadlines apply between steps).
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DEFAULT_ACTIVE_THRESHOLDS, isChallengeStep, type ActiveThresholds, type ChallengeStep } from '../core/active-liveness/challenge.js';
import { ChallengeTracker, type FrameObservation } from '../core/active-liveness/tracker.js';
import { verifyActive, type ActiveVerdict } from '../core/active-liveness/verify.js';
import { levelThreshold } from '../core/calibration.js';
import { FacegateError } from '../core/errors.js';
import { isBonaFideLabel, wilsonInterval } from '../core/error-rates.js';
import { processFiles } from '../engine/batch.js';
import type { FaceEngine } from '../engine/engine.js';
import { readClipFrames } from './clip-frames.js';
import { manifestList } from './manifest.js';

export interface ClipEntry {
  file: string;
  steps: ChallengeStep[];
  label?: string;
  fps?: number;
}

export function parseClipManifest(text: string, where: string): ClipEntry[] {
  const clips = manifestList(text, where, 'clips');
  return clips.map((clip: unknown, i): ClipEntry => {
    const c = clip as Record<string, unknown>;
    const bad = (what: string) => new FacegateError('ERROR_INVALID_ARGUMENT', `${where}: clips[${i}] ${what}`);
    if (typeof c?.file !== 'string') throw bad('needs a "file"');
    if (!Array.isArray(c.steps) || c.steps.length === 0 || !c.steps.every(isChallengeStep)) throw bad('needs "steps": a list of TURN_LEFT, TURN_RIGHT, LOOK_UP, MOVE_CLOSER');
    if (c.label !== undefined && typeof c.label !== 'string') throw bad('"label" must be a string');
    if (c.fps !== undefined && !(typeof c.fps === 'number' && c.fps > 0)) throw bad('"fps" must be a positive number');
    return { file: c.file, steps: c.steps as ChallengeStep[], ...(c.label ? { label: c.label as string } : {}), ...(c.fps ? { fps: c.fps as number } : {}) };
  });
}

export interface ClipVerdict extends ActiveVerdict {
  file: string;
  label?: string;
  frames: number;
}

export interface ObservedClip {
  observations: FrameObservation[];
  /** fr_liveness of a frame, by seq: the passive score of the baseline frame is reported. */
  passiveScore(seq: number): Promise<number | null>;
  dispose(): Promise<void>;
}

/** Analyses every frame of a clip once, so it can be replayed against many challenges. */
export async function observeClip(engine: FaceEngine, path: string, options: { fps?: number; decodeFps: number }): Promise<ObservedClip> {
  const clip = await readClipFrames(path, options);
  try {
    const seqOf = new Map(clip.frames.map((f, seq) => [f.path, { seq, at: f.at }]));
    const observed = await processFiles(clip.frames.map((f) => f.path), (bytes, framePath) => engine.observe(bytes, seqOf.get(framePath)!), {
      inFlight: engine.stats.workers * 2,
    });
    const observations = clip.frames.map((frame) => {
      const outcome = observed.get(frame.path)!;
      if (!outcome.ok) throw new FacegateError(outcome.error.code, `${frame.path}: ${outcome.error.message}`);
      return outcome.value.observation;
    });
    const passiveScore = async (seq: number) => (await engine.analyze(await readFile(clip.frames[seq].path), { liveness: true })).primary?.liveness ?? null;
    return { observations, passiveScore, dispose: () => clip.dispose() };
  } catch (err) {
    await clip.dispose();
    throw err;
  }
}

/** The verifier's answer for a clip taken as the response to `steps`. */
export async function verifyClip(engine: FaceEngine, clip: ObservedClip, steps: readonly ChallengeStep[], thresholds: ActiveThresholds = DEFAULT_ACTIVE_THRESHOLDS): Promise<ActiveVerdict> {
  const tracker = new ChallengeTracker({ steps, promptDelaysMs: steps.map(() => 0) }, thresholds, { firstStepDeadline: false });
  for (const observation of clip.observations) tracker.observe(observation);
  const baseline = tracker.baseline;
  return verifyActive({
    fresh: { passed: true, message: 'a recorded clip has no nonce to check' },
    tracker,
    capture: null,
    thresholds,
    matchCosine: levelThreshold(engine.calibration.match, 'selfie', 'HIGH'),
    keyFrameCosine: levelThreshold(engine.calibration.match, 'selfie', 'MEDIUM'),
    passiveScore: baseline ? await clip.passiveScore(baseline.frame.seq) : null,
  });
}

/** Runs one clip against the challenge of its steps. */
export async function evalClip(engine: FaceEngine, path: string, entry: ClipEntry, options: { decodeFps: number; thresholds?: ActiveThresholds }): Promise<ClipVerdict> {
  const clip = await observeClip(engine, path, { fps: entry.fps, decodeFps: options.decodeFps });
  try {
    const verdict = await verifyClip(engine, clip, entry.steps, options.thresholds);
    return { file: entry.file, ...(entry.label ? { label: entry.label } : {}), frames: clip.observations.length, ...verdict };
  } finally {
    await clip.dispose();
  }
}

export async function evalActive(
  engine: FaceEngine,
  manifestPath: string,
  options: { decodeFps: number; write: (line: string) => void; log: (line: string) => void },
): Promise<void> {
  const entries = parseClipManifest(await readFile(manifestPath, 'utf8'), manifestPath);
  const root = dirname(resolve(manifestPath));
  const verdicts: ClipVerdict[] = [];
  for (const [i, entry] of entries.entries()) {
    options.log(`clip ${i + 1}/${entries.length}: ${entry.file}`);
    const verdict = await evalClip(engine, resolve(root, entry.file), entry, options);
    verdicts.push(verdict);
    options.write(JSON.stringify(verdict));
  }
  const labelled = verdicts.filter((v) => v.label !== undefined);
  if (labelled.length === 0) return;
  const attacks = labelled.filter((v) => !isBonaFideLabel(v.label!));
  const bonaFide = labelled.filter((v) => isBonaFideLabel(v.label!));
  const rate = (name: string, hits: number, of: number) => {
    if (of === 0) return `${name}: no clips`;
    const { rate: r, low, high } = wilsonInterval(hits, of);
    return `${name} ${(r * 100).toFixed(1)}% (${hits}/${of}; 95% CI ${(low * 100).toFixed(1)}-${(high * 100).toFixed(1)}%)`;
  };
  options.log(`${rate('APCER', attacks.filter((v) => v.live).length, attacks.length)}, ${rate('BPCER', bonaFide.filter((v) => !v.live).length, bonaFide.length)}`);
  const reasons = new Map<string, number>();
  for (const v of attacks) if (v.reason) reasons.set(v.reason, (reasons.get(v.reason) ?? 0) + 1);
  if (reasons.size) options.log(`attacks refused by: ${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ')}`);
}
