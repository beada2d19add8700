/**
 * At-rest sealing of templates and photos (the store's `Sealer`).
 *
 * Layout: version (1 byte) | key id (1 byte) | IV (12 bytes) | AES-256-GCM
 * ciphertext | tag (16 bytes). The GCM additional data is the version and key
 * id bytes followed by the UTF-8 associated data, so the header is as
 * tamper-proof as the ciphertext and a sealed value only opens for the row it
 * was bound to.
 *
 * The key id makes rotation possible: a sealer holds one current key (used to
 * seal) and any number of previous keys (only used to open older values).
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { FacegateError } from '../core/errors.js';
import type { Sealer } from '../store/types.js';

const VERSION = 1;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 2;

export interface DataKey {
  key: Uint8Array;
  /** 0-255; defaults to dataKeyId(key), so the same key always gets the same id without storing one. */
  id?: number;
}

export interface DataKeyring {
  /** Seals everything new. */
  current: DataKey;
  /** Keys retired by a rotation, kept so values sealed with them still open. */
  previous?: readonly DataKey[];
}

/** A key for one purpose (facemaps, index snapshots) derived from the data key, so none has to be stored. */
export function deriveSubkey(dataKey: Uint8Array, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), purpose, KEY_BYTES));
}

/** A stable one-byte id derived from the key, so configuration only needs the keys themselves. */
export function dataKeyId(key: Uint8Array): number {
  return createHash('sha256').update('facegate data key id').update(key).digest()[0];
}

export function createSealer(key: Uint8Array, keyId?: number): Sealer;
export function createSealer(keyring: DataKeyring): Sealer;
export function createSealer(keyOrRing: Uint8Array | DataKeyring, keyId?: number): Sealer {
  const ring = keyOrRing instanceof Uint8Array ? { current: { key: keyOrRing, id: keyId } } : keyOrRing;
  const current = resolveKey(ring.current);
  const keysById = new Map<number, Uint8Array>();
  for (const { id, key } of [current, ...(ring.previous ?? []).map(resolveKey)]) {
    if (keysById.has(id)) throw new FacegateError('ERROR_INVALID_ARGUMENT', `two data keys share the key id ${id}; generate another key`);
    keysById.set(id, key);
  }

  return {
    seal(plaintext, associatedData) {
      const header = Uint8Array.of(VERSION, current.id);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(additionalData(header, associatedData));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return concat(header, iv, ciphertext, cipher.getAuthTag());
    },

    open(sealed, associatedData) {
      if (sealed.length < HEADER_BYTES + IV_BYTES + TAG_BYTES) throw decryptionFailed(`sealed value is truncated (${sealed.length} bytes)`);
      const [version, id] = sealed;
      if (version !== VERSION) throw decryptionFailed(`sealed value has unknown version ${version}`);
      const key = keysById.get(id);
      if (!key) throw decryptionFailed(`sealed with data key id ${id}, which is not configured (configured: ${[...keysById.keys()].join(', ')})`);
      const iv = sealed.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
      const ciphertext = sealed.subarray(HEADER_BYTES + IV_BYTES, sealed.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(additionalData(sealed.subarray(0, HEADER_BYTES), associatedData));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      try {
        return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
      } catch {
        throw decryptionFailed('sealed value failed authentication: it was altered or belongs to another record');
      }
    },
  };
}

function resolveKey({ key, id }: DataKey): { key: Uint8Array; id: number } {
  if (key.length !== KEY_BYTES) throw new FacegateError('ERROR_INVALID_ARGUMENT', `a data key must be ${KEY_BYTES} bytes, got ${key.length}`);
  const resolvedId = id ?? dataKeyId(key);
  if (!Number.isInteger(resolvedId) || resolvedId < 0 || resolvedId > 255) {
    throw new FacegateError('ERROR_INVALID_ARGUMENT', `a data key id must be an integer 0-255, got ${resolvedId}`);
  }
  return { key, id: resolvedId };
}

function additionalData(header: Uint8Array, associatedData: string): Buffer {
  return Buffer.concat([header, Buffer.from(associatedData, 'utf8')]);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function decryptionFailed(message: string): FacegateError {
  return new FacegateError('ERROR_DECRYPTION_FAILED', message);
}
