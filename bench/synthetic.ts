/**
 * Deterministic synthetic face templates for the search benchmarks (bench/search.ts,
 * bench/restart.ts): the same profile, size and row always give the same vector.
 */
export const DIMENSIONS = 512;
export const ENROLLED_PER_IDENTITY = 2;
export const CHUNK_ROWS = 8192;

export type Profile = 'isotropic' | 'realistic';

/** Fixed so later runs can open the graphs earlier ones saved; these are synthetic templates. */
export const BENCH_SNAPSHOT_KEY = Buffer.alloc(32, 0x5a);

/** The name bench/search.ts --snapshots saves a built graph under. */
export function benchSnapshotName(profile: Profile, size: number, connectivity: number, expansionAdd: number): string {
  return `${profile}-${size}-M${connectivity}-efAdd${expansionAdd}`;
}

export function parseProfile(name: string): Profile {
  if (name !== 'isotropic' && name !== 'realistic') throw new Error(`unknown profile ${name}`);
  return name;
}

function hash32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Uniform on (-0.5, 0.5) from a xorshift32 state; returns the next state. */
function fillUniform(state: number, out: Float32Array, weights?: Float32Array): number {
  for (let i = 0; i < out.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = ((state >>> 0) * 2.3283064365386963e-10 - 0.5) * (weights ? weights[i] : 1);
  }
  return state;
}

function normalize(v: Float32Array): void {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) v[i] *= scale;
}

/** In-place fast Walsh-Hadamard transform (length a power of two), scaled to stay orthonormal. */
function hadamard(v: Float32Array): void {
  for (let half = 1; half < v.length; half *= 2) {
    for (let block = 0; block < v.length; block += 2 * half) {
      for (let i = block; i < block + half; i++) {
        const a = v[i];
        const b = v[i + half];
        v[i] = a + b;
        v[i + half] = a - b;
      }
    }
  }
  const scale = 1 / Math.sqrt(v.length);
  for (let i = 0; i < v.length; i++) v[i] *= scale;
}

/**
 * Deterministic synthetic templates. A template is normalize(s·c + √(1-s²)·noise) for its
 * identity's unit centre c, with s ~ 0.82 ± 0.10 per sample, so two samples of one identity
 * score 0.67 ± 0.12 (real templates: 0.68 ± 0.12).
 *
 * - isotropic: centres uniform in all 512 directions; different identities score 0 ± 0.044.
 * - realistic: centres with a power-law variance spectrum (i^-0.85) in a random basis, so
 *   different identities score 0 ± 0.09, as real templates do (0.005 ± 0.097): real
 *   embeddings fill fewer effective dimensions than 512.
 */
export class SyntheticTemplates {
  readonly #profile: Profile;
  readonly #spectrum = new Float32Array(DIMENSIONS);
  readonly #signsA = new Float32Array(DIMENSIONS);
  readonly #signsB = new Float32Array(DIMENSIONS);
  readonly #centre = new Float32Array(DIMENSIONS);
  readonly #four = new Float32Array(4);
  #centreIdentity = -1;

  constructor(profile: Profile) {
    this.#profile = profile;
    for (let i = 0; i < DIMENSIONS; i++) this.#spectrum[i] = profile === 'realistic' ? (i + 1) ** -0.425 : 1;
    fillUniform(hash32(0x5eed), this.#signsA);
    fillUniform(hash32(0x5eee), this.#signsB);
  }

  /** Enrolled template `row`: sample `row % 2` of identity `row / 2`. */
  enrolled(row: number, out: Float32Array): void {
    this.#sample(Math.floor(row / ENROLLED_PER_IDENTITY), row % ENROLLED_PER_IDENTITY, out);
  }

  /** A fresh sample of an enrolled identity, for query `q` against `size` enrolled templates. */
  query(q: number, size: number, out: Float32Array): number {
    const identity = hash32(q + 0x0ae7) % Math.floor(size / ENROLLED_PER_IDENTITY);
    this.#sample(identity, 1000 + q, out);
    return identity;
  }

  #sample(identity: number, sample: number, out: Float32Array): void {
    const centre = this.#centreOf(identity);
    let state = hash32(Math.imul(identity, 0x9e3779b1) ^ hash32(sample + 0x51ed27)) | 1;
    // Sum of four uniforms: a cheap bell curve for the sample's quality s.
    const four = this.#four;
    state = fillUniform(state, four);
    const signal = Math.min(0.99, Math.max(0.45, 0.82 + 0.1 * Math.sqrt(3) * (four[0] + four[1] + four[2] + four[3])));
    fillUniform(state, out);
    const noise = (Math.sqrt(1 - signal * signal) * Math.sqrt(12)) / Math.sqrt(DIMENSIONS);
    for (let i = 0; i < DIMENSIONS; i++) out[i] = signal * centre[i] + noise * out[i];
    normalize(out);
  }

  #centreOf(identity: number): Float32Array {
    if (identity === this.#centreIdentity) return this.#centre;
    const centre = this.#centre;
    fillUniform(hash32(identity * 2 + 1) | 1, centre, this.#spectrum);
    if (this.#profile === 'realistic') {
      // Two rounds of random signs + Hadamard: a cheap random rotation of the spectrum's axes.
      for (let i = 0; i < DIMENSIONS; i++) centre[i] *= Math.sign(this.#signsA[i]);
      hadamard(centre);
      for (let i = 0; i < DIMENSIONS; i++) centre[i] *= Math.sign(this.#signsB[i]);
      hadamard(centre);
    }
    normalize(centre);
    this.#centreIdentity = identity;
    return centre;
  }
}

export function* enrolledChunks(data: SyntheticTemplates, size: number): Generator<{ start: number; ids: string[]; vectors: Float32Array }> {
  const vectors = new Float32Array(CHUNK_ROWS * DIMENSIONS);
  for (let start = 0; start < size; start += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, size - start);
    const ids: string[] = [];
    for (let r = 0; r < rows; r++) {
      data.enrolled(start + r, vectors.subarray(r * DIMENSIONS, (r + 1) * DIMENSIONS));
      ids.push(templateId(start + r));
    }
    yield { start, ids, vectors: vectors.subarray(0, rows * DIMENSIONS) };
  }
}

export function templateId(row: number): string {
  return `subject-${row.toString().padStart(7, '0')}`;
}

export function identityOfId(id: string): number {
  return Math.floor(Number(id.slice('subject-'.length)) / ENROLLED_PER_IDENTITY);
}
