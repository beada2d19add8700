/**
 * The encrypted capture blob: what the browser SDK (WebCrypto) and
 * `facegate blob` send to /api/v1/process, /api/v1/secure/face/as and
 * /api/v1/verifyWithPictureId. Byte layout (docs/encryption.md has it with a
 * WebCrypto sketch):
 *
 *   magic "FGCB" (4) | version 1 (1) | key id (8) | wrapped key length W (2, big-endian)
 *   | RSA-OAEP-SHA-256(AES key) (W) | IV (12) | AES-256-GCM(payload) with 16-byte tag
 *
 * The GCM additional data is every byte before the ciphertext, so no clear
 * byte can change unnoticed. The payload is a big-endian uint32 length, a JSON
 * header `{ v: 1, capturedAt, mime, metadata? }`, then the image bytes. The key
 * id is the fingerprint of the server public key the blob was made for, so a
 * server whose key changed can say so instead of reporting bare garbage.
 */
import { constants, createCipheriv, createDecipheriv, KeyObject, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { FacegateError } from '../core/errors.js';
import { publicKeyFingerprint, toRsaPublicKey } from './rsa-keys.js';
import type { ServerKeys } from './server-keys.js';

const MAGIC = Uint8Array.from(Buffer.from('FGCB', 'latin1'));
const VERSION = 1;
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
  const header = Buffer.from(JSON.stringify({ v: 1, capturedAt, mime, ...(options.metadata ? { metadata: options.metadata } : {}) }), 'utf8');
  const headerLength = Buffer.alloc(4);
  headerLength.writeUInt32BE(header.length);

  const aesKey = randomBytes(AES_KEY_BYTES);
  const iv = randomBytes(IV_BYTES);
  const wrappedKey = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, aesKey);
  const wrappedKeyLength = Buffer.alloc(2);
  wrappedKeyLength.writeUInt16BE(wrappedKey.length);
  const clear = Buffer.concat([MAGIC, Uint8Array.of(VERSION), publicKeyFingerprint(key), wrappedKeyLength, wrappedKey, iv]);

  const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
  cipher.setAAD(clear);
  const ciphertext = Buffer.concat([cipher.update(headerLength), cipher.update(header), cipher.update(image), cipher.final()]);
  return new Uint8Array(Buffer.concat([clear, ciphertext, cipher.getAuthTag()]));
}

export function openCaptureBlob(
  blob: Uint8Array,
  keys: Pick<ServerKeys, 'rsaPrivateKey' | 'keyId'>,
  options: OpenCaptureBlobOptions = {},
): OpenedCapture {
  const { now = Date.now(), maxAgeMs = 120_000, maxFutureSkewMs = 30_000 } = options;
  const capture = parsePayload(decryptPayload(Buffer.from(blob.buffer, blob.byteOffset, blob.length), keys));
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

function decryptPayload(blob: Buffer, keys: Pick<ServerKeys, 'rsaPrivateKey' | 'keyId'>): Buffer {
  if (!looksLikeCaptureBlob(blob)) throw malformed('not a capture blob (no FGCB magic)');
  if (blob.length < FIXED_HEADER_BYTES) throw malformed(`capture blob is truncated: ${blob.length} bytes`);
  const version = blob[MAGIC.length];
  if (version !== VERSION) throw malformed(`capture blob version ${version} is not supported (expected ${VERSION})`);
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
    return Buffer.concat([decipher.update(blob.subarray(clearLength, blob.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw tampered();
  }
}

/** The payload is authenticated by now, so a bad shape means a faulty client, not an attacker: the messages say exactly what is wrong. */
function parsePayload(payload: Buffer): OpenedCapture {
  if (payload.length < 4) throw malformed('capture payload is too short for its header length');
  const headerLength = payload.readUInt32BE(0);
  if (headerLength > payload.length - 4) throw malformed(`capture header length ${headerLength} exceeds the payload`);
  let header: unknown;
  try {
    header = JSON.parse(payload.subarray(4, 4 + headerLength).toString('utf8'));
  } catch {
    throw malformed('capture header is not JSON');
  }
  if (!isRecord(header) || header.v !== 1) throw malformed('capture header must be an object with v: 1');
  const { capturedAt, mime, metadata = {} } = header;
  if (typeof capturedAt !== 'number' || !Number.isSafeInteger(capturedAt)) throw malformed('capture header capturedAt must be epoch milliseconds');
  if (typeof mime !== 'string' || !CAPTURE_MIMES.has(mime)) throw malformed(`capture header mime must be one of ${[...CAPTURE_MIMES].join(', ')}`);
  if (!isRecord(metadata)) throw malformed('capture header metadata must be an object');
  const image = new Uint8Array(payload.subarray(4 + headerLength));
  if (image.length === 0) throw malformed('capture holds no image bytes');
  return { image, mime, capturedAt, metadata };
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
