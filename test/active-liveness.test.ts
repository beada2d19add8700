/**
 * Active liveness on real clips and simulated photo attacks, through the real
 * engine and the verifier the server runs (`facegate eval active`'s path).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { evalClip, parseClipManifest, type ClipEntry } from '../src/cli/eval-active.js';
import type { ChallengeStep } from '../src/core/active-liveness/challenge.js';
import { INSTALL_ROOT, loadEngineConfig } from '../src/config.js';
import { FaceEngine } from '../src/engine/engine.js';
import { DATASETS } from './datasets.js';
import { clipTestsSkip } from './clip-responder.js';
import { simulateCardAttack, type CardMotion } from './simulated-attacks.js';

const MANIFEST = join(INSTALL_ROOT, 'bench', 'liveness-clips.json');
describe('active liveness on real clips and simulated photo attacks', { skip: clipTestsSkip() }, () => {
  let engine: FaceEngine;
  let clips: ClipEntry[];
  let dir: string;
  before(async () => {
    engine = await FaceEngine.open(loadEngineConfig({ FACEGATE_WORKERS: '2' }));
    clips = parseClipManifest(await readFile(MANIFEST, 'utf8'), MANIFEST);
    dir = await mkdtemp(join(tmpdir(), 'facegate-active-'));
  });
  after(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  const clipNamed = (name: string) => clips.find((c) => c.file.endsWith(name))!;
  const run = (entry: ClipEntry, steps: ChallengeStep[] = entry.steps) => evalClip(engine, resolve(dirname(MANIFEST), entry.file), { ...entry, steps }, { decodeFps: 10 });

  for (const name of ['real.mov', 'd12.mp4', 'driving.mp4']) {
    test(`${name}: a real head answering the challenge it performs is live, with depth far above a photo's`, async () => {
      const verdict = await run(clipNamed(name));
      assert.equal(verdict.live, true, verdict.message);
      assert.equal(verdict.method, 'ACTIVE');
      for (const turn of verdict.checks.depth.turns) assert.ok(turn.residual >= 0.1, `${turn.step} residual ${turn.residual}`);
      assert.ok(verdict.checks.identity.matchingShare! >= 0.6);
      assert.ok(verdict.checks.passive.score! > 0);
    });
  }

  test('a real clip checked against the same steps in another order fails the sequence', async () => {
    const entry = clipNamed('d12.mp4');
    const verdict = await run(entry, [...entry.steps].reverse());
    assert.equal(verdict.live, false);
    assert.equal(verdict.reason, 'sequence');
  });

  test('a phone replaying a video of the person is refused', async () => {
    const verdict = await run(clipNamed('fake.mp4'));
    assert.equal(verdict.live, false);
  });

  const ATTACKS: [CardMotion, ChallengeStep[]][] = [
    ['tilt-left-right', ['TURN_LEFT', 'TURN_RIGHT']],
    ['tilt-up', ['LOOK_UP', 'TURN_RIGHT']],
    ['tilt-closer', ['TURN_RIGHT', 'MOVE_CLOSER']],
  ];
  for (const [motion, steps] of ATTACKS) {
    test(`a printed photo ${motion} cannot fake ${steps.join(' + ')}: refused by sequence or depth`, async () => {
      const still = join(DATASETS, 'lfw-dev', 'images', 'Jackie_Chan', 'Jackie_Chan_0006.jpg');
      const clip = await simulateCardAttack(still, motion, join(dir, motion));
      const verdict = await evalClip(engine, clip.dir, { file: motion, steps, fps: clip.fps }, { decodeFps: clip.fps });
      assert.equal(verdict.frames, clip.frames);
      assert.equal(verdict.live, false);
      assert.ok(verdict.reason === 'sequence' || verdict.reason === 'depth', verdict.message);
    });
  }
});
