/**
 * Facemaps (spec 003): a template the client keeps instead of the server.
 * Sealed with AES-256-GCM under a key derived from the server's data key, so
 * only this server can read it and any change to it (or to the enrollment
 * reference it is bound to) fails authentication: opening one proves the
 * server issued it and that it is unmodified.
 *
 * Layout: "FGFM" | version 0x01 | u16 reference length | reference (UTF-8)
 *   | u64 issuedAt (ms) | iv (12) | AES-GCM(template) | tag (16);
 * everything before the iv is authenticated as associated data.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deriveSubkey } from './at-rest.js';
import { FacegateError } from '../core/errors.js';

const MAGIC = Buffer.from('FGFM');
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Facemap {
  enrollmentReference: string;
  issuedAt: number;
  template: Uint8Array;
}

export function facemapKey(dataKey: Uint8Array): Buffer {
  return deriveSubkey(dataKey, 'facegate facemap v1');
}

export function sealFacemap(facemap: Facemap, key: Buffer): Uint8Array {
  const reference = Buffer.from(facemap.enrollmentReference, 'utf8');
  if (reference.length === 0 || reference.length > 1024) throw new FacegateError('ERROR_INVALID_ARGUMENT', 'an enrollment reference must be 1-1024 bytes');
  const header = Buffer.alloc(MAGIC.length + 1 + 2 + reference.length + 8);
  MAGIC.copy(header, 0);
  header.writeUInt8(VERSION, 4);
  header.writeUInt16BE(reference.length, 5);
  reference.copy(header, 7);
  header.writeBigUInt64BE(BigInt(facemap.issuedAt), 7 + reference.length);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(header);
  const body = Buffer.concat([cipher.update(facemap.template), cipher.final(), cipher.getAuthTag()]);
  return new Uint8Array(Buffer.concat([header, iv, body]));
}

export function openFacemap(bytes: Uint8Array, key: Buffer): Facemap {
  const invalid = (why: string) => new FacegateError('ERROR_INVALID_TEMPLATE', `not a facemap issued by this server: ${why}`);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 7 || !buf.subarray(0, 4).equals(MAGIC)) throw invalid('bad magic bytes');
  if (buf.readUInt8(4) !== VERSION) throw invalid(`unsupported version ${buf.readUInt8(4)}`);
  const referenceLength = buf.readUInt16BE(5);
  const headerLength = 7 + referenceLength + 8;
  if (buf.length < headerLength + IV_BYTES + TAG_BYTES) throw invalid('truncated');
  const header = buf.subarray(0, headerLength);
  const iv = buf.subarray(headerLength, headerLength + IV_BYTES);
  const sealed = buf.subarray(headerLength + IV_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(header);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const template = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    return {
      enrollmentReference: header.subarray(7, 7 + referenceLength).toString('utf8'),
      issuedAt: Number(header.readBigUInt64BE(7 + referenceLength)),
      template: new Uint8Array(template),
    };
  } catch {
    throw invalid('it was altered, or issued by another server or data key');
  }
}
