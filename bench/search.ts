/**
 * 1:N search benchmark on synthetic face templates.
 *
 *   node dist/bench/search.js [--sizes 100000,1000000] [--queries 2000] [--ground-truth 1000]
 *     [--profiles isotropic,realistic] [--ef 128,256,512] [--connectivity 32]
 *     [--expansion-add 128] [--passes 3] [--exact-max 100000] [--exact-queries 300]
 *     [--conversion 20000]
 *
 * Each size enrols two templates for each of size/2 identities and queries with fresh samples
 * of enrolled identities. Ground truth is an exact float32 scan (usearch's exactSearch, checked
 * against ExactIndex wherever that runs). With --conversion N it instead times a gallery index
 * converting from exact to HNSW in the background after its N+1th template. Progress goes to
 * stderr, results to stdout.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { exactSearch, MetricKind } from 'usearch';
import { ExactIndex } from '../src/search/exact.js';
import { createGalleryIndex } from '../src/search/gallery-index.js';
import { DEFAULT_HNSW_OPTIONS, HnswIndex } from '../src/search/hnsw.js';
import type { SearchHit, VectorIndex } from '../src/search/types.js';

const DIMENSIONS = 512;
const ENROLLED_PER_IDENTITY = 2;
const CHUNK_ROWS = 8192;
const TOP_K = 10;
const WARMUP_QUERIES = 200;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

type Profile = 'isotropic' | 'realistic';

interface Options {
  sizes: number[];
  queries: number;
  groundTruth: number;
  profiles: Profile[];
  ef: number[];
  connectivity: number;
  expansionAdd: number;
  passes: number;
  exactMax: number;
  exactQueries: number;
  conversion: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    sizes: [100_000, 1_000_000],
    queries: 2000,
    groundTruth: 1000,
    profiles: ['isotropic', 'realistic'],
    ef: [128, 256, 512],
    connectivity: DEFAULT_HNSW_OPTIONS.connectivity,
    expansionAdd: DEFAULT_HNSW_OPTIONS.expansionAdd,
    passes: 3,
    exactMax: 100_000,
    exactQueries: 300,
    conversion: 0,
  };
  const numbers = (value: string): number[] => value.split(',').map((part) => Number(part.replace(/_/g, '')));
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    switch (flag) {
      case '--sizes': options.sizes = numbers(value); break;
      case '--queries': options.queries = Number(value); break;
      case '--ground-truth': options.groundTruth = Number(value); break;
      case '--profiles': options.profiles = value.split(',').map(parseProfile); break;
      case '--ef': options.ef = numbers(value); break;
      case '--connectivity': options.connectivity = Number(value); break;
      case '--expansion-add': options.expansionAdd = Number(value); break;
      case '--passes': options.passes = Number(value); break;
      case '--exact-max': options.exactMax = Number(value); break;
      case '--exact-queries': options.exactQueries = Number(value); break;
      case '--conversion': options.conversion = Number(value); break;
      default: throw new Error(`unknown option ${flag}`);
    }
  }
  return options;
}

function parseProfile(name: string): Profile {
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
class SyntheticTemplates {
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

function* enrolledChunks(data: SyntheticTemplates, size: number): Generator<{ start: number; ids: string[]; vectors: Float32Array }> {
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

function templateId(row: number): string {
  return `subject-${row.toString().padStart(7, '0')}`;
}

function identityOfId(id: string): number {
  return Math.floor(Number(id.slice('subject-'.length)) / ENROLLED_PER_IDENTITY);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function rssBytes(): number {
  collectGarbage();
  return process.memoryUsage().rss;
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

interface LatencyResult {
  p50: number;
  p99: number;
  top1: string[];
}

/** `passes` timed passes over all queries (after a warm-up); median of the passes' percentiles. */
function measureLatency(index: VectorIndex, queries: Float32Array, count: number, passes: number): LatencyResult {
  const query = (q: number): Float32Array => queries.subarray(q * DIMENSIONS, (q + 1) * DIMENSIONS);
  for (let q = 0; q < Math.min(WARMUP_QUERIES, count); q++) index.search(query(q), TOP_K);
  const p50s: number[] = [];
  const p99s: number[] = [];
  const top1: string[] = [];
  for (let pass = 0; pass < passes; pass++) {
    const times: number[] = [];
    for (let q = 0; q < count; q++) {
      const started = performance.now();
      const hits: SearchHit[] = index.search(query(q), TOP_K);
      times.push(performance.now() - started);
      if (pass === 0) top1.push(hits[0]?.id ?? '');
    }
    times.sort((a, b) => a - b);
    p50s.push(percentile(times, 0.5));
    p99s.push(percentile(times, 0.99));
  }
  return { p50: median(p50s), p99: median(p99s), top1 };
}

interface GroundTruth {
  top1: string[];
  score: Float64Array;
}

/** Exact top-1 of the first `count` queries, streaming the enrolled templates chunk by chunk. */
function groundTruth(data: SyntheticTemplates, size: number, queries: Float32Array, count: number): GroundTruth {
  const top1 = new Array<string>(count).fill('');
  const score = new Float64Array(count).fill(-Infinity);
  const subset = queries.subarray(0, count * DIMENSIONS);
  for (const chunk of enrolledChunks(data, size)) {
    // With k = 1, row q of the result is query q's best match in this chunk.
    const { keys, distances } = exactSearch(chunk.vectors, subset, DIMENSIONS, 1, MetricKind.IP, 0);
    for (let q = 0; q < count; q++) {
      const similarity = 1 - distances[q];
      if (similarity > score[q]) {
        score[q] = similarity;
        top1[q] = chunk.ids[Number(keys[q])];
      }
    }
  }
  return { top1, score };
}

function agreement(found: string[], expected: string[]): number {
  let same = 0;
  for (let q = 0; q < expected.length; q++) if (found[q] === expected[q]) same++;
  return same / expected.length;
}

function identityRate(found: string[], identities: number[]): number {
  let same = 0;
  for (let q = 0; q < found.length; q++) if (found[q] && identityOfId(found[q]) === identities[q]) same++;
  return same / found.length;
}

/** Genuine and impostor cosine statistics of the profile, from 2000 pairs each. */
function describeProfile(data: SyntheticTemplates): string {
  const a = new Float32Array(DIMENSIONS);
  const b = new Float32Array(DIMENSIONS);
  const genuine: number[] = [];
  const impostor: number[] = [];
  const dot = (x: Float32Array, y: Float32Array): number => x.reduce((sum, value, i) => sum + value * y[i], 0);
  for (let pair = 0; pair < 2000; pair++) {
    data.enrolled(2 * pair, a);
    data.enrolled(2 * pair + 1, b);
    genuine.push(dot(a, b));
    data.enrolled(2 * pair + 2, b);
    impostor.push(dot(a, b));
  }
  const stats = (v: number[]): string => {
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    return `${mean.toFixed(3)} ± ${sd.toFixed(3)}`;
  };
  return `genuine ${stats(genuine)}, impostor ${stats(impostor)}`;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const ms = (value: number): string => `${value.toFixed(2)} ms`;
const pct = (value: number): string => `${(100 * value).toFixed(1)}%`;

function runSize(profile: Profile, size: number, options: Options): string[] {
  const data = new SyntheticTemplates(profile);
  const rows: string[] = [];
  const queries = new Float32Array(options.queries * DIMENSIONS);
  const identities: number[] = [];
  for (let q = 0; q < options.queries; q++) {
    identities.push(data.query(q, size, queries.subarray(q * DIMENSIONS, (q + 1) * DIMENSIONS)));
  }
  const truthCount = Math.min(options.groundTruth, options.queries);
  log(`${profile} ${size}: exact ground truth for ${truthCount} queries`);
  const truth = groundTruth(data, size, queries, truthCount);
  const truthIdentities = identities.slice(0, truthCount);
  rows.push(`| ${profile} | ${size} | ground truth (float32 scan) | | | | identity@1 ${pct(identityRate(truth.top1, truthIdentities))} | |`);

  log(`${profile} ${size}: HNSW build`);
  const rssBefore = rssBytes();
  const hnsw = new HnswIndex(DIMENSIONS, { connectivity: options.connectivity, expansionAdd: options.expansionAdd });
  let buildMs = 0;
  for (const chunk of enrolledChunks(data, size)) {
    const started = performance.now();
    hnsw.addBatch(chunk.ids, chunk.vectors);
    buildMs += performance.now() - started;
    if ((chunk.start / CHUNK_ROWS) % 16 === 15) log(`  ${chunk.start + chunk.ids.length} inserted, ${(buildMs / 1000).toFixed(0)} s`);
  }
  const rssDelta = rssBytes() - rssBefore;
  const memory = `${mb(hnsw.memoryBytes())} (RSS +${mb(rssDelta)})`;
  for (const ef of options.ef) {
    hnsw.expansionSearch = ef;
    const latency = measureLatency(hnsw, queries, options.queries, options.passes);
    const recall = agreement(latency.top1.slice(0, truthCount), truth.top1);
    rows.push(
      `| ${profile} | ${size} | HNSW M=${options.connectivity} efAdd=${options.expansionAdd} ef=${ef} | ${(buildMs / 1000).toFixed(0)} s | ${ms(latency.p50)} | ${ms(latency.p99)} | ${pct(recall)}, identity@1 ${pct(identityRate(latency.top1.slice(0, truthCount), truthIdentities))} | ${memory} |`,
    );
    log(rows[rows.length - 1]);
  }
  hnsw.dispose();

  if (size <= options.exactMax) {
    log(`${profile} ${size}: exact index`);
    const exact = new ExactIndex(DIMENSIONS);
    const started = performance.now();
    for (const chunk of enrolledChunks(data, size)) {
      chunk.ids.forEach((id, r) => exact.add(id, chunk.vectors.subarray(r * DIMENSIONS, (r + 1) * DIMENSIONS)));
    }
    const buildSeconds = (performance.now() - started) / 1000;
    const count = Math.min(options.exactQueries, options.queries);
    const latency = measureLatency(exact, queries, count, options.passes);
    const checked = Math.min(count, truthCount);
    const matchesTruth = agreement(latency.top1.slice(0, checked), truth.top1.slice(0, checked));
    rows.push(
      `| ${profile} | ${size} | exact | ${buildSeconds.toFixed(1)} s | ${ms(latency.p50)} | ${ms(latency.p99)} | ${pct(matchesTruth)} (of ${checked}) | ${mb(exact.memoryBytes())} |`,
    );
    exact.dispose();
  }

  return rows;
}

/** Time for a live gallery index to become HNSW after passing `threshold`, and its longest event-loop stall. */
async function measureConversion(threshold: number): Promise<void> {
  const data = new SyntheticTemplates('isotropic');
  const index = createGalleryIndex({ dimensions: DIMENSIONS, hnswThreshold: threshold });
  const vector = new Float32Array(DIMENSIONS);
  for (let row = 0; row <= threshold; row++) {
    data.enrolled(row, vector);
    index.add(templateId(row), vector);
  }
  const stalls = monitorEventLoopDelay({ resolution: 1 });
  stalls.enable();
  const started = performance.now();
  await index.idle();
  const seconds = (performance.now() - started) / 1000;
  stalls.disable();
  console.log(
    `conversion of ${threshold + 1} templates to ${index.kind}: ${seconds.toFixed(1)} s, ` +
      `event-loop delay p50 ${(stalls.percentile(50) / 1e6).toFixed(1)} ms, max ${(stalls.max / 1e6).toFixed(1)} ms`,
  );
  index.dispose();
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.conversion > 0) {
    await measureConversion(options.conversion);
    return;
  }
  const rows: string[] = [];
  for (const profile of options.profiles) {
    log(`${profile}: ${describeProfile(new SyntheticTemplates(profile))}`);
    for (const size of options.sizes) rows.push(...runSize(profile, size, options));
  }
  console.log(`queries: ${options.queries} (ground truth on ${Math.min(options.groundTruth, options.queries)}), top-${TOP_K}, passes: ${options.passes}`);
  console.log('| data | size | index | build | p50 | p99 | recall@1 vs exact | memory |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

await main();
