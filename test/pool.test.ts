/** The inference pool: bounded queue, observable depth, fail-fast model loading. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_PACK_DIR } from '../src/config.js';
import { FacegateError } from '../src/core/errors.js';
import { openModelPack, type PackManifest } from '../src/engine/pack.js';
import { InferencePool } from '../src/engine/pool.js';
import { DATASETS, readImage } from './datasets.js';

const image = readImage(join(DATASETS, 'lfw-dev', 'images', 'Colin_Powell', 'Colin_Powell_0001.jpg'));
const isCode = (code: string) => (e: unknown) => e instanceof FacegateError && e.code === code;

test('a full queue is refused at once with ERROR_ENGINE_OVERLOADED and the depth is observable', async () => {
  const pool = await InferencePool.start({ packDir: DEFAULT_PACK_DIR, workers: 1, maxQueue: 2 });
  try {
    const accepted = [pool.analyze(image, { template: true }), pool.analyze(image, { template: true }), pool.analyze(image, { template: true })];
    assert.equal(pool.busyWorkers, 1);
    assert.equal(pool.queueDepth, 2);
    await assert.rejects(pool.analyze(image, { template: true }), isCode('ERROR_ENGINE_OVERLOADED'));
    const results = await Promise.all(accepted);
    assert.ok(results.every((r) => r.primary?.template?.length === 512));
    assert.equal(pool.queueDepth, 0);
  } finally {
    await pool.close();
  }
});

test('close lets a running inference finish', async () => {
  const pool = await InferencePool.start({ packDir: DEFAULT_PACK_DIR, workers: 1, maxQueue: 4 });
  const running = pool.analyze(image, { template: true });
  await pool.close();
  assert.equal((await running).primary?.template?.length, 512);
  await assert.rejects(pool.analyze(image, {}), /shut down/);
});

function packWith(mutate: (dir: string, manifest: PackManifest) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'facegate-pack-'));
  const manifest = JSON.parse(readFileSync(join(DEFAULT_PACK_DIR, 'manifest.json'), 'utf8')) as PackManifest;
  for (const m of Object.values(manifest.models)) symlinkSync(join(DEFAULT_PACK_DIR, m.file), join(dir, m.file));
  copyFileSync(join(DEFAULT_PACK_DIR, 'calibration.json'), join(dir, 'calibration.json'));
  mutate(dir, manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

test('a model file that differs from its manifest hash stops startup', async () => {
  const dir = packWith((d, manifest) => {
    manifest.models.pose.file = 'pose-copy.onnx';
    writeFileSync(join(d, 'pose-copy.onnx'), 'not the model');
  });
  await assert.rejects(openModelPack(dir), (e: unknown) => isCode('ERROR_MODEL_LOAD_FAILED')(e) && /corrupt/.test((e as Error).message));
});

test('a model the runtime cannot load stops the pool from starting', async () => {
  const garbage = Buffer.from('definitely not an onnx graph');
  const dir = packWith((d, manifest) => {
    manifest.models.eyes.file = 'eyes-broken.onnx';
    manifest.models.eyes.sha256 = createHash('sha256').update(garbage).digest('hex');
    writeFileSync(join(d, 'eyes-broken.onnx'), garbage);
  });
  await openModelPack(dir);
  await assert.rejects(InferencePool.start({ packDir: dir, workers: 2, maxQueue: 1 }), (e: unknown) => isCode('ERROR_MODEL_LOAD_FAILED')(e) && /eyes-broken/.test((e as Error).message));
});
