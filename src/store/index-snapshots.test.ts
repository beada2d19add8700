import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { IndexSnapshots } from './index-snapshots.js';

const root = mkdtempSync(join(tmpdir(), 'facegate-snapshots-'));
after(() => rmSync(root, { recursive: true, force: true }));

const graphBytes = randomBytes(300_000);
const plaintextDirs: string[] = [];
const writeGraph = (state: string) => (graphPath: string) => {
  plaintextDirs.push(dirname(graphPath));
  writeFileSync(graphPath, graphBytes);
  return Buffer.from(state);
};
const readBack = (state: Uint8Array, graphPath: string) => ({ state: Buffer.from(state).toString(), graph: readFileSync(graphPath) });

test('a snapshot opens to the same state and graph bytes, sealed on disk, with no plaintext left behind', async () => {
  const dir = join(root, 'roundtrip');
  const snapshots = new IndexSnapshots(dir, randomBytes(32));
  await snapshots.save('gallery one', graphBytes.length, writeGraph('state-1'));
  const loaded = await snapshots.load('gallery one', readBack);
  assert.equal(loaded?.state, 'state-1');
  assert.ok(loaded?.graph.equals(graphBytes));

  const files = readdirSync(dir).sort();
  assert.deepEqual(files.map((file) => file.replace(/^[0-9a-f]{64}/, 'H')), ['H.graph', 'H.state']);
  const sealedGraph = readFileSync(join(dir, files[0]));
  assert.equal(sealedGraph.includes(graphBytes.subarray(0, 64)), false);
  assert.equal(statSync(join(dir, files[0])).mode & 0o777, 0o600);
  // usearch makes its file with the umask's mode, so privacy comes from a fresh 0700 directory, gone afterwards.
  const plaintextDir = plaintextDirs[plaintextDirs.length - 1];
  assert.match(plaintextDir, /^\/dev\/shm\/facegate-graph-[0-9a-f]{12}-/);
  assert.equal(existsSync(plaintextDir), false);

  await snapshots.save('gallery one', graphBytes.length, writeGraph('state-2'));
  assert.equal((await snapshots.load('gallery one', readBack))?.state, 'state-2');
  assert.equal(await snapshots.load('another gallery', readBack), undefined);
});

test('a tampered graph, a state from another gallery or another data key does not open', async () => {
  const dir = join(root, 'tamper');
  const key = randomBytes(32);
  const snapshots = new IndexSnapshots(dir, key);
  await snapshots.save('a', graphBytes.length, writeGraph('state-a'));
  await snapshots.save('b', graphBytes.length, writeGraph('state-b'));
  const [graphA, stateA] = ['graph', 'state'].map((part) => join(dir, `${snapshotName('a', dir)}.${part}`));

  assert.equal((await new IndexSnapshots(dir, randomBytes(32)).load('a', readBack).catch(() => 'refused')), 'refused');

  const sealed = readFileSync(graphA);
  sealed[1000] ^= 1;
  writeFileSync(graphA, sealed);
  await assert.rejects(snapshots.load('a', readBack));

  // The state of b in a's place: bound to b's name, so it does not open as a's.
  writeFileSync(stateA, readFileSync(join(dir, `${snapshotName('b', dir)}.state`)));
  await assert.rejects(snapshots.load('a', readBack));
});

test('a plaintext graph goes beside the snapshots when /dev/shm has no room for it', async () => {
  const dir = join(root, 'no-room');
  const snapshots = new IndexSnapshots(dir, randomBytes(32));
  await snapshots.save('huge', Number.MAX_SAFE_INTEGER, writeGraph('huge'));
  const plaintextDir = plaintextDirs[plaintextDirs.length - 1];
  assert.equal(dirname(plaintextDir), dir);
  assert.equal(existsSync(plaintextDir), false);
  assert.equal((await snapshots.load('huge', readBack))?.state, 'huge');
});

test('prune removes plaintext a killed process left over an hour ago, and only that', async () => {
  const dir = join(root, 'leftovers');
  const snapshots = new IndexSnapshots(dir, randomBytes(32));
  await snapshots.save('g', graphBytes.length, writeGraph('g'));
  const prefix = basename(plaintextDirs[plaintextDirs.length - 1]).slice(0, 'facegate-graph-'.length + 13);
  const stale = [join(dir, `${prefix}old`), join('/dev/shm', `${prefix}old`), join(dir, 'abc.graph.tmp')];
  const fresh = [join(dir, `${prefix}new`), join('/dev/shm', `${prefix}new`), join('/dev/shm', 'facegate-graph-0123456789ab-other-server')];
  const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
  for (const leftover of [...stale, ...fresh]) {
    if (leftover.endsWith('.tmp')) writeFileSync(leftover, 'x');
    else mkdirSync(leftover);
  }
  for (const leftover of [...stale, fresh[2]]) utimesSync(leftover, twoHoursAgo, twoHoursAgo);
  try {
    await snapshots.prune(['g']);
    assert.deepEqual(stale.map(existsSync), [false, false, false]);
    assert.deepEqual(fresh.map(existsSync), [true, true, true], 'in use, or another snapshot directory\'s');
    assert.equal((await snapshots.load('g', readBack))?.state, 'g');
  } finally {
    for (const leftover of fresh) rmSync(leftover, { recursive: true, force: true });
  }
});

test('remove and prune delete the snapshots of deleted galleries', async () => {
  const dir = join(root, 'prune');
  const snapshots = new IndexSnapshots(dir, randomBytes(32));
  for (const gallery of ['kept', 'gone', 'removed']) await snapshots.save(gallery, graphBytes.length, writeGraph(gallery));
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
