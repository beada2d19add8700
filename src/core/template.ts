import { FacegateError } from './errors.js';

/**
 * A face template: an L2-normalised embedding plus the id of the model that
 * produced it. Binary form (little endian):
 *   magic "FGT" + 0x00 | u16 format version | u16 dimensions | u8 model-id length
 *   | model id (UTF-8) | dimensions x f32
 */
export interface FaceTemplate {
  readonly modelId: string;
  readonly vector: Float32Array;
}

const MAGIC = [0x46, 0x47, 0x54, 0x00];
export const TEMPLATE_FORMAT_VERSION = 1;

export function l2Normalize(values: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  const inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] * inv;
  return out;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Cosine similarity of two templates; refuses templates of different models. */
export function cosineSimilarity(a: FaceTemplate, b: FaceTemplate): number {
  if (a.modelId !== b.modelId || a.vector.length !== b.vector.length) {
    throw new FacegateError(
      'ERROR_TEMPLATE_MODEL_MISMATCH',
      `templates come from different models (${a.modelId}/${a.vector.length}-d vs ${b.modelId}/${b.vector.length}-d); regenerate both with the same model pack`,
    );
  }
  return dot(a.vector, b.vector);
}

export function encodeTemplate(t: FaceTemplate): Uint8Array {
  const id = new TextEncoder().encode(t.modelId);
  if (id.length > 255) throw new RangeError('model id longer than 255 bytes');
  const header = 4 + 2 + 2 + 1 + id.length;
  const buf = new Uint8Array(header + t.vector.length * 4);
  const view = new DataView(buf.buffer);
  buf.set(MAGIC, 0);
  view.setUint16(4, TEMPLATE_FORMAT_VERSION, true);
  view.setUint16(6, t.vector.length, true);
  view.setUint8(8, id.length);
  buf.set(id, 9);
  for (let i = 0; i < t.vector.length; i++) view.setFloat32(header + i * 4, t.vector[i], true);
  return buf;
}

export function decodeTemplate(bytes: Uint8Array): FaceTemplate {
  const invalid = (why: string) => new FacegateError('ERROR_INVALID_TEMPLATE', `not a Facegate template: ${why}`);
  if (bytes.length < 9 || MAGIC.some((m, i) => bytes[i] !== m)) throw invalid('bad magic bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== TEMPLATE_FORMAT_VERSION) throw invalid(`unsupported format version ${version}`);
  const dims = view.getUint16(6, true);
  const idLength = view.getUint8(8);
  const header = 9 + idLength;
  if (bytes.length !== header + dims * 4) throw invalid(`expected ${header + dims * 4} bytes, got ${bytes.length}`);
  const modelId = new TextDecoder().decode(bytes.subarray(9, header));
  const vector = new Float32Array(dims);
  for (let i = 0; i < dims; i++) vector[i] = view.getFloat32(header + i * 4, true);
  return { modelId, vector };
}

export const templateToBase64 = (t: FaceTemplate): string => Buffer.from(encodeTemplate(t)).toString('base64');

export function templateFromBase64(text: string): FaceTemplate {
  return decodeTemplate(new Uint8Array(Buffer.from(text, 'base64')));
}
