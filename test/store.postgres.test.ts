/**
 * The store suite on PostgreSQL from FACEGATE_TEST_DATABASE_URL (any database
 * the role can connect to; the role needs CREATEDB). Each run works in
 * databases of its own, dropped at the end. Without the variable the suite is
 * skipped, except in CI, where it fails.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it, test } from 'node:test';
import pg from 'pg';
import { openStore } from '../src/store/open.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { createTestSealer, storeSuite, type RawEnrollmentColumns, type RawRows, type SealedColumn } from './store-suite.js';

const baseUrl = process.env.FACEGATE_TEST_DATABASE_URL;
const sealer = createTestSealer();

describe('PostgreSQL connection failures', () => {
  it('names the host of an unreachable server, without the password', async () => {
    const error = await openStore({ databaseUrl: 'postgres://facegate:hunter2@127.0.0.1:1/facegate', dataDir: '/nonexistent', sealer }).then(
      () => assert.fail('opened a store on a closed port'),
      (failure: Error) => failure,
    );
    assert.match(error.message, /cannot connect to PostgreSQL at 127\.0\.0\.1:1\/facegate/);
    assert.doesNotMatch(error.message, /hunter2/);
  });

  it('gives up on a server that accepts but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    assert.ok(address !== null && typeof address === 'object');
    try {
      const started = Date.now();
      await assert.rejects(
        openPostgresStore({ url: `postgres://facegate@127.0.0.1:${address.port}/facegate`, sealer, connectTimeoutMs: 300 }),
        /cannot connect to PostgreSQL at 127\.0\.0\.1/,
      );
      assert.ok(Date.now() - started < 5000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

if (baseUrl === undefined || baseUrl === '') {
  const reason = 'FACEGATE_TEST_DATABASE_URL is not set (e.g. postgres://facegate:facegate@127.0.0.1:5432/postgres)';
  if (process.env.CI === 'true') {
    test('PostgreSQL store suite', () => assert.fail(`${reason}; CI must start PostgreSQL and export it`));
  } else {
    test('PostgreSQL store suite', { skip: `${reason}: PostgreSQL tests skipped` }, () => undefined);
  }
} else {
  const runId = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const suiteDatabase = `facegate_test_${runId}`;
  const migrationDatabase = `facegate_test_${runId}_migrations`;
  const urlOf = (database: string): string => {
    const url = new URL(baseUrl);
    url.pathname = `/${database}`;
    return url.toString();
  };
  const admin = new pg.Pool({ connectionString: baseUrl, max: 1 });
  // A Client, not a Pool: its end() resolves once the connection is closed, before the database is dropped.
  const rawClient = new pg.Client({ connectionString: urlOf(suiteDatabase) });

  before(async () => {
    for (const database of [suiteDatabase, migrationDatabase]) await admin.query(`CREATE DATABASE ${database}`);
    await rawClient.connect();
  });
  after(async () => {
    await rawClient.end();
    for (const database of [suiteDatabase, migrationDatabase]) {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
    await admin.end();
  });

  const raw: RawEnrollmentColumns & RawRows = {
    async read(galleryName: string, userId: string, column: SealedColumn) {
      const result = await rawClient.query<{ value: Buffer | null }>(
        `SELECT ${column} AS value FROM enrollments WHERE gallery_name = $1 AND user_id = $2`,
        [galleryName, userId],
      );
      return result.rows[0]?.value ?? null;
    },
    async write(galleryName: string, userId: string, column: SealedColumn, value: Uint8Array) {
      await rawClient.query(`UPDATE enrollments SET ${column} = $3 WHERE gallery_name = $1 AND user_id = $2`, [
        galleryName,
        userId,
        Buffer.from(value),
      ]);
    },
    async readColumn(table: string, keyColumn: string, key: string, column: string) {
      const result = await rawClient.query<{ value: unknown }>(`SELECT ${column} AS value FROM ${table} WHERE ${keyColumn} = $1`, [key]);
      return result.rows[0]?.value;
    },
    async writeColumn(table: string, keyColumn: string, key: string, column: string, value: Uint8Array | null) {
      await rawClient.query(`UPDATE ${table} SET ${column} = $2 WHERE ${keyColumn} = $1`, [key, value === null ? null : Buffer.from(value)]);
    },
    async deleteRows(table: string, keyColumn: string, key: string) {
      await rawClient.query(`DELETE FROM ${table} WHERE ${keyColumn} = $1`, [key]);
    },
  };

  storeSuite('PostgreSQL store', () => openPostgresStore({ url: urlOf(suiteDatabase), sealer, poolSize: 4 }), raw);

  describe('PostgreSQL specifics', () => {
    it('lets concurrent migrators of a new database take turns', async () => {
      const url = urlOf(migrationDatabase);
      const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url, sealer, poolSize: 1 })));
      await Promise.all(stores.map((store) => store.close()));
      const check = new pg.Client({ connectionString: url });
      await check.connect();
      try {
        const versions = await check.query('SELECT version, name FROM schema_migrations');
        assert.deepEqual(versions.rows, [
          { version: 1, name: 'initial schema' },
          { version: 2, name: 'webhook deliveries' },
          { version: 3, name: 'person-facing verifications' },
          { version: 4, name: 'galleries that keep no templates' },
          { version: 5, name: 'enrollment change log for search-index sync' },
        ]);
        await check.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')");
      } finally {
        await check.end();
      }
      await assert.rejects(openPostgresStore({ url, sealer }), /999.*newer version/);
    });

    it('openStore uses PostgreSQL for a postgres:// or postgresql:// URL', async () => {
      for (const scheme of ['postgres:', 'postgresql:']) {
        const url = new URL(urlOf(suiteDatabase));
        url.protocol = scheme;
        const store = await openStore({ databaseUrl: url.toString(), dataDir: '/nonexistent', sealer });
        assert.equal(store.kind, 'postgres');
        await store.close();
      }
    });
  });
}
