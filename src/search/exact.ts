import type { SearchHit, VectorIndex } from './types.js';

const INITIAL_CAPACITY = 64;

/** Throws unless `vector` has `dimensions` finite components; a NaN would otherwise poison every score. */
export function assertVector(vector: Float32Array, dimensions: number): void {
  if (vector.length !== dimensions) {
    throw new RangeError(`expected a vector of ${dimensions} dimensions, got ${vector.length}`);
  }
  for (let i = 0; i < dimensions; i++) {
    if (!Number.isFinite(vector[i])) throw new RangeError(`vector component ${i} is not a finite number`);
  }
}

/** Throws unless `k` is a non-negative integer. */
export function assertK(k: number): void {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
}

/**
 * Brute-force index: every search scores all vectors, so results are exact.
 * Vectors live in one Float32Array in slot order (slots 0..size-1, no holes) so the scan
 * is a single linear pass over memory.
 */
export class ExactIndex implements VectorIndex {
  readonly kind = 'exact';
  readonly dimensions: number;
  #vectors: Float32Array;
  #idBySlot: string[] = [];
  #slotById = new Map<string, number>();
  #disposed = false;

  constructor(dimensions: number, initialCapacity = INITIAL_CAPACITY) {
    if (!Number.isInteger(dimensions) || dimensions < 1) {
      throw new RangeError(`dimensions must be a positive integer, got ${dimensions}`);
    }
    this.dimensions = dimensions;
    this.#vectors = new Float32Array(Math.max(1, initialCapacity) * dimensions);
  }

  get size(): number {
    return this.#idBySlot.length;
  }

  add(id: string, vector: Float32Array): void {
    this.#assertUsable();
    assertVector(vector, this.dimensions);
    let slot = this.#slotById.get(id);
    if (slot === undefined) {
      slot = this.#idBySlot.length;
      if ((slot + 1) * this.dimensions > this.#vectors.length) this.#grow();
      this.#idBySlot.push(id);
      this.#slotById.set(id, slot);
    }
    this.#vectors.set(vector, slot * this.dimensions);
  }

  remove(id: string): boolean {
    this.#assertUsable();
    const slot = this.#slotById.get(id);
    if (slot === undefined) return false;
    const last = this.#idBySlot.length - 1;
    if (slot !== last) {
      const d = this.dimensions;
      this.#vectors.copyWithin(slot * d, last * d, (last + 1) * d);
      const movedId = this.#idBySlot[last];
      this.#idBySlot[slot] = movedId;
      this.#slotById.set(movedId, slot);
    }
    this.#idBySlot.pop();
    this.#slotById.delete(id);
    return true;
  }

  has(id: string): boolean {
    return this.#slotById.has(id);
  }

  search(query: Float32Array, k: number, minScore = -Infinity): SearchHit[] {
    this.#assertUsable();
    assertVector(query, this.dimensions);
    assertK(k);
    const count = this.#idBySlot.length;
    if (k === 0 || count === 0) return [];

    const d = this.dimensions;
    const pairedEnd = d - (d % 2);
    const vectors = this.#vectors;
    const best = new TopK(k, minScore);
    // Two rows per pass: each query component is loaded once for both, which measured ~20%
    // faster in V8 than one row with four accumulators.
    let slot = 0;
    for (; slot + 1 < count; slot += 2) {
      const a = slot * d;
      const b = a + d;
      let a0 = 0;
      let a1 = 0;
      let b0 = 0;
      let b1 = 0;
      let i = 0;
      for (; i < pairedEnd; i += 2) {
        const q0 = query[i];
        const q1 = query[i + 1];
        a0 += vectors[a + i] * q0;
        a1 += vectors[a + i + 1] * q1;
        b0 += vectors[b + i] * q0;
        b1 += vectors[b + i + 1] * q1;
      }
      if (i < d) {
        a0 += vectors[a + i] * query[i];
        b0 += vectors[b + i] * query[i];
      }
      const scoreA = a0 + a1;
      const scoreB = b0 + b1;
      if (scoreA >= best.floor) best.offer(scoreA, slot);
      if (scoreB >= best.floor) best.offer(scoreB, slot + 1);
    }
    if (slot < count) {
      const a = slot * d;
      let score = 0;
      for (let i = 0; i < d; i++) score += vectors[a + i] * query[i];
      if (score >= best.floor) best.offer(score, slot);
    }

    return best.sorted((s) => this.#idBySlot[s]);
  }

  /** The stored vector of `id` as a live view, valid until the next add or remove. */
  vectorOf(id: string): Float32Array | undefined {
    const slot = this.#slotById.get(id);
    if (slot === undefined) return undefined;
    return this.#vectors.subarray(slot * this.dimensions, (slot + 1) * this.dimensions);
  }

  /** The ids in storage order, as a copy. */
  ids(): string[] {
    return [...this.#idBySlot];
  }

  memoryBytes(): number {
    return this.#vectors.byteLength;
  }

  dispose(): void {
    this.#disposed = true;
    this.#vectors = new Float32Array(0);
    this.#idBySlot = [];
    this.#slotById.clear();
  }

  #grow(): void {
    const grown = new Float32Array(this.#vectors.length * 2);
    grown.set(this.#vectors);
    this.#vectors = grown;
  }

  #assertUsable(): void {
    if (this.#disposed) throw new Error('the index has been disposed');
  }
}

/** The best `k` scores offered so far, as a min-heap whose root is the score a newcomer must beat. */
class TopK {
  /** Scores below this cannot enter: `minScore` until the heap is full, then its root. */
  floor: number;
  readonly #minScore: number;
  readonly #scores: Float64Array;
  readonly #slots: Int32Array;
  #size = 0;

  constructor(k: number, minScore: number) {
    this.floor = minScore;
    this.#minScore = minScore;
    this.#scores = new Float64Array(k);
    this.#slots = new Int32Array(k);
  }

  offer(score: number, slot: number): void {
    const scores = this.#scores;
    const slots = this.#slots;
    const k = scores.length;
    if (this.#size < k) {
      let child = this.#size++;
      while (child > 0) {
        const parent = (child - 1) >> 1;
        if (scores[parent] <= score) break;
        scores[child] = scores[parent];
        slots[child] = slots[parent];
        child = parent;
      }
      scores[child] = score;
      slots[child] = slot;
    } else if (score > scores[0]) {
      let parent = 0;
      for (;;) {
        let child = 2 * parent + 1;
        if (child >= k) break;
        if (child + 1 < k && scores[child + 1] < scores[child]) child++;
        if (scores[child] >= score) break;
        scores[parent] = scores[child];
        slots[parent] = slots[child];
        parent = child;
      }
      scores[parent] = score;
      slots[parent] = slot;
    } else {
      return;
    }
    if (this.#size === k) this.floor = Math.max(this.#minScore, scores[0]);
  }

  sorted(idOf: (slot: number) => string): SearchHit[] {
    const hits: SearchHit[] = [];
    for (let h = 0; h < this.#size; h++) hits.push({ id: idOf(this.#slots[h]), score: this.#scores[h] });
    return hits.sort((a, b) => b.score - a.score);
  }
}
