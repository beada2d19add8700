/** The SQLite store's prepared statements, the raw rows they return (times in epoch milliseconds, booleans 0/1) and their conversion to entities. */
import type Database from 'better-sqlite3';
import {
  API_KEY,
  ENROLLED_TEMPLATE,
  ENROLLMENT,
  GALLERY,
  TRANSACTION,
  WEBHOOK_ATTEMPT,
  WEBHOOK_DELIVERY,
  TRANSACTION_COLUMNS,
  WEBHOOK_DELIVERY_COLUMNS,
  toApiKey,
  toClaimedWebhookDelivery,
  toEnrolledTemplate,
  toEnrollment,
  toGallery,
  toTransaction,
  toWebhookAttempt,
  toWebhookDelivery,
  type ApiKeyRow,
  type EnrolledTemplateRow,
  type EnrollmentRow,
  type GalleryRow,
  type TemplateRow,
  type TransactionRow,
  type WebhookAttemptRow,
  type WebhookDeliveryRow,
  type WebhookDeliveryRowWithSecret,
} from '../rows.js';
import type {
  ApiKeyRecord,
  ClaimedWebhookDelivery,
  EnrolledTemplate,
  Enrollment,
  Gallery,
  Sealer,
  TransactionRecord,
  WebhookAttempt,
  WebhookDelivery,
} from '../types.js';

type EpochMillis<Row, Keys extends keyof Row> = Omit<Row, Keys> & {
  [Key in Keys]: null extends Row[Key] ? number | null : number;
};
type SqliteApiKeyRow = Omit<EpochMillis<ApiKeyRow, 'created_at' | 'revoked_at'>, 'permissions'> & {
  permissions: string;
};
type SqliteGalleryRow = Omit<EpochMillis<GalleryRow, 'created_at'>, 'save_photo' | 'keep_templates'> & { save_photo: number; keep_templates: number };
type SqliteEnrollmentRow = Omit<EpochMillis<EnrollmentRow, 'created_at' | 'updated_at'>, 'migrated_pending'> & {
  migrated_pending: number;
};
export type SqliteTransactionRow = EpochMillis<TransactionRow, 'created_at'>;
export type SqliteWebhookDeliveryRow = EpochMillis<
  WebhookDeliveryRow,
  'next_attempt_at' | 'lease_until' | 'created_at' | 'delivered_at'
>;
type SqliteWebhookDeliveryRowWithSecret = SqliteWebhookDeliveryRow & Pick<WebhookDeliveryRowWithSecret, 'secret_sealed'>;
type SqliteWebhookAttemptRow = EpochMillis<WebhookAttemptRow, 'at'>;

export const fromApiKeyRow = (row: SqliteApiKeyRow): ApiKeyRecord =>
  toApiKey({
    ...row,
    permissions: JSON.parse(row.permissions) as string[],
    created_at: new Date(row.created_at),
    revoked_at: row.revoked_at === null ? null : new Date(row.revoked_at),
  });

export const fromGalleryRow = (row: SqliteGalleryRow): Gallery =>
  toGallery({ ...row, save_photo: row.save_photo === 1, keep_templates: row.keep_templates === 1, created_at: new Date(row.created_at) });

type SqliteEnrolledTemplateRow = Omit<EnrolledTemplateRow, 'migrated_pending'> & { migrated_pending: number };

export const fromEnrolledTemplateRow = (sealer: Sealer, row: SqliteEnrolledTemplateRow): EnrolledTemplate =>
  toEnrolledTemplate(sealer, { ...row, migrated_pending: row.migrated_pending === 1 });

export const fromEnrollmentRow = (sealer: Sealer, row: SqliteEnrollmentRow): Enrollment =>
  toEnrollment(sealer, {
    ...row,
    migrated_pending: row.migrated_pending === 1,
    created_at: new Date(row.created_at),
    updated_at: new Date(row.updated_at),
  });

export const fromTransactionRow = (row: SqliteTransactionRow): TransactionRecord =>
  toTransaction({ ...row, created_at: new Date(row.created_at) });

const dateOrNull = (millis: number | null): Date | null => (millis === null ? null : new Date(millis));

function webhookDates<Row extends SqliteWebhookDeliveryRow>(row: Row) {
  return {
    ...row,
    next_attempt_at: new Date(row.next_attempt_at),
    lease_until: dateOrNull(row.lease_until),
    created_at: new Date(row.created_at),
    delivered_at: dateOrNull(row.delivered_at),
  };
}

export const fromWebhookDeliveryRow = (row: SqliteWebhookDeliveryRow): WebhookDelivery =>
  toWebhookDelivery(webhookDates(row));

export const fromClaimedWebhookRow = (sealer: Sealer, row: SqliteWebhookDeliveryRowWithSecret): ClaimedWebhookDelivery =>
  toClaimedWebhookDelivery(sealer, webhookDates(row));

export const fromWebhookAttemptRow = (row: SqliteWebhookAttemptRow): WebhookAttempt =>
  toWebhookAttempt({ ...row, at: new Date(row.at) });

interface GalleryUpdate {
  name: string;
  set_save_photo: number;
  save_photo: number | null;
  set_match_level: number;
  match_level: string | null;
  set_liveness_level: number;
  set_keep_templates: number;
  keep_templates: number | null;
  liveness_level: string | null;
}

export interface EnrollmentTimes {
  created_at: number;
  updated_at: number;
}

interface EnrollmentValues {
  gallery_name: string;
  user_id: string;
  model_id: string;
  template_sealed: Buffer;
  photo_sealed: Buffer | null;
  photo_mime: string | null;
  migrated_pending: number;
  now: number;
}

interface WebhookClaimValues {
  now: number;
  lease_until: number;
  limit: number;
}

interface WebhookAttemptValues extends SqliteWebhookAttemptRow {
  delivery_id: string;
}

interface WebhookAttemptUpdate {
  id: string;
  attempt: number;
  status: WebhookDeliveryRow['status'];
  next_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: number | null;
}

const TRANSACTION_VALUES = TRANSACTION_COLUMNS.map((column) => `@${column}`).join(', ');

export function sqliteStatements(db: Database.Database) {
  return {
    insertApiKey: db.prepare<Omit<SqliteApiKeyRow, 'revoked_at'> & { key_hash: string }, SqliteApiKeyRow>(
      `INSERT INTO api_keys (id, name, key_hash, permissions, created_at)
       VALUES (@id, @name, @key_hash, @permissions, @created_at) RETURNING ${API_KEY}`,
    ),
    findApiKey: db.prepare<[string], SqliteApiKeyRow>(
      `SELECT ${API_KEY} FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL`,
    ),
    listApiKeys: db.prepare<[], SqliteApiKeyRow>(`SELECT ${API_KEY} FROM api_keys ORDER BY created_at, id`),
    revokeApiKey: db.prepare<[number, string]>('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),

    insertGallery: db.prepare<SqliteGalleryRow, SqliteGalleryRow>(
      `INSERT INTO galleries (${GALLERY})
       VALUES (@name, @save_photo, @match_level, @liveness_level, @created_at, @keep_templates) RETURNING ${GALLERY}`,
    ),
    getGallery: db.prepare<[string], SqliteGalleryRow>(`SELECT ${GALLERY} FROM galleries WHERE name = ?`),
    listGalleries: db.prepare<[], SqliteGalleryRow>(`SELECT ${GALLERY} FROM galleries ORDER BY name`),
    updateGallery: db.prepare<GalleryUpdate, SqliteGalleryRow>(
      `UPDATE galleries SET
         save_photo = CASE WHEN @set_save_photo THEN @save_photo ELSE save_photo END,
         match_level = CASE WHEN @set_match_level THEN @match_level ELSE match_level END,
         liveness_level = CASE WHEN @set_liveness_level THEN @liveness_level ELSE liveness_level END,
         keep_templates = CASE WHEN @set_keep_templates THEN @keep_templates ELSE keep_templates END
       WHERE name = @name RETURNING ${GALLERY}`,
    ),
    deleteGallery: db.prepare<[string]>('DELETE FROM galleries WHERE name = ?'),

    insertEnrollment: db.prepare<EnrollmentValues, EnrollmentTimes>(
      `INSERT INTO enrollments (${ENROLLMENT})
       VALUES (@gallery_name, @user_id, @model_id, @template_sealed, @photo_sealed, @photo_mime, @migrated_pending, @now, @now)
       RETURNING created_at, updated_at`,
    ),
    replaceEnrollment: db.prepare<EnrollmentValues, EnrollmentTimes>(
      `UPDATE enrollments SET model_id = @model_id, template_sealed = @template_sealed, photo_sealed = @photo_sealed,
         photo_mime = @photo_mime, migrated_pending = @migrated_pending, updated_at = @now
       WHERE gallery_name = @gallery_name AND user_id = @user_id RETURNING created_at, updated_at`,
    ),
    getEnrolledTemplate: db.prepare<[string, string], SqliteEnrolledTemplateRow>(
      `SELECT ${ENROLLED_TEMPLATE} FROM enrollments WHERE gallery_name = ? AND user_id = ?`,
    ),
    getEnrollment: db.prepare<[string, string], SqliteEnrollmentRow>(
      `SELECT ${ENROLLMENT} FROM enrollments WHERE gallery_name = ? AND user_id = ?`,
    ),
    deleteEnrollment: db.prepare<[string, string]>('DELETE FROM enrollments WHERE gallery_name = ? AND user_id = ?'),
    countEnrollments: db
      .prepare<[string], number>('SELECT count(*) FROM enrollments WHERE gallery_name = ?')
      .pluck(),
    firstTemplates: db.prepare<[string, number], TemplateRow>(
      'SELECT user_id, model_id, template_sealed FROM enrollments WHERE gallery_name = ? ORDER BY user_id LIMIT ?',
    ),
    nextTemplates: db.prepare<[string, string, number], TemplateRow>(
      `SELECT user_id, model_id, template_sealed FROM enrollments
       WHERE gallery_name = ? AND user_id > ? ORDER BY user_id LIMIT ?`,
    ),

    listEnrollmentChanges: db.prepare<[number, number, number], { seq: number; gallery_name: string; user_id: string; changed_at: number }>(
      `SELECT seq, gallery_name, user_id, changed_at FROM enrollment_changes
       WHERE changed_at >= ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    pruneEnrollmentChanges: db.prepare<[number]>('DELETE FROM enrollment_changes WHERE changed_at < ?'),

    insertTransaction: db.prepare<SqliteTransactionRow>(
      `INSERT INTO transactions (${TRANSACTION}) VALUES (${TRANSACTION_VALUES})`,
    ),

    insertWebhookDelivery: db.prepare<SqliteWebhookDeliveryRowWithSecret, SqliteWebhookDeliveryRow>(
      `INSERT INTO webhook_deliveries (${WEBHOOK_DELIVERY}, secret_sealed)
       VALUES (${WEBHOOK_DELIVERY_COLUMNS.map((column) => `@${column}`).join(', ')}, @secret_sealed)
       RETURNING ${WEBHOOK_DELIVERY}`,
    ),
    // One statement, so the claim is atomic even against another process on the same file.
    claimWebhookDeliveries: db.prepare<WebhookClaimValues, SqliteWebhookDeliveryRowWithSecret>(
      `UPDATE webhook_deliveries SET status = 'delivering', attempts = attempts + 1, lease_until = @lease_until
       WHERE id IN (
         SELECT id FROM webhook_deliveries
         WHERE status IN ('pending', 'delivering') AND next_attempt_at <= @now AND (status = 'pending' OR lease_until <= @now)
         ORDER BY next_attempt_at, id LIMIT @limit)
       RETURNING ${WEBHOOK_DELIVERY}, secret_sealed`,
    ),
    finishWebhookAttempt: db.prepare<WebhookAttemptUpdate>(
      `UPDATE webhook_deliveries SET status = @status, next_attempt_at = coalesce(@next_attempt_at, next_attempt_at),
         lease_until = NULL, last_status_code = @last_status_code, last_error = @last_error, delivered_at = @delivered_at
       WHERE id = @id AND status = 'delivering' AND attempts = @attempt`,
    ),
    insertWebhookAttempt: db.prepare<WebhookAttemptValues>(
      `INSERT INTO webhook_attempts (delivery_id, ${WEBHOOK_ATTEMPT})
       VALUES (@delivery_id, @attempt, @at, @duration_ms, @status_code, @error)`,
    ),
    getWebhookDelivery: db.prepare<[string], SqliteWebhookDeliveryRow>(
      `SELECT ${WEBHOOK_DELIVERY} FROM webhook_deliveries WHERE id = ?`,
    ),
    listWebhookAttempts: db.prepare<[string], SqliteWebhookAttemptRow>(
      `SELECT ${WEBHOOK_ATTEMPT} FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt`,
    ),
  };
}

export type SqliteStatements = ReturnType<typeof sqliteStatements>;
