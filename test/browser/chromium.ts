/**
 * Browser-test plumbing: Debian's Chromium driven by playwright-core, with a
 * fake camera that plays a video made from a real face photo or clip. Needs
 * `apt-get install -y chromium ffmpeg`; without them the browser tests are
 * skipped, except under CI=true, where they fail.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const FAKE_VIDEO_SECONDS = 3;
const FAKE_VIDEO_FPS = 10;

function missingTools(): string[] {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM_PATH)) missing.push(CHROMIUM_PATH);
  if (spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status !== 0) missing.push('ffmpeg');
  return missing;
}

/** For node:test's `skip`: a reason when the tools are missing, false when the tests must run (always under CI=true). */
export function browserTestsSkip(): string | false {
  const missing = missingTools();
  if (missing.length === 0 || process.env.CI === 'true') return false;
  return `browser tests need ${missing.join(' and ')} (apt-get install -y chromium ffmpeg)`;
}

/** Call first in a browser test: under CI=true a missing tool is a failure, not a skip. */
export function requireBrowserTools(): void {
  const missing = missingTools();
  if (missing.length > 0) throw new Error(`browser tests need ${missing.join(' and ')}: apt-get install -y chromium ffmpeg`);
}

/**
 * A 640x480 Y4M clip of the image (scaled to 480 px high and centred on grey),
 * for --use-file-for-fake-video-capture. Cached in the temp dir by the image's
 * content, since it takes ffmpeg a moment and is ~14 MB.
 */
export function makeFakeCameraVideo(imagePath: string): string {
  return cachedY4m(readFileSync(imagePath), `${FAKE_VIDEO_SECONDS}s@${FAKE_VIDEO_FPS}`, [
    '-loop', '1', '-i', imagePath,
    '-vf', 'scale=-2:480,pad=640:480:(ow-iw)/2:(oh-ih)/2:color=0x7f7f7f,format=yuv420p',
    '-t', String(FAKE_VIDEO_SECONDS), '-r', String(FAKE_VIDEO_FPS),
  ]);
}

/** A video clip as a Y4M at 15 fps, 640 px wide (about 70 MB for 13 s), cached like makeFakeCameraVideo. */
export function makeFakeCameraClip(videoPath: string): string {
  return cachedY4m(readFileSync(videoPath), 'clip', ['-i', videoPath, '-an', '-vf', 'fps=15,scale=640:-2', '-pix_fmt', 'yuv420p']);
}

/** Numbered frames (frame_0001.jpg, … as simulateCardAttack writes them) as a Y4M at `fps`, written next to them. */
export function makeFakeCameraFrames(dir: string, fps: number): string {
  const path = join(dir, 'camera.y4m');
  ffmpegY4m(['-framerate', String(fps), '-i', join(dir, 'frame_%04d.jpg'), '-pix_fmt', 'yuv420p'], path);
  return path;
}

function cachedY4m(content: Buffer, variant: string, args: string[]): string {
  const key = createHash('sha256').update(content).update(variant).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'facegate-fake-camera');
  const path = join(dir, `${key}.y4m`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  // Written under a unique name and renamed, so a concurrent run never reads a half-written file.
  const partial = `${path}.${process.pid}.partial`;
  ffmpegY4m(args, partial);
  renameSync(partial, path);
  return path;
}

function ffmpegY4m(args: string[], out: string): void {
  const ffmpeg = spawnSync('ffmpeg', ['-loglevel', 'error', '-y', ...args, '-f', 'yuv4mpegpipe', out], { encoding: 'utf8' });
  if (ffmpeg.status !== 0) throw new Error(`ffmpeg could not make the fake camera video ${out}: ${ffmpeg.stderr}`);
}

/** One frame of a video at `seconds`, as a JPEG file. */
export function extractFrame(videoPath: string, seconds: number, out: string): string {
  const ffmpeg = spawnSync('ffmpeg', ['-loglevel', 'error', '-y', '-ss', String(seconds), '-i', videoPath, '-frames:v', '1', '-q:v', '2', out], { encoding: 'utf8' });
  if (ffmpeg.status !== 0) throw new Error(`ffmpeg could not take the frame at ${seconds} s of ${videoPath}: ${ffmpeg.stderr}`);
  return out;
}

/** Headless Chromium whose only camera plays `y4m`; camera permission is granted without a prompt. */
export function launchChromium(y4m: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${y4m}`,
    ],
  });
}
