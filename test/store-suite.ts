/**
 * The Store contract, run against every backend. Tests share one database, so
 * each names its galleries, keys and log records uniquely and only asserts on
 * its own rows.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreConflictError } from '../src/store/types.js';
import type {
  NewEnrollment,
  NewGallery,
  NewWebhookDelivery,
  Sealer,
  Store,
  TransactionRecord,
  WebhookAttempt,
} from '../src/store/types.js';

/** A real AES-256-GCM sealer with a random key: 12-byte IV ‖ ciphertext ‖ 16-byte tag, the associated data authenticated. */
export function createTestSealer(): Sealer {
  const key = randomBytes(32);
  return {
    seal(plaintext, associatedData) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(associatedData, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([iv, body, cipher.getAuthTag()]);
    },
    open(sealed, associatedData) {
      if (sealed.length < 28) throw new Error('sealed value is too short');
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12)).setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
    },
  };
}

export type SealedColumn = 'template_sealed' | 'photo_sealed';

/** Direct access to the enrollments table, bypassing the store, to inspect and tamper with sealed columns. */
export interface RawEnrollmentColumns {
  read(galleryName: string, userId: string, column: SealedColumn): Promise<Uint8Array | null>;
  write(galleryName: string, userId: string, column: SealedColumn, value: Uint8Array): Promise<void>;
}

const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;
const keyHash = (): string => createHash('sha256').update(randomBytes(16)).digest('hex');
const bytes = (value: Uint8Array | null | undefined): Buffer | null | undefined =>
  value instanceof Uint8Array ? Buffer.from(value) : value;

function galleryNamed(name: string, overrides: Partial<NewGallery> = {}): NewGallery {
  return { name, savePhoto: true, matchLevel: 'HIGH', livenessLevel: 'MEDIUM', ...overrides };
}

function enrollmentOf(galleryName: string, userId: string, overrides: Partial<NewEnrollment> = {}): NewEnrollment {
  return {
    galleryName,
    userId,
    modelId: 'test-model',
    template: randomBytes(48),
    photo: null,
    photoMime: null,
    migratedPending: false,
    ...overrides,
  };
}

function logRecord(overrides: Partial<TransactionRecord>): TransactionRecord {
  return {
    refid: unique('ref'),
    endpoint: '/face/verify',
    context: 'sdk',
    apiKeyId: null,
    galleryName: null,
    userId: null,
    requestId: null,
    result: 'success',
    httpStatus: 200,
    similarityScore: null,
    livenessScore: null,
    matchLevelReached: null,
    livenessLevelReached: null,
    durationMs: 12.5,
    createdAt: new Date(),
    ...overrides,
  };
}

function webhookOf(event: string, createdAt: Date, overrides: Partial<NewWebhookDelivery> = {}): NewWebhookDelivery {
  return {
    url: 'https://receiver.example/hooks',
    event,
    payload: JSON.stringify({ event, result: 'success' }),
    secret: unique('secret'),
    createdAt,
    ...overrides,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

export function storeSuite(name: string, open: () => Promise<Store>, raw: RawEnrollmentColumns): void {
  describe(name, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    const newGallery = async (overrides: Partial<NewGallery> = {}): Promise<string> =>
      (await store.createGallery(galleryNamed(unique('gallery'), overrides))).name;

    it('creates, finds, lists and revokes API keys', async () => {
      const id = unique('key');
      const hash = keyHash();
      const created = await store.createApiKey({ id, name: 'ops', keyHash: hash, permissions: ['enroll', 'search'] });
      assert.deepEqual(created.permissions, ['enroll', 'search']);
      assert.ok(created.createdAt instanceof Date);
      assert.equal(created.revokedAt, null);
      assert.deepEqual(await store.findApiKeyByHash(hash), created);
      assert.deepEqual((await store.listApiKeys()).find((key) => key.id === id), created);

      const bare = await store.createApiKey({ id: unique('key'), name: 'none', keyHash: keyHash(), permissions: [] });
      assert.deepEqual(bare.permissions, []);

      assert.equal(await store.revokeApiKey(id), true);
      assert.equal(await store.findApiKeyByHash(hash), null, 'a revoked key no longer authenticates');
      assert.equal(await store.revokeApiKey(id), false, 'already revoked');
      assert.equal(await store.revokeApiKey(unique('missing')), false);
      const revoked = (await store.listApiKeys()).find((key) => key.id === id);
      assert.ok(revoked?.revokedAt instanceof Date, 'revoked keys stay listed');
    });

    it('accepts only sha256 hashes of API keys and rejects duplicates', async () => {
      const key = { id: unique('key'), name: 'k', keyHash: keyHash(), permissions: ['admin'] };
      await assert.rejects(store.createApiKey({ ...key, keyHash: 'fgk_live_not_a_hash' }), /sha256/);
      await store.createApiKey(key);
      await assert.rejects(store.createApiKey({ ...key, keyHash: keyHash() }), StoreConflictError);
      await assert.rejects(store.createApiKey({ ...key, id: unique('key') }), StoreConflictError);
    });

    it('creates, gets, lists and patches galleries', async () => {
      const name = unique('gallery');
      const created = await store.createGallery(galleryNamed(name));
      assert.deepEqual({ ...created, createdAt: null }, { ...galleryNamed(name), createdAt: null });
      assert.ok(created.createdAt instanceof Date);
      assert.deepEqual(await store.getGallery(name), created);
      assert.equal(await store.getGallery(unique('missing')), null);

      await store.createGallery(galleryNamed(`${name}-b`));
      const names = (await store.listGalleries()).map((gallery) => gallery.name);
      assert.ok(names.indexOf(name) >= 0 && names.indexOf(name) < names.indexOf(`${name}-b`), 'listed by name');

      const patched = await store.updateGallery(name, { matchLevel: 'VERY_HIGH' });
      assert.deepEqual(patched, { ...created, matchLevel: 'VERY_HIGH' });
      assert.deepEqual(await store.updateGallery(name, { livenessLevel: null, savePhoto: false }), {
        ...created,
        matchLevel: 'VERY_HIGH',
        livenessLevel: null,
        savePhoto: false,
      });
      assert.deepEqual(await store.updateGallery(name, {}), await store.getGallery(name));
      assert.equal(await store.updateGallery(unique('missing'), { matchLevel: 'HIGH' }), null);
      await assert.rejects(store.createGallery(galleryNamed(name)), StoreConflictError);
    });

    it('inserts, gets, replaces, counts and deletes enrollments', async () => {
      const gallery = await newGallery();
      const photo = randomBytes(300);
      const first = enrollmentOf(gallery, 'alice', { photo, photoMime: 'image/jpeg', migratedPending: true });
      const inserted = await store.insertEnrollment(first);
      assert.deepEqual(bytes(inserted.template), first.template);
      assert.deepEqual(bytes(inserted.photo), photo);
      assert.equal(inserted.migratedPending, true);
      assert.ok(inserted.createdAt instanceof Date && inserted.updatedAt instanceof Date);

      const read = await store.getEnrollment(gallery, 'alice');
      assert.ok(read);
      assert.deepEqual({ ...read, template: bytes(read.template), photo: bytes(read.photo) }, { ...inserted, template: bytes(inserted.template), photo: bytes(inserted.photo) });
      await assert.rejects(store.insertEnrollment(enrollmentOf(gallery, 'alice')), StoreConflictError);
      await store.insertEnrollment(enrollmentOf(gallery, 'bob'));
      assert.equal(await store.countEnrollments(gallery), 2);

      await sleep(5);
      const next = enrollmentOf(gallery, 'alice', { modelId: 'test-model-2' });
      const replaced = await store.replaceEnrollment(next);
      assert.ok(replaced);
      assert.deepEqual(bytes(replaced.template), next.template);
      assert.equal(replaced.photo, null);
      assert.equal(replaced.modelId, 'test-model-2');
      assert.equal(replaced.migratedPending, false);
      assert.equal(replaced.createdAt.getTime(), inserted.createdAt.getTime());
      assert.ok(replaced.updatedAt > inserted.updatedAt, 'replace moves updatedAt');
      assert.equal(await store.replaceEnrollment(enrollmentOf(gallery, 'nobody')), null);

      assert.equal(await store.deleteEnrollment(gallery, 'alice'), true);
      assert.equal(await store.deleteEnrollment(gallery, 'alice'), false);
      assert.equal(await store.getEnrollment(gallery, 'alice'), null);
      assert.equal(await store.countEnrollments(gallery), 1);
      assert.equal(await store.countEnrollments(unique('missing')), 0);
    });

    it('refuses an enrollment in a gallery that does not exist', async () => {
      await assert.rejects(store.insertEnrollment(enrollmentOf(unique('missing'), 'alice')), /does not exist/);
    });

    it('deletes a gallery with all its enrollments', async () => {
      const gallery = await newGallery();
      await store.insertEnrollment(enrollmentOf(gallery, 'alice', { photo: randomBytes(10), photoMime: 'image/png' }));
      await store.insertEnrollment(enrollmentOf(gallery, 'bob'));
      assert.equal(await store.deleteGallery(gallery), true);
      assert.equal(await store.getGallery(gallery), null);
      assert.equal(await store.deleteGallery(gallery), false);
      await store.createGallery(galleryNamed(gallery));
      assert.equal(await store.countEnrollments(gallery), 0, 'a recreated gallery starts empty');
      assert.equal(await store.getEnrollment(gallery, 'alice'), null);
      assert.deepEqual(await collect(store.listTemplates(gallery)), []);
    });

    it('lists every template of a gallery larger than one page exactly once', async () => {
      const gallery = await newGallery();
      const other = await newGallery();
      await store.insertEnrollment(enrollmentOf(other, 'user-1'));
      const userIds = [...Array.from({ length: 6000 }, (_, index) => `user-${index}`), 'Zoë', 'a:b', '', 'ü'];
      const templates = new Map(userIds.map((userId) => [userId, randomBytes(16)]));
      await store.transaction(async (tx) => {
        for (const [userId, template] of templates) await tx.insertEnrollment(enrollmentOf(gallery, userId, { template }));
      });
      const seen = new Map<string, Buffer>();
      for await (const item of store.listTemplates(gallery)) {
        assert.ok(!seen.has(item.userId), `${item.userId} listed twice`);
        assert.equal(item.modelId, 'test-model');
        seen.set(item.userId, Buffer.from(item.template));
      }
      assert.equal(seen.size, templates.size);
      assert.deepEqual(seen, templates);
      assert.equal(await store.countEnrollments(gallery), templates.size);
    });

    it('lists transaction records newest first, with filters combined by AND', async () => {
      const gallery = unique('log');
      const at = (second: number): Date => new Date(Date.UTC(2031, 0, 1, 0, 0, second));
      const r1 = logRecord({ galleryName: gallery, userId: 'u1', requestId: unique('req'), createdAt: at(1), similarityScore: 97.25, livenessScore: 0.93, matchLevelReached: 'VERY_HIGH', livenessLevelReached: 'HIGH', apiKeyId: 'k1' });
      const r2 = logRecord({ galleryName: gallery, userId: 'u2', createdAt: at(2), context: 'backoffice' });
      const r3 = logRecord({ galleryName: gallery, userId: 'u1', createdAt: at(3), result: 'ERROR_INVALID_IMAGE', httpStatus: 400 });
      const sameTime = logRecord({ galleryName: gallery, userId: 'u3', createdAt: at(3), context: 'admin' });
      const elsewhere = logRecord({ galleryName: `${gallery}-other`, userId: 'u1', createdAt: at(4), context: 'api' });
      for (const record of [r1, r2, r3, sameTime, elsewhere]) await store.recordTransaction(record);

      assert.deepEqual(await store.listTransactions({ galleryName: gallery }), [sameTime, r3, r2, r1]);
      assert.deepEqual(await store.listTransactions({ galleryName: gallery, userId: 'u1' }), [r3, r1]);
      assert.deepEqual(await store.listTransactions({ userId: 'u1', galleryName: elsewhere.galleryName ?? '' }), [elsewhere]);
      assert.deepEqual(await store.listTransactions({ refid: r2.refid }), [r2]);
      assert.deepEqual(await store.listTransactions({ requestId: r1.requestId ?? '' }), [r1]);
      assert.deepEqual(await store.listTransactions({ refid: r2.refid, userId: 'u1' }), []);
      assert.deepEqual(await store.listTransactions({ galleryName: gallery, since: at(2), until: at(3) }), [r2], 'since ≤ createdAt < until');
      assert.deepEqual(await store.listTransactions({ galleryName: gallery, limit: 2 }), [sameTime, r3]);
      const unfiltered = await store.listTransactions({});
      assert.ok(unfiltered.length > 0 && unfiltered.length <= 100);
      assert.ok(unfiltered.every((record, index) => index === 0 || unfiltered[index - 1].createdAt >= record.createdAt));
    });

    it('limits transaction listings to 100 by default and 1000 at most', async () => {
      const gallery = unique('log');
      await store.transaction(async (tx) => {
        for (let second = 0; second < 1005; second += 1) {
          await tx.recordTransaction(logRecord({ galleryName: gallery, createdAt: new Date(Date.UTC(2032, 0, 1, 0, 0, second)) }));
        }
      });
      const page = await store.listTransactions({ galleryName: gallery });
      assert.equal(page.length, 100);
      assert.equal(page[0].createdAt.getTime(), Date.UTC(2032, 0, 1, 0, 0, 1004));
      assert.equal((await store.listTransactions({ galleryName: gallery, limit: 5000 })).length, 1000);
      await assert.rejects(store.listTransactions({ galleryName: gallery, limit: 0 }), RangeError);
    });

    it('commits every write of a transaction together', async () => {
      const [a, b] = [unique('gallery'), unique('gallery')];
      const result = await store.transaction(async (tx) => {
        await tx.createGallery(galleryNamed(a));
        await tx.insertEnrollment(enrollmentOf(a, 'alice'));
        await tx.createGallery(galleryNamed(b));
        return 'done';
      });
      assert.equal(result, 'done');
      assert.ok(await store.getGallery(a));
      assert.ok(await store.getGallery(b));
      assert.ok(await store.getEnrollment(a, 'alice'));
    });

    it('rolls back every write of a transaction whose work throws', async () => {
      const gallery = await newGallery();
      const other = unique('gallery');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertEnrollment(enrollmentOf(gallery, 'alice'));
          await tx.createGallery(galleryNamed(other));
          assert.ok(await tx.getEnrollment(gallery, 'alice'), 'visible inside the transaction');
          throw new Error('work failed');
        }),
        /work failed/,
      );
      assert.equal(await store.getEnrollment(gallery, 'alice'), null);
      assert.equal(await store.getGallery(other), null);
    });

    it('runs a nested transaction inline, inside the outer one', async () => {
      const name = unique('gallery');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.transaction(async (inner) => inner.createGallery(galleryNamed(name)));
          assert.ok(await tx.getGallery(name));
          throw new Error('outer failed');
        }),
        /outer failed/,
      );
      assert.equal(await store.getGallery(name), null, 'the inner writes rolled back with the outer transaction');
    });

    it('keeps overlapping transactions and outside calls apart', async () => {
      const prefix = unique('overlap');
      const names = { a1: `${prefix}-a1`, a2: `${prefix}-a2`, b1: `${prefix}-b1`, b2: `${prefix}-b2`, outside: `${prefix}-c` };
      const failing = store.transaction(async (tx) => {
        await tx.createGallery(galleryNamed(names.a1));
        await sleep(20);
        await tx.createGallery(galleryNamed(names.a2));
        await sleep(20);
        throw new Error('a failed');
      });
      const committing = store.transaction(async (tx) => {
        await tx.createGallery(galleryNamed(names.b1));
        await sleep(10);
        await tx.createGallery(galleryNamed(names.b2));
        return 'b';
      });
      const outside = store.createGallery(galleryNamed(names.outside));
      const [a, b, c] = await Promise.allSettled([failing, committing, outside]);
      assert.equal(a.status, 'rejected');
      assert.deepEqual(b, { status: 'fulfilled', value: 'b' });
      assert.equal(c.status, 'fulfilled');
      assert.equal(await store.getGallery(names.a1), null);
      assert.equal(await store.getGallery(names.a2), null);
      assert.ok(await store.getGallery(names.b1));
      assert.ok(await store.getGallery(names.b2));
      assert.ok(await store.getGallery(names.outside), 'an outside write is not rolled back with a transaction');
    });

    it('keeps a transaction usable after a caught conflict', async () => {
      const existing = await newGallery();
      const added = unique('gallery');
      await store.transaction(async (tx) => {
        await assert.rejects(tx.createGallery(galleryNamed(existing)), StoreConflictError);
        await tx.createGallery(galleryNamed(added));
      });
      assert.ok(await store.getGallery(added));
    });

    it('refuses the transaction store once its transaction has ended', async () => {
      const leaked = await store.transaction(async (tx) => tx);
      await assert.rejects(leaked.getGallery('anything'), /transaction/);
    });

    it('stores templates and photos sealed, never in clear', async () => {
      const gallery = await newGallery();
      const template = randomBytes(64);
      const photo = randomBytes(256);
      await store.insertEnrollment(enrollmentOf(gallery, 'alice', { template, photo, photoMime: 'image/jpeg' }));
      for (const [column, clear] of [['template_sealed', template], ['photo_sealed', photo]] as const) {
        const stored = await raw.read(gallery, 'alice', column);
        assert.ok(stored);
        assert.equal(stored.length, clear.length + 28, `${column}: IV + ciphertext + tag`);
        assert.equal(Buffer.from(stored).indexOf(clear.subarray(0, 16)), -1, `${column} holds no plaintext`);
      }
      const read = await store.getEnrollment(gallery, 'alice');
      assert.deepEqual(bytes(read?.template), template);
      assert.deepEqual(bytes(read?.photo), photo);
    });

    it('fails to read a sealed value moved to another row or column', async () => {
      const gallery = await newGallery();
      const twin = await newGallery();
      for (const target of [gallery, twin]) await store.insertEnrollment(enrollmentOf(target, 'alice', { photo: randomBytes(32), photoMime: 'image/png' }));
      await store.insertEnrollment(enrollmentOf(gallery, 'bob'));
      const aliceTemplate = await raw.read(gallery, 'alice', 'template_sealed');
      assert.ok(aliceTemplate);

      await raw.write(gallery, 'bob', 'template_sealed', aliceTemplate);
      await assert.rejects(store.getEnrollment(gallery, 'bob'), 'another user in the same gallery');
      await assert.rejects(collect(store.listTemplates(gallery)), 'listTemplates opens every template');
      await raw.write(twin, 'alice', 'template_sealed', aliceTemplate);
      await assert.rejects(store.getEnrollment(twin, 'alice'), 'the same user id in another gallery');
      await raw.write(gallery, 'alice', 'photo_sealed', aliceTemplate);
      await assert.rejects(store.getEnrollment(gallery, 'alice'), 'the photo column of the same row');
    });

    const secondsAfter = (start: number) => (seconds: number): Date => new Date(start + seconds * 1000);

    /** Ends every delivery still claimable, so that none is left due for the claims of a later test. */
    const settleWebhooks = async (): Promise<void> => {
      const end = new Date(Date.UTC(2100, 0, 1));
      for (;;) {
        const claimed = await store.claimWebhookDeliveries({ now: end, leaseUntil: end, limit: 100 });
        if (claimed.length === 0) return;
        for (const delivery of claimed) {
          const attempt = { attempt: delivery.attempts, at: end, durationMs: 0, statusCode: null, error: 'settled by the test' };
          await store.recordWebhookAttempt(delivery.id, attempt, { kind: 'failed' });
        }
      }
    };

    it('enqueues webhook deliveries and lists them newest first, by status and event', async () => {
      const event = unique('event');
      const at = secondsAfter(Date.UTC(2030, 0, 1));
      const payload = '{"b": 1,  "a": [true, null, "ü"]}';
      const first = await store.enqueueWebhookDelivery(webhookOf(event, at(1), { payload }));
      assert.match(first.id, UUID);
      assert.deepEqual(first, {
        id: first.id,
        url: 'https://receiver.example/hooks',
        event,
        payload,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: at(1),
        leaseUntil: null,
        lastStatusCode: null,
        lastError: null,
        createdAt: at(1),
        deliveredAt: null,
      });
      const second = await store.enqueueWebhookDelivery(webhookOf(event, at(2)));
      const other = await store.enqueueWebhookDelivery(webhookOf(`${event}-other`, at(3)));

      assert.deepEqual(await store.getWebhookDelivery(first.id), { ...first, attemptLog: [] });
      assert.equal(await store.getWebhookDelivery(randomUUID()), null);
      assert.equal(await store.getWebhookDelivery('not-a-uuid'), null);
      assert.deepEqual(await store.listWebhookDeliveries({ event }), [second, first]);
      assert.deepEqual(await store.listWebhookDeliveries({ event, limit: 1 }), [second]);
      assert.deepEqual(await store.listWebhookDeliveries({ event: other.event }), [other]);

      const [claimed] = await store.claimWebhookDeliveries({ now: at(1), leaseUntil: at(31), limit: 10 });
      assert.equal(claimed.id, first.id);
      const attempt = { attempt: 1, at: at(1), durationMs: 3, statusCode: 410, error: null };
      assert.equal(await store.recordWebhookAttempt(first.id, attempt, { kind: 'failed' }), true);
      const failed = { ...first, status: 'failed' as const, attempts: 1, lastStatusCode: 410 };
      assert.deepEqual(await store.listWebhookDeliveries({ event, status: 'failed' }), [failed]);
      assert.deepEqual(await store.listWebhookDeliveries({ event, status: 'pending' }), [second]);
      assert.deepEqual(await store.listWebhookDeliveries({ status: 'delivering', event }), []);
      const unfiltered = await store.listWebhookDeliveries({});
      assert.ok(unfiltered.every((delivery, index) => index === 0 || unfiltered[index - 1].createdAt >= delivery.createdAt));

      await assert.rejects(store.enqueueWebhookDelivery(webhookOf(event, at(4), { payload: 'not json' })), /JSON/);
      await assert.rejects(store.listWebhookDeliveries({ event, limit: 0 }), RangeError);
      await settleWebhooks();
    });

    it('claims due webhook deliveries under a lease and logs each recorded attempt', async () => {
      const event = unique('event');
      const at = secondsAfter(Date.UTC(2031, 0, 1));
      const secret = `${unique('secret')}-ü`;
      const early = await store.enqueueWebhookDelivery(webhookOf(event, at(0), { secret }));
      const late = await store.enqueueWebhookDelivery(webhookOf(event, at(60)));

      const claimed = await store.claimWebhookDeliveries({ now: at(0), leaseUntil: at(30), limit: 10 });
      assert.deepEqual(claimed, [{ ...early, status: 'delivering', attempts: 1, leaseUntil: at(30), secret }]);
      assert.deepEqual(await store.claimWebhookDeliveries({ now: at(29), leaseUntil: at(59), limit: 10 }), [], 'leased');

      // The lease ended: another dispatcher takes the delivery over, and the first one's late report is refused.
      const [reclaimed] = await store.claimWebhookDeliveries({ now: at(30), leaseUntil: at(60), limit: 10 });
      assert.equal(reclaimed.id, early.id);
      assert.equal(reclaimed.attempts, 2);
      const stale: WebhookAttempt = { attempt: 1, at: at(1), durationMs: 5, statusCode: 200, error: null };
      assert.equal(await store.recordWebhookAttempt(early.id, stale, { kind: 'delivered' }), false);

      const second: WebhookAttempt = { attempt: 2, at: at(31), durationMs: 12.5, statusCode: 503, error: null };
      assert.equal(await store.recordWebhookAttempt(early.id, second, { kind: 'retry', nextAttemptAt: at(90) }), true);
      assert.equal(await store.recordWebhookAttempt(early.id, second, { kind: 'retry', nextAttemptAt: at(90) }), false, 'once');
      assert.equal(await store.recordWebhookAttempt(randomUUID(), second, { kind: 'failed' }), false);
      assert.equal(await store.recordWebhookAttempt('not-a-uuid', second, { kind: 'failed' }), false);
      assert.deepEqual(await store.getWebhookDelivery(early.id), {
        ...early,
        attempts: 2,
        nextAttemptAt: at(90),
        lastStatusCode: 503,
        attemptLog: [second],
      });

      const [firstDue] = await store.claimWebhookDeliveries({ now: at(90), leaseUntil: at(120), limit: 1 });
      assert.equal(firstDue.id, late.id, 'the earliest due first');
      const [third] = await store.claimWebhookDeliveries({ now: at(90), leaseUntil: at(120), limit: 10 });
      assert.equal(third.attempts, 3);
      const delivered: WebhookAttempt = { attempt: 3, at: at(91), durationMs: 250, statusCode: 204, error: null };
      assert.equal(await store.recordWebhookAttempt(early.id, delivered, { kind: 'delivered' }), true);
      assert.deepEqual(await store.getWebhookDelivery(early.id), {
        ...early,
        status: 'delivered',
        attempts: 3,
        nextAttemptAt: at(90),
        lastStatusCode: 204,
        deliveredAt: new Date(at(91).getTime() + 250),
        attemptLog: [second, delivered],
      });

      const timedOut: WebhookAttempt = { attempt: 1, at: at(92), durationMs: 10_000, statusCode: null, error: 'timed out' };
      assert.equal(await store.recordWebhookAttempt(late.id, timedOut, { kind: 'failed' }), true);
      assert.deepEqual(await store.getWebhookDelivery(late.id), {
        ...late,
        status: 'failed',
        attempts: 1,
        lastError: 'timed out',
        attemptLog: [timedOut],
      });
      const end = new Date(Date.UTC(2100, 0, 1));
      assert.deepEqual(await store.claimWebhookDeliveries({ now: end, leaseUntil: end, limit: 10 }), [], 'finished ones never');
    });

    it('never hands one webhook delivery to two concurrent claims', async () => {
      const event = unique('event');
      const now = new Date(Date.UTC(2032, 0, 1));
      const leaseUntil = new Date(now.getTime() + 60_000);
      const ids = new Set<string>();
      for (let index = 0; index < 20; index += 1) ids.add((await store.enqueueWebhookDelivery(webhookOf(event, now))).id);
      const concurrent = await Promise.all(
        Array.from({ length: 6 }, () => store.claimWebhookDeliveries({ now, leaseUntil, limit: 4 })),
      );
      const rest = await store.claimWebhookDeliveries({ now, leaseUntil, limit: 100 });
      const claimed = [...concurrent.flat(), ...rest].map((delivery) => delivery.id);
      assert.equal(new Set(claimed).size, claimed.length, 'no delivery claimed twice');
      assert.deepEqual(new Set(claimed), ids);
      await settleWebhooks();
    });

    it('records a webhook attempt and its log row in one transaction', async () => {
      const at = secondsAfter(Date.UTC(2033, 0, 1));
      const delivery = await store.enqueueWebhookDelivery(webhookOf(unique('event'), at(0)));
      await store.claimWebhookDeliveries({ now: at(0), leaseUntil: at(60), limit: 10 });
      const attempt: WebhookAttempt = { attempt: 1, at: at(1), durationMs: 40, statusCode: 200, error: null };
      await assert.rejects(
        store.transaction(async (tx) => {
          assert.equal(await tx.recordWebhookAttempt(delivery.id, attempt, { kind: 'delivered' }), true);
          throw new Error('roll back');
        }),
        /roll back/,
      );
      const rolledBack = await store.getWebhookDelivery(delivery.id);
      assert.equal(rolledBack?.status, 'delivering');
      assert.deepEqual(rolledBack?.attemptLog, []);
      assert.equal(await store.recordWebhookAttempt(delivery.id, attempt, { kind: 'delivered' }), true);
      assert.deepEqual((await store.getWebhookDelivery(delivery.id))?.attemptLog, [attempt]);
    });

    it('reopens an existing database with its data', async () => {
      const gallery = await newGallery();
      await store.insertEnrollment(enrollmentOf(gallery, 'alice'));
      const again = await open();
      try {
        assert.deepEqual(await again.getGallery(gallery), await store.getGallery(gallery));
        assert.equal(await again.countEnrollments(gallery), 1);
        assert.equal(again.kind, store.kind);
      } finally {
        await again.close();
      }
    });
  });
}
