/** `facegate eval liveness` on real replay crops, through the real engine. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { evalLiveness } from '../src/cli/eval-liveness.js';
import { DEFAULT_PACK_DIR } from '../src/config.js';
import { LIVENESS_LEVELS } from '../src/core/liveness.js';
import { FaceEngine } from '../src/engine/engine.js';
import { DATASETS } from './datasets.js';

// Crops the detector finds a face in, from both sources of the set.
const CROPS = [
  ['alexcamargoweb/real/0.png', 'live'],
  ['apfol/fake/17.png', 'spoof'],
  ['apfol/real/5.png', 'live'],
  ['alexcamargoweb/fake/12.png', 'spoof'],
  ['alexcamargoweb/real/7.png', 'live'],
  ['apfol/fake/31.png', 'spoof'],
];

let engine: FaceEngine;
let dir: string;
before(async () => {
  engine = await FaceEngine.open({ packDir: DEFAULT_PACK_DIR, workers: 1 });
  dir = await mkdtemp(join(tmpdir(), 'facegate-eval-liveness-'));
});
after(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

test('one line per image in manifest order, errors in place, and APCER / BPCER at every level', async () => {
  const images = CROPS.map(([file, label]) => ({ file: relative(dir, join(DATASETS, 'spoof-replay-crops', 'images', file)), label }));
  images.splice(3, 0, { file: 'broken.jpg', label: 'bona_fide' });
  await writeFile(join(dir, 'broken.jpg'), Buffer.from('not a JPEG at all'));
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ images }));
  const lines: string[] = [];
  const logs: string[] = [];
  await evalLiveness(engine, join(dir, 'manifest.json'), { write: (l) => lines.push(l), log: (l) => logs.push(l) });

  const rows = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(rows.map((r) => r.file), images.map((im) => im.file));
  for (const [i, row] of rows.entries()) {
    assert.equal(row.label, images[i].label);
    if (row.file === 'broken.jpg') {
      assert.deepEqual(Object.keys(row), ['file', 'label', 'error']);
      assert.equal(typeof (row.error as { code: unknown }).code, 'string');
      continue;
    }
    assert.deepEqual(Object.keys(row), ['file', 'label', 'bonaFide', 'score', 'as_highest_security_level_reached']);
    assert.equal(row.bonaFide, row.label === 'live');
    assert.ok(typeof row.score === 'number' && row.score >= 0 && row.score <= 1);
    assert.ok(row.as_highest_security_level_reached === null || LIVENESS_LEVELS.includes(row.as_highest_security_level_reached as never));
  }

  const summary = logs.join('\n');
  assert.match(summary, /6 of 7 images scored \(3 bona fide, 3 attacks\); 1 errored/);
  for (const level of LIVENESS_LEVELS) assert.match(summary, new RegExp(`eval: ${level} +\\d\\.\\d{4} .*/3 .*/3`), level);
});
