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
import type { NewAuthenticationTransaction, NewCaptureSession } from '../src/store/verification-types.js';
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
  return { name, savePhoto: true, keepTemplates: true, matchLevel: 'HIGH', livenessLevel: 'MEDIUM', ...overrides };
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

/**
 * Direct access to any row, bypassing the store: the sealed columns of the
 * verification tables, and deletes that exercise foreign keys the store's API
 * never triggers. Table and column names come from the suite, never from data.
 */
export interface RawRows {
  /** The column's value as the driver returns it (Buffer for BLOB/bytea); undefined when there is no such row. */
  readColumn(table: string, keyColumn: string, key: string, column: string): Promise<unknown>;
  writeColumn(table: string, keyColumn: string, key: string, column: string, value: Uint8Array | null): Promise<void>;
  deleteRows(table: string, keyColumn: string, key: string): Promise<void>;
}

export function storeSuite(name: string, open: () => Promise<Store>, raw: RawEnrollmentColumns & RawRows): void {
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
      assert.equal((await store.updateGallery(name, { keepTemplates: false }))?.keepTemplates, false);
      assert.equal((await store.createGallery(galleryNamed(`${name}-c`, { keepTemplates: false }))).keepTemplates, false);
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
      const withoutPhoto = await store.getEnrollmentTemplate(gallery, 'alice');
      assert.ok(withoutPhoto);
      assert.deepEqual(
        { ...withoutPhoto, template: bytes(withoutPhoto.template) },
        { galleryName: gallery, userId: 'alice', modelId: inserted.modelId, template: bytes(inserted.template), migratedPending: inserted.migratedPending },
      );
      assert.equal(await store.getEnrollmentTemplate(gallery, 'nobody'), null);
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
      assert.equal(await store.getEnrollmentTemplate(gallery, 'alice'), null);
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

    it('logs every enrollment write, cascaded gallery deletes included, for other servers to follow', async () => {
      const gallery = await newGallery();
      const before = new Date(Date.now() - 60_000);
      const ofGallery = async (since = before, afterSeq = 0, limit = 100) =>
        (await store.listEnrollmentChanges(since, afterSeq, limit)).filter((change) => change.galleryName === gallery);
      await store.insertEnrollment(enrollmentOf(gallery, 'alice'));
      await store.insertEnrollment(enrollmentOf(gallery, 'bob'));
      await store.replaceEnrollment(enrollmentOf(gallery, 'alice', { template: randomBytes(64) }));
      await store.deleteEnrollment(gallery, 'bob');
      assert.equal(await store.deleteEnrollment(gallery, 'nobody'), false);
      const changes = await ofGallery();
      assert.deepEqual(changes.map((change) => change.userId), ['alice', 'bob', 'alice', 'bob']);
      assert.ok(changes.every((change, i) => i === 0 || change.seq > changes[i - 1].seq));
      assert.ok(changes.every((change) => Math.abs(change.changedAt.getTime() - Date.now()) < 60_000));

      assert.deepEqual((await ofGallery(before, changes[1].seq)).map((change) => change.seq), changes.slice(2).map((change) => change.seq));
      assert.equal((await store.listEnrollmentChanges(before, changes[0].seq - 1, 2)).length, 2);
      assert.deepEqual(await ofGallery(new Date(Date.now() + 60_000)), [], 'nothing changed in the future');

      await store.insertEnrollment(enrollmentOf(gallery, 'carol'));
      await store.deleteGallery(gallery);
      const [inserted, ...cascaded] = (await ofGallery(before, changes[3].seq)).map((change) => change.userId);
      assert.equal(inserted, 'carol');
      assert.deepEqual(cascaded.sort(), ['alice', 'carol'], 'deleting the gallery logs each enrollment it takes with it');

      assert.ok((await store.pruneEnrollmentChanges(new Date(Date.now() + 60_000))) >= 7);
      assert.deepEqual(await ofGallery(), []);
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
      await assert.rejects(store.getEnrollment(gallery, 'bob'), /unable to authenticate/, 'another user in the same gallery');
      await assert.rejects(collect(store.listTemplates(gallery)), /unable to authenticate/, 'listTemplates opens every template');
      await raw.write(twin, 'alice', 'template_sealed', aliceTemplate);
      await assert.rejects(store.getEnrollment(twin, 'alice'), /unable to authenticate/, 'the same user id in another gallery');
      await raw.write(gallery, 'alice', 'photo_sealed', aliceTemplate);
      await assert.rejects(store.getEnrollment(gallery, 'alice'), /unable to authenticate/, 'the photo column of the same row');
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

    const newClient = async (overrides: { galleryName?: string | null; callbackUrl?: string | null } = {}): Promise<string> => {
      const id = randomUUID();
      await store.createClient({ id, name: 'client', secret: unique('secret'), galleryName: null, callbackUrl: null, ...overrides });
      return id;
    };
    const tokenHash = keyHash;
    const sessionOf = (clientId: string, createdAt: Date, overrides: Partial<NewCaptureSession> = {}): NewCaptureSession => ({
      id: randomUUID(),
      clientId,
      tokenHash: tokenHash(),
      kind: 'session',
      subjectRef: unique('subject'),
      country: 'NLD',
      createdAt,
      expiresAt: new Date(createdAt.getTime() + 10 * 60_000),
      ...overrides,
    });
    const authenticationOf = (
      clientId: string,
      enrollmentReference: string,
      createdAt: Date,
      overrides: Partial<NewAuthenticationTransaction> = {},
    ): NewAuthenticationTransaction => ({
      reference: randomUUID(),
      clientId,
      enrollmentReference,
      userReference: unique('user'),
      facemap: randomBytes(200),
      callbackUrl: 'https://client.example/callback',
      successUrl: 'https://client.example/ok',
      errorUrl: 'https://client.example/error',
      locale: 'nl',
      createdAt,
      expiresAt: new Date(createdAt.getTime() + 15 * 60_000),
      ...overrides,
    });
    const resultJson = { score: 97.5, levels: ['HIGH', 'MEDIUM'], nested: { ok: true, none: null }, text: 'ü "quoted" \\ end' };

    /** The sealed column holds IV + ciphertext + tag, and not the plaintext. */
    const assertSealed = async (table: string, keyColumn: string, key: string, column: string, clear: Uint8Array): Promise<Buffer> => {
      const stored = await raw.readColumn(table, keyColumn, key, column);
      assert.ok(Buffer.isBuffer(stored), `${table}.${column} is bytes`);
      assert.equal(stored.length, clear.length + 28, `${table}.${column}: IV + ciphertext + tag`);
      assert.equal(stored.indexOf(Buffer.from(clear).subarray(0, 16)), -1, `${table}.${column} holds no plaintext`);
      return stored;
    };

    it('creates, gets, lists and revokes verification clients, their secrets sealed', async () => {
      const gallery = await newGallery();
      const id = randomUUID();
      const secret = `${unique('secret')}-ü`;
      const created = await store.createClient({ id, name: 'shop', secret, galleryName: gallery, callbackUrl: 'https://shop.example/hook' });
      assert.ok(created.createdAt instanceof Date);
      assert.deepEqual(created, {
        id,
        name: 'shop',
        galleryName: gallery,
        callbackUrl: 'https://shop.example/hook',
        createdAt: created.createdAt,
        revokedAt: null,
      });
      assert.deepEqual(await store.getClientWithSecret(id), { ...created, secret });
      assert.deepEqual((await store.listClients()).find((client) => client.id === id), created);
      assert.equal(await store.getClientWithSecret(randomUUID()), null);
      await assertSealed('verification_clients', 'id', id, 'secret_sealed', Buffer.from(secret, 'utf8'));

      await sleep(2);
      const bare = await store.createClient({ id: randomUUID(), name: 'liveness only', secret: 's', galleryName: null, callbackUrl: null });
      assert.equal(bare.galleryName, null);
      assert.equal(bare.callbackUrl, null);
      const listed = (await store.listClients()).map((client) => client.id);
      assert.ok(listed.indexOf(id) >= 0 && listed.indexOf(id) < listed.indexOf(bare.id), 'listed by creation time');

      await assert.rejects(store.createClient({ id, name: 'again', secret: 'other', galleryName: null, callbackUrl: null }), StoreConflictError);
      assert.deepEqual(await store.getClientWithSecret(id), { ...created, secret }, 'a refused duplicate changes nothing');

      assert.equal(await store.revokeClient(id), true);
      assert.equal(await store.getClientWithSecret(id), null, 'a revoked client no longer authenticates');
      assert.equal(await store.revokeClient(id), false, 'already revoked');
      assert.equal(await store.revokeClient(randomUUID()), false);
      const revoked = (await store.listClients()).find((client) => client.id === id);
      assert.ok(revoked?.revokedAt instanceof Date, 'revoked clients stay listed');
    });

    it('fails to open a client secret moved to another client', async () => {
      const [a, b] = [await newClient(), await newClient()];
      const sealed = await raw.readColumn('verification_clients', 'id', a, 'secret_sealed');
      assert.ok(Buffer.isBuffer(sealed));
      await raw.writeColumn('verification_clients', 'id', b, 'secret_sealed', sealed);
      await assert.rejects(store.getClientWithSecret(b), /unable to authenticate/);
    });

    it('remembers request signatures: a replay is refused until the signature is forgotten', async () => {
      const [client, other] = [await newClient(), await newClient()];
      const at = secondsAfter(Date.UTC(2034, 0, 1));
      const signature = createHash('sha256').update(randomBytes(8)).digest('hex');
      assert.equal(await store.rememberSignature(client, signature, at(0), at(-300)), true, 'first use');
      assert.equal(await store.rememberSignature(client, signature, at(1), at(-299)), false, 'replay');
      assert.equal(await store.rememberSignature(other, signature, at(2), at(-298)), true, 'another client, same signature');
      assert.equal(await store.rememberSignature(client, signature, at(300), at(0)), false, 'seen exactly at forgetBefore: kept');
      assert.equal(await store.rememberSignature(client, signature, at(301), at(1)), true, 'older than forgetBefore: forgotten');
      assert.equal(await store.rememberSignature(client, signature, at(302), at(2)), false, 'remembered again');
      await assert.rejects(store.rememberSignature(randomUUID(), signature, at(303), at(3)), /does not exist/);
    });

    it('accepts a signature once among concurrent requests, and forgets it when its transaction rolls back', async () => {
      const client = await newClient();
      const at = secondsAfter(Date.UTC(2035, 0, 1));
      const signature = unique('signature');
      const outcomes = await Promise.all(Array.from({ length: 6 }, (_, index) => store.rememberSignature(client, signature, at(index), at(-300))));
      assert.equal(outcomes.filter(Boolean).length, 1);

      const rolledBack = unique('signature');
      await assert.rejects(
        store.transaction(async (tx) => {
          assert.equal(await tx.rememberSignature(client, rolledBack, at(10), at(-290)), true);
          assert.equal(await tx.rememberSignature(client, rolledBack, at(11), at(-289)), false, 'seen inside the transaction');
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.equal(await store.rememberSignature(client, rolledBack, at(12), at(-288)), true);
    });

    it('creates capture sessions and finds them by id and by token hash', async () => {
      const client = await newClient();
      const createdAt = new Date(Date.UTC(2034, 5, 1, 12, 0, 0, 123));
      const input = sessionOf(client, createdAt, { kind: 'authentication' });
      const created = await store.createCaptureSession(input);
      assert.deepEqual(created, {
        id: input.id,
        clientId: client,
        kind: 'authentication',
        subjectRef: input.subjectRef,
        country: 'NLD',
        state: 'created',
        createdAt,
        expiresAt: input.expiresAt,
        completedAt: null,
        result: null,
      });
      assert.deepEqual(await store.getCaptureSession(input.id), created);
      assert.deepEqual(await store.getCaptureSessionByTokenHash(input.tokenHash), created);
      assert.equal(await store.getCaptureSession(randomUUID()), null);
      assert.equal(await store.getCaptureSessionByTokenHash(tokenHash()), null);

      const bare = await store.createCaptureSession(sessionOf(client, createdAt, { kind: 'process', subjectRef: null, country: null }));
      assert.equal(bare.subjectRef, null);
      assert.equal(bare.country, null);
      await assert.rejects(store.createCaptureSession({ ...sessionOf(client, createdAt), id: input.id }), StoreConflictError);
      await assert.rejects(store.createCaptureSession({ ...sessionOf(client, createdAt), tokenHash: input.tokenHash }), StoreConflictError);
      await assert.rejects(store.createCaptureSession(sessionOf(client, createdAt, { tokenHash: 'the-page-token-itself' })), /sha256/);
      await assert.rejects(store.createCaptureSession(sessionOf(randomUUID(), createdAt)), /does not exist/);
    });

    it('changes a capture session only from the expected states', async () => {
      const client = await newClient();
      const createdAt = new Date(Date.UTC(2034, 5, 2));
      const session = await store.createCaptureSession(sessionOf(client, createdAt));

      assert.equal(await store.updateCaptureSession(session.id, ['in_progress'], { state: 'completed' }), false, 'not in that state');
      assert.equal(await store.updateCaptureSession(session.id, [], { state: 'completed' }), false);
      assert.equal(await store.updateCaptureSession(randomUUID(), ['created'], { state: 'in_progress' }), false);
      assert.deepEqual(await store.getCaptureSession(session.id), session, 'unchanged');

      assert.equal(await store.updateCaptureSession(session.id, ['created', 'in_progress'], { state: 'in_progress' }), true);
      const started = { ...session, state: 'in_progress' as const };
      assert.deepEqual(await store.getCaptureSession(session.id), started);
      assert.equal(await store.updateCaptureSession(session.id, ['created'], { state: 'in_progress' }), false, 'moved already');

      const completedAt = new Date(createdAt.getTime() + 90_000);
      assert.equal(await store.updateCaptureSession(session.id, ['in_progress'], { state: 'completed', completedAt, result: resultJson }), true);
      const completed = { ...started, state: 'completed' as const, completedAt, result: resultJson };
      assert.deepEqual(await store.getCaptureSession(session.id), completed, 'result comes back parsed');
      assert.equal(await store.updateCaptureSession(session.id, ['created', 'in_progress'], { state: 'failed', completedAt, result: {} }), false);
      const storedHash = await raw.readColumn('capture_sessions', 'id', session.id, 'token_hash');
      assert.equal(typeof storedHash, 'string');
      assert.deepEqual(await store.getCaptureSessionByTokenHash(storedHash as string), completed);
      assert.equal(await store.updateCaptureSession(session.id, ['completed'], { state: 'expired' }), true);
      assert.deepEqual(await store.getCaptureSession(session.id), { ...completed, state: 'expired' }, 'fields not given are kept');
    });

    it('supersedes the older pending authentication transactions of the same client and enrollment', async () => {
      const [client, other] = [await newClient(), await newClient()];
      const enrollment = unique('enrollment');
      const at = secondsAfter(Date.UTC(2034, 6, 1));
      const nothingOptional = { userReference: null, callbackUrl: null, successUrl: null, errorUrl: null, locale: null };
      const first = authenticationOf(client, enrollment, at(0), nothingOptional);
      const created = await store.createAuthenticationTransaction(first);
      assert.equal(created.superseded, 0);
      assert.deepEqual(
        { ...created.transaction, facemap: bytes(created.transaction.facemap) },
        { ...first, facemap: bytes(first.facemap), state: 'PENDING', superseded: false, completedAt: null, result: null },
      );
      const read = await store.getAuthenticationTransaction(first.reference);
      assert.ok(read);
      assert.deepEqual({ ...read, facemap: bytes(read.facemap) }, { ...created.transaction, facemap: bytes(first.facemap) });

      const otherEnrollment = await store.createAuthenticationTransaction(authenticationOf(client, `${enrollment}-other`, at(1)));
      const otherClient = await store.createAuthenticationTransaction(authenticationOf(other, enrollment, at(2)));
      assert.equal(otherEnrollment.superseded + otherClient.superseded, 0);

      const second = authenticationOf(client, enrollment, at(3));
      assert.equal((await store.createAuthenticationTransaction(second)).superseded, 1);
      const older = await store.getAuthenticationTransaction(first.reference);
      assert.equal(older?.superseded, true);
      assert.equal(older?.state, 'PENDING', 'stored state; reported as EXPIRED by currentAuthState');
      assert.equal(older?.facemap.length, 0, 'a superseded transaction can never complete: its facemap is erased');
      assert.equal(await raw.readColumn('authentication_transactions', 'reference', first.reference, 'facemap_sealed'), null);
      assert.equal(await store.finishAuthenticationTransaction(first.reference, 'PASSED', at(4), {}), false, 'a superseded one cannot finish');

      for (const untouched of [otherEnrollment.transaction, otherClient.transaction]) {
        const now = await store.getAuthenticationTransaction(untouched.reference);
        assert.equal(now?.superseded, false);
        assert.deepEqual(bytes(now?.facemap), bytes(untouched.facemap));
      }

      const newest = authenticationOf(client, enrollment, at(5));
      assert.equal((await store.createAuthenticationTransaction(newest)).superseded, 1, 'only those not superseded yet count');
      assert.equal(await store.finishAuthenticationTransaction(newest.reference, 'PASSED', at(6), { score: 99 }), true);
      const afterFinish = await store.createAuthenticationTransaction(authenticationOf(client, enrollment, at(7)));
      assert.equal(afterFinish.superseded, 0, 'a finished one is left alone');
      assert.equal((await store.getAuthenticationTransaction(newest.reference))?.superseded, false);
    });

    it('creates an authentication transaction and its supersessions together or not at all', async () => {
      const client = await newClient();
      const enrollment = unique('enrollment');
      const at = secondsAfter(Date.UTC(2034, 6, 2));
      const pending = (await store.createAuthenticationTransaction(authenticationOf(client, enrollment, at(0)))).transaction;

      await assert.rejects(
        store.createAuthenticationTransaction(authenticationOf(client, enrollment, at(1), { reference: pending.reference })),
        StoreConflictError,
      );
      await assert.rejects(store.createAuthenticationTransaction(authenticationOf(randomUUID(), enrollment, at(1))), /does not exist/);
      const failedInside = authenticationOf(client, enrollment, at(2));
      await assert.rejects(
        store.transaction(async (tx) => {
          assert.equal((await tx.createAuthenticationTransaction(failedInside)).superseded, 1);
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.equal(await store.getAuthenticationTransaction(failedInside.reference), null);
      const afterConflict = authenticationOf(client, `${enrollment}-after`, at(3));
      await store.transaction(async (tx) => {
        const duplicate = authenticationOf(client, enrollment, at(3), { reference: pending.reference });
        await assert.rejects(tx.createAuthenticationTransaction(duplicate), StoreConflictError);
        assert.equal((await tx.getAuthenticationTransaction(pending.reference))?.superseded, false, 'undone within the transaction');
        await tx.createAuthenticationTransaction(afterConflict);
      });
      assert.ok(await store.getAuthenticationTransaction(afterConflict.reference), 'the transaction stays usable after the conflict');
      const still = await store.getAuthenticationTransaction(pending.reference);
      assert.equal(still?.superseded, false, 'nothing superseded by a creation that failed');
      assert.deepEqual(bytes(still?.facemap), bytes(pending.facemap));

      const concurrent = await Promise.all(
        Array.from({ length: 5 }, (_, index) => store.createAuthenticationTransaction(authenticationOf(client, enrollment, at(10 + index)))),
      );
      const references = [pending.reference, ...concurrent.map((created) => created.transaction.reference)];
      const states = await Promise.all(references.map((reference) => store.getAuthenticationTransaction(reference)));
      assert.equal(states.filter((tx) => tx?.superseded === false).length, 1, 'exactly one can still complete');
      assert.equal(concurrent.reduce((sum, created) => sum + created.superseded, 0), 5);
    });

    it('finishes an authentication transaction once and erases its facemap', async () => {
      const client = await newClient();
      const at = secondsAfter(Date.UTC(2034, 6, 3));
      const input = authenticationOf(client, unique('enrollment'), at(0));
      await store.createAuthenticationTransaction(input);
      await assertSealed('authentication_transactions', 'reference', input.reference, 'facemap_sealed', input.facemap);

      assert.equal(await store.finishAuthenticationTransaction(input.reference, 'FAILED', at(30), resultJson), true);
      assert.equal(await store.finishAuthenticationTransaction(input.reference, 'PASSED', at(31), {}), false, 'final states never change');
      assert.equal(await store.finishAuthenticationTransaction(randomUUID(), 'PASSED', at(31), {}), false);
      const finished = await store.getAuthenticationTransaction(input.reference);
      assert.ok(finished);
      assert.deepEqual(
        { ...finished, facemap: bytes(finished.facemap) },
        { ...input, facemap: Buffer.alloc(0), state: 'FAILED', superseded: false, completedAt: at(30), result: resultJson },
      );
      assert.equal(await raw.readColumn('authentication_transactions', 'reference', input.reference, 'facemap_sealed'), null, 'no biometric data kept');
    });

    it('fails to open a facemap moved to another authentication transaction', async () => {
      const client = await newClient();
      const at = secondsAfter(Date.UTC(2034, 6, 4));
      const [a, b] = [authenticationOf(client, unique('enrollment'), at(0)), authenticationOf(client, unique('enrollment'), at(0))];
      for (const tx of [a, b]) await store.createAuthenticationTransaction(tx);
      const sealed = await raw.readColumn('authentication_transactions', 'reference', a.reference, 'facemap_sealed');
      assert.ok(Buffer.isBuffer(sealed));
      await raw.writeColumn('authentication_transactions', 'reference', b.reference, 'facemap_sealed', sealed);
      await assert.rejects(store.getAuthenticationTransaction(b.reference), /unable to authenticate/);
    });

    it('creates dossiers and processes, and updates only the fields given', async () => {
      const client = await newClient();
      const createdAt = new Date(Date.UTC(2034, 7, 1, 8, 30));
      const dossier = { id: randomUUID(), clientId: client, metadata: { customer: 'c-1', tags: ['a', 'b'], nested: { n: 1.5 } }, createdAt };
      assert.deepEqual(await store.createDossier(dossier), dossier);
      assert.deepEqual(await store.getDossier(dossier.id), dossier);
      assert.equal(await store.getDossier(randomUUID()), null);
      await assert.rejects(store.createDossier({ ...dossier, metadata: {} }), StoreConflictError);
      await assert.rejects(store.createDossier({ ...dossier, id: randomUUID(), clientId: randomUUID() }), /does not exist/);

      const referenceImage = randomBytes(500);
      const input = {
        id: randomUUID(),
        dossierId: dossier.id,
        provider: 'facegate' as const,
        status: 'pending' as const,
        referenceImage,
        livenessImage: null,
        result: null,
        createdAt,
      };
      const created = await store.createProcess(input);
      type Images = { referenceImage: Uint8Array | null; livenessImage: Uint8Array | null };
      const plain = <Process extends Images>(process: Process | null) =>
        process && { ...process, referenceImage: bytes(process.referenceImage), livenessImage: bytes(process.livenessImage) };
      assert.deepEqual(plain(created), plain({ ...input, updatedAt: createdAt }));
      assert.deepEqual(plain(await store.getProcess(input.id)), plain(created));
      assert.equal(await store.getProcess(randomUUID()), null);
      await assertSealed('verification_processes', 'id', input.id, 'reference_image_sealed', referenceImage);
      await assert.rejects(store.createProcess(input), StoreConflictError);
      await assert.rejects(store.createProcess({ ...input, id: randomUUID(), dossierId: randomUUID() }), /does not exist/);

      const livenessImage = randomBytes(300);
      const t1 = new Date(createdAt.getTime() + 60_000);
      const withLiveness = await store.updateProcess(input.id, { livenessImage, status: 'processing' }, t1);
      const expected1 = { ...input, livenessImage, status: 'processing', updatedAt: t1 };
      assert.deepEqual(plain(withLiveness), plain(expected1));
      assert.deepEqual(plain(await store.getProcess(input.id)), plain(expected1));
      await assertSealed('verification_processes', 'id', input.id, 'liveness_image_sealed', livenessImage);

      const t2 = new Date(createdAt.getTime() + 120_000);
      const expected2 = { ...expected1, status: 'accepted', result: resultJson, updatedAt: t2 };
      assert.deepEqual(plain(await store.updateProcess(input.id, { status: 'accepted', result: resultJson }, t2)), plain(expected2));
      const t3 = new Date(createdAt.getTime() + 180_000);
      const expected3 = { ...expected2, referenceImage: null, updatedAt: t3 };
      assert.deepEqual(plain(await store.updateProcess(input.id, { referenceImage: null }, t3)), plain(expected3), 'null clears');
      assert.equal(await raw.readColumn('verification_processes', 'id', input.id, 'reference_image_sealed'), null);
      const t4 = new Date(createdAt.getTime() + 240_000);
      assert.deepEqual(plain(await store.updateProcess(input.id, {}, t4)), plain({ ...expected3, updatedAt: t4 }), 'nothing but updatedAt');
      assert.deepEqual(plain(await store.getProcess(input.id)), plain({ ...expected3, updatedAt: t4 }));
      assert.equal(await store.updateProcess(randomUUID(), { status: 'rejected' }, t4), null);
    });

    it('binds process images to their process and column, and deletes processes with their dossier', async () => {
      const client = await newClient();
      const createdAt = new Date(Date.UTC(2034, 7, 2));
      const dossier = await store.createDossier({ id: randomUUID(), clientId: client, metadata: {}, createdAt });
      const processOf = () => ({
        id: randomUUID(),
        dossierId: dossier.id,
        provider: 'facegate' as const,
        status: 'pending' as const,
        referenceImage: randomBytes(64),
        livenessImage: randomBytes(64),
        result: null,
        createdAt,
      });
      const [a, b] = [await store.createProcess(processOf()), await store.createProcess(processOf())];
      const sealed = await raw.readColumn('verification_processes', 'id', a.id, 'reference_image_sealed');
      assert.ok(Buffer.isBuffer(sealed));
      await raw.writeColumn('verification_processes', 'id', a.id, 'liveness_image_sealed', sealed);
      await assert.rejects(store.getProcess(a.id), /unable to authenticate/, 'the other column of the same process');
      await raw.writeColumn('verification_processes', 'id', b.id, 'reference_image_sealed', sealed);
      await assert.rejects(store.getProcess(b.id), /unable to authenticate/, 'the same column of another process');

      await raw.deleteRows('dossiers', 'id', dossier.id);
      assert.equal(await store.getDossier(dossier.id), null);
      assert.equal(await store.getProcess(a.id), null, 'the foreign key cascades');
      assert.equal(await store.getProcess(b.id), null);
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
