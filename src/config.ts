/**
 * Configuration from environment variables, validated once. Every variable is
 * documented in the README; a bad value stops the process with a message that
 * names the variable.
 */
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FacegateError } from './core/errors.js';

/** The repository (or installed package) root, where packs/ lives. */
export const INSTALL_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_PACK_DIR = resolve(INSTALL_ROOT, 'packs', 'default');

export interface EngineConfig {
  /** FACEGATE_MODEL_PACK: directory with manifest.json, calibration.json and the model files. */
  packDir: string;
  /** FACEGATE_WORKERS: inference worker threads (default: one per core). */
  workers: number;
  /** FACEGATE_MAX_QUEUE: requests that may wait for a worker before "overloaded" (default 32 per worker). */
  maxQueue: number;
}

type Env = Record<string, string | undefined>;

export function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new FacegateError('ERROR_INVALID_ARGUMENT', `${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function loadEngineConfig(env: Env = process.env): EngineConfig {
  const workers = positiveInt(env, 'FACEGATE_WORKERS', availableParallelism());
  return {
    packDir: resolve(env.FACEGATE_MODEL_PACK || DEFAULT_PACK_DIR),
    workers,
    maxQueue: positiveInt(env, 'FACEGATE_MAX_QUEUE', workers * 32),
  };
}
