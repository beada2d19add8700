/** Browser support checks, camera access and frame grabbing. */
import { FaceSdkError } from './errors.js';
import type { Strings } from './localization.js';

/** Features the SDK cannot work without (100), then features of the browser versions it targets (103). */
export function checkSupport(strings: Strings, skipVersionCheck: boolean): void {
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    throw new FaceSdkError('ERROR_WEBRTC_NOT_SUPPORTED', window.isSecureContext ? 'navigator.mediaDevices.getUserMedia is missing' : 'the page is not a secure context (https or localhost)', strings);
  }
  if (!globalThis.crypto?.subtle || typeof TextEncoder === 'undefined' || typeof TextDecoder === 'undefined') {
    throw new FaceSdkError('ERROR_BROWSER_FEATURE_NOT_SUPPORTED', 'WebCrypto (crypto.subtle) or TextEncoder is missing', strings);
  }
  if (skipVersionCheck) return;
  if (typeof HTMLCanvasElement.prototype.toBlob !== 'function' || typeof AbortController === 'undefined' || typeof ResizeObserver === 'undefined') {
    throw new FaceSdkError('ERROR_BROWSER_VERSION_NOT_SUPPORTED', 'canvas.toBlob, AbortController or ResizeObserver is missing', strings);
  }
}

interface CameraChoice {
  /** Rear camera for an assisted capture, else the front one. */
  assisted: boolean;
  deviceId?: string;
}

export async function openCamera(choice: CameraChoice, strings: Strings): Promise<MediaStream> {
  const video: MediaTrackConstraints = {
    width: { ideal: 1280 },
    height: { ideal: 720 },
    ...(choice.deviceId ? { deviceId: { exact: choice.deviceId } } : { facingMode: { ideal: choice.assisted ? 'environment' : 'user' } }),
  };
  try {
    return await navigator.mediaDevices.getUserMedia({ video, audio: false });
  } catch (err) {
    const name = err instanceof DOMException ? err.name : '';
    const detail = `getUserMedia: ${String(err)}`;
    // NotFound: no camera at all; Overconstrained: the chosen camera is gone.
    if (name === 'NotFoundError' || name === 'OverconstrainedError') throw new FaceSdkError('ERROR_NO_INPUT_DEVICES', detail, strings);
    throw new FaceSdkError('FEEDBACK_CAMERA_ACQUIRING_FAILED', detail, strings);
  }
}

export async function listCameras(): Promise<MediaDeviceInfo[]> {
  return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
}

export function stopCamera(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** Resolves once the video has frames to draw. */
export async function playStream(video: HTMLVideoElement, stream: MediaStream): Promise<void> {
  video.srcObject = stream;
  if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) {
    await new Promise<void>((resolve) => video.addEventListener('loadeddata', () => resolve(), { once: true }));
  }
  await video.play();
}

export interface GrabbedFrame {
  bytes: Uint8Array<ArrayBuffer>;
  width: number;
  height: number;
}

/** The current video frame at full resolution, to encode now or later (a key frame is encoded only once the server names it). */
export function snapshot(video: HTMLVideoElement): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas context');
  context.drawImage(video, 0, 0);
  return canvas;
}

/** `source` as JPEG, scaled down to at most `maxWidth` pixels wide. */
export async function encodeJpeg(source: HTMLVideoElement | HTMLCanvasElement, maxWidth: number, quality: number): Promise<GrabbedFrame> {
  const [sourceWidth, sourceHeight] = source instanceof HTMLVideoElement ? [source.videoWidth, source.videoHeight] : [source.width, source.height];
  const scale = Math.min(1, maxWidth / sourceWidth);
  const width = Math.round(sourceWidth * scale);
  const height = Math.round(sourceHeight * scale);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas context');
  context.drawImage(source, 0, 0, width, height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  if (!blob) throw new Error('the browser could not encode the frame as JPEG');
  return { bytes: new Uint8Array(await blob.arrayBuffer()), width, height };
}
