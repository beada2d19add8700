/**
 * Start-up of a server whose gallery holds `size` templates and has a graph snapshot: the
 * path `facegate serve` takes (GalleryIndexes.loadAll over a SQLite store), timed.
 *
 *   node dist/bench/restart.js [--size 1000000] [--profile realistic] [--snapshots DIR] [--changes 300]
 *     [--data-root /dev/shm]
 *
 * The graph comes from the snapshot bench/search.ts --snapshots DIR saved for the same profile
 * and size (built here when there is none, which takes most of an hour at 1 M). It is
 * snapshotted for the gallery as the server would, then `changes` rows of the store are
 * replaced, deleted or added behind its back, so the first start has to reconcile them; the
 * second start finds nothing to do. The store goes in a fresh directory under --data-root
 * (default the system temp dir); /dev/shm makes writing a million enrollments take minutes
 * instead of half an hour of fsyncs, and changes nothing that is timed. Progress goes to
 * stderr, results to stdout.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSealer } from '../src/crypto/at-rest.js';
import { DEFAULT_HNSW_OPTIONS, HnswIndex } from '../src/search/hnsw.js';
import { decodeGraphState, encodeGraphState } from '../src/search/hnsw-state.js';
import { GalleryIndexes } from '../src/services/gallery-indexes.js';
import { IndexSnapshots } from '../src/store/index-snapshots.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/types.js';
import { templateEnrollment } from '../test/template-rows.js';
import { BENCH_SNAPSHOT_KEY, benchSnapshotName, CHUNK_ROWS, DIMENSIONS, enrolledChunks, parseProfile, SyntheticTemplates, templateId, type Profile } from './synthetic.js';

const MODEL = 'synthetic-bench-model';
const GALLERY = 'bench';

interface Options {
  size: number;
  profile: Profile;
  snapshots: string | undefined;
  changes: number;
  dataRoot: string;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { size: 1_000_000, profile: 'realistic', snapshots: undefined, changes: 300, dataRoot: tmpdir() };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    switch (flag) {
      case '--size': options.size = Number(value.replace(/_/g, '')); break;
      case '--profile': options.profile = parseProfile(value); break;
      case '--snapshots': options.snapshots = value; break;
      case '--changes': options.changes = Number(value); break;
      case '--data-root': options.dataRoot = value; break;
      default: throw new Error(`unknown option ${flag}`);
    }
  }
  return options;
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

const seconds = (started: number): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;

async function enroll(store: Store, userId: string, vector: Float32Array, replace = false): Promise<void> {
  const enrollment = templateEnrollment(GALLERY, userId, vector, MODEL);
  await (replace ? store.replaceEnrollment(enrollment) : store.insertEnrollment(enrollment));
}

async function sourceGraph(options: Options, data: SyntheticTemplates): Promise<HnswIndex> {
  const name = benchSnapshotName(options.profile, options.size, DEFAULT_HNSW_OPTIONS.connectivity, DEFAULT_HNSW_OPTIONS.expansionAdd);
  const saved = options.snapshots
    ? await new IndexSnapshots(options.snapshots, BENCH_SNAPSHOT_KEY).load(name, (state, graphPath) => HnswIndex.restore(DIMENSIONS, {}, decodeGraphState(state).state, graphPath))
    : undefined;
  if (saved) return saved;
  log(`no snapshot ${name}: building the graph`);
  const graph = new HnswIndex(DIMENSIONS);
  for (const chunk of enrolledChunks(data, options.size)) graph.addBatch(chunk.ids, chunk.vectors);
  return graph;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const data = new SyntheticTemplates(options.profile);
  const dataDir = mkdtempSync(path.join(options.dataRoot, 'facegate-restart-bench-'));
  const dataKey = randomBytes(32);
  const openStore = () => openSqliteStore({ path: path.join(dataDir, 'facegate.db'), sealer: createSealer(dataKey) });
  const snapshots = new IndexSnapshots(path.join(dataDir, 'indexes'), dataKey);
  const results: string[] = [];
  try {
    let store = await openStore();
    await store.createGallery({ name: GALLERY, savePhoto: false, keepTemplates: true, matchLevel: 'HIGH', livenessLevel: null });
    let started = performance.now();
    for (const chunk of enrolledChunks(data, options.size)) {
      for (let r = 0; r < chunk.ids.length; r++) await enroll(store, chunk.ids[r], chunk.vectors.subarray(r * DIMENSIONS, (r + 1) * DIMENSIONS));
      if ((chunk.start / CHUNK_ROWS) % 16 === 15) log(`  ${chunk.start + chunk.ids.length} enrolled`);
    }
    results.push(`store: ${options.size} enrollments written in ${seconds(started)}`);

    const graph = await sourceGraph(options, data);
    started = performance.now();
    await snapshots.save(GALLERY, graph.memoryBytes(), (graphPath) => encodeGraphState({ modelId: MODEL, dimensions: DIMENSIONS, state: graph.save(graphPath) }));
    results.push(`snapshot of ${graph.size} templates saved (sealed) in ${seconds(started)}`);
    graph.dispose();

    // Behind the snapshot's back: a third replaced, a third deleted, a third new.
    const changed: { id: string; vector: Float32Array }[] = [];
    const third = Math.floor(options.changes / 3);
    const stride = Math.floor(options.size / third / 2) * 2;
    for (let i = 0; i < third; i++) {
      const vector = new Float32Array(DIMENSIONS);
      data.query(900_000 + i, options.size, vector);
      const id = templateId(i * stride);
      await enroll(store, id, vector, true);
      changed.push({ id, vector });
      await store.deleteEnrollment(GALLERY, templateId(i * stride + 1));
      const added = new Float32Array(DIMENSIONS);
      data.query(950_000 + i, options.size, added);
      await enroll(store, `added-${i}`, added);
      changed.push({ id: `added-${i}`, vector: added });
    }
    await store.close();

    for (const start of ['first start (reconciles and re-snapshots)', 'second start (nothing changed)']) {
      store = await openStore();
      const rssBefore = process.memoryUsage().rss;
      started = performance.now();
      const indexes = new GalleryIndexes(MODEL, DIMENSIONS, 20_000, snapshots);
      const report = await indexes.loadAll(store);
      const elapsed = seconds(started);
      const index = indexes.get(GALLERY);
      const found = changed.filter(({ id, vector }) => index.search(vector, 1)[0]?.id === id).length;
      results.push(
        `${start}: ${elapsed}, ${report.templates} templates, restored ${report.restored}, ` +
          `replaced ${report.reconciled.replaced}, removed ${report.reconciled.removed}, ` +
          `snapshot failures ${report.snapshotFailures.length}, index ${index.kind} of ${index.size}, ` +
          `${found}/${changed.length} changed rows found by their vector, RSS +${((process.memoryUsage().rss - rssBefore) / 1e6).toFixed(0)} MB`,
      );
      log(results[results.length - 1]);
      indexes.disposeAll();
      await store.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  for (const line of results) console.log(line);
}

await main();
