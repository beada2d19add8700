/**
 * Binary form of a saved graph's HnswState plus the model it was built for:
 * 'FGHS' | version (1 byte) | JSON length (u32 BE) | JSON | fingerprints (u64 per key, in the
 * host's byte order: little-endian on x86-64 and arm64; a snapshot is a cache of one machine).
 */
import type { HnswState } from './hnsw.js';

const MAGIC = Buffer.from('FGHS', 'ascii');
const VERSION = 1;
const HEADER_BYTES = MAGIC.length + 1 + 4;

export interface SavedGraphState {
  modelId: string;
  dimensions: number;
  state: HnswState;
}

interface StateJson {
  modelId: string;
  dimensions: number;
  connectivity: number;
  expansionAdd: number;
  removedNodes: number;
  idByKey: (string | null)[];
}

export function encodeGraphState({ modelId, dimensions, state }: SavedGraphState): Uint8Array {
  const json: StateJson = {
    modelId,
    dimensions,
    connectivity: state.connectivity,
    expansionAdd: state.expansionAdd,
    removedNodes: state.removedNodes,
    idByKey: state.idByKey,
  };
  const text = Buffer.from(JSON.stringify(json), 'utf8');
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt8(VERSION, MAGIC.length);
  header.writeUInt32BE(text.length, MAGIC.length + 1);
  const fingerprints = Buffer.from(state.fingerprints.buffer, state.fingerprints.byteOffset, state.fingerprints.byteLength);
  return Buffer.concat([header, text, fingerprints]);
}

export function decodeGraphState(bytes: Uint8Array): SavedGraphState {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < HEADER_BYTES || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a saved graph state');
  const version = buffer.readUInt8(MAGIC.length);
  if (version !== VERSION) throw new Error(`saved graph state version ${version} is not supported`);
  const textEnd = HEADER_BYTES + buffer.readUInt32BE(MAGIC.length + 1);
  const json = JSON.parse(buffer.subarray(HEADER_BYTES, textEnd).toString('utf8')) as StateJson;
  const keys = json.idByKey.length;
  if (buffer.length - textEnd !== keys * 8) throw new Error('saved graph state is truncated');
  // Copied so the 8-byte alignment BigUint64Array needs holds whatever the JSON length was.
  const fingerprints = new BigUint64Array(keys);
  Buffer.from(fingerprints.buffer).set(buffer.subarray(textEnd));
  return {
    modelId: json.modelId,
    dimensions: json.dimensions,
    state: {
      connectivity: json.connectivity,
      expansionAdd: json.expansionAdd,
      removedNodes: json.removedNodes,
      idByKey: json.idByKey,
      fingerprints,
    },
  };
}
