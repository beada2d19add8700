/**
 * Answers a live challenge with a recorded clip the way a person would: the
 * frontal frame until a prompt comes, then the stretch of the clip where the
 * head makes that move. The shared clips were not recorded against prompts,
 * so this is how an HTTP test completes a real challenge with real frames.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planChallenge, type ChallengeStep } from '../src/core/active-liveness/challenge.js';
import { seededRandom } from '../src/core/random.js';
import type { KeyFrame } from '../src/crypto/capture-blob.js';
import { DATASETS } from './datasets.js';

/** For node:test's `skip`: decoding the clips needs ffmpeg; missing, the tests are skipped, except under CI=true, where they fail. */
export function clipTestsSkip(): string | false {
  if (process.env.CI === 'true' || spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0) return false;
  return 'decoding the liveness clips needs ffmpeg (apt-get install -y ffmpeg)';
}

export interface DecodedClip {
  /** 320 px wide, as the SDK sends guidance frames. */
  small: Uint8Array[];
  full: Uint8Array[];
}

function decode(path: string, filter: string): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), 'facegate-clip-'));
  try {
    const ffmpeg = spawnSync('ffmpeg', ['-loglevel', 'error', '-nostdin', '-i', path, '-vf', filter, '-q:v', '3', join(dir, 'f_%04d.jpg')], { encoding: 'utf8' });
    if (ffmpeg.status !== 0) throw new Error(`ffmpeg could not decode ${path}: ${ffmpeg.stderr}`);
    return readdirSync(dir).sort().map((name) => new Uint8Array(readFileSync(join(dir, name))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function decodeClip(path: string, fps = 10): DecodedClip {
  return { small: decode(path, `fps=${fps},scale=320:-2`), full: decode(path, `fps=${fps}`) };
}

/** real.mov at 10 fps: frontal at 12.6 s; his own right turn 6.4-7.3 s, his own left 9.0-10.2 s (liveness-clips manifest). */
export const REAL_MOV = {
  path: join(DATASETS, 'liveness-clips', 'ZubairCracksCode_anit-spoofing', 'videos', 'real.mov'),
  frontal: 126,
  moves: { TURN_RIGHT: [64, 73], TURN_LEFT: [90, 102] } as Partial<Record<ChallengeStep, [number, number]>>,
};

export interface FrameAnswer {
  seq: number;
  challenge: { phase: string; prompt: ChallengeStep | null; keyFrame: { step: ChallengeStep; seq: number } | null; failure: { check: string; message: string } | null };
}

export interface ClipResponse {
  phases: string[];
  keyFrames: KeyFrame[];
  /** The full-resolution frontal frame to capture. */
  frontal: Uint8Array;
  last: FrameAnswer;
}

/**
 * Sends frames through `send` until the challenge passes or fails; `tick` is
 * called after each frame (advance the test clock there). At most `maxFrames`.
 */
export async function respondWithClip(
  clip: DecodedClip,
  script: { frontal: number; moves: Partial<Record<ChallengeStep, [number, number]>> },
  send: (frame: Uint8Array) => Promise<FrameAnswer>,
  tick: () => void,
  maxFrames = 400,
): Promise<ClipResponse> {
  const keyFrames: KeyFrame[] = [];
  const phases: string[] = [];
  let move = null as { step: ChallengeStep; at: number; end: number; reaction: number } | null;
  let last: FrameAnswer | null = null;
  for (let i = 0; i < maxFrames; i++) {
    const prompt = last?.challenge.phase === 'STEP' ? last.challenge.prompt : null;
    if (prompt && move?.step !== prompt) {
      const range: [number, number] | undefined = script.moves[prompt];
      if (!range) throw new Error(`the clip has no ${prompt}`);
      // A person reads the prompt before moving: three frames (300 ms) still frontal.
      move = { step: prompt, at: range[0], end: range[1], reaction: 3 };
    }
    if (!prompt) move = null;
    const index = move && move.reaction-- <= 0 ? Math.min(move.at++, move.end) : script.frontal;
    last = await send(clip.small[index]);
    tick();
    if (phases.at(-1) !== last.challenge.phase) phases.push(last.challenge.phase);
    const done = last.challenge.keyFrame;
    if (done) keyFrames.push({ step: done.step, seq: done.seq, mime: 'image/jpeg', image: clip.full[index] });
    if (last.challenge.phase === 'PASSED' || last.challenge.phase === 'FAILED') break;
  }
  return { phases, keyFrames, frontal: clip.full[script.frontal], last: last! };
}

/** A seed whose challenge, drawn as the server draws it, has exactly these steps. */
export function seedFor(steps: ChallengeStep[]): number {
  for (let seed = 1; seed < 100_000; seed++) {
    const plan = planChallenge(seededRandom(seed), { stepCount: steps.length, minPromptDelayMs: 500, maxPromptDelayMs: 1500 });
    if (plan.steps.join() === steps.join()) return seed;
  }
  throw new Error(`no seed gives ${steps.join(', ')}`);
}
