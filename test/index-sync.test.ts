/**
 * Two servers on one database: B's indexes follow the enrollments A writes, through the
 * store's change log (here two connections to one SQLite file, as two processes would have).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createSealer } from '../src/crypto/at-rest.js';
import { GalleryIndexes } from '../src/services/gallery-indexes.js';
import { IndexSync } from '../src/services/index-sync.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/types.js';
import { templateEnrollment, unitVectors } from './template-rows.js';

const D = 32;
const MODEL = 'sync-test-model';
const root = mkdtempSync(join(tmpdir(), 'facegate-index-sync-'));
after(() => rmSync(root, { recursive: true, force: true }));

const randomVector = unitVectors(D, 21);
const enrollment = (galleryName: string, userId: string, vector: Float32Array, modelId = MODEL) => templateEnrollment(galleryName, userId, vector, modelId);

async function twoServers(name: string, hnswThreshold: number, intervalMs = 60_000) {
  const path = join(root, name, 'facegate.db');
  const sealer = createSealer(randomBytes(32));
  const storeA = await openSqliteStore({ path, sealer });
  const storeB = await openSqliteStore({ path, sealer });
  const indexesB = new GalleryIndexes(MODEL, D, hnswThreshold);
  const since = new Date(Date.now() - 60_000);
  await indexesB.loadAll(storeB);
  const syncB = new IndexSync(storeB, indexesB, MODEL, { intervalMs, since, onError: (error) => assert.fail(String(error)) });
  return { storeA, storeB, indexesB, syncB, close: async () => Promise.all([storeA.close(), storeB.close()]) };
}

async function newGallery(store: Store, name: string): Promise<void> {
  await store.createGallery({ name, savePhoto: false, keepTemplates: true, matchLevel: 'HIGH', livenessLevel: null });
}

for (const [kind, threshold] of [['exact', 1000], ['hnsw', 5]] as const) {
  test(`a ${kind} index follows inserts, replacements and deletes another server makes`, async () => {
    const { storeA, storeB, indexesB, syncB, close } = await twoServers(kind, threshold);
    try {
      await newGallery(storeA, 'lobby');
      const vectors = new Map<string, Float32Array>();
      for (let i = 0; i < 12; i++) {
        vectors.set(`user-${i}`, randomVector());
        await storeA.insertEnrollment(enrollment('lobby', `user-${i}`, vectors.get(`user-${i}`)!));
      }
      assert.equal(await syncB.syncOnce(), 12);
      const lobby = indexesB.get('lobby');
      await lobby.idle();
      assert.equal(lobby.kind, kind);
      assert.equal(lobby.size, 12);
      for (const [id, vector] of vectors) assert.equal(lobby.search(vector, 1)[0].id, id);

      const moved = randomVector();
      await storeA.replaceEnrollment(enrollment('lobby', 'user-3', moved));
      await storeA.deleteEnrollment('lobby', 'user-4');
      await storeA.insertEnrollment(enrollment('lobby', 'other-model', randomVector(), 'another-model'));
      assert.equal(await syncB.syncOnce(), 3);
      assert.equal(lobby.search(moved, 1)[0].id, 'user-3');
      assert.equal(lobby.has('user-4'), false);
      assert.equal(lobby.has('other-model'), false, 'a template of another model is not searchable here');
      assert.equal(await syncB.syncOnce(), 0, 'changes already applied are skipped');

      // B's own write is in its index already: re-reading it changes nothing.
      const own = randomVector();
      await storeB.insertEnrollment(enrollment('lobby', 'own', own));
      lobby.add('own', own);
      const revision = lobby.revision;
      assert.equal(await syncB.syncOnce(), 1);
      assert.equal(lobby.revision, revision);

      await storeA.deleteGallery('lobby');
      await syncB.syncOnce();
      assert.equal(lobby.size, 0, 'a gallery deleted elsewhere empties here');
    } finally {
      await syncB.stop();
      indexesB.disposeAll();
      await close();
    }
  });
}

test('a gallery created by another server after this one started gets an index on its first change', async () => {
  const { storeA, indexesB, syncB, close } = await twoServers('late-gallery', 1000, 20);
  try {
    await newGallery(storeA, 'annex');
    const vector = randomVector();
    await storeA.insertEnrollment(enrollment('annex', 'newcomer', vector));
    assert.equal(indexesB.find('annex'), undefined);
    syncB.start();
    const deadline = Date.now() + 5000;
    while (!indexesB.find('annex')?.has('newcomer') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(indexesB.find('annex')?.search(vector, 1)[0].id, 'newcomer');
  } finally {
    await syncB.stop();
    indexesB.disposeAll();
    await close();
  }
});

test('while a gallery loads its searches are refused, and writes made meanwhile arrive through the change log', async () => {
  const { storeA, storeB, indexesB, syncB, close } = await twoServers('loading', 100);
  try {
    await newGallery(storeA, 'hall');
    for (let i = 0; i < 1500; i++) await storeA.insertEnrollment(enrollment('hall', `user-${i}`, randomVector()));
    const reloaded = new GalleryIndexes(MODEL, D, 100);
    const since = new Date(Date.now() - 60_000);
    let finished = false;
    const loading = reloaded.loadAll(storeB).finally(() => (finished = true));
    while (!reloaded.loading && !finished) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(reloaded.loading, true, 'observed while loading');
    assert.throws(() => reloaded.searchable('hall'), (error: Error & { code?: string }) => error.code === 'ERROR_INDEX_LOADING' && /still loading/.test(error.message));

    // A write during the load: to the store, and to a detached index the load will not keep.
    const late = randomVector();
    await storeB.insertEnrollment(enrollment('hall', 'late', late));
    reloaded.get('hall').add('late', late);
    await loading;
    assert.equal(reloaded.loading, false);
    const sync = new IndexSync(storeB, reloaded, MODEL, { intervalMs: 60_000, since, onError: (error) => assert.fail(String(error)) });
    await sync.syncOnce();
    const hall = reloaded.searchable('hall');
    assert.equal(hall.search(late, 1)[0].id, 'late');
    assert.equal(hall.size, 1501);
    reloaded.disposeAll();
  } finally {
    await syncB.stop();
    indexesB.disposeAll();
    await close();
  }
});
