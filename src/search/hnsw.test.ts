import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExactIndex } from './exact.js';
import { HnswIndex } from './hnsw.js';
import { seededRandom } from '../core/random.js';

const D = 128;


function normalize(v: Float32Array): Float32Array {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** Face-like clusters: two enrolled samples and fresh queries per identity, genuine cosine ~0.6-0.7. */
function clusteredData(identities: number, seed: number) {
  const next = seededRandom(seed);
  const centres = Array.from({ length: identities }, () => normalize(new Float32Array(D).map(() => next() - 0.5)));
  const sampleOf = (identity: number) =>
    normalize(centres[identity].map((x) => x + 0.7 * (next() - 0.5) * Math.sqrt(12 / D)));
  const enrolled: { id: string; vector: Float32Array }[] = [];
  for (let identity = 0; identity < identities; identity++) {
    enrolled.push({ id: `p${identity}a`, vector: sampleOf(identity) });
    enrolled.push({ id: `p${identity}b`, vector: sampleOf(identity) });
  }
  const queries = Array.from({ length: 300 }, (_, q) => sampleOf((q * 7) % identities));
  return { enrolled, queries };
}

function flatten(vectors: Float32Array[]): Float32Array {
  const flat = new Float32Array(vectors.length * D);
  vectors.forEach((v, i) => flat.set(v, i * D));
  return flat;
}

test('HNSW agrees with exact search on recall@1 ≥ 0.99 for clustered vectors, with close scores', () => {
  const { enrolled, queries } = clusteredData(2000, 1);
  const exact = new ExactIndex(D);
  const hnsw = new HnswIndex(D);
  for (const { id, vector } of enrolled) exact.add(id, vector);
  hnsw.addBatch(
    enrolled.map((entry) => entry.id),
    flatten(enrolled.map((entry) => entry.vector)),
  );
  assert.equal(hnsw.size, enrolled.length);
  let agree = 0;
  for (const query of queries) {
    const [expected] = exact.search(query, 1);
    const hits = hnsw.search(query, 10);
    assert.equal(hits.length, 10);
    assert.ok(hits.every((hit, i) => i === 0 || hits[i - 1].score >= hit.score));
    if (hits[0].id === expected.id) {
      agree++;
      assert.ok(Math.abs(hits[0].score - expected.score) < 0.01);
    }
  }
  assert.ok(agree / queries.length >= 0.99, `recall@1 ${agree / queries.length}`);
  hnsw.dispose();
});

test('single adds, replace, remove and re-add keep ids and size right', () => {
  const { enrolled } = clusteredData(200, 2);
  const hnsw = new HnswIndex(D, { expansionSearch: 64 });
  for (const { id, vector } of enrolled) hnsw.add(id, vector);
  assert.equal(hnsw.size, 400);

  const moved = normalize(new Float32Array(D).map((_, i) => (i === 0 ? 1 : 0)));
  hnsw.add('p5a', moved);
  assert.equal(hnsw.size, 400);
  const [top] = hnsw.search(moved, 1);
  assert.equal(top.id, 'p5a');
  assert.ok(top.score > 0.99);

  for (const id of ['p0a', 'p7b', 'p199b']) {
    assert.equal(hnsw.remove(id), true);
    assert.equal(hnsw.has(id), false);
  }
  assert.equal(hnsw.remove('p0a'), false);
  assert.equal(hnsw.size, 397);
  const removedVector = enrolled.find((entry) => entry.id === 'p7b')!.vector;
  assert.ok(hnsw.search(removedVector, 50).every((hit) => !['p0a', 'p7b', 'p199b'].includes(hit.id)));
  assert.equal(hnsw.search(removedVector, 1)[0].id, 'p7a');

  hnsw.add('p7b', removedVector);
  assert.equal(hnsw.size, 398);
  assert.equal(hnsw.search(removedVector, 1)[0].id, 'p7b');
  assert.ok(hnsw.memoryBytes() > 398 * D);
});

test('addBatch replaces existing ids and lets the last row of a repeated id win', () => {
  const { enrolled } = clusteredData(50, 3);
  const hnsw = new HnswIndex(D);
  hnsw.addBatch(
    enrolled.map((entry) => entry.id),
    flatten(enrolled.map((entry) => entry.vector)),
  );
  const first = enrolled[10].vector;
  const last = enrolled[20].vector;
  hnsw.addBatch(['p3a', 'p3a', 'fresh'], flatten([first, last, first]));
  assert.equal(hnsw.size, 101);
  const hits = hnsw.search(last, 2).map((hit) => hit.id);
  assert.ok(hits.includes('p3a') && hits.includes(enrolled[20].id));
  assert.throws(() => hnsw.addBatch(['a', 'b'], new Float32Array(D)), RangeError);
});

test('minScore, k and dispose', () => {
  const { enrolled, queries } = clusteredData(100, 4);
  const hnsw = new HnswIndex(D);
  for (const { id, vector } of enrolled) hnsw.add(id, vector);
  const hits = hnsw.search(queries[0], 10, 0.4);
  assert.ok(hits.length >= 1 && hits.length <= 2);
  assert.ok(hits.every((hit) => hit.score >= 0.4));
  assert.deepEqual(hnsw.search(queries[0], 0), []);
  assert.throws(() => (hnsw.expansionSearch = 0), RangeError);
  hnsw.dispose();
  assert.equal(hnsw.size, 0);
  assert.equal(hnsw.memoryBytes(), 0);
  assert.throws(() => hnsw.search(queries[0], 1), /disposed/);
  assert.throws(() => hnsw.add('x', queries[0]), /disposed/);
});

test('every template of a multi-threaded bulk load is reachable by its own vector', () => {
  const next = seededRandom(5);
  const count = 3000;
  const vectors = Array.from({ length: count }, () => normalize(new Float32Array(D).map(() => next() - 0.5)));
  const hnsw = new HnswIndex(D, { threads: 2, expansionSearch: 32 });
  hnsw.addBatch(
    vectors.map((_, i) => `r${i}`),
    flatten(vectors),
  );
  const unreachable = vectors.filter((vector, i) => hnsw.search(vector, 1)[0]?.id !== `r${i}`).length;
  assert.equal(unreachable, 0);
});

test('save and restore keep every id, search result, freed key and fingerprint', () => {
  const { enrolled, queries } = clusteredData(300, 6);
  const hnsw = new HnswIndex(D, { expansionSearch: 64 });
  for (const { id, vector } of enrolled) hnsw.add(id, vector);
  hnsw.remove('p3a');
  hnsw.remove('p9b');
  const dir = mkdtempSync(join(tmpdir(), 'facegate-hnsw-'));
  try {
    const graphPath = join(dir, 'graph.usearch');
    const state = hnsw.save(graphPath);
    assert.equal(state.idByKey.filter((id) => id === null).length, 2);
    const restored = HnswIndex.restore(D, { expansionSearch: 64 }, state, graphPath);
    assert.equal(restored.size, 598);
    assert.equal(restored.has('p3a'), false);
    for (const query of queries.slice(0, 50)) assert.deepEqual(restored.search(query, 5), hnsw.search(query, 5));
    for (const { id, vector } of enrolled.slice(0, 20)) {
      if (!restored.has(id)) continue;
      assert.equal(restored.fingerprintOf(id), restored.fingerprint(vector));
      assert.equal(restored.fingerprintOf(id), hnsw.fingerprintOf(id));
    }
    assert.notEqual(restored.fingerprint(enrolled[0].vector), restored.fingerprint(enrolled[1].vector));

    // Freed keys are reused after a restore, and new ids get fresh ones.
    restored.add('p3a', enrolled[6].vector);
    restored.add('newcomer', enrolled[8].vector);
    assert.equal(restored.size, 600);
    assert.equal(restored.fingerprintOf('p3a'), restored.fingerprint(enrolled[6].vector));
    assert.equal(restored.search(enrolled[8].vector, 2).some((hit) => hit.id === 'newcomer'), true);
    const resaved = restored.save(join(dir, 'again.usearch'));
    assert.equal(resaved.idByKey.length, state.idByKey.length, 'both new ids took the two freed keys');
    assert.equal(resaved.idByKey.filter((id) => id === null).length, 0);

    const mismatched = { ...state, idByKey: state.idByKey.slice(1), fingerprints: state.fingerprints.slice(1) };
    assert.throws(() => HnswIndex.restore(D, {}, mismatched, graphPath), /holds 598 vectors but its state names 597/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
