/**
 * What the SQLite and PostgreSQL stores share: the backend-neutral row shapes
 * and their mapping to entities, sealing of enrollment columns and webhook
 * secrets, the query rules of the transaction and webhook logs, and the small
 * concurrency helpers.
 */
import { randomUUID } from 'node:crypto';
import type {
  ApiKeyRecord,
  ClaimedWebhookDelivery,
  EnrolledTemplate,
  Enrollment,
  Gallery,
  NewEnrollment,
  NewWebhookDelivery,
  Sealer,
  TransactionQuery,
  TransactionRecord,
  WebhookAttempt,
  WebhookAttemptOutcome,
  WebhookDelivery,
  WebhookDeliveryQuery,
  WebhookStatus,
} from './types.js';

/** Rows per listTemplates query: bounds memory whatever the gallery's size. */
export const TEMPLATE_PAGE_SIZE = 5000;
const DEFAULT_TRANSACTION_LIMIT = 100;
const MAX_TRANSACTION_LIMIT = 1000;
const DEFAULT_WEBHOOK_LIMIT = 100;
const MAX_WEBHOOK_LIMIT = 1000;

/** Rows as each backend hands them over once its own column types are converted. */
export interface ApiKeyRow {
  id: string;
  name: string;
  permissions: string[];
  created_at: Date;
  revoked_at: Date | null;
}

export interface GalleryRow {
  name: string;
  save_photo: boolean;
  keep_templates: boolean;
  match_level: string;
  liveness_level: string | null;
  created_at: Date;
}

export interface TemplateRow {
  user_id: string;
  model_id: string;
  template_sealed: Uint8Array;
}

export interface EnrolledTemplateRow extends TemplateRow {
  gallery_name: string;
  migrated_pending: boolean;
}

export interface EnrollmentRow extends EnrolledTemplateRow {
  photo_sealed: Uint8Array | null;
  photo_mime: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Column lists both stores select, in the order of the row shapes above. */
export const API_KEY = 'id, name, permissions, created_at, revoked_at';
export const GALLERY = 'name, save_photo, match_level, liveness_level, created_at, keep_templates';
export const ENROLLED_TEMPLATE = 'gallery_name, user_id, model_id, template_sealed, migrated_pending';
/** In the order the INSERT statements list their values. */
export const ENROLLMENT = 'gallery_name, user_id, model_id, template_sealed, photo_sealed, photo_mime, migrated_pending, created_at, updated_at';
export const WEBHOOK_ATTEMPT = 'attempt, at, duration_ms, status_code, error';

export interface TransactionRow {
  refid: string;
  endpoint: string;
  context: TransactionRecord['context'];
  api_key_id: string | null;
  gallery_name: string | null;
  user_id: string | null;
  request_id: string | null;
  result: string;
  http_status: number;
  similarity_score: number | null;
  liveness_score: number | null;
  match_level_reached: string | null;
  liveness_level_reached: string | null;
  duration_ms: number;
  created_at: Date;
}

export interface WebhookDeliveryRow {
  id: string;
  url: string;
  event: string;
  payload: string;
  status: WebhookStatus;
  attempts: number;
  next_attempt_at: Date;
  lease_until: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

export interface WebhookDeliveryRowWithSecret extends WebhookDeliveryRow {
  secret_sealed: Buffer;
}

export interface WebhookAttemptRow {
  attempt: number;
  at: Date;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

export const WEBHOOK_DELIVERY_COLUMNS: readonly (keyof WebhookDeliveryRow)[] = [
  'id',
  'url',
  'event',
  'payload',
  'status',
  'attempts',
  'next_attempt_at',
  'lease_until',
  'last_status_code',
  'last_error',
  'created_at',
  'delivered_at',
];

/** The transaction log's columns in insert order. */
export const TRANSACTION_COLUMNS: readonly (keyof TransactionRow)[] = [
  'refid',
  'endpoint',
  'context',
  'api_key_id',
  'gallery_name',
  'user_id',
  'request_id',
  'result',
  'http_status',
  'similarity_score',
  'liveness_score',
  'match_level_reached',
  'liveness_level_reached',
  'duration_ms',
  'created_at',
];
export const TRANSACTION = TRANSACTION_COLUMNS.join(', ');
export const WEBHOOK_DELIVERY = WEBHOOK_DELIVERY_COLUMNS.join(', ');

export function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    permissions: row.permissions,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export function toGallery(row: GalleryRow): Gallery {
  return {
    name: row.name,
    savePhoto: row.save_photo,
    keepTemplates: row.keep_templates,
    matchLevel: row.match_level,
    livenessLevel: row.liveness_level,
    createdAt: row.created_at,
  };
}

export function toTransaction(row: TransactionRow): TransactionRecord {
  return {
    refid: row.refid,
    endpoint: row.endpoint,
    context: row.context,
    apiKeyId: row.api_key_id,
    galleryName: row.gallery_name,
    userId: row.user_id,
    requestId: row.request_id,
    result: row.result,
    httpStatus: row.http_status,
    similarityScore: row.similarity_score,
    livenessScore: row.liveness_score,
    matchLevelReached: row.match_level_reached,
    livenessLevelReached: row.liveness_level_reached,
    durationMs: row.duration_ms,
    createdAt: row.created_at,
  };
}

export function fromTransaction(record: TransactionRecord): TransactionRow {
  return {
    refid: record.refid,
    endpoint: record.endpoint,
    context: record.context,
    api_key_id: record.apiKeyId,
    gallery_name: record.galleryName,
    user_id: record.userId,
    request_id: record.requestId,
    result: record.result,
    http_status: record.httpStatus,
    similarity_score: record.similarityScore,
    liveness_score: record.livenessScore,
    match_level_reached: record.matchLevelReached,
    liveness_level_reached: record.livenessLevelReached,
    duration_ms: record.durationMs,
    created_at: record.createdAt,
  };
}

/**
 * Binds a sealed value to its row and column, so a ciphertext copied to another
 * enrollment, gallery or column fails to open. The JSON array keeps the
 * encoding unambiguous when names contain ':'.
 */
/** What a sealed value is bound to: the table, the row's key parts (JSON, so `:` in a name stays unambiguous) and the column. */
export function associatedData(table: string, key: readonly string[], column: string): string {
  return `${table}:${JSON.stringify(key)}:${column}`;
}

function enrollmentAssociatedData(galleryName: string, userId: string, column: 'template' | 'photo'): string {
  return associatedData('enrollment', [galleryName, userId], column);
}

export function sealEnrollment(
  sealer: Sealer,
  enrollment: NewEnrollment,
): { template_sealed: Buffer; photo_sealed: Buffer | null } {
  const { galleryName, userId } = enrollment;
  return {
    template_sealed: asBuffer(sealer.seal(enrollment.template, enrollmentAssociatedData(galleryName, userId, 'template'))),
    photo_sealed:
      enrollment.photo === null
        ? null
        : asBuffer(sealer.seal(enrollment.photo, enrollmentAssociatedData(galleryName, userId, 'photo'))),
  };
}

export function openTemplate(sealer: Sealer, galleryName: string, row: TemplateRow): Uint8Array {
  return sealer.open(row.template_sealed, enrollmentAssociatedData(galleryName, row.user_id, 'template'));
}

export function toEnrolledTemplate(sealer: Sealer, row: EnrolledTemplateRow): EnrolledTemplate {
  return {
    galleryName: row.gallery_name,
    userId: row.user_id,
    modelId: row.model_id,
    template: openTemplate(sealer, row.gallery_name, row),
    migratedPending: row.migrated_pending,
  };
}

export function toEnrollment(sealer: Sealer, row: EnrollmentRow): Enrollment {
  return {
    ...toEnrolledTemplate(sealer, row),
    photo:
      row.photo_sealed === null
        ? null
        : sealer.open(row.photo_sealed, enrollmentAssociatedData(row.gallery_name, row.user_id, 'photo')),
    photoMime: row.photo_mime,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The entity just written, from the caller's plaintext: nothing to decrypt. */
export function writtenEnrollment(enrollment: NewEnrollment, times: { created_at: Date; updated_at: Date }): Enrollment {
  return {
    galleryName: enrollment.galleryName,
    userId: enrollment.userId,
    modelId: enrollment.modelId,
    template: enrollment.template,
    photo: enrollment.photo,
    photoMime: enrollment.photoMime,
    migratedPending: enrollment.migratedPending,
    createdAt: times.created_at,
    updatedAt: times.updated_at,
  };
}

/** Guards the "hash only" rule: a raw API key passed by mistake is refused, not stored. */
export function assertKeyHash(keyHash: string): void {
  if (!/^[0-9a-f]{64}$/.test(keyHash)) {
    throw new Error('keyHash must be the lowercase hex sha256 of the API key, never the key itself');
  }
}

export interface Condition {
  column: 'gallery_name' | 'user_id' | 'refid' | 'request_id' | 'created_at' | 'status' | 'event';
  operator: '=' | '>=' | '<';
  value: string | Date;
}

/** The query's filters, all of which must hold; the time window is since ≤ createdAt < until. */
export function transactionConditions(query: TransactionQuery): Condition[] {
  const conditions: Condition[] = [];
  const equal = (column: Condition['column'], value: string | undefined): void => {
    if (value !== undefined) conditions.push({ column, operator: '=', value });
  };
  equal('gallery_name', query.galleryName);
  equal('user_id', query.userId);
  equal('refid', query.refid);
  equal('request_id', query.requestId);
  if (query.since !== undefined) conditions.push({ column: 'created_at', operator: '>=', value: query.since });
  if (query.until !== undefined) conditions.push({ column: 'created_at', operator: '<', value: query.until });
  return conditions;
}

export function transactionLimit(query: TransactionQuery): number {
  return listLimit('transaction', query.limit ?? DEFAULT_TRANSACTION_LIMIT, MAX_TRANSACTION_LIMIT);
}

export function webhookDeliveryConditions(query: WebhookDeliveryQuery): Condition[] {
  const conditions: Condition[] = [];
  if (query.status !== undefined) conditions.push({ column: 'status', operator: '=', value: query.status });
  if (query.event !== undefined) conditions.push({ column: 'event', operator: '=', value: query.event });
  return conditions;
}

export function webhookDeliveryLimit(query: WebhookDeliveryQuery): number {
  return listLimit('webhook delivery', query.limit ?? DEFAULT_WEBHOOK_LIMIT, MAX_WEBHOOK_LIMIT);
}

function listLimit(listing: string, limit: number, max: number): number {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`${listing} query limit must be a positive integer, got ${limit}`);
  }
  return Math.min(limit, max);
}

/** Binds a sealed secret to its delivery, so a secret copied to another delivery fails to open. */
function webhookSecretAssociatedData(deliveryId: string): string {
  return associatedData('webhook_delivery', [deliveryId], 'secret');
}

/** The row of a new delivery under a fresh id, its secret sealed; refuses a payload that is not JSON. */
export function newWebhookDeliveryRow(sealer: Sealer, delivery: NewWebhookDelivery): WebhookDeliveryRowWithSecret {
  try {
    JSON.parse(delivery.payload);
  } catch (error) {
    throw new Error(`webhook payload must be JSON text: ${(error as Error).message}`, { cause: error });
  }
  const id = randomUUID();
  return {
    id,
    url: delivery.url,
    event: delivery.event,
    payload: delivery.payload,
    secret_sealed: asBuffer(sealer.seal(Buffer.from(delivery.secret, 'utf8'), webhookSecretAssociatedData(id))),
    status: 'pending',
    attempts: 0,
    next_attempt_at: delivery.createdAt,
    lease_until: null,
    last_status_code: null,
    last_error: null,
    created_at: delivery.createdAt,
    delivered_at: null,
  };
}

export function toWebhookDelivery(row: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    url: row.url,
    event: row.event,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    leaseUntil: row.lease_until,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

export function toClaimedWebhookDelivery(sealer: Sealer, row: WebhookDeliveryRowWithSecret): ClaimedWebhookDelivery {
  const secret = sealer.open(row.secret_sealed, webhookSecretAssociatedData(row.id));
  return { ...toWebhookDelivery(row), secret: Buffer.from(secret).toString('utf8') };
}

export function toWebhookAttempt(row: WebhookAttemptRow): WebhookAttempt {
  return {
    attempt: row.attempt,
    at: row.at,
    durationMs: row.duration_ms,
    statusCode: row.status_code,
    error: row.error,
  };
}

/** The delivery's columns after an attempt; a null next_attempt_at keeps the current one. */
export function webhookAttemptUpdate(
  attempt: WebhookAttempt,
  outcome: WebhookAttemptOutcome,
): Pick<WebhookDeliveryRow, 'status' | 'last_status_code' | 'last_error' | 'delivered_at'> & { next_attempt_at: Date | null } {
  const finished = new Date(attempt.at.getTime() + attempt.durationMs);
  return {
    status: outcome.kind === 'delivered' ? 'delivered' : outcome.kind === 'retry' ? 'pending' : 'failed',
    next_attempt_at: outcome.kind === 'retry' ? outcome.nextAttemptAt : null,
    last_status_code: attempt.statusCode,
    last_error: attempt.error,
    delivered_at: outcome.kind === 'delivered' ? finished : null,
  };
}

/** Delivery ids are UUIDs; anything else names no delivery (and would be a type error for PostgreSQL's uuid column). */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Runs tasks one at a time, in call order, whether they succeed or fail. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(() => task());
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** The life of one transaction; the store handed to `work` refuses use once it has ended. */
export class TransactionScope {
  open = true;

  assertOpen(): void {
    if (!this.open) {
      throw new Error('this store belongs to a transaction that has already ended; use the outer store');
    }
  }
}
