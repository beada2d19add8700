/**
 * 1:N search benchmark on synthetic face templates.
 *
 *   node dist/bench/search.js [--sizes 100000,1000000] [--queries 2000] [--ground-truth 1000]
 *     [--profiles isotropic,realistic] [--ef 128,256,512] [--connectivity 32]
 *     [--expansion-add 128] [--passes 3] [--exact-max 100000] [--exact-queries 300]
 *     [--conversion 20000] [--snapshots DIR]
 *
 * Each size enrols two templates for each of size/2 identities and queries with fresh samples
 * of enrolled identities. Ground truth is an exact float32 scan (usearch's exactSearch, checked
 * against ExactIndex wherever that runs). With --conversion N it instead times a gallery index
 * converting from exact to HNSW in the background after its N+1th template. With --snapshots
 * DIR each graph is saved there sealed, as the server snapshots galleries, and restored
 * instead of rebuilt by later runs with the same profile, size, M and efAdd; save, restore and
 * the reconciliation digest of every row are timed. Progress goes to stderr, results to stdout.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { exactSearch, MetricKind } from 'usearch';
import { median } from '../src/core/numeric.js';
import { ExactIndex } from '../src/search/exact.js';
import { decodeGraphState, encodeGraphState } from '../src/search/hnsw-state.js';
import { IndexSnapshots } from '../src/store/index-snapshots.js';
import { createGalleryIndex } from '../src/search/gallery-index.js';
import { DEFAULT_HNSW_OPTIONS, HnswIndex } from '../src/search/hnsw.js';
import type { SearchHit, VectorIndex } from '../src/search/types.js';
import { BENCH_SNAPSHOT_KEY, benchSnapshotName, CHUNK_ROWS, DIMENSIONS, enrolledChunks, identityOfId, parseProfile, SyntheticTemplates, templateId, type Profile } from './synthetic.js';

const TOP_K = 10;
const WARMUP_QUERIES = 200;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

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
  snapshots: string | undefined;
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
    snapshots: undefined,
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
      case '--snapshots': options.snapshots = value; break;
      default: throw new Error(`unknown option ${flag}`);
    }
  }
  return options;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
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

/** Sealed save and restore as the server does them, and the digest check reconciliation makes per row. */
async function measureSnapshot(snapshots: IndexSnapshots, name: string, hnsw: HnswIndex, data: SyntheticTemplates, size: number): Promise<string> {
  let started = performance.now();
  await snapshots.save(name, hnsw.memoryBytes(), (graphPath) => encodeGraphState({ modelId: 'synthetic', dimensions: DIMENSIONS, state: hnsw.save(graphPath) }));
  const saveSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const restored = await snapshots.load(name, (state, graphPath) => HnswIndex.restore(DIMENSIONS, {}, decodeGraphState(state).state, graphPath));
  const restoreSeconds = (performance.now() - started) / 1000;
  restored?.dispose();
  let digestMs = 0;
  let differing = 0;
  for (const chunk of enrolledChunks(data, size)) {
    const digestStarted = performance.now();
    chunk.ids.forEach((id, r) => {
      if (hnsw.fingerprint(chunk.vectors.subarray(r * DIMENSIONS, (r + 1) * DIMENSIONS)) !== hnsw.fingerprintOf(id)) differing++;
    });
    digestMs += performance.now() - digestStarted;
  }
  return `snapshot ${name}: sealed save ${saveSeconds.toFixed(1)} s, restore ${restoreSeconds.toFixed(1)} s, digest check of ${size} rows ${(digestMs / 1000).toFixed(1)} s (${differing} differ)`;
}

async function runSize(profile: Profile, size: number, options: Options, notes: string[]): Promise<string[]> {
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

  const rssBefore = rssBytes();
  const snapshots = options.snapshots ? new IndexSnapshots(options.snapshots, BENCH_SNAPSHOT_KEY) : undefined;
  const snapshotName = benchSnapshotName(profile, size, options.connectivity, options.expansionAdd);
  let hnsw: HnswIndex | undefined;
  let build = '';
  if (snapshots) {
    const started = performance.now();
    hnsw = await snapshots.load(snapshotName, (state, graphPath) => HnswIndex.restore(DIMENSIONS, {}, decodeGraphState(state).state, graphPath));
    if (hnsw) build = `restored in ${((performance.now() - started) / 1000).toFixed(1)} s`;
  }
  if (!hnsw) {
    log(`${profile} ${size}: HNSW build`);
    hnsw = new HnswIndex(DIMENSIONS, { connectivity: options.connectivity, expansionAdd: options.expansionAdd });
    let buildMs = 0;
    for (const chunk of enrolledChunks(data, size)) {
      const started = performance.now();
      hnsw.addBatch(chunk.ids, chunk.vectors);
      buildMs += performance.now() - started;
      if ((chunk.start / CHUNK_ROWS) % 16 === 15) log(`  ${chunk.start + chunk.ids.length} inserted, ${(buildMs / 1000).toFixed(0)} s`);
    }
    build = `${(buildMs / 1000).toFixed(0)} s`;
  }
  const rssDelta = rssBytes() - rssBefore;
  const memory = `${mb(hnsw.memoryBytes())} (RSS +${mb(rssDelta)})`;
  for (const ef of options.ef) {
    hnsw.expansionSearch = ef;
    const latency = measureLatency(hnsw, queries, options.queries, options.passes);
    const recall = agreement(latency.top1.slice(0, truthCount), truth.top1);
    rows.push(
      `| ${profile} | ${size} | HNSW M=${options.connectivity} efAdd=${options.expansionAdd} ef=${ef} | ${build} | ${ms(latency.p50)} | ${ms(latency.p99)} | ${pct(recall)}, identity@1 ${pct(identityRate(latency.top1.slice(0, truthCount), truthIdentities))} | ${memory} |`,
    );
    log(rows[rows.length - 1]);
  }
  if (snapshots) notes.push(await measureSnapshot(snapshots, snapshotName, hnsw, data, size));
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
  const notes: string[] = [];
  for (const profile of options.profiles) {
    log(`${profile}: ${describeProfile(new SyntheticTemplates(profile))}`);
    for (const size of options.sizes) rows.push(...(await runSize(profile, size, options, notes)));
  }
  console.log(`queries: ${options.queries} (ground truth on ${Math.min(options.groundTruth, options.queries)}), top-${TOP_K}, passes: ${options.passes}`);
  console.log('| data | size | index | build | p50 | p99 | recall@1 vs exact | memory |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  for (const note of notes) console.log(note);
}

await main();
