import { setImmediate as nextTurn } from 'node:timers/promises';
import { ExactIndex } from './exact.js';
import { HnswIndex, type HnswOptions } from './hnsw.js';
import type { SearchHit, VectorIndex } from './types.js';

/**
 * Below this many templates a gallery is searched exactly. At 20 000 512-d templates an exact
 * search takes ~10 ms (12 ms p99) on one core, a quarter of extracting the query template,
 * needs no build and is exact; past it exact time grows linearly (55-60 ms at 100 000) while
 * HNSW stays at 1-4 ms. See docs/benchmarks.md, "1:N search".
 */
export const DEFAULT_HNSW_THRESHOLD = 20_000;

/**
 * Templates inserted into the graph per event-loop turn while converting a live index, so
 * requests keep being served during the build: measured at 20 000 templates, a 7.3 s
 * conversion delayed the event loop by 23 ms at the median and 44 ms at most.
 */
const CONVERSION_SLICE_ROWS = 64;

/**
 * Bulk inserts while loading are sized to take about this long each: the server already
 * serves requests during a load, between batches. At 1 M templates an insert costs 2-5 ms
 * of one thread, so a fixed batch of 4096 blocked the event loop for seconds.
 */
const LOAD_BATCH_TARGET_MS = 50;
const LOAD_BATCH_ROWS = { first: 256, min: 16, max: 4096 };

export interface GalleryIndexOptions {
  dimensions: number;
  hnswThreshold?: number;
  hnsw?: HnswOptions;
}

/**
 * Starts exact and, once its size passes the threshold, builds an HNSW index from the exact
 * vectors in the background, a slice per event-loop turn. Until the graph is complete the
 * exact index serves every call and each change is applied to both; then the graph takes
 * over and the exact vectors are freed. It never converts back: a gallery hovering around
 * the threshold would otherwise rebuild again and again, and the graph serves small sizes well.
 */
export class GalleryIndex implements VectorIndex {
  readonly dimensions: number;
  readonly hnswThreshold: number;
  readonly #hnswOptions: HnswOptions;
  #exact: ExactIndex | undefined;
  #hnsw: HnswIndex | undefined;
  #conversion: Promise<void> | undefined;
  #conversionError: unknown;
  #disposed = false;
  #revision = 0;

  constructor(options: GalleryIndexOptions) {
    const threshold = options.hnswThreshold ?? DEFAULT_HNSW_THRESHOLD;
    if (!Number.isInteger(threshold) || threshold < 0) {
      throw new RangeError(`hnswThreshold must be a non-negative integer, got ${threshold}`);
    }
    this.dimensions = options.dimensions;
    this.hnswThreshold = threshold;
    this.#hnswOptions = options.hnsw ?? {};
    this.#exact = new ExactIndex(options.dimensions);
  }

  /** An index that starts from a graph, e.g. one restored from a snapshot. */
  static fromGraph(graph: HnswIndex, options: Omit<GalleryIndexOptions, 'dimensions'> = {}): GalleryIndex {
    const index = new GalleryIndex({ ...options, dimensions: graph.dimensions });
    index.#exact?.dispose();
    index.#exact = undefined;
    index.#hnsw = graph;
    return index;
  }

  /** Counts changes since creation, so a snapshot can tell whether it is still current. */
  get revision(): number {
    return this.#revision;
  }

  /** The graph once it alone serves searches; undefined while the index is exact or converting. */
  get settledGraph(): HnswIndex | undefined {
    return this.#exact || this.#disposed ? undefined : this.#hnsw;
  }

  get kind(): 'exact' | 'hnsw' {
    return this.#exact ? 'exact' : 'hnsw';
  }

  get size(): number {
    return this.#active().size;
  }

  add(id: string, vector: Float32Array): void {
    this.#revision++;
    const exact = this.#exact;
    if (!exact) {
      this.#active().add(id, vector);
      return;
    }
    exact.add(id, vector);
    this.#hnsw?.add(id, vector);
    this.#convertIfDue(exact);
  }

  /** Adds or replaces many templates; row `i` of `vectors` belongs to `ids[i]`. */
  addBatch(ids: readonly string[], vectors: Float32Array): void {
    this.#revision++;
    const exact = this.#exact;
    if (!exact) {
      this.#graph().addBatch(ids, vectors);
      return;
    }
    const d = this.dimensions;
    if (vectors.length !== ids.length * d) {
      throw new RangeError(`expected ${ids.length} × ${d} vector components, got ${vectors.length}`);
    }
    for (let row = 0; row < ids.length; row++) exact.add(ids[row], vectors.subarray(row * d, (row + 1) * d));
    this.#hnsw?.addBatch(ids, vectors);
    this.#convertIfDue(exact);
  }

  remove(id: string): boolean {
    this.#revision++;
    const removed = this.#active().remove(id);
    if (this.#exact) this.#hnsw?.remove(id);
    return removed;
  }

  has(id: string): boolean {
    return this.#active().has(id);
  }

  /** True when the index already holds this vector for `id` (for a graph: the same int8 codes). */
  holds(id: string, vector: Float32Array): boolean {
    const exact = this.#exact;
    if (exact) {
      const held = exact.vectorOf(id);
      return held !== undefined && held.length === vector.length && held.every((x, i) => x === vector[i]);
    }
    const graph = this.#graph();
    return graph.fingerprintOf(id) === graph.fingerprint(vector);
  }

  search(query: Float32Array, k: number, minScore?: number): SearchHit[] {
    return this.#active().search(query, k, minScore);
  }

  memoryBytes(): number {
    return (this.#exact?.memoryBytes() ?? 0) + (this.#hnsw?.memoryBytes() ?? 0);
  }

  dispose(): void {
    this.#disposed = true;
    this.#exact?.dispose();
    this.#hnsw?.dispose();
  }

  /** Resolves once no conversion is running; rejects if the last one failed (the index stays exact). */
  async idle(): Promise<void> {
    await this.#conversion;
    if (this.#conversionError !== undefined) throw this.#conversionError;
  }

  #active(): ExactIndex | HnswIndex {
    const active = this.#exact ?? this.#hnsw;
    if (!active || this.#disposed) throw new Error('the index has been disposed');
    return active;
  }

  #graph(): HnswIndex {
    if (!this.#hnsw || this.#disposed) throw new Error('the index has been disposed');
    return this.#hnsw;
  }

  #convertIfDue(exact: ExactIndex): void {
    if (this.#conversion || this.#conversionError !== undefined || exact.size <= this.hnswThreshold) return;
    const hnsw = new HnswIndex(this.dimensions, this.#hnswOptions);
    this.#hnsw = hnsw;
    this.#conversion = this.#convert(exact, hnsw).then(
      () => {
        this.#conversion = undefined;
      },
      (error: unknown) => {
        this.#conversion = undefined;
        this.#conversionError = error;
        this.#hnsw = undefined;
        hnsw.dispose();
      },
    );
  }

  async #convert(exact: ExactIndex, hnsw: HnswIndex): Promise<void> {
    const d = this.dimensions;
    const pending = exact.ids();
    const slice = new Float32Array(CONVERSION_SLICE_ROWS * d);
    for (let start = 0; start < pending.length; start += CONVERSION_SLICE_ROWS) {
      await nextTurn();
      if (this.#disposed) return;
      // Changes since the conversion began were applied to both indexes already.
      const ids: string[] = [];
      for (const id of pending.slice(start, start + CONVERSION_SLICE_ROWS)) {
        const vector = exact.vectorOf(id);
        if (!vector || hnsw.has(id)) continue;
        slice.set(vector, ids.length * d);
        ids.push(id);
      }
      hnsw.addBatch(ids, slice.subarray(0, ids.length * d));
    }
    if (this.#disposed) return;
    this.#exact = undefined;
    exact.dispose();
  }
}

export function createGalleryIndex(options: GalleryIndexOptions): GalleryIndex {
  return new GalleryIndex(options);
}

/**
 * Builds a gallery's index from a stream of templates. The size is unknown up front, so it
 * fills an exact index; past the threshold it waits for the conversion, then bulk-inserts the
 * rest of the stream into the graph in multi-threaded batches.
 */
export async function loadGalleryIndex(
  dimensions: number,
  entries: AsyncIterable<{ id: string; vector: Float32Array }>,
  options: Omit<GalleryIndexOptions, 'dimensions'> = {},
): Promise<GalleryIndex> {
  const index = new GalleryIndex({ ...options, dimensions });
  const inserter = new PacedInserter(index);
  try {
    for await (const { id, vector } of entries) {
      if (index.kind === 'exact') {
        index.add(id, vector);
        await index.idle();
        continue;
      }
      if (vector.length !== dimensions) {
        throw new RangeError(`expected a vector of ${dimensions} dimensions, got ${vector.length}`);
      }
      await inserter.push(id, vector);
    }
    await inserter.flush();
  } catch (error) {
    index.dispose();
    throw error;
  }
  return index;
}

/**
 * Brings an index restored from a snapshot in line with the store: rows whose int8 codes differ
 * from the snapshot's (or that it lacks) are inserted again, ids the store no longer has are
 * removed. Cheaper than a build by two orders of magnitude at 1 M: a digest per row, no search.
 */
export async function reconcileGalleryIndex(
  index: GalleryIndex,
  entries: AsyncIterable<{ id: string; vector: Float32Array }>,
): Promise<{ replaced: number; removed: number }> {
  const graph = index.settledGraph;
  if (!graph) throw new Error('only a graph index can be reconciled');
  const seen = new Set<string>();
  const inserter = new PacedInserter(index);
  for await (const { id, vector } of entries) {
    seen.add(id);
    if (graph.fingerprintOf(id) !== graph.fingerprint(vector)) await inserter.push(id, vector);
  }
  await inserter.flush();
  const stale = [...graph.ids()].filter((id) => !seen.has(id));
  for (const id of stale) index.remove(id);
  return { replaced: inserter.inserted, removed: stale.length };
}

/** Collects rows and bulk-inserts them in batches paced to LOAD_BATCH_TARGET_MS, yielding to the event loop after each. */
class PacedInserter {
  readonly #index: GalleryIndex;
  readonly #ids: string[] = [];
  readonly #batch: Float32Array;
  #rows = LOAD_BATCH_ROWS.first;
  inserted = 0;

  constructor(index: GalleryIndex) {
    this.#index = index;
    this.#batch = new Float32Array(LOAD_BATCH_ROWS.max * index.dimensions);
  }

  async push(id: string, vector: Float32Array): Promise<void> {
    this.#batch.set(vector, this.#ids.length * this.#index.dimensions);
    this.#ids.push(id);
    if (this.#ids.length >= this.#rows) await this.flush();
  }

  async flush(): Promise<void> {
    const rows = this.#ids.length;
    if (rows === 0) return;
    const started = performance.now();
    this.#index.addBatch(this.#ids, this.#batch.subarray(0, rows * this.#index.dimensions));
    const msPerRow = Math.max((performance.now() - started) / rows, 1e-3);
    this.#rows = Math.min(LOAD_BATCH_ROWS.max, Math.max(LOAD_BATCH_ROWS.min, Math.round(LOAD_BATCH_TARGET_MS / msPerRow)));
    this.inserted += rows;
    this.#ids.length = 0;
    await nextTurn();
  }
}
