/**
 * How often a recording that does not react to prompts passes a random
 * challenge: every bona fide clip of the manifest replayed against every
 * two- and three-step challenge the server can draw, under `facegate eval active`'s
 * protocol (first prompt at the clip's start, each next one the moment the
 * previous step is done), which favours the recording over the server's
 * random prompt delays.
 * Usage: node dist/bench/liveness-replay.js [manifest.json] [--fps 10]
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CHALLENGE_STEPS, TURN_STEPS, type ChallengeStep } from '../src/core/active-liveness/challenge.js';
import { isBonaFideLabel, wilsonInterval } from '../src/core/error-rates.js';
import { observeClip, parseClipManifest, verifyClip } from '../src/cli/eval-active.js';
import { DEFAULT_PACK_DIR, INSTALL_ROOT } from '../src/config.js';
import { FaceEngine } from '../src/engine/engine.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { fps: { type: 'string', default: '10' } } });
const manifest = positionals[0] ?? join(INSTALL_ROOT, 'bench', 'liveness-clips.json');
const withTurn = (steps: ChallengeStep[]) => steps.some((s) => TURN_STEPS.has(s));
const extend = (plans: ChallengeStep[][]) => plans.flatMap((p) => CHALLENGE_STEPS.filter((s) => !p.includes(s)).map((s) => [...p, s]));
const twoSteps = extend(CHALLENGE_STEPS.map((s) => [s]));
const bySize = new Map([[2, twoSteps.filter(withTurn)], [3, extend(twoSteps).filter(withTurn)]]);
const engine = await FaceEngine.open({ packDir: DEFAULT_PACK_DIR });
const rows = [];
const totals = new Map<number, { passed: number; tried: number }>();
try {
  for (const entry of parseClipManifest(await readFile(manifest, 'utf8'), manifest).filter((e) => e.label && isBonaFideLabel(e.label))) {
    const clip = await observeClip(engine, resolve(dirname(manifest), entry.file), { fps: entry.fps, decodeFps: Number(values.fps) });
    for (const [size, challenges] of bySize) {
      const passes: string[] = [];
      for (const steps of challenges) if ((await verifyClip(engine, clip, steps)).live) passes.push(steps.join('+'));
      rows.push({ clip: entry.file.split('/').pop(), steps: size, challenges: challenges.length, passed: passes.length, which: passes.join(' ') });
      const total = totals.get(size) ?? { passed: 0, tried: 0 };
      totals.set(size, { passed: total.passed + passes.length, tried: total.tried + challenges.length });
    }
    await clip.dispose();
  }
} finally {
  await engine.close();
}
console.table(rows);
for (const [size, { passed, tried }] of totals) {
  const { rate, low, high } = wilsonInterval(passed, tried);
  console.log(`${size} steps: a non-reacting recording passed ${passed} of ${tried} challenges: ${(rate * 100).toFixed(1)}% (95% CI ${(low * 100).toFixed(1)}-${(high * 100).toFixed(1)}%)`);
}
