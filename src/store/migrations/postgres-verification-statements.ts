/**
 * The PostgreSQL store's SQL for person-facing verifications. Rows come back in
 * the shapes of ../verification-rows.ts (pg yields Date, boolean and Buffer;
 * JSON columns are text, as in SQLite).
 */
import {
  AUTHENTICATION_TRANSACTION_COLUMNS,
  CAPTURE_SESSION_COLUMNS,
  DOSSIER_COLUMNS,
  VERIFICATION_CLIENT_COLUMNS,
  VERIFICATION_PROCESS_COLUMNS,
} from '../verification-rows.js';

const CLIENT = VERIFICATION_CLIENT_COLUMNS.join(', ');
const CAPTURE_SESSION = CAPTURE_SESSION_COLUMNS.join(', ');
const AUTHENTICATION_TRANSACTION = AUTHENTICATION_TRANSACTION_COLUMNS.join(', ');
const DOSSIER = DOSSIER_COLUMNS.join(', ');
const PROCESS = VERIFICATION_PROCESS_COLUMNS.join(', ');
const placeholders = (count: number): string => Array.from({ length: count }, (_, index) => `$${index + 1}`).join(', ');

export const postgresVerificationSql = {
  insertClient: `INSERT INTO verification_clients (${CLIENT}, secret_sealed)
    VALUES (${placeholders(VERIFICATION_CLIENT_COLUMNS.length + 1)}) RETURNING ${CLIENT}`,
  getClientWithSecret: `SELECT ${CLIENT}, secret_sealed FROM verification_clients WHERE id = $1 AND revoked_at IS NULL`,
  listClients: `SELECT ${CLIENT} FROM verification_clients ORDER BY created_at, id`,
  revokeClient: 'UPDATE verification_clients SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL',

  // SKIP LOCKED: rows another request is already pruning are left to it instead of waited for (and concurrent
  // pruners cannot deadlock on each other's rows).
  pruneSignatures: `DELETE FROM signed_request_nonces
    WHERE (client_id, signature) IN (
      SELECT client_id, signature FROM signed_request_nonces WHERE seen_at < $1 FOR UPDATE SKIP LOCKED)`,
  // The primary key (client_id, signature) decides: a replay inserts nothing. A concurrent insert of the same pair
  // waits for the first to commit, then inserts nothing either.
  insertSignature: `INSERT INTO signed_request_nonces (client_id, signature, seen_at) VALUES ($1, $2, $3)
    ON CONFLICT (client_id, signature) DO NOTHING`,

  insertCaptureSession: `INSERT INTO capture_sessions (${CAPTURE_SESSION}, token_hash)
    VALUES (${placeholders(CAPTURE_SESSION_COLUMNS.length + 1)}) RETURNING ${CAPTURE_SESSION}`,
  getCaptureSession: `SELECT ${CAPTURE_SESSION} FROM capture_sessions WHERE id = $1`,
  getCaptureSessionByTokenHash: `SELECT ${CAPTURE_SESSION} FROM capture_sessions WHERE token_hash = $1`,
  // Compare-and-set in one statement: a concurrent change waits for the row lock, then re-checks the state.
  updateCaptureSession: `UPDATE capture_sessions SET state = $3, completed_at = coalesce($4, completed_at),
      result = coalesce($5, result)
    WHERE id = $1 AND state = ANY($2::text[])`,

  // Serializes the creations for one (client, enrollment reference), so that of two concurrent ones the second sees
  // and supersedes the first; other enrollment references are not held up.
  lockEnrollmentReference: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))',
  supersedeAuthenticationTransactions: `UPDATE authentication_transactions SET superseded = true, facemap_sealed = NULL
    WHERE client_id = $1 AND enrollment_reference = $2 AND state = 'PENDING' AND NOT superseded`,
  insertAuthenticationTransaction: `INSERT INTO authentication_transactions (${AUTHENTICATION_TRANSACTION})
    VALUES (${placeholders(AUTHENTICATION_TRANSACTION_COLUMNS.length)})`,
  getAuthenticationTransaction: `SELECT ${AUTHENTICATION_TRANSACTION} FROM authentication_transactions WHERE reference = $1`,
  finishAuthenticationTransaction: `UPDATE authentication_transactions
    SET state = $2, completed_at = $3, result = $4, facemap_sealed = NULL
    WHERE reference = $1 AND state = 'PENDING' AND NOT superseded`,

  insertDossier: `INSERT INTO dossiers (${DOSSIER}) VALUES (${placeholders(DOSSIER_COLUMNS.length)}) RETURNING ${DOSSIER}`,
  getDossier: `SELECT ${DOSSIER} FROM dossiers WHERE id = $1`,

  insertProcess: `INSERT INTO verification_processes (${PROCESS})
    VALUES (${placeholders(VERIFICATION_PROCESS_COLUMNS.length)})`,
  getProcess: `SELECT ${PROCESS} FROM verification_processes WHERE id = $1`,
  updateProcess: `UPDATE verification_processes SET
      status = CASE WHEN $2::boolean THEN $3::text ELSE status END,
      reference_image_sealed = CASE WHEN $4::boolean THEN $5::bytea ELSE reference_image_sealed END,
      liveness_image_sealed = CASE WHEN $6::boolean THEN $7::bytea ELSE liveness_image_sealed END,
      result = CASE WHEN $8::boolean THEN $9::text ELSE result END,
      updated_at = $10
    WHERE id = $1 RETURNING ${PROCESS}`,
} as const;
