/**
 * One capture attempt: sends small frames to the guidance endpoint, shows
 * its verdict, and grabs the full-resolution frame once the face has been good
 * for the hold time. Without a guidance endpoint (or after it failed
 * repeatedly) it asks the person to hold still and captures after a fixed wait.
 */
import { encodeJpeg, type GrabbedFrame } from './camera.js';
import { advanceGuidance, captureQuality, holdProgress, INITIAL_GUIDANCE, parseGuidanceFrame, type CaptureQuality, type GuidanceFeedback, type GuidanceFrame, type GuidanceState } from './guidance.js';
import type { StringKey } from './localization.js';
import type { CaptureDialog } from './ui.js';

export const GUIDANCE_FRAME_WIDTH = 320;
export const GUIDANCE_JPEG_QUALITY = 0.7;
/** About three frames a second: enough to see a person settle, cheap for the server. */
const GUIDANCE_INTERVAL_MS = 333;
/** A verdict on a frame older than this no longer vouches for the face (slow server, stalled request). */
const GUIDANCE_FRESH_MS = 1500;
export const MAX_GUIDANCE_FAILURES = 3;
const UNGUIDED_HOLD_MS = 3000;
export const CAPTURE_JPEG_QUALITY = 0.92;
const TICK_MS = 100;

interface SessionSettings {
  dialog: CaptureDialog;
  guidanceUrl: string | undefined;
  guidanceHeaders: Record<string, string>;
  feedback: (key: GuidanceFeedback | StringKey, good: boolean) => void;
  /** Aborted when the person closes the screen or the capture times out. */
  signal: AbortSignal;
}

export interface CapturedFrame {
  frame: GrabbedFrame;
  /** Epoch ms on this device's clock when the frame was taken. */
  takenAt: number;
  quality: CaptureQuality;
}

export function guideAndCapture(settings: SessionSettings): Promise<CapturedFrame> {
  const { dialog, guidanceUrl, guidanceHeaders, feedback, signal } = settings;
  const startedAt = performance.now();
  let guided = guidanceUrl !== undefined;
  let unguidedSince = startedAt;
  let state: GuidanceState = INITIAL_GUIDANCE;
  let lastFrame: GuidanceFrame | null = null;
  let lastFrameAt = -Infinity;
  let frames = 0;
  let failures = 0;
  let inFlight = false;
  let lastRequestAt = -Infinity;
  /** Set once the capture is taken or aborted: a late guidance answer must not change the screen. */
  let settled = false;

  if (!guided) feedback('FEEDBACK_PLEASE_HOLD', true);

  async function requestGuidance(url: string, grabbedAt: number): Promise<void> {
    inFlight = true;
    lastRequestAt = grabbedAt;
    try {
      const small = await encodeJpeg(dialog.video, GUIDANCE_FRAME_WIDTH, GUIDANCE_JPEG_QUALITY);
      const response = await fetch(url, { method: 'POST', headers: { ...guidanceHeaders, 'content-type': 'image/jpeg' }, body: small.bytes, signal });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const frame = parseGuidanceFrame(await response.json());
      if (!guided || settled) return;
      state = advanceGuidance(state, frame, dialog.layout(), grabbedAt);
      lastFrame = frame;
      lastFrameAt = grabbedAt;
      frames += 1;
      failures = 0;
      if (state.feedback) feedback(state.feedback, state.feedback === 'FEEDBACK_OK');
    } catch (err) {
      if (settled) return;
      failures += 1;
      if (failures >= MAX_GUIDANCE_FAILURES && guided) {
        console.warn(`facegate-capture: guidance endpoint failed ${failures} times (${String(err)}); capturing without guidance`);
        guided = false;
        unguidedSince = performance.now();
        feedback('FEEDBACK_PLEASE_HOLD', true);
      }
    } finally {
      inFlight = false;
    }
  }

  function progressAt(now: number): number {
    if (!guided) return Math.min(1, (now - unguidedSince) / UNGUIDED_HOLD_MS);
    return now - lastFrameAt <= GUIDANCE_FRESH_MS ? holdProgress(state, now) : 0;
  }

  function qualityAt(now: number): CaptureQuality {
    const frame = guided ? lastFrame : null;
    return captureQuality(frame, frame ? state.lastFace : null, frames, now - startedAt);
  }

  return new Promise<CapturedFrame>((resolve, reject) => {
    const timer = setInterval(tick, TICK_MS);
    const onAbort = () => {
      settled = true;
      clearInterval(timer);
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    function tick(): void {
      const now = performance.now();
      if (guided && guidanceUrl && !inFlight && now - lastRequestAt >= GUIDANCE_INTERVAL_MS) void requestGuidance(guidanceUrl, now);
      const progress = progressAt(now);
      dialog.setProgress(progress);
      if (progress < 1) return;
      settled = true;
      clearInterval(timer);
      signal.removeEventListener('abort', onAbort);
      const takenAt = Date.now();
      encodeJpeg(dialog.video, Infinity, CAPTURE_JPEG_QUALITY).then((frame) => resolve({ frame, takenAt, quality: qualityAt(now) }), reject);
    }
  });
}
