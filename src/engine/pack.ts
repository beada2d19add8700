import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FacegateError } from '../core/errors.js';
import type { ChannelLayout } from '../core/image.js';
import type { GraphOptimizationLevel } from './runtime.js';

export interface ModelInputSpec {
  width: number;
  height: number;
  channels: ChannelLayout;
  mean: number | number[];
  scale: number | number[];
}

export interface ModelEntry {
  file: string;
  sha256: string;
  graphOptimizationLevel: GraphOptimizationLevel;
  input: ModelInputSpec;
}

export interface PackManifest {
  id: string;
  version: string;
  description?: string;
  models: {
    detector: ModelEntry & { scoreThreshold: number; nmsIou: number };
    landmarks: ModelEntry;
    embedder: ModelEntry & { dimensions: number };
    liveness: ModelEntry & { cropScale: number; liveClass: number };
    eyes: ModelEntry & { openClass: number };
    pose: ModelEntry;
  };
}

export interface ModelPack {
  dir: string;
  manifest: PackManifest;
  /** Recorded in every template; templates of different ids never compare. */
  templateModelId: string;
}

const ROLES = ['detector', 'landmarks', 'embedder', 'liveness', 'eyes', 'pose'] as const;

/** Reads a pack directory and checks every model file against its sha256, failing fast. */
export async function openModelPack(dir: string): Promise<ModelPack> {
  let manifest: PackManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as PackManifest;
  } catch (err) {
    throw new FacegateError('ERROR_MODEL_LOAD_FAILED', `no readable manifest.json in model pack ${dir} (run "facegate models pull"): ${(err as Error).message}`);
  }
  for (const role of ROLES) {
    const entry = manifest.models?.[role];
    if (!entry) throw new FacegateError('ERROR_MODEL_LOAD_FAILED', `model pack ${dir} has no "${role}" model`);
    let bytes: Buffer;
    try {
      bytes = await readFile(join(dir, entry.file));
    } catch {
      throw new FacegateError('ERROR_MODEL_LOAD_FAILED', `model file ${entry.file} missing from ${dir} (run "facegate models pull")`);
    }
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== entry.sha256) throw new FacegateError('ERROR_MODEL_LOAD_FAILED', `model file ${entry.file} in ${dir} is corrupt: sha256 ${digest}, manifest says ${entry.sha256}`);
  }
  const embedder = manifest.models.embedder;
  return { dir, manifest, templateModelId: `${manifest.id}@${manifest.version}/${embedder.file.replace(/\.onnx$/, '')}` };
}
