/** Request inputs the services accept: base64 images, declared formats and capture blobs. */
import { FacegateError } from '../core/errors.js';
import { looksLikeCaptureBlob, openCaptureBlob, type ChallengeAnswer, type KeyFrame } from '../crypto/capture-blob.js';
import type { ServerKeys } from '../crypto/server-keys.js';

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** Decodes a base64 (or data-URL) image field; `field` names it in errors, e.g. "/image/template". */
export function decodeBase64Field(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string' || value.length === 0) throw new FacegateError('ERROR_INVALID_JSON', `(${field}) is required and must be a base64 string`);
  const text = value.replace(/^data:[^;,]*;base64,/, '').replace(/\s+/g, '');
  if (!BASE64.test(text)) throw new FacegateError('ERROR_INVALID_FORMAT', `(${field}) unable to decode template: not valid base64`);
  const decoded = Buffer.from(text, 'base64');
  // A view, not a copy: images reach 15 MB.
  const bytes = new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.length);
  if (bytes.length === 0) throw new FacegateError('ERROR_INVALID_FORMAT', `(${field}) unable to decode template: empty`);
  return bytes;
}

const IMAGE_FORMATS = ['JPEG', 'PNG', 'WEBP', 'ISO_19794_5'] as const;

/** The spec's `format` field. The decoder sniffs the real container, so a wrong label is harmless; ISO records are not decoded. */
export function checkImageFormat(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !(IMAGE_FORMATS as readonly string[]).includes(value.toUpperCase())) {
    throw new FacegateError('ERROR_INVALID_FORMAT', `(${field}) unsupported format ${JSON.stringify(value)}: use JPEG, PNG or WEBP`);
  }
  if (value.toUpperCase() === 'ISO_19794_5') throw new FacegateError('ERROR_INVALID_FORMAT', `(${field}) ISO_19794_5 records are not supported for matching; send the JPEG or PNG image`);
}

export interface Capture {
  image: Uint8Array;
  mime: string | null;
  /** Epoch ms the capture was made (server-aligned clock), or when it arrived for plain images. */
  capturedAt: number;
  metadata: Record<string, unknown>;
  encrypted: boolean;
  /** The active-liveness challenge a version 2 blob answers, with its key frames. */
  challenge: ChallengeAnswer | null;
  keyFrames: KeyFrame[];
}

/** A capture field that may hold a plain image or an encrypted capture blob. */
export function openCapture(bytes: Uint8Array, keys: ServerKeys, options: { requireEncrypted?: boolean } = {}): Capture {
  if (looksLikeCaptureBlob(bytes)) {
    return { ...openCaptureBlob(bytes, keys), encrypted: true };
  }
  if (options.requireEncrypted) throw new FacegateError('ERROR_DECRYPTION_FAILED', 'this endpoint accepts encrypted capture blobs only (made by the capture SDK or "facegate blob")');
  return { image: bytes, mime: null, capturedAt: Date.now(), metadata: {}, encrypted: false, challenge: null, keyFrames: [] };
}
