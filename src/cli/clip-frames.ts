/**
 * Frames of a recorded clip for `facegate eval active`: a folder of images
 * played at a stated rate, or a video decoded by ffmpeg (an evaluation-time
 * tool only; the server never needs it).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FacegateError } from '../core/errors.js';

export interface ClipFrame {
  path: string;
  /** ms from the start of the clip */
  at: number;
}

export interface ClipFrames {
  frames: ClipFrame[];
  /** Removes the decoded frames of a video; a folder is left alone. */
  dispose(): Promise<void>;
}

const IMAGE_FILE = /\.(jpe?g|png|webp)$/i;

export async function readClipFrames(path: string, options: { fps?: number; decodeFps: number }): Promise<ClipFrames> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new FacegateError('ERROR_INVALID_ARGUMENT', `clip ${path} does not exist`);
  if (info.isDirectory()) {
    if (!options.fps || !(options.fps > 0)) throw new FacegateError('ERROR_INVALID_ARGUMENT', `clip folder ${path} needs an "fps" in the manifest`);
    return { frames: await framesIn(path, options.fps), dispose: async () => undefined };
  }
  const dir = await mkdtemp(join(tmpdir(), 'facegate-clip-'));
  try {
    await runFfmpeg(['-loglevel', 'error', '-nostdin', '-i', path, '-vf', `fps=${options.decodeFps}`, '-q:v', '2', join(dir, 'frame_%05d.jpg')]);
    return { frames: await framesIn(dir, options.decodeFps), dispose: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function framesIn(dir: string, fps: number): Promise<ClipFrame[]> {
  const names = (await readdir(dir)).filter((name) => IMAGE_FILE.test(name)).sort();
  if (names.length === 0) throw new FacegateError('ERROR_INVALID_ARGUMENT', `clip ${dir} holds no JPEG, PNG or WebP frames`);
  return names.map((name, i) => ({ path: join(dir, name), at: Math.round((i * 1000) / fps) }));
}

function runFfmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(new FacegateError('ERROR_INVALID_ARGUMENT', err.code === 'ENOENT' ? 'decoding a video clip needs ffmpeg on the PATH (apt-get install ffmpeg), or give a folder of frames' : err.message)),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new FacegateError('ERROR_INVALID_FORMAT', `ffmpeg could not decode the clip: ${stderr.trim().slice(0, 500)}`))));
  });
}
