/**
 * PostgreSQL store on a pg Pool. Outside a transaction every call takes any
 * pooled connection; a transaction holds one connection from BEGIN to
 * COMMIT/ROLLBACK and the store handed to `work` runs everything on it.
 */
import pg from 'pg';
import { migratePostgres } from './migrations/postgres.js';
import { postgresSql as sql } from './migrations/postgres-statements.js';
import { TRANSACTION, WEBHOOK_DELIVERY } from './rows.js';
import {
  Mutex,
  TEMPLATE_PAGE_SIZE,
  TRANSACTION_COLUMNS,
  TransactionScope,
  WEBHOOK_DELIVERY_COLUMNS,
  assertKeyHash,
  fromTransaction,
  isUuid,
  newWebhookDeliveryRow,
  openTemplate,
  sealEnrollment,
  toApiKey,
  toClaimedWebhookDelivery,
  toEnrolledTemplate,
  toEnrollment,
  toGallery,
  toTransaction,
  toWebhookAttempt,
  toWebhookDelivery,
  transactionConditions,
  transactionLimit,
  webhookAttemptUpdate,
  webhookDeliveryConditions,
  webhookDeliveryLimit,
  writtenEnrollment,
  type ApiKeyRow,
  type Condition,
  type EnrolledTemplateRow,
  type EnrollmentRow,
  type GalleryRow,
  type TemplateRow,
  type TransactionRow,
  type WebhookAttemptRow,
  type WebhookDeliveryRow,
  type WebhookDeliveryRowWithSecret,
} from './rows.js';
import { postgresVerificationSql as verificationSql } from './migrations/postgres-verification-statements.js';
import {
  AUTHENTICATION_TRANSACTION_COLUMNS,
  CAPTURE_SESSION_COLUMNS,
  DOSSIER_COLUMNS,
  VERIFICATION_CLIENT_COLUMNS,
  VERIFICATION_PROCESS_COLUMNS,
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
  type AuthenticationTransactionRow,
  type CaptureSessionRow,
  type DossierRow,
  type VerificationClientRow,
  type VerificationClientRowWithSecret,
  type VerificationProcessRow,
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

/** An unreachable server fails the open after this long instead of hanging. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_POOL_SIZE = 10;
const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

type EnrollmentTimes = Pick<EnrollmentRow, 'created_at' | 'updated_at'>;

export interface PostgresStoreOptions {
  url: string;
  sealer: Sealer;
  poolSize?: number;
  connectTimeoutMs?: number;
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const server = describeServer(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: 'facegate',
  });
  // pg drops a pooled connection that dies while idle and reconnects on the next query; unheard, the event would crash the process.
  pool.on('error', (error) => process.emitWarning(`PostgreSQL connection to ${server} lost while idle: ${error.message}`));
  try {
    const client = await pool.connect().catch((error: Error) => {
      throw new Error(`cannot connect to PostgreSQL at ${server}: ${error.message}`, { cause: error });
    });
    try {
      await migratePostgres(client, `PostgreSQL database at ${server}`);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresStore(pool, options.sealer, null);
}

/** host:port/database of a connection URL, never its password. */
function describeServer(url: string): string {
  try {
    const parsed = new URL(url);
    const host = decodeURIComponent(parsed.hostname) || parsed.searchParams.get('host') || 'localhost';
    return `${host}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'the server of DATABASE_URL (not a valid URL)';
  }
}

/** ` WHERE a = $1 AND b >= $2` for the conditions (empty without any), and their values. */
function whereClause(conditions: Condition[]): { where: string; values: (string | Date)[] } {
  const where = conditions.map((condition, index) => `${condition.column} ${condition.operator} $${index + 1}`);
  return {
    where: where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '',
    values: conditions.map((condition) => condition.value),
  };
}

function databaseErrorCode(error: unknown): string | undefined {
  return error instanceof pg.DatabaseError ? error.code : undefined;
}

/** The connection a transaction holds; its mutex keeps the statements of overlapping calls from interleaving. */
class HeldConnection {
  readonly scope = new TransactionScope();
  private readonly mutex = new Mutex();

  constructor(readonly client: pg.PoolClient) {}

  run<T>(task: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.scope.assertOpen();
    return this.mutex.run(() => task(this.client));
  }

  /** COMMIT or ROLLBACK after any calls `work` left running. */
  end(command: 'COMMIT' | 'ROLLBACK'): Promise<unknown> {
    this.scope.open = false;
    return this.mutex.run(() => this.client.query(command));
  }
}

class PostgresStore implements Store {
  readonly kind = 'postgres' as const;

  constructor(
    private readonly pool: pg.Pool,
    private readonly sealer: Sealer,
    private readonly held: HeldConnection | null,
  ) {}

  private execute<Row extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<Row>> {
    return this.held === null
      ? this.pool.query<Row>(text, values)
      : this.held.run((client) => client.query<Row>(text, values));
  }

  private async query<Row extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<Row[]> {
    return (await this.execute<Row>(text, values)).rows;
  }

  private async command(text: string, values: unknown[]): Promise<number> {
    return (await this.execute(text, values)).rowCount ?? 0;
  }

  /**
   * An INSERT whose unique violation becomes StoreConflictError (and a foreign
   * key violation the `missingParent` error, when given). Inside a
   * transaction it runs under a savepoint so that, as in SQLite, the
   * transaction stays usable after the conflict.
   */
  private async insert<Row extends pg.QueryResultRow>(
    text: string,
    values: unknown[],
    duplicate: string,
    missingParent?: string,
  ): Promise<Row> {
    try {
      const result =
        this.held === null
          ? await this.pool.query<Row>(text, values)
          : await this.held.run((client) => insertUnderSavepoint<Row>(client, text, values));
      return result.rows[0];
    } catch (error) {
      const code = databaseErrorCode(error);
      if (code === UNIQUE_VIOLATION) throw new StoreConflictError(duplicate);
      if (code === FOREIGN_KEY_VIOLATION && missingParent !== undefined) {
        throw new Error(missingParent, { cause: error });
      }
      throw error;
    }
  }

  async createApiKey(key: NewApiKey): Promise<ApiKeyRecord> {
    assertKeyHash(key.keyHash);
    const row = await this.insert<ApiKeyRow>(
      sql.insertApiKey,
      [key.id, key.name, key.keyHash, key.permissions, new Date()],
      `API key ${key.id} (or one with the same hash) already exists`,
    );
    return toApiKey(row);
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const [row] = await this.query<ApiKeyRow>(sql.findApiKey, [keyHash]);
    return row === undefined ? null : toApiKey(row);
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return (await this.query<ApiKeyRow>(sql.listApiKeys, [])).map(toApiKey);
  }

  async revokeApiKey(id: string): Promise<boolean> {
    return (await this.command(sql.revokeApiKey, [id, new Date()])) > 0;
  }

  async createGallery(gallery: NewGallery): Promise<Gallery> {
    const row = await this.insert<GalleryRow>(
      sql.insertGallery,
      [gallery.name, gallery.savePhoto, gallery.matchLevel, gallery.livenessLevel, new Date(), gallery.keepTemplates],
      `gallery ${gallery.name} already exists`,
    );
    return toGallery(row);
  }

  async getGallery(name: string): Promise<Gallery | null> {
    const [row] = await this.query<GalleryRow>(sql.getGallery, [name]);
    return row === undefined ? null : toGallery(row);
  }

  async listGalleries(): Promise<Gallery[]> {
    return (await this.query<GalleryRow>(sql.listGalleries, [])).map(toGallery);
  }

  async updateGallery(name: string, patch: GalleryPatch): Promise<Gallery | null> {
    const [row] = await this.query<GalleryRow>(sql.updateGallery, [
      name,
      patch.savePhoto !== undefined,
      patch.savePhoto ?? null,
      patch.matchLevel !== undefined,
      patch.matchLevel ?? null,
      patch.livenessLevel !== undefined,
      patch.livenessLevel ?? null,
      patch.keepTemplates !== undefined,
      patch.keepTemplates ?? null,
    ]);
    return row === undefined ? null : toGallery(row);
  }

  async deleteGallery(name: string): Promise<boolean> {
    return (await this.command(sql.deleteGallery, [name])) > 0;
  }

  async insertEnrollment(enrollment: NewEnrollment): Promise<Enrollment> {
    const times = await this.insert<EnrollmentTimes>(
      sql.insertEnrollment,
      this.enrollmentValues(enrollment),
      `enrollment ${enrollment.userId} already exists in gallery ${enrollment.galleryName}`,
      `gallery ${enrollment.galleryName} does not exist`,
    );
    return writtenEnrollment(enrollment, times);
  }

  async replaceEnrollment(enrollment: NewEnrollment): Promise<Enrollment | null> {
    const [times] = await this.query<EnrollmentTimes>(sql.replaceEnrollment, this.enrollmentValues(enrollment));
    return times === undefined ? null : writtenEnrollment(enrollment, times);
  }

  private enrollmentValues(enrollment: NewEnrollment): unknown[] {
    const sealed = sealEnrollment(this.sealer, enrollment);
    return [
      enrollment.galleryName,
      enrollment.userId,
      enrollment.modelId,
      sealed.template_sealed,
      sealed.photo_sealed,
      enrollment.photoMime,
      enrollment.migratedPending,
      new Date(),
    ];
  }

  async getEnrollment(galleryName: string, userId: string): Promise<Enrollment | null> {
    const [row] = await this.query<EnrollmentRow>(sql.getEnrollment, [galleryName, userId]);
    return row === undefined ? null : toEnrollment(this.sealer, row);
  }

  async getEnrollmentTemplate(galleryName: string, userId: string): Promise<EnrolledTemplate | null> {
    const [row] = await this.query<EnrolledTemplateRow>(sql.getEnrolledTemplate, [galleryName, userId]);
    return row === undefined ? null : toEnrolledTemplate(this.sealer, row);
  }

  async deleteEnrollment(galleryName: string, userId: string): Promise<boolean> {
    return (await this.command(sql.deleteEnrollment, [galleryName, userId])) > 0;
  }

  async countEnrollments(galleryName: string): Promise<number> {
    const [row] = await this.query<{ count: number }>(sql.countEnrollments, [galleryName]);
    return row.count;
  }

  async *listTemplates(galleryName: string): AsyncGenerator<{ userId: string; modelId: string; template: Uint8Array }> {
    let page = await this.query<TemplateRow>(sql.firstTemplates, [galleryName, TEMPLATE_PAGE_SIZE]);
    for (;;) {
      for (const row of page) {
        yield { userId: row.user_id, modelId: row.model_id, template: openTemplate(this.sealer, galleryName, row) };
      }
      if (page.length < TEMPLATE_PAGE_SIZE) return;
      const after = page[page.length - 1].user_id;
      page = await this.query<TemplateRow>(sql.nextTemplates, [galleryName, after, TEMPLATE_PAGE_SIZE]);
    }
  }

  async listEnrollmentChanges(since: Date, afterSeq: number, limit: number): Promise<EnrollmentChange[]> {
    const rows = await this.query<{ seq: string; gallery_name: string; user_id: string; changed_at: Date }>(sql.listEnrollmentChanges, [since, afterSeq, limit]);
    return rows.map((row) => ({ seq: Number(row.seq), galleryName: row.gallery_name, userId: row.user_id, changedAt: row.changed_at }));
  }

  async pruneEnrollmentChanges(before: Date): Promise<number> {
    return this.command(sql.pruneEnrollmentChanges, [before]);
  }

  async recordTransaction(record: TransactionRecord): Promise<void> {
    const row = fromTransaction(record);
    await this.query(sql.insertTransaction, TRANSACTION_COLUMNS.map((column) => row[column]));
  }

  async listTransactions(query: TransactionQuery): Promise<TransactionRecord[]> {
    const { where, values } = whereClause(transactionConditions(query));
    const text = `SELECT ${TRANSACTION} FROM transactions${where} ORDER BY created_at DESC, id DESC LIMIT $${values.length + 1}`;
    return (await this.query<TransactionRow>(text, [...values, transactionLimit(query)])).map(toTransaction);
  }

  async enqueueWebhookDelivery(delivery: NewWebhookDelivery): Promise<WebhookDelivery> {
    const row = newWebhookDeliveryRow(this.sealer, delivery);
    const values = [...WEBHOOK_DELIVERY_COLUMNS.map((column) => row[column]), row.secret_sealed];
    const [inserted] = await this.query<WebhookDeliveryRow>(sql.insertWebhookDelivery, values);
    return toWebhookDelivery(inserted);
  }

  async claimWebhookDeliveries(claim: WebhookClaim): Promise<ClaimedWebhookDelivery[]> {
    const rows = await this.query<WebhookDeliveryRowWithSecret>(sql.claimWebhookDeliveries, [claim.now, claim.leaseUntil, claim.limit]);
    return rows.map((row) => toClaimedWebhookDelivery(this.sealer, row));
  }

  async recordWebhookAttempt(deliveryId: string, attempt: WebhookAttempt, outcome: WebhookAttemptOutcome): Promise<boolean> {
    if (!isUuid(deliveryId)) return false;
    const update = webhookAttemptUpdate(attempt, outcome);
    return this.withTransaction(async (tx) => {
      const finished = await tx.command(sql.finishWebhookAttempt, [
        deliveryId,
        attempt.attempt,
        update.status,
        update.next_attempt_at,
        update.last_status_code,
        update.last_error,
        update.delivered_at,
      ]);
      if (finished === 0) return false;
      await tx.command(sql.insertWebhookAttempt, [
        deliveryId,
        attempt.attempt,
        attempt.at,
        attempt.durationMs,
        attempt.statusCode,
        attempt.error,
      ]);
      return true;
    });
  }

  async getWebhookDelivery(id: string): Promise<WebhookDeliveryWithLog | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.query<WebhookDeliveryRow>(sql.getWebhookDelivery, [id]);
    if (row === undefined) return null;
    const attempts = await this.query<WebhookAttemptRow>(sql.listWebhookAttempts, [id]);
    return { ...toWebhookDelivery(row), attemptLog: attempts.map(toWebhookAttempt) };
  }

  async listWebhookDeliveries(query: WebhookDeliveryQuery): Promise<WebhookDelivery[]> {
    const { where, values } = whereClause(webhookDeliveryConditions(query));
    const text =
      `SELECT ${WEBHOOK_DELIVERY} FROM webhook_deliveries${where} ` +
      `ORDER BY created_at DESC, id DESC LIMIT $${values.length + 1}`;
    return (await this.query<WebhookDeliveryRow>(text, [...values, webhookDeliveryLimit(query)])).map(toWebhookDelivery);
  }

  async createClient(client: NewVerificationClient): Promise<VerificationClient> {
    const row = newVerificationClientRow(this.sealer, client, new Date());
    const inserted = await this.insert<VerificationClientRow>(
      verificationSql.insertClient,
      [...VERIFICATION_CLIENT_COLUMNS.map((column) => row[column]), row.secret_sealed],
      `verification client ${client.id} already exists`,
    );
    return toVerificationClient(inserted);
  }

  async getClientWithSecret(id: string): Promise<(VerificationClient & { secret: string }) | null> {
    const [row] = await this.query<VerificationClientRowWithSecret>(verificationSql.getClientWithSecret, [id]);
    return row === undefined ? null : toVerificationClientWithSecret(this.sealer, row);
  }

  async listClients(): Promise<VerificationClient[]> {
    return (await this.query<VerificationClientRow>(verificationSql.listClients, [])).map(toVerificationClient);
  }

  async revokeClient(id: string): Promise<boolean> {
    return (await this.command(verificationSql.revokeClient, [id, new Date()])) > 0;
  }

  async rememberSignature(clientId: string, signature: string, at: Date, forgetBefore: Date): Promise<boolean> {
    // Pruning first lets a signature older than forgetBefore be used again; both writes commit together.
    return this.atomically(async (tx) => {
      await tx.command(verificationSql.pruneSignatures, [forgetBefore]);
      const inserted = await parentMustExist(
        tx.command(verificationSql.insertSignature, [clientId, signature, at]),
        `verification client ${clientId} does not exist`,
      );
      return inserted > 0;
    });
  }

  async createCaptureSession(session: NewCaptureSession): Promise<CaptureSession> {
    const row = newCaptureSessionRow(session);
    const inserted = await this.insert<CaptureSessionRow>(
      verificationSql.insertCaptureSession,
      [...CAPTURE_SESSION_COLUMNS.map((column) => row[column]), row.token_hash],
      `capture session ${session.id} (or one with the same token hash) already exists`,
      `verification client ${session.clientId} does not exist`,
    );
    return toCaptureSession(inserted);
  }

  async getCaptureSession(id: string): Promise<CaptureSession | null> {
    const [row] = await this.query<CaptureSessionRow>(verificationSql.getCaptureSession, [id]);
    return row === undefined ? null : toCaptureSession(row);
  }

  async getCaptureSessionByTokenHash(tokenHash: string): Promise<CaptureSession | null> {
    const [row] = await this.query<CaptureSessionRow>(verificationSql.getCaptureSessionByTokenHash, [tokenHash]);
    return row === undefined ? null : toCaptureSession(row);
  }

  async updateCaptureSession(
    id: string,
    fromStates: SessionState[],
    change: { state: SessionState; completedAt?: Date; result?: Record<string, unknown> },
  ): Promise<boolean> {
    const values = [id, fromStates, change.state, change.completedAt ?? null, jsonText(change.result)];
    return (await this.command(verificationSql.updateCaptureSession, values)) > 0;
  }

  async createAuthenticationTransaction(
    tx: NewAuthenticationTransaction,
  ): Promise<{ transaction: AuthenticationTransaction; superseded: number }> {
    const row = newAuthenticationTransactionRow(this.sealer, tx);
    // A conflict on insert rolls the supersession back with it.
    const superseded = await this.atomically(async (db) => {
      await db.query(verificationSql.lockEnrollmentReference, [
        JSON.stringify(['authentication_transactions', tx.clientId, tx.enrollmentReference]),
      ]);
      const count = await db.command(verificationSql.supersedeAuthenticationTransactions, [tx.clientId, tx.enrollmentReference]);
      await db.insert(
        verificationSql.insertAuthenticationTransaction,
        AUTHENTICATION_TRANSACTION_COLUMNS.map((column) => row[column]),
        `authentication transaction ${tx.reference} already exists`,
        `verification client ${tx.clientId} does not exist`,
      );
      return count;
    });
    return { transaction: writtenAuthenticationTransaction(tx), superseded };
  }

  async getAuthenticationTransaction(reference: string): Promise<AuthenticationTransaction | null> {
    const [row] = await this.query<AuthenticationTransactionRow>(verificationSql.getAuthenticationTransaction, [reference]);
    return row === undefined ? null : toAuthenticationTransaction(this.sealer, row);
  }

  async finishAuthenticationTransaction(
    reference: string,
    state: Exclude<AuthState, 'PENDING'>,
    completedAt: Date,
    result: Record<string, unknown>,
  ): Promise<boolean> {
    const values = [reference, state, completedAt, jsonText(result)];
    return (await this.command(verificationSql.finishAuthenticationTransaction, values)) > 0;
  }

  async createDossier(dossier: Dossier): Promise<Dossier> {
    const row = newDossierRow(dossier);
    const inserted = await this.insert<DossierRow>(
      verificationSql.insertDossier,
      DOSSIER_COLUMNS.map((column) => row[column]),
      `dossier ${dossier.id} already exists`,
      `verification client ${dossier.clientId} does not exist`,
    );
    return toDossier(inserted);
  }

  async getDossier(id: string): Promise<Dossier | null> {
    const [row] = await this.query<DossierRow>(verificationSql.getDossier, [id]);
    return row === undefined ? null : toDossier(row);
  }

  async createProcess(process: Omit<VerificationProcess, 'updatedAt'>): Promise<VerificationProcess> {
    const row = newVerificationProcessRow(this.sealer, process);
    await this.insert(
      verificationSql.insertProcess,
      VERIFICATION_PROCESS_COLUMNS.map((column) => row[column]),
      `process ${process.id} already exists`,
      `dossier ${process.dossierId} does not exist`,
    );
    return writtenVerificationProcess(process, row);
  }

  async getProcess(id: string): Promise<VerificationProcess | null> {
    const [row] = await this.query<VerificationProcessRow>(verificationSql.getProcess, [id]);
    return row === undefined ? null : toVerificationProcess(this.sealer, row);
  }

  async updateProcess(
    id: string,
    change: Partial<Pick<VerificationProcess, 'status' | 'referenceImage' | 'livenessImage' | 'result'>>,
    at: Date,
  ): Promise<VerificationProcess | null> {
    const update = processUpdate(this.sealer, id, change, at);
    const [row] = await this.query<VerificationProcessRow>(verificationSql.updateProcess, [
      update.id,
      update.set_status,
      update.status,
      update.set_reference_image,
      update.reference_image_sealed,
      update.set_liveness_image,
      update.liveness_image_sealed,
      update.set_result,
      update.result,
      update.updated_at,
    ]);
    return row === undefined ? null : toVerificationProcess(this.sealer, row);
  }

  transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    return this.withTransaction(work);
  }

  /**
   * Runs `work` as one unit: in a transaction of its own, or, inside an open
   * one, under a savepoint, so that a failure undoes all of `work` and leaves the
   * open transaction usable (as SQLite's nested better-sqlite3 transactions do).
   */
  private async atomically<T>(work: (store: PostgresStore) => Promise<T>): Promise<T> {
    const held = this.held;
    if (held === null) return this.withTransaction(work);
    await held.run((client) => client.query('SAVEPOINT facegate_atomic'));
    try {
      const result = await work(this);
      await held.run((client) => client.query('RELEASE SAVEPOINT facegate_atomic'));
      return result;
    } catch (error) {
      await held.run(async (client) => {
        await client.query('ROLLBACK TO SAVEPOINT facegate_atomic');
        await client.query('RELEASE SAVEPOINT facegate_atomic');
      });
      throw error;
    }
  }

  /** Inside a transaction, runs `work` inline on it; otherwise in a new one on a connection of its own. */
  private async withTransaction<T>(work: (store: PostgresStore) => Promise<T>): Promise<T> {
    if (this.held !== null) {
      this.held.scope.assertOpen();
      return work(this);
    }
    const client = await this.pool.connect();
    const held = new HeldConnection(client);
    try {
      await client.query('BEGIN');
      const result = await work(new PostgresStore(this.pool, this.sealer, held));
      await held.end('COMMIT');
      client.release();
      return result;
    } catch (error) {
      const rollbackFailure = await held.end('ROLLBACK').then(
        () => undefined,
        (failure: Error) => failure,
      );
      // A connection whose ROLLBACK failed is in an unknown state: release(error) destroys it instead of pooling it.
      client.release(rollbackFailure);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.held !== null) throw new Error('close() the outer store, not the one passed to transaction()');
    await this.pool.end();
  }
}

/** Turns the foreign key violation of a write into a clear error naming the missing parent row. */
async function parentMustExist<T>(write: Promise<T>, missingParent: string): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (databaseErrorCode(error) === FOREIGN_KEY_VIOLATION) throw new Error(missingParent, { cause: error });
    throw error;
  }
}

async function insertUnderSavepoint<Row extends pg.QueryResultRow>(
  client: pg.PoolClient,
  text: string,
  values: unknown[],
): Promise<pg.QueryResult<Row>> {
  await client.query('SAVEPOINT facegate_insert');
  try {
    const result = await client.query<Row>(text, values);
    await client.query('RELEASE SAVEPOINT facegate_insert');
    return result;
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT facegate_insert');
    await client.query('RELEASE SAVEPOINT facegate_insert');
    throw error;
  }
}
