/**
 * Gallery indexes over a real SQLite store with snapshots on disk: a restart restores the graph
 * and reconciles it with whatever changed in the store meanwhile, or rebuilds when the
 * snapshot does not open.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createSealer } from '../src/crypto/at-rest.js';
import { ExactIndex } from '../src/search/exact.js';
import { GalleryIndexes } from '../src/services/gallery-indexes.js';
import { IndexSnapshots } from '../src/store/index-snapshots.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/types.js';
import { templateEnrollment, unitVectors } from './template-rows.js';

const D = 64;
const MODEL = 'snapshot-test-model';
const THRESHOLD = 100;
const GALLERY = 'lobby';

const root = mkdtempSync(join(tmpdir(), 'facegate-index-snapshots-'));
after(() => rmSync(root, { recursive: true, force: true }));

const randomVector = unitVectors(D, 11);

async function enroll(store: Store, userId: string, vector: Float32Array, replace = false): Promise<void> {
  const enrollment = templateEnrollment(GALLERY, userId, vector, MODEL);
  if (replace) await store.replaceEnrollment(enrollment);
  else await store.insertEnrollment(enrollment);
}

async function openAll(dir: string, dataKey: Buffer) {
  const store = await openSqliteStore({ path: join(dir, 'facegate.db'), sealer: createSealer(dataKey) });
  const indexes = new GalleryIndexes(MODEL, D, THRESHOLD, new IndexSnapshots(join(dir, 'indexes'), dataKey));
  return { store, indexes, report: await indexes.loadAll(store) };
}

test('a restart restores the graph, reconciles store changes made meanwhile, and searches as exact search does', async () => {
  const dir = join(root, 'restart');
  const dataKey = randomBytes(32);
  const vectors = new Map<string, Float32Array>();
  {
    const store = await openSqliteStore({ path: join(dir, 'facegate.db'), sealer: createSealer(dataKey) });
    await store.createGallery({ name: GALLERY, savePhoto: false, keepTemplates: true, matchLevel: 'HIGH', livenessLevel: null });
    for (let i = 0; i < 400; i++) {
      const vector = randomVector();
      vectors.set(`user-${i}`, vector);
      await enroll(store, `user-${i}`, vector);
    }
    await store.close();
  }

  const first = await openAll(dir, dataKey);
  assert.equal(first.report.restored, 0);
  assert.equal(first.report.templates, 400);
  assert.equal(first.indexes.get(GALLERY).kind, 'hnsw');
  assert.equal(readdirSync(join(dir, 'indexes')).length, 2, 'the first build is snapshotted at once');

  // Changes through the running server land in the snapshot at shutdown …
  const moved = randomVector();
  vectors.set('user-1', moved);
  await enroll(first.store, 'user-1', moved, true);
  first.indexes.get(GALLERY).add('user-1', moved);
  assert.deepEqual(await first.indexes.saveChanged(), { saved: 1, failures: [] });
  assert.deepEqual(await first.indexes.saveChanged(), { saved: 0, failures: [] }, 'nothing changed since');
  first.indexes.disposeAll();

  // … and changes made while it is down (another server, a CLI, a restored backup) are reconciled.
  const replaced = randomVector();
  vectors.set('user-2', replaced);
  await enroll(first.store, 'user-2', replaced, true);
  await first.store.deleteEnrollment(GALLERY, 'user-3');
  vectors.delete('user-3');
  const added = randomVector();
  vectors.set('user-new', added);
  await enroll(first.store, 'user-new', added);
  await first.store.close();

  const second = await openAll(dir, dataKey);
  assert.equal(second.report.restored, 1);
  assert.deepEqual(second.report.reconciled, { replaced: 2, removed: 1 });
  assert.deepEqual(second.report.snapshotFailures, []);
  const index = second.indexes.get(GALLERY);
  assert.equal(index.kind, 'hnsw');
  assert.equal(index.size, 400);
  assert.equal(index.has('user-3'), false);

  const exact = new ExactIndex(D);
  for (const [id, vector] of vectors) exact.add(id, vector);
  for (const id of ['user-1', 'user-2', 'user-new', 'user-0', 'user-399']) {
    const [hit] = index.search(vectors.get(id)!, 1);
    assert.equal(hit.id, id);
    assert.ok(hit.score > 0.99);
  }
  let agree = 0;
  for (let q = 0; q < 100; q++) {
    const query = randomVector();
    if (index.search(query, 1)[0].id === exact.search(query, 1)[0].id) agree++;
  }
  assert.ok(agree >= 97, `recall@1 ${agree}/100`);
  second.indexes.disposeAll();
  await second.store.close();

  // The reconciled index was snapshotted again, so the next start has nothing to reconcile.
  const third = await openAll(dir, dataKey);
  assert.deepEqual(third.report.reconciled, { replaced: 0, removed: 0 });
  assert.equal(third.report.restored, 1);
  await third.indexes.drop(GALLERY);
  assert.deepEqual(readdirSync(join(dir, 'indexes')), [], 'dropping a gallery deletes its snapshot');
  await third.store.close();
});

test('a snapshot that does not open is reported and the gallery is rebuilt from the store', async () => {
  const dir = join(root, 'corrupt');
  const dataKey = randomBytes(32);
  const store = await openSqliteStore({ path: join(dir, 'facegate.db'), sealer: createSealer(dataKey) });
  await store.createGallery({ name: GALLERY, savePhoto: false, keepTemplates: true, matchLevel: 'HIGH', livenessLevel: null });
  const probe = randomVector();
  await enroll(store, 'probe', probe);
  for (let i = 0; i < 150; i++) await enroll(store, `user-${i}`, randomVector());
  await store.close();

  const first = await openAll(dir, dataKey);
  first.indexes.disposeAll();
  await first.store.close();
  for (const file of readdirSync(join(dir, 'indexes')).filter((name) => name.endsWith('.graph'))) {
    writeFileSync(join(dir, 'indexes', file), randomBytes(4096));
  }

  const second = await openAll(dir, dataKey);
  assert.equal(second.report.restored, 0);
  assert.equal(second.report.snapshotFailures.length, 1);
  assert.equal(second.report.snapshotFailures[0].gallery, GALLERY);
  assert.equal(second.indexes.get(GALLERY).size, 151);
  assert.equal(second.indexes.get(GALLERY).search(probe, 1)[0].id, 'probe');
  second.indexes.disposeAll();
  await second.store.close();

  const third = await openAll(dir, dataKey);
  assert.equal(third.report.restored, 1, 'the rebuild was snapshotted afresh');
  third.indexes.disposeAll();
  await third.store.close();
});

test('a snapshot that cannot be saved is reported and the start goes on', async () => {
  const dir = join(root, 'unsaveable');
  const dataKey = randomBytes(32);
  const store = await openSqliteStore({ path: join(dir, 'facegate.db'), sealer: createSealer(dataKey) });
  await store.createGallery({ name: GALLERY, savePhoto: false, keepTemplates: true, matchLevel: 'HIGH', livenessLevel: null });
  for (let i = 0; i < 150; i++) await enroll(store, `user-${i}`, randomVector());
  await store.close();
  // A file where the snapshot directory should be: every snapshot operation fails.
  writeFileSync(join(dir, 'indexes'), 'not a directory');

  const { store: reopened, indexes, report } = await openAll(dir, dataKey);
  assert.equal(indexes.get(GALLERY).kind, 'hnsw');
  assert.equal(indexes.get(GALLERY).size, 150);
  assert.deepEqual(report.snapshotFailures.map((failure) => failure.action).sort(), ['prune', 'restore', 'save']);
  indexes.disposeAll();
  await reopened.close();
});
