/**
 * Sealed snapshots of gallery search graphs, so a large gallery loads in seconds at start
 * instead of being rebuilt (a 1 M graph takes 33-45 minutes to build on 2 cores).
 *
 * Two files per gallery in the snapshot directory, named by the SHA-256 of the gallery name:
 * - `<name>.graph`: 'FGSG' | version | IV (12) | AES-256-GCM of usearch's file | tag (16),
 *   streamed, with the gallery name and snapshot id as additional data;
 * - `<name>.state`: the caller's state bytes prefixed with the snapshot id, sealed the same
 *   way as rows (src/crypto/at-rest.ts) and bound to the gallery name.
 * The state is renamed into place last and names its graph's snapshot id, so a crash between
 * the two renames leaves a pair that fails to open, which means a rebuild, never a wrong index.
 * Both hold templates (as int8 codes), hence the encryption under a key derived from the data key.
 *
 * usearch reads and writes only file paths, so the graph passes through a plaintext file, in
 * a private directory (mode 0700, made by mkdtemp) in /dev/shm (memory, never disk) when it
 * exists and has room, else in the snapshot directory; removed as soon as it has been read.
 * What a killed process leaves behind is removed by the next start's prune after an hour.
 */
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access, appendFile, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createSealer, deriveSubkey } from '../crypto/at-rest.js';
import { fsyncPath, isErrno } from './files.js';
import type { Sealer } from './types.js';

const GRAPH_MAGIC = Buffer.from('FGSG', 'ascii');
const GRAPH_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const GRAPH_HEADER_BYTES = GRAPH_MAGIC.length + 1 + IV_BYTES;
const SNAPSHOT_ID_BYTES = 36;
const MEMORY_DIR = '/dev/shm';
/** Headroom over the expected plaintext size before /dev/shm is used (Docker gives it 64 MB). */
const MEMORY_DIR_HEADROOM = 1.25;
/** Plaintext leftovers older than this belong to no running save or restore. */
const LEFTOVER_AGE_MS = 3_600_000;

export class IndexSnapshots {
  readonly #dir: string;
  readonly #key: Buffer;
  readonly #sealer: Sealer;

  constructor(dir: string, dataKey: Uint8Array) {
    this.#dir = dir;
    this.#key = deriveSubkey(dataKey, 'facegate index snapshot v1');
    this.#sealer = createSealer(this.#key);
  }

  /**
   * `writeGraph` writes usearch's file (about `expectedBytes` long) to the path it is given and
   * returns the state bytes that belong with it; both are sealed and replace the gallery's
   * previous snapshot.
   */
  async save(gallery: string, expectedBytes: number, writeGraph: (graphPath: string) => Uint8Array): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const snapshotId = randomUUID();
    const base = this.#basePath(gallery);
    const plainDir = await this.#plaintextDir(expectedBytes);
    const plainPath = path.join(plainDir, 'graph.usearch');
    try {
      const state = writeGraph(plainPath);
      await this.#sealGraph(plainPath, `${base}.graph.tmp`, graphAssociatedData(gallery, snapshotId));
      const sealedState = this.#sealer.seal(Buffer.concat([Buffer.from(snapshotId, 'ascii'), state]), stateAssociatedData(gallery));
      await writeDurably(`${base}.state.tmp`, sealedState);
      await rename(`${base}.graph.tmp`, `${base}.graph`);
      await rename(`${base}.state.tmp`, `${base}.state`);
    } finally {
      await removeQuietly(plainDir, `${base}.graph.tmp`, `${base}.state.tmp`);
    }
  }

  /**
   * Opens the gallery's snapshot and hands `restore` its state bytes and a plaintext copy of the
   * graph file. Undefined when there is none; throws when it does not open (tampered, torn,
   * another data key), in which case the caller rebuilds.
   */
  async load<T>(gallery: string, restore: (state: Uint8Array, graphPath: string) => T): Promise<T | undefined> {
    const base = this.#basePath(gallery);
    let sealedState: Buffer;
    try {
      sealedState = await readFile(`${base}.state`);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw error;
    }
    const opened = Buffer.from(this.#sealer.open(sealedState, stateAssociatedData(gallery)));
    const snapshotId = opened.subarray(0, SNAPSHOT_ID_BYTES).toString('ascii');
    const plainDir = await this.#plaintextDir((await stat(`${base}.graph`)).size);
    const plainPath = path.join(plainDir, 'graph.usearch');
    try {
      await this.#openGraph(`${base}.graph`, plainPath, graphAssociatedData(gallery, snapshotId));
      return restore(opened.subarray(SNAPSHOT_ID_BYTES), plainPath);
    } finally {
      await removeQuietly(plainDir);
    }
  }

  async remove(gallery: string): Promise<void> {
    const base = this.#basePath(gallery);
    await rm(`${base}.state`, { force: true });
    await rm(`${base}.graph`, { force: true });
  }

  /**
   * Removes the snapshots of galleries not in `galleries` (deleted while this server was down),
   * and plaintext or half-written files a killed process left more than an hour ago.
   */
  async prune(galleries: readonly string[]): Promise<number> {
    await this.#removeLeftovers(MEMORY_DIR);
    const kept = new Set(galleries.map((gallery) => path.basename(this.#basePath(gallery))));
    let entries: string[];
    try {
      entries = await readdir(this.#dir);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return 0;
      throw error;
    }
    const orphans = entries.filter((entry) => /^[0-9a-f]{64}\.(graph|state)$/.test(entry) && !kept.has(entry.slice(0, 64)));
    await Promise.all(orphans.map((entry) => rm(path.join(this.#dir, entry), { force: true })));
    await this.#removeLeftovers(this.#dir);
    return orphans.length;
  }

  async #removeLeftovers(dir: string): Promise<void> {
    const entries = await readdir(dir).catch(() => [] as string[]);
    const cutoff = Date.now() - LEFTOVER_AGE_MS;
    for (const entry of entries) {
      if (!entry.startsWith(this.#plaintextPrefix) && !(dir === this.#dir && entry.endsWith('.tmp'))) continue;
      const at = path.join(dir, entry);
      const { mtimeMs } = await stat(at).catch(() => ({ mtimeMs: Infinity }));
      if (mtimeMs < cutoff) await rm(at, { recursive: true, force: true });
    }
  }

  #basePath(gallery: string): string {
    return path.join(this.#dir, createHash('sha256').update(gallery, 'utf8').digest('hex'));
  }

  /** Names this snapshot directory's plaintext directories, so prune never touches another's. */
  get #plaintextPrefix(): string {
    return `facegate-graph-${createHash('sha256').update(path.resolve(this.#dir)).digest('hex').slice(0, 12)}-`;
  }

  /** A fresh private directory for `bytes` of plaintext: in memory when /dev/shm has room, else beside the snapshots. */
  async #plaintextDir(bytes: number): Promise<string> {
    const inMemory = await access(MEMORY_DIR, constants.W_OK)
      .then(() => statfs(MEMORY_DIR))
      .then((fs) => fs.bavail * fs.bsize >= bytes * MEMORY_DIR_HEADROOM)
      .catch(() => false);
    const parent = inMemory ? MEMORY_DIR : this.#dir;
    await mkdir(parent, { recursive: true, mode: 0o700 });
    return mkdtemp(path.join(parent, this.#plaintextPrefix));
  }

  async #sealGraph(plainPath: string, sealedPath: string, associatedData: Buffer): Promise<void> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv).setAAD(associatedData);
    const header = Buffer.concat([GRAPH_MAGIC, Buffer.of(GRAPH_VERSION), iv]);
    const out = createWriteStream(sealedPath, { mode: 0o600 });
    out.write(header);
    await pipeline(createReadStream(plainPath), cipher, out);
    await appendFile(sealedPath, cipher.getAuthTag());
    await fsyncPath(sealedPath, 'r+');
  }

  async #openGraph(sealedPath: string, plainPath: string, associatedData: Buffer): Promise<void> {
    const { size } = await stat(sealedPath);
    if (size < GRAPH_HEADER_BYTES + TAG_BYTES) throw new Error('the graph snapshot is truncated');
    const handle = await open(sealedPath, 'r');
    const header = Buffer.alloc(GRAPH_HEADER_BYTES);
    const tag = Buffer.alloc(TAG_BYTES);
    try {
      await handle.read(header, 0, GRAPH_HEADER_BYTES, 0);
      await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
    } finally {
      await handle.close();
    }
    if (!header.subarray(0, GRAPH_MAGIC.length).equals(GRAPH_MAGIC) || header[GRAPH_MAGIC.length] !== GRAPH_VERSION) {
      throw new Error('not a graph snapshot of this version');
    }
    const iv = header.subarray(GRAPH_MAGIC.length + 1);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv).setAAD(associatedData).setAuthTag(tag);
    const ciphertext = createReadStream(sealedPath, { start: GRAPH_HEADER_BYTES, end: size - TAG_BYTES - 1 });
    // decipher.final() checks the tag: a tampered file rejects the pipeline before anything reads the plaintext.
    await pipeline(ciphertext, decipher, createWriteStream(plainPath, { mode: 0o600 }));
  }
}

function graphAssociatedData(gallery: string, snapshotId: string): Buffer {
  return Buffer.from(`graph\0${gallery}\0${snapshotId}`, 'utf8');
}

function stateAssociatedData(gallery: string): string {
  return `index-state\0${gallery}`;
}

/** Cleanup after a save or restore must not hide the error that ended it. */
async function removeQuietly(...paths: string[]): Promise<void> {
  await Promise.all(paths.map((target) => rm(target, { recursive: true, force: true }).catch(() => undefined)));
}

async function writeDurably(filePath: string, bytes: Uint8Array): Promise<void> {
  await writeFile(filePath, bytes, { mode: 0o600 });
  await fsyncPath(filePath, 'r+');
}

