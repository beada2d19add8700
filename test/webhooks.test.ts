/**
 * Webhook signing, and the dispatcher against real receivers (node:http on
 * 127.0.0.1): on SQLite always, on PostgreSQL when FACEGATE_TEST_DATABASE_URL
 * is set (skipped without it, except in CI, where that fails).
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { FacegateError } from '../src/core/errors.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Store, WebhookDeliveryWithLog } from '../src/store/types.js';
import { WebhookDispatcher, defaultBackoff, type WebhookDispatcherOptions } from '../src/webhooks/dispatcher.js';
import { signWebhook, verifyWebhookSignature } from '../src/webhooks/signing.js';
import { createTestSealer } from './store-suite.js';

const sealer = createTestSealer();
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface Call {
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers its nth call (0-based): a status, or never. */
type Answer = (index: number) => number | 'hang' | Promise<number>;

interface Receiver {
  url: string;
  port: number;
  calls: Call[];
  close(): Promise<void>;
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

async function startReceiver(answer: Answer, port = 0): Promise<Receiver> {
  const calls: Call[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      calls.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = await answer(calls.length - 1);
      if (status !== 'hang') response.writeHead(status).end();
    });
  });
  const bound = await listen(server, port);
  return {
    url: `http://127.0.0.1:${bound}/hooks`,
    port: bound,
    calls,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on (connections are refused) until a receiver is started on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server, 0);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Backend {
  open(): Promise<Store>;
  /** The raw secret_sealed column of a delivery. */
  readSealedSecret(id: string): Promise<Buffer | null>;
  /** Empties the webhook tables, so each test only sees its own deliveries. */
  clear(): Promise<void>;
}

function dispatcherSuite(name: string, backend: Backend): void {
  describe(name, () => {
    let store: Store;
    const cleanups: (() => Promise<void>)[] = [];
    before(async () => {
      store = await backend.open();
    });
    after(() => store.close());
    beforeEach(() => backend.clear());
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    const dispatcher = (options: WebhookDispatcherOptions = {}, on: Store = store): WebhookDispatcher => {
      const created = new WebhookDispatcher(on, { log: quiet, backoff: () => 0, ...options });
      cleanups.push(() => created.stop());
      return created;
    };
    const receiver = async (answer: Answer, port?: number): Promise<Receiver> => {
      const started = await startReceiver(answer, port);
      cleanups.push(() => started.close());
      return started;
    };
    const delivery = async (id: string): Promise<WebhookDeliveryWithLog> => {
      const found = await store.getWebhookDelivery(id);
      assert.ok(found, `delivery ${id} exists`);
      return found;
    };
    const waitFor = async (id: string, done: (found: WebhookDeliveryWithLog) => boolean): Promise<WebhookDeliveryWithLog> => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const found = await delivery(id);
        if (done(found)) return found;
        assert.ok(Date.now() < deadline, `delivery ${id} still ${found.status} after 5 s`);
        await sleep(10);
      }
    };
    const hook = (url: string, secret = 'test-secret') => ({ url, event: 'capture.completed', payload: { sessionId: 's-1', result: 'success' }, secret });

    it('delivers at once after two failures, signed on every attempt', async () => {
      const target = await receiver((index) => (index < 2 ? 500 : 200));
      const sender = dispatcher({ pollIntervalMs: 60_000 });
      sender.start();
      const id = await sender.enqueue(hook(target.url, 'shared-secret'));
      const delivered = await waitFor(id, (found) => found.status === 'delivered');

      assert.equal(target.calls.length, 3);
      for (const call of target.calls) {
        assert.ok(verifyWebhookSignature('shared-secret', call.headers, call.body));
        assert.equal(verifyWebhookSignature('another-secret', call.headers, call.body), false);
        assert.equal(call.headers['x-facegate-event'], 'capture.completed');
        assert.equal(call.headers['x-facegate-delivery'], id);
        assert.equal(call.headers['content-type'], 'application/json');
        assert.equal(call.body, JSON.stringify({ sessionId: 's-1', result: 'success' }));
      }
      assert.equal(delivered.attempts, 3);
      assert.equal(delivered.lastStatusCode, 200);
      assert.ok(delivered.deliveredAt instanceof Date);
      assert.deepEqual(
        delivered.attemptLog.map(({ attempt, statusCode, error }) => ({ attempt, statusCode, error })),
        [
          { attempt: 1, statusCode: 500, error: null },
          { attempt: 2, statusCode: 500, error: null },
          { attempt: 3, statusCode: 200, error: null },
        ],
      );
    });

    it('fails for good after maxAttempts when the receiver is down', async () => {
      const sender = dispatcher({ maxAttempts: 3 });
      const id = await sender.enqueue(hook(`http://127.0.0.1:${await closedPort()}/hooks`));
      assert.equal(await sender.deliverNow(), 3);
      const failed = await delivery(id);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.attempts, 3);
      assert.equal(failed.attemptLog.length, 3);
      for (const attempt of failed.attemptLog) {
        assert.equal(attempt.statusCode, null);
        assert.match(attempt.error ?? '', /ECONNREFUSED/);
      }
      assert.match(failed.lastError ?? '', /ECONNREFUSED/);
    });

    it('counts a receiver that does not answer in time as a failed attempt', async () => {
      const target = await receiver((index) => (index === 0 ? 'hang' : 200));
      const sender = dispatcher({ timeoutMs: 300 });
      const id = await sender.enqueue(hook(target.url));
      assert.equal(await sender.deliverNow(), 2);
      const [timedOut, answered] = (await delivery(id)).attemptLog;
      assert.deepEqual({ ...timedOut, at: null, durationMs: null }, { attempt: 1, at: null, durationMs: null, statusCode: null, error: 'timed out after 300 ms' });
      assert.ok(timedOut.durationMs >= 290 && timedOut.durationMs < 2000, `took ${timedOut.durationMs} ms`);
      assert.equal(answered.statusCode, 200);
    });

    it('sends after a restart what was enqueued while the receiver was down', async () => {
      const port = await closedPort();
      const beforeRestart = dispatcher({ pollIntervalMs: 20, backoff: () => 100 });
      beforeRestart.start();
      const id = await beforeRestart.enqueue(hook(`http://127.0.0.1:${port}/hooks`));
      await waitFor(id, (found) => found.attemptLog.length > 0);
      await beforeRestart.stop();
      assert.equal((await delivery(id)).status, 'pending', 'stopping leaves nothing half-done');

      await store.close();
      store = await backend.open();
      const target = await receiver(() => 200, port);
      const afterRestart = dispatcher({ pollIntervalMs: 20 });
      afterRestart.start();
      const delivered = await waitFor(id, (found) => found.status === 'delivered');
      assert.equal(target.calls.length, 1);
      const log = delivered.attemptLog;
      assert.ok(log.slice(0, -1).every((attempt) => attempt.statusCode === null && /ECONNREFUSED/.test(attempt.error ?? '')));
      assert.equal(log[log.length - 1].statusCode, 200);
    });

    it('never sends a delivery twice from two dispatchers on one database', async () => {
      const target = await receiver(() => sleep(15).then(() => 200));
      const other = await backend.open();
      cleanups.push(() => other.close());
      const senders = [dispatcher({ pollIntervalMs: 10, concurrency: 3 }), dispatcher({ pollIntervalMs: 10, concurrency: 3 }, other)];
      for (const sender of senders) sender.start();
      const ids = await Promise.all(Array.from({ length: 24 }, (_, index) => senders[index % 2].enqueue(hook(target.url))));
      for (const id of ids) await waitFor(id, (found) => found.status === 'delivered');

      const hits = new Map<string, number>();
      for (const call of target.calls) {
        const id = String(call.headers['x-facegate-delivery']);
        hits.set(id, (hits.get(id) ?? 0) + 1);
      }
      assert.deepEqual([...hits.keys()].sort(), [...ids].sort());
      assert.ok([...hits.values()].every((count) => count === 1), 'each delivery sent once');
    });

    it('retries a delivery whose dispatcher died mid-attempt once its lease has ended', async () => {
      const target = await receiver(() => 200);
      const sender = dispatcher();
      const id = await sender.enqueue(hook(target.url));
      // The dying dispatcher's claim: leased, never recorded.
      await store.claimWebhookDeliveries({ now: new Date(), leaseUntil: new Date(Date.now() + 300), limit: 10 });
      assert.equal(await sender.deliverNow(), 0, 'not while the lease holds');
      await sleep(350);
      assert.equal(await sender.deliverNow(), 1);
      const delivered = await delivery(id);
      assert.equal(delivered.status, 'delivered');
      assert.deepEqual(delivered.attemptLog.map((attempt) => attempt.attempt), [2], 'the interrupted attempt counts, unlogged');
      assert.equal(target.calls.length, 1);
    });

    it('fails without sending a delivery whose interrupted attempt was its last', async () => {
      const target = await receiver(() => 200);
      const sender = dispatcher({ maxAttempts: 1 });
      const id = await sender.enqueue(hook(target.url));
      const now = new Date();
      await store.claimWebhookDeliveries({ now, leaseUntil: now, limit: 10 });
      assert.equal(await sender.deliverNow(), 1);
      const failed = await delivery(id);
      assert.equal(failed.status, 'failed');
      assert.match(failed.lastError ?? '', /interrupted/);
      assert.equal(target.calls.length, 0);
    });

    it('stop() waits for the sends in flight and records them', async () => {
      const target = await receiver(() => sleep(300).then(() => 200));
      const sender = dispatcher();
      sender.start();
      const id = await sender.enqueue(hook(target.url));
      while (target.calls.length === 0) await sleep(5);
      await sender.stop();
      assert.equal((await delivery(id)).status, 'delivered');
    });

    it('keeps the signing secret sealed at rest', async () => {
      const secret = `whsec_${randomBytes(24).toString('hex')}`;
      const id = await dispatcher().enqueue(hook('https://receiver.example/hooks', secret));
      const sealed = await backend.readSealedSecret(id);
      assert.ok(sealed);
      assert.equal(sealed.length, Buffer.byteLength(secret) + 28, 'IV + ciphertext + tag');
      assert.equal(sealed.indexOf(secret.slice(6, 30)), -1, 'no plaintext');
      const [claimed] = await store.claimWebhookDeliveries({ now: new Date(), leaseUntil: new Date(), limit: 1 });
      assert.equal(claimed.secret, secret);
    });

    it('refuses at enqueue what could never be delivered', async () => {
      const sender = dispatcher();
      for (const url of ['ftp://receiver.example/hooks', 'not a url', 'http://user:password@receiver.example/hooks', 'file:///etc/passwd']) {
        await assert.rejects(sender.enqueue(hook(url)), (error: FacegateError) => error.code === 'ERROR_INVALID_ARGUMENT', url);
      }
      await assert.rejects(sender.enqueue({ ...hook('https://receiver.example/'), event: '' }), FacegateError);
      await assert.rejects(sender.enqueue({ ...hook('https://receiver.example/'), payload: undefined }), FacegateError);
      assert.deepEqual(await store.listWebhookDeliveries({}), [], 'nothing persisted');
    });
  });
}

describe('webhook signatures', () => {
  const body = '{"sessionId":"s-1"}';
  const now = 1_760_000_000_000;
  const timestamp = now / 1000;
  const signed = (overrides: Record<string, string> = {}): Record<string, string> => ({
    'x-facegate-timestamp': String(timestamp),
    'x-facegate-signature': `v1=${signWebhook('secret', timestamp, body)}`,
    ...overrides,
  });

  it('is HMAC-SHA256 of "timestamp.body" in hex', () => {
    const expected = createHmac('sha256', 'secret').update(`${timestamp}.${body}`).digest('hex');
    assert.equal(signWebhook('secret', timestamp, body), expected);
    assert.equal(signWebhook('secret', timestamp, Buffer.from(body)), expected);
  });

  it('verifies node and fetch headers, raw body as string or bytes', () => {
    assert.ok(verifyWebhookSignature('secret', signed(), body, { now }));
    assert.ok(verifyWebhookSignature('secret', new Headers(signed()), Buffer.from(body), { now }));
  });

  it('rejects another secret or body, a stale or future timestamp, and malformed headers', () => {
    assert.equal(verifyWebhookSignature('other', signed(), body, { now }), false);
    assert.equal(verifyWebhookSignature('secret', signed(), `${body} `, { now }), false);
    assert.equal(verifyWebhookSignature('secret', signed(), body, { now: now + 301_000 }), false);
    assert.equal(verifyWebhookSignature('secret', signed(), body, { now: now - 301_000 }), false);
    assert.ok(verifyWebhookSignature('secret', signed(), body, { now: now + 600_000, toleranceSeconds: 600 }));
    assert.equal(verifyWebhookSignature('secret', signed({ 'x-facegate-timestamp': String(timestamp + 1) }), body, { now }), false);
    assert.equal(verifyWebhookSignature('secret', signed({ 'x-facegate-timestamp': '1e9' }), body, { now }), false);
    const hex = signWebhook('secret', timestamp, body);
    for (const signature of [hex, `v0=${hex}`, `v1=${hex.toUpperCase()}`, `v1=${hex.slice(2)}`]) {
      assert.equal(verifyWebhookSignature('secret', signed({ 'x-facegate-signature': signature }), body, { now }), false, signature);
    }
    assert.equal(verifyWebhookSignature('secret', {}, body, { now }), false);
  });
});

describe('default webhook backoff', () => {
  it('doubles from 2 s with ±20 % jitter, capped at one hour', () => {
    assert.equal(defaultBackoff(1, () => 0), 1600);
    assert.equal(defaultBackoff(1, () => 1), 2400);
    assert.equal(defaultBackoff(4, () => 0.5), 16_000);
    assert.equal(defaultBackoff(30, () => 1), 3_600_000);
  });
});

const sqliteRoot = mkdtempSync(join(tmpdir(), 'facegate-webhooks-'));
after(() => rmSync(sqliteRoot, { recursive: true, force: true }));
const sqlitePath = join(sqliteRoot, 'facegate.db');

function withSqlite<T>(use: (db: Database.Database) => T): T {
  const db = new Database(sqlitePath, { timeout: 5000 });
  try {
    return use(db);
  } finally {
    db.close();
  }
}

dispatcherSuite('webhooks on SQLite', {
  open: () => openSqliteStore({ path: sqlitePath, sealer }),
  readSealedSecret: async (id) =>
    withSqlite(
      (db) =>
        db.prepare<[string], { value: Buffer }>('SELECT secret_sealed AS value FROM webhook_deliveries WHERE id = ?').get(id)
          ?.value ?? null,
    ),
  clear: async () => {
    withSqlite((db) => db.exec('DELETE FROM webhook_attempts; DELETE FROM webhook_deliveries'));
  },
});

const baseUrl = process.env.FACEGATE_TEST_DATABASE_URL;
if (baseUrl === undefined || baseUrl === '') {
  const reason = 'FACEGATE_TEST_DATABASE_URL is not set (e.g. postgres://facegate:facegate@127.0.0.1:5432/postgres)';
  if (process.env.CI === 'true') {
    test('webhooks on PostgreSQL', () => assert.fail(`${reason}; CI must start PostgreSQL and export it`));
  } else {
    test('webhooks on PostgreSQL', { skip: `${reason}: PostgreSQL tests skipped` }, () => undefined);
  }
} else {
  const database = `facegate_test_${process.pid}_${randomBytes(4).toString('hex')}_webhooks`;
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  const admin = new pg.Pool({ connectionString: baseUrl, max: 1 });
  // A Client, not a Pool: its end() resolves once the connection is closed, before the database is dropped.
  const raw = new pg.Client({ connectionString: url.toString() });

  before(async () => {
    await admin.query(`CREATE DATABASE ${database}`);
    await raw.connect();
  });
  after(async () => {
    await raw.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  dispatcherSuite('webhooks on PostgreSQL', {
    open: () => openPostgresStore({ url: url.toString(), sealer, poolSize: 4 }),
    readSealedSecret: async (id) =>
      (await raw.query<{ value: Buffer }>('SELECT secret_sealed AS value FROM webhook_deliveries WHERE id = $1', [id])).rows[0]
        ?.value ?? null,
    clear: async () => {
      await raw.query('TRUNCATE webhook_attempts, webhook_deliveries');
    },
  });
}
