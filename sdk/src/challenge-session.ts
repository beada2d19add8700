/**
 * One capture attempt that answers an active-liveness challenge: streams
 * guidance frames to the challenge's frames URL, shows what the server asks
 * for, keeps the full-resolution frame taken with each step's key frame, and
 * takes the final frame when the server says the challenge passed. The server
 * decides every step; nothing here captures on its own.
 */
import { encodeJpeg, snapshot } from './camera.js';
import { CAPTURE_JPEG_QUALITY, GUIDANCE_FRAME_WIDTH, GUIDANCE_JPEG_QUALITY, MAX_GUIDANCE_FAILURES, type CapturedFrame } from './capture-session.js';
import { parseChallengeAnswer, phaseMessage, type ChallengeAnswer, type ChallengeStatus, type ChallengeStep, type IssuedChallenge } from './challenge.js';
import { FaceSdkError } from './errors.js';
import { advanceGuidance, captureQuality, INITIAL_GUIDANCE, type GuidanceFeedback, type GuidanceState } from './guidance.js';
import type { StringKey, Strings } from './localization.js';
import type { CaptureDialog } from './ui.js';

/**
 * Twice the passive rate: a step must be held for two frames, so the server
 * sees a turn within half a second. Still one request at a time, which is what
 * ties each answer's seq to the full-resolution frame taken when it was sent.
 */
const CHALLENGE_INTERVAL_MS = 200;

interface ChallengeSettings {
  dialog: CaptureDialog;
  challenge: IssuedChallenge;
  /** challenge.framesUrl resolved against the Facegate server. */
  framesUrl: string;
  strings: Strings;
  feedback: (key: GuidanceFeedback | StringKey, good: boolean) => void;
  /** Called when the server has its frontal baseline: from then on its deadlines bound the attempt. */
  onBaseline: () => void;
  /** Aborted when the person closes the screen or the capture times out. */
  signal: AbortSignal;
}

export interface ChallengeCapture extends CapturedFrame {
  keyFrames: { step: ChallengeStep; seq: number; mime: 'image/jpeg'; image: Uint8Array }[];
}

export async function answerChallenge(settings: ChallengeSettings): Promise<ChallengeCapture> {
  const { dialog, feedback, signal } = settings;
  const startedAt = performance.now();
  const keyFrames: ChallengeCapture['keyFrames'] = [];
  let guidance: GuidanceState = INITIAL_GUIDANCE;
  let answered = 0;
  let failures = 0;
  let baseline = false;
  for (;;) {
    const sentAt = performance.now();
    const full = snapshot(dialog.video);
    let answer: ChallengeAnswer;
    try {
      answer = await sendFrame(settings, full);
      failures = 0;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      failures += 1;
      if (failures >= MAX_GUIDANCE_FAILURES) throw frameFailure(err, settings.strings);
      await pause(CHALLENGE_INTERVAL_MS, signal);
      continue;
    }
    answered += 1;
    const status = answer.challenge;
    if (status.phase === 'FAILED') throw new FaceSdkError('FEEDBACK_CHALLENGE_FAILED', status.failure?.message ?? 'the challenge failed', settings.strings);
    // Encoded before the next frame is sent, so `full` is still the frame the answer's seq names.
    if (status.keyFrame) keyFrames.push({ ...status.keyFrame, mime: 'image/jpeg', image: (await encodeJpeg(full, Infinity, CAPTURE_JPEG_QUALITY)).bytes });
    if (!baseline && status.phase !== 'FRONTAL') {
      baseline = true;
      settings.onBaseline();
    }
    guidance = advanceGuidance(guidance, answer.frame, dialog.layout(), sentAt);
    const key = phaseMessage(status) ?? guidance.feedback;
    if (key) feedback(key, status.phase !== 'FRONTAL' || key === 'FEEDBACK_OK');
    dialog.showPrompt(status.phase === 'STEP' ? status.prompt : null);
    dialog.setProgress(stepsDone(status));
    if (status.phase === 'PASSED') {
      const takenAt = Date.now();
      const frame = await encodeJpeg(dialog.video, Infinity, CAPTURE_JPEG_QUALITY);
      return { frame, takenAt, quality: captureQuality(answer.frame, guidance.lastFace, answered, performance.now() - startedAt), keyFrames };
    }
    await pause(CHALLENGE_INTERVAL_MS - (performance.now() - sentAt), signal);
  }
}

async function sendFrame({ challenge, framesUrl, signal }: ChallengeSettings, full: HTMLCanvasElement): Promise<ChallengeAnswer> {
  const small = await encodeJpeg(full, GUIDANCE_FRAME_WIDTH, GUIDANCE_JPEG_QUALITY);
  let response: Response;
  try {
    response = await fetch(framesUrl, { method: 'POST', headers: { authorization: `Bearer ${challenge.token}`, 'content-type': 'image/jpeg' }, body: small.bytes, signal });
  } catch (err) {
    throw new FaceSdkError('ERROR_SERVER_CONNECTION_FAILURE', `${framesUrl}: ${String(err)}`);
  }
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => null);
    const message = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).message : undefined;
    throw new FaceSdkError('ERROR_FETCH_INTERNAL', `${framesUrl} answered HTTP ${response.status}${typeof message === 'string' ? `: ${message}` : ''}`);
  }
  return parseChallengeAnswer(await response.json(), challenge.challengeId);
}

/** The last failure of a run, in this capture's strings: the frames endpoint is unreachable (500) or answers badly (500). */
function frameFailure(err: unknown, strings: Strings): FaceSdkError {
  return err instanceof FaceSdkError ? new FaceSdkError(err.name, err.detail, strings) : new FaceSdkError('ERROR_FETCH_INTERNAL', `malformed challenge answer: ${String(err)}`, strings);
}

/** 0 to 1 for the bar under the oval: the share of the steps done. */
const stepsDone = (status: ChallengeStatus): number => (status.phase === 'PASSED' ? 1 : Math.min(1, (status.step - 1) / status.stepCount));

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
