import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../src/store/open.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { createTestSealer, storeSuite, type RawEnrollmentColumns, type RawRows, type SealedColumn } from './store-suite.js';

const root = mkdtempSync(join(tmpdir(), 'facegate-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

const sealer = createTestSealer();
// A directory that does not exist yet: opening must create it.
const path = join(root, 'not', 'yet', 'facegate.db');

function withDatabase<T>(file: string, use: (db: Database.Database) => T): T {
  const db = new Database(file, { timeout: 5000 });
  try {
    return use(db);
  } finally {
    db.close();
  }
}

const raw: RawEnrollmentColumns & RawRows = {
  async read(galleryName: string, userId: string, column: SealedColumn) {
    return withDatabase(path, (db) => {
      const row = db
        .prepare<[string, string], { value: Buffer | null }>(
          `SELECT ${column} AS value FROM enrollments WHERE gallery_name = ? AND user_id = ?`,
        )
        .get(galleryName, userId);
      return row?.value ?? null;
    });
  },
  async write(galleryName: string, userId: string, column: SealedColumn, value: Uint8Array) {
    withDatabase(path, (db) => {
      db.prepare(`UPDATE enrollments SET ${column} = ? WHERE gallery_name = ? AND user_id = ?`).run(
        Buffer.from(value),
        galleryName,
        userId,
      );
    });
  },
  async readColumn(table: string, keyColumn: string, key: string, column: string) {
    return withDatabase(path, (db) => {
      const row = db.prepare<[string], { value: unknown }>(`SELECT ${column} AS value FROM ${table} WHERE ${keyColumn} = ?`).get(key);
      return row?.value;
    });
  },
  async writeColumn(table: string, keyColumn: string, key: string, column: string, value: Uint8Array | null) {
    withDatabase(path, (db) => {
      db.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${keyColumn} = ?`).run(value === null ? null : Buffer.from(value), key);
    });
  },
  async deleteRows(table: string, keyColumn: string, key: string) {
    withDatabase(path, (db) => {
      db.pragma('foreign_keys = ON');
      db.prepare(`DELETE FROM ${table} WHERE ${keyColumn} = ?`).run(key);
    });
  },
};

storeSuite('SQLite store', () => openSqliteStore({ path, sealer }), raw);

describe('SQLite specifics', () => {
  it('uses WAL and records its migrations', async () => {
    const store = await openSqliteStore({ path: join(root, 'wal', 'facegate.db'), sealer });
    await store.close();
    withDatabase(join(root, 'wal', 'facegate.db'), (db) => {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.deepEqual(db.prepare('SELECT version, name FROM schema_migrations').all(), [
        { version: 1, name: 'initial schema' },
        { version: 2, name: 'webhook deliveries' },
        { version: 3, name: 'person-facing verifications' },
        { version: 4, name: 'galleries that keep no templates' },
        { version: 5, name: 'enrollment change log for search-index sync' },
      ]);
    });
  });

  it('refuses a database migrated by a newer Facegate', async () => {
    const file = join(root, 'newer', 'facegate.db');
    await (await openSqliteStore({ path: file, sealer })).close();
    withDatabase(file, (db) => db.prepare("INSERT INTO schema_migrations VALUES (999, 'future', 0)").run());
    await assert.rejects(openSqliteStore({ path: file, sealer }), /999.*newer version/);
  });

  it('rejects use of the outer store inside transaction() instead of deadlocking', async () => {
    const store = await openSqliteStore({ path: join(root, 'deadlock', 'facegate.db'), sealer });
    try {
      await assert.rejects(
        store.transaction(async () => store.listGalleries()),
        /use the store passed to work/,
      );
      assert.deepEqual(await store.listGalleries(), [], 'the store is still usable afterwards');
    } finally {
      await store.close();
    }
  });

  it('openStore uses SQLite in the data dir without a PostgreSQL URL', async () => {
    const dataDir = join(root, 'data-dir');
    for (const databaseUrl of [undefined, '']) {
      const store = await openStore({ databaseUrl, dataDir, sealer });
      assert.equal(store.kind, 'sqlite');
      await store.close();
    }
    assert.ok(existsSync(join(dataDir, 'facegate.db')));
    await assert.rejects(openStore({ databaseUrl: 'mysql://db/facegate', dataDir, sealer }), /postgres:\/\//);
  });
});
