/**
 * Writes printed-photo attack clips for `facegate eval active`: three LFW
 * stills on a card, each tilted and moved the four ways an attacker would try
 * to fake a challenge, as frame folders and a manifest under --out.
 * Usage: node dist/scripts/simulate-card-attacks.js --out DIR
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChallengeStep } from '../src/core/active-liveness/challenge.js';
import { DATASETS } from '../test/datasets.js';
import { CARD_MOTIONS, simulateCardAttack, type CardMotion } from '../test/simulated-attacks.js';

/** Frontal, single-face LFW stills of three different people, faces about 95 px of 250. */
const STILLS = [
  'Gloria_Macapagal_Arroyo/Gloria_Macapagal_Arroyo_0006.jpg',
  'Jackie_Chan/Jackie_Chan_0006.jpg',
  'Lance_Armstrong/Lance_Armstrong_0003.jpg',
];

/** The challenge each motion is the attacker's best try at; the second step of some is not even attempted. */
const STEPS: Record<CardMotion, ChallengeStep[]> = {
  'tilt-left-right': ['TURN_LEFT', 'TURN_RIGHT'],
  'tilt-up': ['LOOK_UP', 'TURN_LEFT'],
  closer: ['MOVE_CLOSER', 'TURN_RIGHT'],
  'tilt-closer': ['TURN_RIGHT', 'MOVE_CLOSER'],
};

const { values } = parseArgs({ options: { out: { type: 'string' } } });
if (!values.out) {
  process.stderr.write('usage: node dist/scripts/simulate-card-attacks.js --out DIR\n');
  process.exit(2);
}
const out = resolve(values.out);
const clips = [];
for (const still of STILLS) {
  for (const motion of CARD_MOTIONS) {
    const file = `${still.split('/')[0]}-${motion}`;
    const clip = await simulateCardAttack(join(DATASETS, 'lfw-dev', 'images', still), motion, join(out, file));
    clips.push({ file, fps: clip.fps, steps: STEPS[motion], label: 'print_photo', motion });
    process.stderr.write(`${file}: ${clip.frames} frames\n`);
  }
}
await writeFile(join(out, 'manifest.json'), JSON.stringify({ clips }, null, 1) + '\n');
