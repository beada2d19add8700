/** The PostgreSQL store's SQL; times are passed in from the application clock, as in SQLite. Rows come back in the shapes of ../rows.ts: pg already yields Date, boolean, text[] and Buffer. */
import { API_KEY, ENROLLED_TEMPLATE, ENROLLMENT, GALLERY, TRANSACTION, TRANSACTION_COLUMNS, WEBHOOK_ATTEMPT, WEBHOOK_DELIVERY, WEBHOOK_DELIVERY_COLUMNS } from '../rows.js';

export const postgresSql = {
  insertApiKey: `INSERT INTO api_keys (id, name, key_hash, permissions, created_at)
    VALUES ($1, $2, $3, $4, $5) RETURNING ${API_KEY}`,
  findApiKey: `SELECT ${API_KEY} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
  listApiKeys: `SELECT ${API_KEY} FROM api_keys ORDER BY created_at, id`,
  revokeApiKey: 'UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL',

  insertGallery: `INSERT INTO galleries (${GALLERY}) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${GALLERY}`,
  getGallery: `SELECT ${GALLERY} FROM galleries WHERE name = $1`,
  listGalleries: `SELECT ${GALLERY} FROM galleries ORDER BY name`,
  updateGallery: `UPDATE galleries SET
      save_photo = CASE WHEN $2::boolean THEN $3::boolean ELSE save_photo END,
      match_level = CASE WHEN $4::boolean THEN $5::text ELSE match_level END,
      liveness_level = CASE WHEN $6::boolean THEN $7::text ELSE liveness_level END,
      keep_templates = CASE WHEN $8::boolean THEN $9::boolean ELSE keep_templates END
    WHERE name = $1 RETURNING ${GALLERY}`,
  deleteGallery: 'DELETE FROM galleries WHERE name = $1',

  insertEnrollment: `INSERT INTO enrollments (${ENROLLMENT})
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING created_at, updated_at`,
  replaceEnrollment: `UPDATE enrollments SET model_id = $3, template_sealed = $4, photo_sealed = $5, photo_mime = $6,
      migrated_pending = $7, updated_at = $8
    WHERE gallery_name = $1 AND user_id = $2 RETURNING created_at, updated_at`,
  getEnrollment: `SELECT ${ENROLLMENT} FROM enrollments WHERE gallery_name = $1 AND user_id = $2`,
  getEnrolledTemplate: `SELECT ${ENROLLED_TEMPLATE} FROM enrollments WHERE gallery_name = $1 AND user_id = $2`,
  deleteEnrollment: 'DELETE FROM enrollments WHERE gallery_name = $1 AND user_id = $2',
  countEnrollments: 'SELECT count(*)::integer AS count FROM enrollments WHERE gallery_name = $1',
  firstTemplates: `SELECT user_id, model_id, template_sealed FROM enrollments
    WHERE gallery_name = $1 ORDER BY user_id LIMIT $2`,
  nextTemplates: `SELECT user_id, model_id, template_sealed FROM enrollments
    WHERE gallery_name = $1 AND user_id > $2 ORDER BY user_id LIMIT $3`,

  listEnrollmentChanges: `SELECT seq, gallery_name, user_id, changed_at FROM enrollment_changes
    WHERE changed_at >= $1 AND seq > $2 ORDER BY seq LIMIT $3`,
  pruneEnrollmentChanges: 'DELETE FROM enrollment_changes WHERE changed_at < $1',

  insertTransaction: `INSERT INTO transactions (${TRANSACTION})
    VALUES (${TRANSACTION_COLUMNS.map((_, index) => `$${index + 1}`).join(', ')})`,

  insertWebhookDelivery: `INSERT INTO webhook_deliveries (${WEBHOOK_DELIVERY}, secret_sealed)
    VALUES (${[...WEBHOOK_DELIVERY_COLUMNS, 'secret_sealed'].map((_, index) => `$${index + 1}`).join(', ')})
    RETURNING ${WEBHOOK_DELIVERY}`,
  // SKIP LOCKED: concurrent claimers (other servers on this database) pass over the rows one of them is taking instead of
  // waiting for it; MATERIALIZED keeps the locking SELECT from being evaluated more than once.
  claimWebhookDeliveries: `WITH due AS MATERIALIZED (
      SELECT id FROM webhook_deliveries
      WHERE status IN ('pending', 'delivering') AND next_attempt_at <= $1 AND (status = 'pending' OR lease_until <= $1)
      ORDER BY next_attempt_at, id LIMIT $3
      FOR UPDATE SKIP LOCKED)
    UPDATE webhook_deliveries AS delivery
    SET status = 'delivering', attempts = delivery.attempts + 1, lease_until = $2
    FROM due WHERE delivery.id = due.id
    RETURNING ${WEBHOOK_DELIVERY_COLUMNS.map((column) => `delivery.${column}`).join(', ')}, delivery.secret_sealed`,
  finishWebhookAttempt: `UPDATE webhook_deliveries SET status = $3, next_attempt_at = coalesce($4, next_attempt_at),
      lease_until = NULL, last_status_code = $5, last_error = $6, delivered_at = $7
    WHERE id = $1 AND status = 'delivering' AND attempts = $2`,
  insertWebhookAttempt: `INSERT INTO webhook_attempts (delivery_id, ${WEBHOOK_ATTEMPT}) VALUES ($1, $2, $3, $4, $5, $6)`,
  getWebhookDelivery: `SELECT ${WEBHOOK_DELIVERY} FROM webhook_deliveries WHERE id = $1`,
  listWebhookAttempts: `SELECT ${WEBHOOK_ATTEMPT} FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt`,
} as const;
