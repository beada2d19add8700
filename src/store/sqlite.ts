/**
 * Embedded store on one better-sqlite3 connection. better-sqlite3 is
 * synchronous, so each statement is atomic with respect to the event loop; the
 * only way statements could interleave is an open transaction awaiting its async
 * `work`. A mutex therefore orders every operation of the outer store behind
 * any open transaction, and transactions behind each other.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrateSqlite } from './migrations/sqlite.js';
import { TRANSACTION, WEBHOOK_DELIVERY } from './rows.js';
import {
  fromApiKeyRow,
  fromClaimedWebhookRow,
  fromEnrolledTemplateRow,
  fromEnrollmentRow,
  fromGalleryRow,
  fromTransactionRow,
  fromWebhookAttemptRow,
  fromWebhookDeliveryRow,
  sqliteStatements,
  type EnrollmentTimes,
  type SqliteStatements,
  type SqliteTransactionRow,
  type SqliteWebhookDeliveryRow,
} from './migrations/sqlite-statements.js';
import {
  Mutex,
  TEMPLATE_PAGE_SIZE,
  TransactionScope,
  assertKeyHash,
  fromTransaction,
  newWebhookDeliveryRow,
  openTemplate,
  sealEnrollment,
  transactionConditions,
  transactionLimit,
  webhookAttemptUpdate,
  webhookDeliveryConditions,
  webhookDeliveryLimit,
  writtenEnrollment,
  type Condition,
} from './rows.js';
import {
  fromAuthenticationTransactionRow,
  fromCaptureSessionRow,
  fromClientRow,
  fromDossierRow,
  fromProcessRow,
  sqliteValues,
  sqliteVerificationStatements,
  type SqliteVerificationStatements,
} from './migrations/sqlite-verification-statements.js';
import {
  jsonText,
  newAuthenticationTransactionRow,
  newCaptureSessionRow,
  newDossierRow,
  newVerificationClientRow,
  newVerificationProcessRow,
  processUpdate,
  toAuthenticationTransaction,
  toCaptureSession,
  toDossier,
  toVerificationClient,
  toVerificationClientWithSecret,
  toVerificationProcess,
  writtenAuthenticationTransaction,
  writtenVerificationProcess,
} from './verification-rows.js';
import { StoreConflictError } from './types.js';
import type {
  ApiKeyRecord,
  ClaimedWebhookDelivery,
  EnrolledTemplate,
  Enrollment,
  EnrollmentChange,
  Gallery,
  GalleryPatch,
  NewApiKey,
  NewEnrollment,
  NewGallery,
  NewWebhookDelivery,
  Sealer,
  Store,
  TransactionQuery,
  TransactionRecord,
  WebhookAttempt,
  WebhookAttemptOutcome,
  WebhookClaim,
  WebhookDelivery,
  WebhookDeliveryQuery,
  WebhookDeliveryWithLog,
} from './types.js';
import type { AuthState, SessionState } from '../core/verification-states.js';
import type {
  AuthenticationTransaction,
  CaptureSession,
  Dossier,
  NewAuthenticationTransaction,
  NewCaptureSession,
  NewVerificationClient,
  VerificationClient,
  VerificationProcess,
} from './verification-types.js';

/** How long a write waits for another process holding the database's write lock. */
const BUSY_TIMEOUT_MS = 5000;

type Sqlite = Database.Database;

export async function openSqliteStore(options: { path: string; sealer: Sealer }): Promise<Store> {
  mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
    // FULL also syncs the WAL on every commit: an acknowledged enrollment survives a power cut.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrateSqlite(db, options.path);
    return new SqliteStore(new Connection(db, options.sealer), null);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Prepared statements of the filtered listings, one per combination of filters in use. */
class ListingStatements<Row> {
  private readonly statements = new Map<string, Database.Statement<unknown[], Row>>();

  constructor(private readonly db: Sqlite) {}

  get(sql: string): Database.Statement<unknown[], Row> {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare<unknown[], Row>(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

class Connection {
  readonly mutex = new Mutex();
  /** The transaction whose `work` is running in the current async context, if any. */
  readonly activeTransaction = new AsyncLocalStorage<TransactionScope>();
  readonly statements: SqliteStatements;
  readonly verification: SqliteVerificationStatements;
  readonly transactionQueries: ListingStatements<SqliteTransactionRow>;
  readonly webhookDeliveryQueries: ListingStatements<SqliteWebhookDeliveryRow>;

  constructor(
    readonly db: Sqlite,
    readonly sealer: Sealer,
  ) {
    this.statements = sqliteStatements(db);
    this.verification = sqliteVerificationStatements(db);
    this.transactionQueries = new ListingStatements(db);
    this.webhookDeliveryQueries = new ListingStatements(db);
  }
}

/** ` WHERE a = ? AND b >= ?` for the conditions (empty without any), and their values as SQLite binds them. */
function whereClause(conditions: Condition[]): { where: string; values: (string | number)[] } {
  const where = conditions.map((condition) => `${condition.column} ${condition.operator} ?`);
  return {
    where: where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '',
    values: conditions.map((condition) => (condition.value instanceof Date ? condition.value.getTime() : condition.value)),
  };
}

/** Turns the unique violation of an insert into StoreConflictError, and a missing parent row into a clear error. */
function insertOrConflict<T>(insert: () => T, duplicate: string, missingParent?: string): T {
  try {
    return insert();
  } catch (error) {
    if (error instanceof Database.SqliteError) {
      if (error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || error.code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new StoreConflictError(duplicate);
      }
      if (error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' && missingParent !== undefined) {
        throw new Error(missingParent, { cause: error });
      }
    }
    throw error;
  }
}

/** Turns the foreign key violation of a write into a clear error naming the missing parent row. */
function parentMustExist<T>(write: () => T, missingParent: string): T {
  try {
    return write();
  } catch (error) {
    if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      throw new Error(missingParent, { cause: error });
    }
    throw error;
  }
}

function enrollmentTimes(row: EnrollmentTimes): { created_at: Date; updated_at: Date } {
  return { created_at: new Date(row.created_at), updated_at: new Date(row.updated_at) };
}

function returned<T>(row: T | undefined): T {
  if (row === undefined) throw new Error('INSERT … RETURNING returned no row');
  return row;
}

class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;

  constructor(
    private readonly connection: Connection,
    private readonly scope: TransactionScope | null,
  ) {}

  /** Runs now inside a transaction; otherwise once no transaction is open. */
  private async run<T>(operation: () => T | Promise<T>): Promise<T> {
    if (this.scope !== null) {
      this.scope.assertOpen();
      return operation();
    }
    if (this.connection.activeTransaction.getStore()?.open === true) {
      throw new Error('the outer store was used inside transaction(): use the store passed to work (waiting would deadlock)');
    }
    return this.connection.mutex.run(operation);
  }

  createApiKey(key: NewApiKey): Promise<ApiKeyRecord> {
    return this.run(() => {
      assertKeyHash(key.keyHash);
      const row = insertOrConflict(
        () =>
          this.connection.statements.insertApiKey.get({
            id: key.id,
            name: key.name,
            key_hash: key.keyHash,
            permissions: JSON.stringify(key.permissions),
            created_at: Date.now(),
          }),
        `API key ${key.id} (or one with the same hash) already exists`,
      );
      return fromApiKeyRow(returned(row));
    });
  }

  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    return this.run(() => {
      const row = this.connection.statements.findApiKey.get(keyHash);
      return row === undefined ? null : fromApiKeyRow(row);
    });
  }

  listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.run(() => this.connection.statements.listApiKeys.all().map(fromApiKeyRow));
  }

  revokeApiKey(id: string): Promise<boolean> {
    return this.run(() => this.connection.statements.revokeApiKey.run(Date.now(), id).changes > 0);
  }

  createGallery(gallery: NewGallery): Promise<Gallery> {
    return this.run(() => {
      const row = insertOrConflict(
        () =>
          this.connection.statements.insertGallery.get({
            name: gallery.name,
            save_photo: gallery.savePhoto ? 1 : 0,
            match_level: gallery.matchLevel,
            liveness_level: gallery.livenessLevel,
            created_at: Date.now(),
            keep_templates: gallery.keepTemplates ? 1 : 0,
          }),
        `gallery ${gallery.name} already exists`,
      );
      return fromGalleryRow(returned(row));
    });
  }

  getGallery(name: string): Promise<Gallery | null> {
    return this.run(() => {
      const row = this.connection.statements.getGallery.get(name);
      return row === undefined ? null : fromGalleryRow(row);
    });
  }

  listGalleries(): Promise<Gallery[]> {
    return this.run(() => this.connection.statements.listGalleries.all().map(fromGalleryRow));
  }

  updateGallery(name: string, patch: GalleryPatch): Promise<Gallery | null> {
    return this.run(() => {
      const row = this.connection.statements.updateGallery.get({
        name,
        set_save_photo: patch.savePhoto === undefined ? 0 : 1,
        save_photo: patch.savePhoto === undefined ? null : patch.savePhoto ? 1 : 0,
        set_match_level: patch.matchLevel === undefined ? 0 : 1,
        match_level: patch.matchLevel ?? null,
        set_liveness_level: patch.livenessLevel === undefined ? 0 : 1,
        liveness_level: patch.livenessLevel ?? null,
        set_keep_templates: patch.keepTemplates === undefined ? 0 : 1,
        keep_templates: patch.keepTemplates === undefined ? null : patch.keepTemplates ? 1 : 0,
      });
      return row === undefined ? null : fromGalleryRow(row);
    });
  }

  deleteGallery(name: string): Promise<boolean> {
    return this.run(() => this.connection.statements.deleteGallery.run(name).changes > 0);
  }

  insertEnrollment(enrollment: NewEnrollment): Promise<Enrollment> {
    return this.run(() => {
      const row = insertOrConflict(
        () => this.connection.statements.insertEnrollment.get(this.enrollmentParameters(enrollment)),
        `enrollment ${enrollment.userId} already exists in gallery ${enrollment.galleryName}`,
        `gallery ${enrollment.galleryName} does not exist`,
      );
      return writtenEnrollment(enrollment, enrollmentTimes(returned(row)));
    });
  }

  replaceEnrollment(enrollment: NewEnrollment): Promise<Enrollment | null> {
    return this.run(() => {
      const row = this.connection.statements.replaceEnrollment.get(this.enrollmentParameters(enrollment));
      return row === undefined ? null : writtenEnrollment(enrollment, enrollmentTimes(row));
    });
  }

  private enrollmentParameters(enrollment: NewEnrollment) {
    return {
      gallery_name: enrollment.galleryName,
      user_id: enrollment.userId,
      model_id: enrollment.modelId,
      ...sealEnrollment(this.connection.sealer, enrollment),
      photo_mime: enrollment.photoMime,
      migrated_pending: enrollment.migratedPending ? 1 : 0,
      now: Date.now(),
    };
  }

  getEnrollment(galleryName: string, userId: string): Promise<Enrollment | null> {
    return this.run(() => {
      const row = this.connection.statements.getEnrollment.get(galleryName, userId);
      return row === undefined ? null : fromEnrollmentRow(this.connection.sealer, row);
    });
  }

  getEnrollmentTemplate(galleryName: string, userId: string): Promise<EnrolledTemplate | null> {
    return this.run(() => {
      const row = this.connection.statements.getEnrolledTemplate.get(galleryName, userId);
      return row === undefined ? null : fromEnrolledTemplateRow(this.connection.sealer, row);
    });
  }

  deleteEnrollment(galleryName: string, userId: string): Promise<boolean> {
    return this.run(() => this.connection.statements.deleteEnrollment.run(galleryName, userId).changes > 0);
  }

  countEnrollments(galleryName: string): Promise<number> {
    return this.run(() => returned(this.connection.statements.countEnrollments.get(galleryName)));
  }

  async *listTemplates(galleryName: string): AsyncGenerator<{ userId: string; modelId: string; template: Uint8Array }> {
    const { statements, sealer } = this.connection;
    let page = await this.run(() => statements.firstTemplates.all(galleryName, TEMPLATE_PAGE_SIZE));
    for (;;) {
      for (const row of page) {
        yield { userId: row.user_id, modelId: row.model_id, template: openTemplate(sealer, galleryName, row) };
      }
      if (page.length < TEMPLATE_PAGE_SIZE) return;
      const after = page[page.length - 1].user_id;
      page = await this.run(() => statements.nextTemplates.all(galleryName, after, TEMPLATE_PAGE_SIZE));
    }
  }

  listEnrollmentChanges(since: Date, afterSeq: number, limit: number): Promise<EnrollmentChange[]> {
    return this.run(() =>
      this.connection.statements.listEnrollmentChanges
        .all(since.getTime(), afterSeq, limit)
        .map((row) => ({ seq: row.seq, galleryName: row.gallery_name, userId: row.user_id, changedAt: new Date(row.changed_at) })),
    );
  }

  pruneEnrollmentChanges(before: Date): Promise<number> {
    return this.run(() => this.connection.statements.pruneEnrollmentChanges.run(before.getTime()).changes);
  }

  recordTransaction(record: TransactionRecord): Promise<void> {
    return this.run(() => {
      const row = fromTransaction(record);
      this.connection.statements.insertTransaction.run({ ...row, created_at: row.created_at.getTime() });
    });
  }

  listTransactions(query: TransactionQuery): Promise<TransactionRecord[]> {
    return this.run(() => {
      const { where, values } = whereClause(transactionConditions(query));
      const sql = `SELECT ${TRANSACTION} FROM transactions${where} ORDER BY created_at DESC, id DESC LIMIT ?`;
      return this.connection.transactionQueries
        .get(sql)
        .all(...values, transactionLimit(query))
        .map(fromTransactionRow);
    });
  }

  enqueueWebhookDelivery(delivery: NewWebhookDelivery): Promise<WebhookDelivery> {
    return this.run(() => {
      const row = newWebhookDeliveryRow(this.connection.sealer, delivery);
      const inserted = this.connection.statements.insertWebhookDelivery.get({
        ...row,
        next_attempt_at: row.next_attempt_at.getTime(),
        lease_until: null,
        created_at: row.created_at.getTime(),
        delivered_at: null,
      });
      return fromWebhookDeliveryRow(returned(inserted));
    });
  }

  claimWebhookDeliveries(claim: WebhookClaim): Promise<ClaimedWebhookDelivery[]> {
    return this.run(() =>
      this.connection.statements.claimWebhookDeliveries
        .all({ now: claim.now.getTime(), lease_until: claim.leaseUntil.getTime(), limit: claim.limit })
        .map((row) => fromClaimedWebhookRow(this.connection.sealer, row)),
    );
  }

  recordWebhookAttempt(deliveryId: string, attempt: WebhookAttempt, outcome: WebhookAttemptOutcome): Promise<boolean> {
    return this.run(() => {
      const { statements, db } = this.connection;
      const update = webhookAttemptUpdate(attempt, outcome);
      // better-sqlite3 nests this in a savepoint when a store transaction is already open.
      const record = db.transaction((): boolean => {
        const finished = statements.finishWebhookAttempt.run({
          ...update,
          id: deliveryId,
          attempt: attempt.attempt,
          next_attempt_at: update.next_attempt_at?.getTime() ?? null,
          delivered_at: update.delivered_at?.getTime() ?? null,
        });
        if (finished.changes === 0) return false;
        statements.insertWebhookAttempt.run({
          delivery_id: deliveryId,
          attempt: attempt.attempt,
          at: attempt.at.getTime(),
          duration_ms: attempt.durationMs,
          status_code: attempt.statusCode,
          error: attempt.error,
        });
        return true;
      });
      return record();
    });
  }

  getWebhookDelivery(id: string): Promise<WebhookDeliveryWithLog | null> {
    return this.run(() => {
      const { statements } = this.connection;
      const row = statements.getWebhookDelivery.get(id);
      if (row === undefined) return null;
      return { ...fromWebhookDeliveryRow(row), attemptLog: statements.listWebhookAttempts.all(id).map(fromWebhookAttemptRow) };
    });
  }

  listWebhookDeliveries(query: WebhookDeliveryQuery): Promise<WebhookDelivery[]> {
    return this.run(() => {
      const { where, values } = whereClause(webhookDeliveryConditions(query));
      const sql = `SELECT ${WEBHOOK_DELIVERY} FROM webhook_deliveries${where} ORDER BY created_at DESC, id DESC LIMIT ?`;
      return this.connection.webhookDeliveryQueries
        .get(sql)
        .all(...values, webhookDeliveryLimit(query))
        .map(fromWebhookDeliveryRow);
    });
  }

  createClient(client: NewVerificationClient): Promise<VerificationClient> {
    return this.run(() => {
      const row = newVerificationClientRow(this.connection.sealer, client, new Date());
      const inserted = insertOrConflict(
        () => this.connection.verification.insertClient.get(sqliteValues(row)),
        `verification client ${client.id} already exists`,
      );
      return toVerificationClient(fromClientRow(returned(inserted)));
    });
  }

  getClientWithSecret(id: string): Promise<(VerificationClient & { secret: string }) | null> {
    return this.run(() => {
      const row = this.connection.verification.getClientWithSecret.get(id);
      return row === undefined ? null : toVerificationClientWithSecret(this.connection.sealer, fromClientRow(row));
    });
  }

  listClients(): Promise<VerificationClient[]> {
    return this.run(() => this.connection.verification.listClients.all().map((row) => toVerificationClient(fromClientRow(row))));
  }

  revokeClient(id: string): Promise<boolean> {
    return this.run(() => this.connection.verification.revokeClient.run(Date.now(), id).changes > 0);
  }

  rememberSignature(clientId: string, signature: string, at: Date, forgetBefore: Date): Promise<boolean> {
    return this.run(() => {
      const { db, verification } = this.connection;
      // Pruning first lets a signature older than forgetBefore be used again; both writes commit together.
      const remember = db.transaction((): boolean => {
        verification.pruneSignatures.run(forgetBefore.getTime());
        const values = { client_id: clientId, signature, seen_at: at.getTime() };
        const inserted = parentMustExist(
          () => verification.insertSignature.run(values),
          `verification client ${clientId} does not exist`,
        );
        return inserted.changes > 0;
      });
      return remember.immediate();
    });
  }

  createCaptureSession(session: NewCaptureSession): Promise<CaptureSession> {
    return this.run(() => {
      const row = newCaptureSessionRow(session);
      const inserted = insertOrConflict(
        () => this.connection.verification.insertCaptureSession.get(sqliteValues(row)),
        `capture session ${session.id} (or one with the same token hash) already exists`,
        `verification client ${session.clientId} does not exist`,
      );
      return toCaptureSession(fromCaptureSessionRow(returned(inserted)));
    });
  }

  getCaptureSession(id: string): Promise<CaptureSession | null> {
    return this.run(() => {
      const row = this.connection.verification.getCaptureSession.get(id);
      return row === undefined ? null : toCaptureSession(fromCaptureSessionRow(row));
    });
  }

  getCaptureSessionByTokenHash(tokenHash: string): Promise<CaptureSession | null> {
    return this.run(() => {
      const row = this.connection.verification.getCaptureSessionByTokenHash.get(tokenHash);
      return row === undefined ? null : toCaptureSession(fromCaptureSessionRow(row));
    });
  }

  updateCaptureSession(
    id: string,
    fromStates: SessionState[],
    change: { state: SessionState; completedAt?: Date; result?: Record<string, unknown> },
  ): Promise<boolean> {
    return this.run(
      () =>
        this.connection.verification.updateCaptureSession.run({
          id,
          from_states: JSON.stringify(fromStates),
          state: change.state,
          completed_at: change.completedAt?.getTime() ?? null,
          result: jsonText(change.result),
        }).changes > 0,
    );
  }

  createAuthenticationTransaction(
    tx: NewAuthenticationTransaction,
  ): Promise<{ transaction: AuthenticationTransaction; superseded: number }> {
    return this.run(() => {
      const { db, sealer, verification } = this.connection;
      const row = newAuthenticationTransactionRow(sealer, tx);
      // IMMEDIATE: the write lock is taken before the supersession reads, so another process cannot slip a transaction
      // for the same enrollment reference in between. A conflict on insert rolls the supersession back.
      const create = db.transaction((): number => {
        const superseded = verification.supersedeAuthenticationTransactions.run(tx.clientId, tx.enrollmentReference).changes;
        insertOrConflict(
          () => verification.insertAuthenticationTransaction.run(sqliteValues(row)),
          `authentication transaction ${tx.reference} already exists`,
          `verification client ${tx.clientId} does not exist`,
        );
        return superseded;
      });
      const superseded = create.immediate();
      return { transaction: writtenAuthenticationTransaction(tx), superseded };
    });
  }

  getAuthenticationTransaction(reference: string): Promise<AuthenticationTransaction | null> {
    return this.run(() => {
      const row = this.connection.verification.getAuthenticationTransaction.get(reference);
      return row === undefined ? null : toAuthenticationTransaction(this.connection.sealer, fromAuthenticationTransactionRow(row));
    });
  }

  finishAuthenticationTransaction(
    reference: string,
    state: Exclude<AuthState, 'PENDING'>,
    completedAt: Date,
    result: Record<string, unknown>,
  ): Promise<boolean> {
    return this.run(
      () =>
        this.connection.verification.finishAuthenticationTransaction.run({
          reference,
          state,
          completed_at: completedAt.getTime(),
          result: jsonText(result),
        }).changes > 0,
    );
  }

  createDossier(dossier: Dossier): Promise<Dossier> {
    return this.run(() => {
      const inserted = insertOrConflict(
        () => this.connection.verification.insertDossier.get(sqliteValues(newDossierRow(dossier))),
        `dossier ${dossier.id} already exists`,
        `verification client ${dossier.clientId} does not exist`,
      );
      return toDossier(fromDossierRow(returned(inserted)));
    });
  }

  getDossier(id: string): Promise<Dossier | null> {
    return this.run(() => {
      const row = this.connection.verification.getDossier.get(id);
      return row === undefined ? null : toDossier(fromDossierRow(row));
    });
  }

  createProcess(process: Omit<VerificationProcess, 'updatedAt'>): Promise<VerificationProcess> {
    return this.run(() => {
      const row = newVerificationProcessRow(this.connection.sealer, process);
      insertOrConflict(
        () => this.connection.verification.insertProcess.run(sqliteValues(row)),
        `process ${process.id} already exists`,
        `dossier ${process.dossierId} does not exist`,
      );
      return writtenVerificationProcess(process, row);
    });
  }

  getProcess(id: string): Promise<VerificationProcess | null> {
    return this.run(() => {
      const row = this.connection.verification.getProcess.get(id);
      return row === undefined ? null : toVerificationProcess(this.connection.sealer, fromProcessRow(row));
    });
  }

  updateProcess(
    id: string,
    change: Partial<Pick<VerificationProcess, 'status' | 'referenceImage' | 'livenessImage' | 'result'>>,
    at: Date,
  ): Promise<VerificationProcess | null> {
    return this.run(() => {
      const update = processUpdate(this.connection.sealer, id, change, at);
      const row = this.connection.verification.updateProcess.get(sqliteValues(update));
      return row === undefined ? null : toVerificationProcess(this.connection.sealer, fromProcessRow(row));
    });
  }

  async transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    if (this.scope !== null) {
      this.scope.assertOpen();
      return work(this);
    }
    const { db, activeTransaction } = this.connection;
    return this.run(async () => {
      const scope = new TransactionScope();
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await activeTransaction.run(scope, () => work(new SqliteStore(this.connection, scope)));
        db.exec('COMMIT');
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      } finally {
        scope.open = false;
      }
    });
  }

  async close(): Promise<void> {
    if (this.scope !== null) throw new Error('close() the outer store, not the one passed to transaction()');
    await this.run(() => this.connection.db.close());
  }
}
