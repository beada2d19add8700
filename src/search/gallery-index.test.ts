import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGalleryIndex, loadGalleryIndex } from './gallery-index.js';
import { seededRandom } from '../core/random.js';

const D = 64;

function randomVectors(count: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  const next = () => random() - 0.5;
  return Array.from({ length: count }, () => {
    const v = new Float32Array(D).map(next);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

function assertFindsItself(index: ReturnType<typeof createGalleryIndex>, vectors: Map<string, Float32Array>): void {
  assert.equal(index.size, vectors.size);
  for (const [id, vector] of vectors) {
    assert.equal(index.has(id), true, id);
    const [best] = index.search(vector, 1);
    assert.equal(best?.id, id);
    assert.ok(best.score > 0.99);
  }
}

test('switches to HNSW past the threshold and keeps every id searchable, including changes made while converting', async () => {
  const index = createGalleryIndex({ dimensions: D, hnswThreshold: 300 });
  const vectors = new Map<string, Float32Array>();
  const pool = randomVectors(600, 1);
  for (let i = 0; i < 300; i++) {
    vectors.set(`t${i}`, pool[i]);
    index.add(`t${i}`, pool[i]);
  }
  assert.equal(index.kind, 'exact');

  vectors.set('t300', pool[300]);
  index.add('t300', pool[300]);
  assert.equal(index.kind, 'exact', 'converts in the background');
  index.remove('t5');
  vectors.delete('t5');
  index.add('t6', pool[301]);
  vectors.set('t6', pool[301]);
  for (let i = 302; i < 400; i++) {
    vectors.set(`t${i}`, pool[i]);
    index.add(`t${i}`, pool[i]);
  }
  assertFindsItself(index, vectors);

  await index.idle();
  assert.equal(index.kind, 'hnsw');
  assertFindsItself(index, vectors);

  for (const id of ['t0', 't200', 't399']) {
    assert.equal(index.remove(id), true);
    vectors.delete(id);
  }
  index.addBatch(['t400', 't401'], Float32Array.from([...pool[400], ...pool[401]]));
  vectors.set('t400', pool[400]).set('t401', pool[401]);
  assertFindsItself(index, vectors);
  assert.ok(index.search(pool[0], 20).every((hit) => hit.id !== 't0'));
  index.dispose();
});

test('loadGalleryIndex stays exact below the threshold and builds HNSW above it', async () => {
  const pool = randomVectors(1200, 2);
  async function* entries(count: number) {
    for (let i = 0; i < count; i++) yield { id: `s${i}`, vector: pool[i] };
  }
  const small = await loadGalleryIndex(D, entries(100), { hnswThreshold: 500 });
  assert.equal(small.kind, 'exact');
  assert.equal(small.size, 100);

  const large = await loadGalleryIndex(D, entries(1200), { hnswThreshold: 500 });
  assert.equal(large.kind, 'hnsw');
  assertFindsItself(large, new Map(pool.map((v, i) => [`s${i}`, v])));
  small.dispose();
  large.dispose();
});

test('dispose stops a running conversion and every later call', async () => {
  const index = createGalleryIndex({ dimensions: D, hnswThreshold: 10 });
  randomVectors(500, 3).forEach((v, i) => index.add(`d${i}`, v));
  index.dispose();
  await index.idle();
  assert.throws(() => index.search(new Float32Array(D), 1), /disposed/);
  assert.throws(() => index.add('x', new Float32Array(D)), /disposed/);
  assert.equal(index.memoryBytes(), 0);
});
