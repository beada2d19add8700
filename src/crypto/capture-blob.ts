/**
 * The encrypted capture blob: what the browser SDK (WebCrypto) and
 * `facegate blob` send to /api/v1/process, /api/v1/secure/face/as and
 * /api/v1/verifyWithPictureId. Byte layout (docs/encryption.md has it with a
 * WebCrypto sketch):
 *
 *   magic "FGCB" (4) | version 1 or 2 (1) | key id (8) | wrapped key length W (2, big-endian)
 *   | RSA-OAEP-SHA-256(AES key) (W) | IV (12) | AES-256-GCM(payload) with 16-byte tag
 *
 * The GCM additional data is every byte before the ciphertext, so no clear
 * byte can change unnoticed. The payload is a big-endian uint32 length, a JSON
 * header `{ v: 1, capturedAt, mime, metadata? }`, then the image bytes.
 * Version 2 answers an active-liveness challenge: its header adds
 * `challenge: { id, nonce }` and `keyFrames: [{ step, seq, mime, length }]`,
 * and the key frames' bytes follow the frontal image in that order. The key
 * id is the fingerprint of the server public key the blob was made for, so a
 * server whose key changed can say so instead of reporting bare garbage.
 */
import { constants, createCipheriv, createDecipheriv, KeyObject, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { isChallengeStep, type ChallengeStep } from '../core/active-liveness/challenge.js';
import { FacegateError } from '../core/errors.js';
import { publicKeyFingerprint, toRsaPublicKey } from './rsa-keys.js';
import type { ServerKeys } from './server-keys.js';

const MAGIC = Uint8Array.from(Buffer.from('FGCB', 'latin1'));
const VERSIONS: ReadonlySet<number> = new Set([1, 2]);
const KEY_ID_BYTES = 8;
const AES_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** magic, version, key id, wrapped key length */
const FIXED_HEADER_BYTES = MAGIC.length + 1 + KEY_ID_BYTES + 2;
const CAPTURE_MIMES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/webp']);

export interface CaptureBlobOptions {
  /** Epoch ms of the capture, on the server's clock (the SDK corrects for its offset); default now. */
  capturedAt?: number;
  metadata?: Record<string, unknown>;
  /** The challenge this capture answers: makes a version 2 blob. */
  challenge?: ChallengeAnswer;
  keyFrames?: readonly KeyFrame[];
}

export interface ChallengeAnswer {
  id: string;
  nonce: string;
}

/** A full-resolution frame taken with the guidance frame `seq`, which completed `step`. */
export interface KeyFrame {
  step: ChallengeStep;
  seq: number;
  mime: string;
  image: Uint8Array;
}

export interface OpenCaptureBlobOptions {
  now?: number;
  /** Spec 002: a capture that took more than 2 minutes to reach the server has expired. */
  maxAgeMs?: number;
  /** Tolerated client clock drift ahead of the server. */
  maxFutureSkewMs?: number;
}

export interface OpenedCapture {
  image: Uint8Array;
  mime: string;
  capturedAt: number;
  metadata: Record<string, unknown>;
  /** Version 2 only. */
  challenge: ChallengeAnswer | null;
  keyFrames: KeyFrame[];
}

export function looksLikeCaptureBlob(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((byte, i) => bytes[i] === byte);
}

export async function createCaptureBlob(
  image: Uint8Array,
  mime: string,
  publicKey: KeyObject | string,
  options: CaptureBlobOptions = {},
): Promise<Uint8Array> {
  if (!CAPTURE_MIMES.has(mime)) throw new FacegateError('ERROR_INVALID_ARGUMENT', `capture mime must be one of ${[...CAPTURE_MIMES].join(', ')}, got "${mime}"`);
  if (image.length === 0) throw new FacegateError('ERROR_INVALID_ARGUMENT', 'capture image is empty');
  const capturedAt = options.capturedAt ?? Date.now();
  if (!Number.isSafeInteger(capturedAt) || capturedAt < 0) throw new FacegateError('ERROR_INVALID_ARGUMENT', `capturedAt must be epoch milliseconds, got ${capturedAt}`);

  const key = toRsaPublicKey(publicKey);
  const keyFrames = options.keyFrames ?? [];
  for (const frame of keyFrames) if (!CAPTURE_MIMES.has(frame.mime) || frame.image.length === 0) throw new FacegateError('ERROR_INVALID_ARGUMENT', `key frame for ${frame.step} must be a non-empty ${[...CAPTURE_MIMES].join(', ')} image`);
  const version = options.challenge ? 2 : 1;
  const fields = {
    v: version,
    capturedAt,
    mime,
    ...(options.metadata ? { metadata: options.metadata } : {}),
    ...(options.challenge ? { challenge: options.challenge, keyFrames: keyFrames.map(({ step, seq, mime: m, image: bytes }) => ({ step, seq, mime: m, length: bytes.length })) } : {}),
  };
  const header = Buffer.from(JSON.stringify(fields), 'utf8');
  const headerLength = Buffer.alloc(4);
  headerLength.writeUInt32BE(header.length);

  const aesKey = randomBytes(AES_KEY_BYTES);
  const iv = randomBytes(IV_BYTES);
  const wrappedKey = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, aesKey);
  const wrappedKeyLength = Buffer.alloc(2);
  wrappedKeyLength.writeUInt16BE(wrappedKey.length);
  const clear = Buffer.concat([MAGIC, Uint8Array.of(version), publicKeyFingerprint(key), wrappedKeyLength, wrappedKey, iv]);

  const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
  cipher.setAAD(clear);
  const parts = [headerLength, header, image, ...keyFrames.map((f) => f.image)].map((part) => cipher.update(part));
  const ciphertext = Buffer.concat([...parts, cipher.final()]);
  return new Uint8Array(Buffer.concat([clear, ciphertext, cipher.getAuthTag()]));
}

export function openCaptureBlob(
  blob: Uint8Array,
  keys: Pick<ServerKeys, 'rsaPrivateKey' | 'keyId'>,
  options: OpenCaptureBlobOptions = {},
): OpenedCapture {
  const { now = Date.now(), maxAgeMs = 120_000, maxFutureSkewMs = 30_000 } = options;
  const { version, payload } = decryptPayload(Buffer.from(blob.buffer, blob.byteOffset, blob.length), keys);
  const capture = parsePayload(payload, version);
  const ageMs = now - capture.capturedAt;
  if (ageMs > maxAgeMs) {
    throw new FacegateError('ERROR_REQUEST_EXPIRED', `capture is ${seconds(ageMs)} s old; captures expire after ${seconds(maxAgeMs)} s`, { ageMs });
  }
  if (-ageMs > maxFutureSkewMs) {
    throw new FacegateError(
      'ERROR_REQUEST_EXPIRED',
      `capture time is ${seconds(-ageMs)} s ahead of the server clock (at most ${seconds(maxFutureSkewMs)} s allowed); check the client's clock`,
      { ageMs },
    );
  }
  return capture;
}

function decryptPayload(blob: Buffer, keys: Pick<ServerKeys, 'rsaPrivateKey' | 'keyId'>): { version: number; payload: Buffer } {
  if (!looksLikeCaptureBlob(blob)) throw malformed('not a capture blob (no FGCB magic)');
  if (blob.length < FIXED_HEADER_BYTES) throw malformed(`capture blob is truncated: ${blob.length} bytes`);
  const version = blob[MAGIC.length];
  if (!VERSIONS.has(version)) throw malformed(`capture blob version ${version} is not supported (expected ${[...VERSIONS].join(' or ')})`);
  const keyId = blob.subarray(MAGIC.length + 1, MAGIC.length + 1 + KEY_ID_BYTES).toString('hex');
  if (keyId !== keys.keyId) {
    throw malformed(`capture blob was made for server key ${keyId}, but this server's key is ${keys.keyId}; the client must fetch /api/v1/pub_key again`);
  }
  const wrappedKeyLength = blob.readUInt16BE(FIXED_HEADER_BYTES - 2);
  const expectedLength = (keys.rsaPrivateKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  if (wrappedKeyLength !== expectedLength) throw malformed(`capture blob's wrapped key is ${wrappedKeyLength} bytes, expected ${expectedLength}`);
  const clearLength = FIXED_HEADER_BYTES + wrappedKeyLength + IV_BYTES;
  if (blob.length < clearLength + TAG_BYTES) throw malformed(`capture blob is truncated: ${blob.length} bytes`);

  const clear = blob.subarray(0, clearLength);
  const wrappedKey = blob.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + wrappedKeyLength);
  const iv = blob.subarray(clearLength - IV_BYTES, clearLength);
  // One message for a bad wrapped key and a bad ciphertext: telling them apart would hand out an RSA padding oracle.
  const tampered = () => malformed('capture blob does not decrypt: it was altered, truncated or encrypted with another key');
  let aesKey: Buffer;
  try {
    aesKey = privateDecrypt({ key: keys.rsaPrivateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, wrappedKey);
  } catch {
    throw tampered();
  }
  if (aesKey.length !== AES_KEY_BYTES) throw tampered();
  const decipher = createDecipheriv('aes-256-gcm', aesKey, iv);
  decipher.setAAD(clear);
  decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
  try {
    return { version, payload: Buffer.concat([decipher.update(blob.subarray(clearLength, blob.length - TAG_BYTES)), decipher.final()]) };
  } catch {
    throw tampered();
  }
}

/** The payload is authenticated by now, so a bad shape means a faulty client, not an attacker: the messages say exactly what is wrong. */
function parsePayload(payload: Buffer, version: number): OpenedCapture {
  if (payload.length < 4) throw malformed('capture payload is too short for its header length');
  const headerLength = payload.readUInt32BE(0);
  if (headerLength > payload.length - 4) throw malformed(`capture header length ${headerLength} exceeds the payload`);
  let header: unknown;
  try {
    header = JSON.parse(payload.subarray(4, 4 + headerLength).toString('utf8'));
  } catch {
    throw malformed('capture header is not JSON');
  }
  if (!isRecord(header) || header.v !== version) throw malformed(`capture header must be an object with v: ${version}, as the blob's version byte says`);
  const { capturedAt, mime, metadata = {} } = header;
  if (typeof capturedAt !== 'number' || !Number.isSafeInteger(capturedAt)) throw malformed('capture header capturedAt must be epoch milliseconds');
  if (typeof mime !== 'string' || !CAPTURE_MIMES.has(mime)) throw malformed(`capture header mime must be one of ${[...CAPTURE_MIMES].join(', ')}`);
  if (!isRecord(metadata)) throw malformed('capture header metadata must be an object');
  const body = payload.subarray(4 + headerLength);
  const { challenge, keyFrames } = version === 2 ? parseChallengeFields(header, body.length) : { challenge: null, keyFrames: [] };
  const keyFrameBytes = keyFrames.reduce((sum, f) => sum + f.length, 0);
  const image = new Uint8Array(body.subarray(0, body.length - keyFrameBytes));
  if (image.length === 0) throw malformed('capture holds no image bytes');
  let offset = image.length;
  const frames = keyFrames.map(({ length, ...frame }) => ({ ...frame, image: new Uint8Array(body.subarray(offset, (offset += length))) }));
  return { image, mime, capturedAt, metadata, challenge, keyFrames: frames };
}

const MAX_KEY_FRAMES = 8;

function parseChallengeFields(header: Record<string, unknown>, bodyLength: number): { challenge: ChallengeAnswer; keyFrames: (Omit<KeyFrame, 'image'> & { length: number })[] } {
  const { challenge, keyFrames } = header;
  if (!isRecord(challenge) || typeof challenge.id !== 'string' || typeof challenge.nonce !== 'string') throw malformed('version 2 capture header needs challenge: { id, nonce } as strings');
  if (!Array.isArray(keyFrames) || keyFrames.length > MAX_KEY_FRAMES) throw malformed(`version 2 capture header needs keyFrames: a list of at most ${MAX_KEY_FRAMES}`);
  const frames = keyFrames.map((frame: unknown, i) => {
    if (!isRecord(frame) || !isChallengeStep(frame.step) || !Number.isSafeInteger(frame.seq) || typeof frame.mime !== 'string' || !CAPTURE_MIMES.has(frame.mime)) {
      throw malformed(`capture key frame ${i} needs step (a challenge step), seq (an integer) and mime (${[...CAPTURE_MIMES].join(', ')})`);
    }
    if (!Number.isSafeInteger(frame.length) || (frame.length as number) <= 0) throw malformed(`capture key frame ${i} needs a positive length`);
    return { step: frame.step, seq: frame.seq as number, mime: frame.mime, length: frame.length as number };
  });
  if (frames.reduce((sum, f) => sum + f.length, 0) >= bodyLength) throw malformed('capture key frames are longer than the payload');
  return { challenge: { id: challenge.id, nonce: challenge.nonce }, keyFrames: frames };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

function malformed(message: string): FacegateError {
  return new FacegateError('ERROR_DECRYPTION_FAILED', message);
}
