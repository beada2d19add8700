import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { IndexSnapshots } from './index-snapshots.js';

const root = mkdtempSync(join(tmpdir(), 'facegate-snapshots-'));
after(() => rmSync(root, { recursive: true, force: true }));

const graphBytes = randomBytes(300_000);
const writeGraph = (state: string) => (graphPath: string) => {
  writeFileSync(graphPath, graphBytes);
  return Buffer.from(state);
};
const readBack = (state: Uint8Array, graphPath: string) => ({ state: Buffer.from(state).toString(), graph: readFileSync(graphPath) });

test('a snapshot opens to the same state and graph bytes, sealed on disk, with no plaintext left behind', async () => {
  const dir = join(root, 'roundtrip');
  const snapshots = new IndexSnapshots(dir, randomBytes(32));
  await snapshots.save('gallery one', writeGraph('state-1'));
  const loaded = await snapshots.load('gallery one', readBack);
  assert.equal(loaded?.state, 'state-1');
  assert.ok(loaded?.graph.equals(graphBytes));

  const files = readdirSync(dir).sort();
  assert.deepEqual(files.map((file) => file.replace(/^[0-9a-f]{64}/, 'H')), ['H.graph', 'H.state']);
  const sealedGraph = readFileSync(join(dir, files[0]));
  assert.equal(sealedGraph.includes(graphBytes.subarray(0, 64)), false);
  assert.equal(statSync(join(dir, files[0])).mode & 0o777, 0o600);
  assert.equal(readdirSync('/dev/shm').some((file) => file.startsWith('facegate-graph-')), false);

  await snapshots.save('gallery one', writeGraph('state-2'));
  assert.equal((await snapshots.load('gallery one', readBack))?.state, 'state-2');
  assert.equal(await snapshots.load('another gallery', readBack), undefined);
});

test('a tampered graph, a state from another gallery or another data key does not open', async () => {
  const dir = join(root, 'tamper');
  const key = randomBytes(32);
  const snapshots = new IndexSnapshots(dir, key);
  await snapshots.save('a', writeGraph('state-a'));
  await snapshots.save('b', writeGraph('state-b'));
  const [graphA, stateA] = ['graph', 'state'].map((part) => join(dir, `${snapshotName('a', dir)}.${part}`));

  assert.equal((await new IndexSnapshots(dir, randomBytes(32)).load('a', readBack).catch(() => 'refused')), 'refused');

  const sealed = readFileSync(graphA);
  sealed[1000] ^= 1;
  writeFileSync(graphA, sealed);
  await assert.rejects(snapshots.load('a', readBack));

  // The state of b in a's place: bound to b's name, so it does not open as a's.
  writeFileSync(stateA, readFileSync(join(dir, `${snapshotName('b', dir)}.state`)));
  await assert.rejects(snapshots.load('a', readBack));
  assert.equal(readdirSync('/dev/shm').some((file) => file.startsWith('facegate-graph-')), false);
});

test('remove and prune delete the snapshots of deleted galleries', async () => {
  const dir = join(root, 'prune');
  const snapshots = new IndexSnapshots(dir, randomBytes(32));
  for (const gallery of ['kept', 'gone', 'removed']) await snapshots.save(gallery, writeGraph(gallery));
  await snapshots.remove('removed');
  assert.equal(await snapshots.load('removed', readBack), undefined);
  assert.equal(await snapshots.prune(['kept']), 2);
  assert.equal(await snapshots.load('gone', readBack), undefined);
  assert.equal((await snapshots.load('kept', readBack))?.state, 'kept');
  assert.equal(await new IndexSnapshots(join(root, 'never-made'), randomBytes(32)).prune([]), 0);
  assert.equal(existsSync(join(root, 'never-made')), false);
});

/** Snapshot files are named by the SHA-256 of the gallery name. */
function snapshotName(gallery: string, dir: string): string {
  const name = createHash('sha256').update(gallery, 'utf8').digest('hex');
  assert.ok(existsSync(join(dir, `${name}.state`)));
  return name;
}
