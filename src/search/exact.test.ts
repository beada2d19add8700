import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExactIndex } from './exact.js';
import { seededRandom } from '../core/random.js';

const D = 16;


function unitVector(next: () => number, d = D): Float32Array {
  const v = new Float32Array(d).map(() => next() - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function dot(a: Float32Array, b: Float32Array): number {
  return a.reduce((sum, x, i) => sum + x * b[i], 0);
}

function filled(count: number, seed = 1): { index: ExactIndex; vectors: Map<string, Float32Array> } {
  const next = seededRandom(seed);
  const index = new ExactIndex(D, 4);
  const vectors = new Map<string, Float32Array>();
  for (let i = 0; i < count; i++) {
    const v = unitVector(next);
    vectors.set(`id${i}`, v);
    index.add(`id${i}`, v);
  }
  return { index, vectors };
}

/** The expected top-k by sorting every score. */
function bruteForce(vectors: Map<string, Float32Array>, query: Float32Array, k: number, minScore = -Infinity) {
  return [...vectors]
    .map(([id, v]) => ({ id, score: dot(v, query) }))
    .filter((hit) => hit.score >= minScore)
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

function assertSameHits(actual: { id: string; score: number }[], expected: { id: string; score: number }[]): void {
  assert.deepEqual(actual.map((hit) => hit.id), expected.map((hit) => hit.id));
  actual.forEach((hit, i) => assert.ok(Math.abs(hit.score - expected[i].score) < 1e-6));
}

test('search returns the k best scores, best first, for odd and even sizes', () => {
  for (const count of [1, 2, 7, 301]) {
    const { index, vectors } = filled(count);
    const next = seededRandom(99);
    for (let q = 0; q < 20; q++) {
      const query = unitVector(next);
      for (const k of [1, 5, 10, 400]) assertSameHits(index.search(query, k), bruteForce(vectors, query, k));
    }
  }
});

test('odd dimensions are scored in full', () => {
  const next = seededRandom(5);
  const index = new ExactIndex(7);
  const stored = [unitVector(next, 7), unitVector(next, 7), unitVector(next, 7)];
  stored.forEach((v, i) => index.add(`v${i}`, v));
  const query = unitVector(next, 7);
  const hits = index.search(query, 3);
  for (const hit of hits) assert.ok(Math.abs(hit.score - dot(stored[Number(hit.id.slice(1))], query)) < 1e-6);
});

test('minScore drops weaker hits', () => {
  const { index, vectors } = filled(200);
  const query = unitVector(seededRandom(7));
  const hits = index.search(query, 50, 0.2);
  assertSameHits(hits, bruteForce(vectors, query, 50, 0.2));
  assert.ok(hits.every((hit) => hit.score >= 0.2));
  assert.deepEqual(index.search(query, 10, 1.5), []);
});

test('adding an existing id replaces its vector and keeps the size', () => {
  const { index, vectors } = filled(10);
  const replacement = unitVector(seededRandom(3));
  index.add('id4', replacement);
  assert.equal(index.size, 10);
  assert.deepEqual(index.search(replacement, 1)[0].id, 'id4');
  assert.ok(Math.abs(index.search(replacement, 1)[0].score - 1) < 1e-6);
  vectors.set('id4', replacement);
  const query = unitVector(seededRandom(4));
  assertSameHits(index.search(query, 10), bruteForce(vectors, query, 10));
});

test('remove of the last, a middle and the first element keeps every other vector intact', () => {
  const { index, vectors } = filled(9);
  for (const id of ['id8', 'id3', 'id0']) {
    assert.equal(index.remove(id), true);
    vectors.delete(id);
    assert.equal(index.has(id), false);
    assert.equal(index.size, vectors.size);
    for (const [other, v] of vectors) {
      assert.equal(index.has(other), true);
      const [best] = index.search(v, 1);
      assert.equal(best.id, other);
      assert.ok(Math.abs(best.score - 1) < 1e-6);
    }
    assert.ok(index.search(unitVector(seededRandom(8)), 100).every((hit) => hit.id !== id));
  }
  assert.equal(index.remove('id3'), false);
  assert.equal(index.remove('missing'), false);
  for (const id of [...vectors.keys()]) index.remove(id);
  assert.equal(index.size, 0);
  assert.deepEqual(index.search(unitVector(seededRandom(9)), 5), []);
});

test('grows past its initial capacity', () => {
  const { index, vectors } = filled(1000);
  assert.equal(index.size, 1000);
  const query = unitVector(seededRandom(11));
  assertSameHits(index.search(query, 10), bruteForce(vectors, query, 10));
  assert.ok(index.memoryBytes() >= 1000 * D * 4);
});

test('rejects bad vectors and k, and every call after dispose', () => {
  const index = new ExactIndex(D);
  assert.throws(() => index.add('x', new Float32Array(D + 1)), RangeError);
  assert.throws(() => index.add('x', new Float32Array(D).fill(Number.NaN)), RangeError);
  assert.throws(() => index.search(new Float32Array(D), -1), RangeError);
  assert.deepEqual(index.search(new Float32Array(D), 0), []);
  index.add('x', unitVector(seededRandom(1)));
  index.dispose();
  assert.equal(index.has('x'), false);
  assert.throws(() => index.search(new Float32Array(D), 1), /disposed/);
  assert.throws(() => index.add('y', new Float32Array(D)), /disposed/);
});
