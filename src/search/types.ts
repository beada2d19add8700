/** A gallery's in-memory 1:N index over L2-normalised templates; scores are cosine similarities. */
export interface SearchHit {
  id: string;
  score: number;
}

export interface VectorIndex {
  readonly size: number;
  readonly dimensions: number;
  /** 'exact' below the HNSW threshold, 'hnsw' above. */
  readonly kind: 'exact' | 'hnsw';
  /** Adds or replaces the vector of `id`. */
  add(id: string, vector: Float32Array): void;
  remove(id: string): boolean;
  has(id: string): boolean;
  /** Up to `k` hits with score ≥ `minScore`, best first. */
  search(query: Float32Array, k: number, minScore?: number): SearchHit[];
  /** Bytes held by the index (vectors and graph), for memory accounting. */
  memoryBytes(): number;
  dispose(): void;
}
