import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { assertK, assertVector } from './exact.js';
import type { SearchHit, VectorIndex } from './types.js';

/**
 * usearch's N-API class, the layer under its JS `Index` wrapper. We call it directly because
 * the wrapper converts every vector to Float32Array, and the addon's own float → i8 cast then
 * rescales each vector to an L2 norm of 127 and truncates: a 512-d unit vector's components
 * land on about ±5 levels and cosines come out ~1e-2 wrong. Handing the addon our own int8
 * codes (scaled per vector to the full ±127 range, rounded) keeps cosines within ~1e-3.
 */
interface NativeIndex {
  add(keys: BigUint64Array, vectors: Int8Array, threads: number): void;
  search(queries: Int8Array, k: number, threads: number): [BigUint64Array, Float32Array, BigUint64Array];
  remove(keys: BigUint64Array): number[];
  contains(keys: BigUint64Array): boolean[];
  size(): number;
  save(path: string): void;
  load(path: string): void;
}

type NativeIndexConstructor = new (
  dimensions: number,
  metric: 'cos',
  quantization: 'i8',
  connectivity: number,
  expansionAdd: number,
  expansionSearch: number,
  multi: boolean,
) => NativeIndex;

let nativeIndexConstructor: NativeIndexConstructor | undefined;

function loadNativeIndex(): NativeIndexConstructor {
  if (!nativeIndexConstructor) {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('usearch'); // <package>/javascript/dist/cjs/usearch.js
    const packageRoot = path.resolve(path.dirname(entry), '..', '..', '..');
    // Resolved from usearch's own location: node-gyp-build is its dependency, not ours.
    const nodeGypBuild = createRequire(entry)('node-gyp-build') as (dir: string) => {
      CompiledIndex: NativeIndexConstructor;
    };
    nativeIndexConstructor = nodeGypBuild(packageRoot).CompiledIndex;
  }
  return nativeIndexConstructor;
}

export interface HnswOptions {
  /** Graph degree M (2M on the base layer). */
  connectivity?: number;
  /** Candidate list size while inserting (efConstruction). */
  expansionAdd?: number;
  /** Candidate list size while searching (ef). */
  expansionSearch?: number;
  /** Threads for bulk inserts; defaults to the number of cores. */
  threads?: number;
}

/**
 * Chosen with bench/search.ts (docs/benchmarks.md, "1:N search"): M=32 reaches a given recall
 * with about half the ef of M=16 on 512-d templates, for 832 B per template (int8 vector plus
 * graph). At 1 M, ef=384 measured 99.3% recall@1 at 7.9 ms p99 (9.3 ms on a graph fresh from
 * its build); ef=256 falls below 99% recall, ef=512 is close to 10 ms.
 */
export const DEFAULT_HNSW_OPTIONS: Required<Omit<HnswOptions, 'threads'>> = {
  connectivity: 32,
  expansionAdd: 128,
  expansionSearch: 384,
};

/**
 * What a saved graph needs beside usearch's own file to be restored: the id of each usearch
 * key and a digest of each key's int8 codes, so a restored index can be checked row by row
 * against the templates in the store without searching.
 */
export interface HnswState {
  connectivity: number;
  expansionAdd: number;
  /** usearch key → template id; null where the key is free. */
  idByKey: (string | null)[];
  /** Per key, the first 8 bytes of the SHA-256 of its int8 codes (0 where free). */
  fingerprints: BigUint64Array;
  removedNodes: number;
}

/** Rows quantized and handed to the addon per call during bulk loads (4 MB of codes at 512-d). */
const BATCH_ROWS = 8192;

/** ef of the search each row of a multi-threaded batch makes for itself after insertion. */
const SELF_CHECK_EXPANSION = 64;

/**
 * Approximate index: a usearch HNSW graph over int8 codes of the templates, cosine metric.
 * The float vectors are not kept (1 M × 512 × 4 B would be 2 GB); scores are the cosines of
 * the int8 codes, within ~1e-3 of the exact ones.
 */
export class HnswIndex implements VectorIndex {
  readonly kind = 'hnsw';
  readonly dimensions: number;
  readonly options: Readonly<Required<HnswOptions>>;
  #native: NativeIndex | undefined;
  #keyById = new Map<string, number>();
  /** usearch keys are our slot numbers; freed ones are reused so this array stays dense. */
  #idByKey: (string | undefined)[] = [];
  #freeKeys: number[] = [];
  /** Removed nodes stay in usearch's graph (and memory) until an insert reuses them. */
  #removedNodes = 0;
  #oneKey = new BigUint64Array(1);
  #fingerprints = new BigUint64Array(1024);
  #codes: Int8Array;
  #expansionSearch: number;

  constructor(dimensions: number, options: HnswOptions = {}) {
    if (!Number.isInteger(dimensions) || dimensions < 1) {
      throw new RangeError(`dimensions must be a positive integer, got ${dimensions}`);
    }
    this.dimensions = dimensions;
    this.options = {
      connectivity: options.connectivity ?? DEFAULT_HNSW_OPTIONS.connectivity,
      expansionAdd: options.expansionAdd ?? DEFAULT_HNSW_OPTIONS.expansionAdd,
      expansionSearch: options.expansionSearch ?? DEFAULT_HNSW_OPTIONS.expansionSearch,
      threads: options.threads ?? availableParallelism(),
    };
    const NativeIndexClass = loadNativeIndex();
    const { connectivity, expansionAdd, expansionSearch } = this.options;
    // usearch searches with max(its ef, wanted); an ef of 1 leaves the choice to each search.
    this.#native = new NativeIndexClass(dimensions, 'cos', 'i8', connectivity, expansionAdd, 1, false);
    this.#codes = new Int8Array(dimensions);
    this.#expansionSearch = expansionSearch;
  }

  /**
   * Candidates examined per search (ef). Adjustable at run time: usearch searches with
   * max(ef, wanted), so asking it for this many results and keeping the best `k` is the same
   * search as an index built with this ef.
   */
  get expansionSearch(): number {
    return this.#expansionSearch;
  }

  set expansionSearch(value: number) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`expansionSearch must be a positive integer, got ${value}`);
    this.#expansionSearch = value;
  }

  get size(): number {
    return this.#keyById.size;
  }

  add(id: string, vector: Float32Array): void {
    const native = this.#usable();
    assertVector(vector, this.dimensions);
    quantize(vector, 0, this.#codes, 0, this.dimensions);
    const key = this.#claimKey(id);
    this.#fingerprints[key] = fingerprintCodes(this.#codes);
    this.#oneKey[0] = BigInt(key);
    try {
      // Every add passes the same thread count: usearch sizes its per-thread contexts when it
      // grows, and a later call with more threads than contexts would fail.
      native.add(this.#oneKey, this.#codes, this.options.threads);
    } catch (error) {
      this.#releaseKeys([id]);
      throw error;
    }
  }

  /**
   * Adds or replaces many vectors at once, inserting on all `options.threads` threads.
   * Row `i` of `vectors` belongs to `ids[i]`; when an id repeats, its last row wins.
   */
  addBatch(ids: readonly string[], vectors: Float32Array): void {
    const native = this.#usable();
    const d = this.dimensions;
    if (vectors.length !== ids.length * d) {
      throw new RangeError(`expected ${ids.length} × ${d} vector components, got ${vectors.length}`);
    }
    const lastRowById = new Map<string, number>();
    for (let row = 0; row < ids.length; row++) {
      assertVector(vectors.subarray(row * d, (row + 1) * d), d);
      lastRowById.set(ids[row], row);
    }

    const rows = [...lastRowById.values()];
    const codes = new Int8Array(Math.min(BATCH_ROWS, rows.length) * d);
    for (let start = 0; start < rows.length; start += BATCH_ROWS) {
      const batchRows = rows.slice(start, start + BATCH_ROWS);
      const keys = new BigUint64Array(batchRows.length);
      const batchIds = batchRows.map((row) => ids[row]);
      batchRows.forEach((row, i) => {
        quantize(vectors, row * d, codes, i * d, d);
        const key = this.#claimKey(ids[row]);
        this.#fingerprints[key] = fingerprintCodes(codes.subarray(i * d, (i + 1) * d));
        keys[i] = BigInt(key);
      });
      try {
        const batchCodes = codes.subarray(0, batchRows.length * d);
        native.add(keys, batchCodes, this.options.threads);
        this.#relinkUnreachable(native, keys, batchCodes);
      } catch (error) {
        const inserted = native.contains(keys);
        this.#releaseKeys(batchIds.filter((_, i) => !inserted[i]));
        throw error;
      }
    }
  }

  /**
   * usearch's concurrent inserts can strand a node that no search reaches (unum-cloud/USearch
   * issue 735; about 1 node in 1000 here, never with one thread), and an unreachable template
   * is a person 1:N never finds. So every row of a multi-threaded batch searches for itself,
   * and one that is not found is inserted again on its own, which links it afresh.
   */
  #relinkUnreachable(native: NativeIndex, keys: BigUint64Array, codes: Int8Array): void {
    if (this.options.threads < 2) return;
    const d = this.dimensions;
    const [found, , counts] = native.search(codes, SELF_CHECK_EXPANSION, this.options.threads);
    for (let row = 0; row < keys.length; row++) {
      const candidates = found.subarray(row * SELF_CHECK_EXPANSION, row * SELF_CHECK_EXPANSION + Number(counts[row]));
      if (candidates.includes(keys[row])) continue;
      this.#oneKey[0] = keys[row];
      native.remove(this.#oneKey);
      native.add(this.#oneKey, codes.subarray(row * d, (row + 1) * d), this.options.threads);
    }
  }

  remove(id: string): boolean {
    const native = this.#usable();
    const key = this.#keyById.get(id);
    if (key === undefined) return false;
    this.#removeNative(native, key);
    this.#freeKey(id, key);
    return true;
  }

  has(id: string): boolean {
    return this.#keyById.has(id);
  }

  ids(): IterableIterator<string> {
    return this.#keyById.keys();
  }

  search(query: Float32Array, k: number, minScore = -Infinity): SearchHit[] {
    const native = this.#usable();
    assertVector(query, this.dimensions);
    assertK(k);
    if (k === 0 || this.#keyById.size === 0) return [];
    quantize(query, 0, this.#codes, 0, this.dimensions);
    const [keys, distances, counts] = native.search(this.#codes, Math.max(k, this.#expansionSearch), 1);
    const found = Math.min(k, Number(counts[0]));
    const hits: SearchHit[] = [];
    for (let i = 0; i < found; i++) {
      const score = 1 - distances[i];
      if (score < minScore) break;
      const id = this.#idByKey[Number(keys[i])];
      if (id !== undefined) hits.push({ id, score });
    }
    return hits;
  }

  /** The digest recorded when `id` was inserted; undefined when absent. */
  fingerprintOf(id: string): bigint | undefined {
    const key = this.#keyById.get(id);
    return key === undefined ? undefined : this.#fingerprints[key];
  }

  /** The digest `add(id, vector)` would record: equal digests mean the index holds this vector. */
  fingerprint(vector: Float32Array): bigint {
    assertVector(vector, this.dimensions);
    quantize(vector, 0, this.#codes, 0, this.dimensions);
    return fingerprintCodes(this.#codes);
  }

  /** Writes usearch's graph file to `graphPath` and returns the rest of what `restore` needs. */
  save(graphPath: string): HnswState {
    this.#usable().save(graphPath);
    return {
      connectivity: this.options.connectivity,
      expansionAdd: this.options.expansionAdd,
      idByKey: this.#idByKey.map((id) => id ?? null),
      fingerprints: this.#fingerprints.slice(0, this.#idByKey.length),
      removedNodes: this.#removedNodes,
    };
  }

  /** Rebuilds an index saved by `save`; throws when the file and the state disagree. */
  static restore(dimensions: number, options: HnswOptions, state: HnswState, graphPath: string): HnswIndex {
    const index = new HnswIndex(dimensions, { ...options, connectivity: state.connectivity, expansionAdd: state.expansionAdd });
    if (state.fingerprints.length !== state.idByKey.length) throw new Error('the saved index state is inconsistent');
    const native = index.#usable();
    native.load(graphPath);
    state.idByKey.forEach((id, key) => {
      if (id === null) {
        index.#freeKeys.push(key);
        return;
      }
      index.#keyById.set(id, key);
    });
    index.#idByKey = state.idByKey.map((id) => id ?? undefined);
    index.#fingerprints = new BigUint64Array(Math.max(1024, state.fingerprints.length));
    index.#fingerprints.set(state.fingerprints);
    index.#removedNodes = state.removedNodes;
    if (native.size() !== index.#keyById.size) {
      throw new Error(`the saved graph holds ${native.size()} vectors but its state names ${index.#keyById.size}`);
    }
    return index;
  }

  /**
   * Estimated from usearch's layout: per node an int8 vector, and a graph record (10-byte head,
   * the base layer's 2M 4-byte neighbour slots and count, upper layers reached with
   * probability M^-l) rounded up to 64 bytes; per slot of capacity two pointers and a
   * key → slot hash entry. The id ↔ key maps on the JS heap are not counted.
   */
  memoryBytes(): number {
    if (!this.#native) return 0;
    const m = this.options.connectivity;
    const nodes = this.#keyById.size + this.#removedNodes;
    const graphRecord = 10 + (4 + 8 * m) + (4 + 4 * m) / (m - 1);
    const nodeBytes = this.dimensions + Math.ceil(graphRecord / 64) * 64;
    const capacity = 2 ** Math.ceil(Math.log2(nodes + 1));
    const slotBytes = 8 + 8 + 16;
    return nodes * nodeBytes + capacity * slotBytes;
  }

  /** Drops the native index; its memory is returned when the garbage collector finalizes it. */
  dispose(): void {
    this.#native = undefined;
    this.#keyById.clear();
    this.#idByKey = [];
    this.#fingerprints = new BigUint64Array(0);
    this.#freeKeys = [];
    this.#removedNodes = 0;
  }

  /**
   * Maps `id` to a key for the insert that follows, first removing its previous vector from the
   * graph when it is a replacement. usearch recycles a removed node for each insert.
   */
  #claimKey(id: string): number {
    let key = this.#keyById.get(id);
    if (key !== undefined) {
      this.#removeNative(this.#usable(), key);
    } else {
      key = this.#freeKeys.pop() ?? this.#idByKey.length;
      if (key >= this.#fingerprints.length) {
        const grown = new BigUint64Array(this.#fingerprints.length * 2);
        grown.set(this.#fingerprints);
        this.#fingerprints = grown;
      }
      this.#idByKey[key] = id;
      this.#keyById.set(id, key);
    }
    if (this.#removedNodes > 0) this.#removedNodes--;
    return key;
  }

  #releaseKeys(ids: readonly string[]): void {
    for (const id of ids) {
      const key = this.#keyById.get(id);
      if (key !== undefined) this.#freeKey(id, key);
    }
  }

  #freeKey(id: string, key: number): void {
    this.#keyById.delete(id);
    this.#idByKey[key] = undefined;
    this.#fingerprints[key] = 0n;
    this.#freeKeys.push(key);
  }

  #removeNative(native: NativeIndex, key: number): void {
    this.#oneKey[0] = BigInt(key);
    native.remove(this.#oneKey);
    this.#removedNodes++;
  }

  #usable(): NativeIndex {
    if (!this.#native) throw new Error('the index has been disposed');
    return this.#native;
  }
}

function fingerprintCodes(codes: Int8Array): bigint {
  return createHash('sha256').update(codes).digest().readBigUInt64LE(0);
}

/**
 * Writes int8 codes of `source[from..from+d)` to `target[to..)`, scaled so the largest
 * component maps to ±127. Cosine ignores the per-vector scale, so it need not be stored.
 */
function quantize(source: Float32Array, from: number, target: Int8Array, to: number, d: number): void {
  let largest = 0;
  for (let i = 0; i < d; i++) {
    const magnitude = Math.abs(source[from + i]);
    if (magnitude > largest) largest = magnitude;
  }
  const scale = largest > 0 ? 127 / largest : 0;
  for (let i = 0; i < d; i++) target[to + i] = Math.round(source[from + i] * scale);
}
