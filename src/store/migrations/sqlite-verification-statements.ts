/**
 * The SQLite store's statements for person-facing verifications, the raw rows
 * they return (times in epoch milliseconds, booleans 0/1, JSON as text) and
 * their conversion to the neutral rows of ../verification-rows.ts.
 */
import type Database from 'better-sqlite3';
import {
  AUTHENTICATION_TRANSACTION_COLUMNS,
  CAPTURE_SESSION_COLUMNS,
  DOSSIER_COLUMNS,
  VERIFICATION_CLIENT_COLUMNS,
  VERIFICATION_PROCESS_COLUMNS,
  type AuthenticationTransactionRow,
  type CaptureSessionRow,
  type CaptureSessionRowWithToken,
  type DossierRow,
  type ProcessUpdate,
  type VerificationClientRow,
  type VerificationClientRowWithSecret,
  type VerificationProcessRow,
} from '../verification-rows.js';

/** A neutral row as SQLite stores it: Date → epoch milliseconds, boolean → 0/1. */
export type SqliteRow<Row> = {
  [Key in keyof Row]: Row[Key] extends Date
    ? number
    : Row[Key] extends Date | null
      ? number | null
      : Row[Key] extends boolean
        ? number
        : Row[Key];
};

/** Converts the values of a neutral row (or statement parameters) to what SQLite binds. */
export function sqliteValues<Row extends object>(row: Row): SqliteRow<Row> {
  const values: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    values[column] = value instanceof Date ? value.getTime() : typeof value === 'boolean' ? (value ? 1 : 0) : value;
  }
  return values as SqliteRow<Row>;
}

const date = (millis: number): Date => new Date(millis);
const dateOrNull = (millis: number | null): Date | null => (millis === null ? null : new Date(millis));

export const fromClientRow = <Row extends SqliteRow<VerificationClientRow>>(row: Row) => ({
  ...row,
  created_at: date(row.created_at),
  revoked_at: dateOrNull(row.revoked_at),
});

export const fromCaptureSessionRow = (row: SqliteRow<CaptureSessionRow>): CaptureSessionRow => ({
  ...row,
  created_at: date(row.created_at),
  expires_at: date(row.expires_at),
  completed_at: dateOrNull(row.completed_at),
});

export const fromAuthenticationTransactionRow = (row: SqliteRow<AuthenticationTransactionRow>): AuthenticationTransactionRow => ({
  ...row,
  superseded: row.superseded === 1,
  created_at: date(row.created_at),
  expires_at: date(row.expires_at),
  completed_at: dateOrNull(row.completed_at),
});

export const fromDossierRow = (row: SqliteRow<DossierRow>): DossierRow => ({ ...row, created_at: date(row.created_at) });

export const fromProcessRow = (row: SqliteRow<VerificationProcessRow>): VerificationProcessRow => ({
  ...row,
  created_at: date(row.created_at),
  updated_at: date(row.updated_at),
});

interface SignatureValues {
  client_id: string;
  signature: string;
  seen_at: number;
}

interface CaptureSessionUpdate {
  id: string;
  /** JSON array of the states the change applies from. */
  from_states: string;
  state: string;
  completed_at: number | null;
  result: string | null;
}

interface AuthenticationFinish {
  reference: string;
  state: string;
  completed_at: number;
  result: string;
}

const CLIENT = VERIFICATION_CLIENT_COLUMNS.join(', ');
const CAPTURE_SESSION = CAPTURE_SESSION_COLUMNS.join(', ');
const AUTHENTICATION_TRANSACTION = AUTHENTICATION_TRANSACTION_COLUMNS.join(', ');
const DOSSIER = DOSSIER_COLUMNS.join(', ');
const PROCESS = VERIFICATION_PROCESS_COLUMNS.join(', ');
const named = (columns: readonly string[]): string => columns.map((column) => `@${column}`).join(', ');

export function sqliteVerificationStatements(db: Database.Database) {
  return {
    insertClient: db.prepare<SqliteRow<VerificationClientRowWithSecret>, SqliteRow<VerificationClientRow>>(
      `INSERT INTO verification_clients (${CLIENT}, secret_sealed)
       VALUES (${named(VERIFICATION_CLIENT_COLUMNS)}, @secret_sealed) RETURNING ${CLIENT}`,
    ),
    getClientWithSecret: db.prepare<[string], SqliteRow<VerificationClientRowWithSecret>>(
      `SELECT ${CLIENT}, secret_sealed FROM verification_clients WHERE id = ? AND revoked_at IS NULL`,
    ),
    listClients: db.prepare<[], SqliteRow<VerificationClientRow>>(`SELECT ${CLIENT} FROM verification_clients ORDER BY created_at, id`),
    revokeClient: db.prepare<[number, string]>('UPDATE verification_clients SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),

    pruneSignatures: db.prepare<[number]>('DELETE FROM signed_request_nonces WHERE seen_at < ?'),
    // The primary key (client_id, signature) decides: a replay inserts nothing.
    insertSignature: db.prepare<SignatureValues>(
      `INSERT INTO signed_request_nonces (client_id, signature, seen_at) VALUES (@client_id, @signature, @seen_at)
       ON CONFLICT (client_id, signature) DO NOTHING`,
    ),

    insertCaptureSession: db.prepare<SqliteRow<CaptureSessionRowWithToken>, SqliteRow<CaptureSessionRow>>(
      `INSERT INTO capture_sessions (${CAPTURE_SESSION}, token_hash)
       VALUES (${named(CAPTURE_SESSION_COLUMNS)}, @token_hash) RETURNING ${CAPTURE_SESSION}`,
    ),
    getCaptureSession: db.prepare<[string], SqliteRow<CaptureSessionRow>>(
      `SELECT ${CAPTURE_SESSION} FROM capture_sessions WHERE id = ?`,
    ),
    getCaptureSessionByTokenHash: db.prepare<[string], SqliteRow<CaptureSessionRow>>(
      `SELECT ${CAPTURE_SESSION} FROM capture_sessions WHERE token_hash = ?`,
    ),
    // Compare-and-set: one statement, so no other writer can move the state between the check and the change.
    updateCaptureSession: db.prepare<CaptureSessionUpdate>(
      `UPDATE capture_sessions SET state = @state, completed_at = coalesce(@completed_at, completed_at),
         result = coalesce(@result, result)
       WHERE id = @id AND state IN (SELECT value FROM json_each(@from_states))`,
    ),

    supersedeAuthenticationTransactions: db.prepare<[string, string]>(
      `UPDATE authentication_transactions SET superseded = 1, facemap_sealed = NULL
       WHERE client_id = ? AND enrollment_reference = ? AND state = 'PENDING' AND superseded = 0`,
    ),
    insertAuthenticationTransaction: db.prepare<SqliteRow<AuthenticationTransactionRow>>(
      `INSERT INTO authentication_transactions (${AUTHENTICATION_TRANSACTION})
       VALUES (${named(AUTHENTICATION_TRANSACTION_COLUMNS)})`,
    ),
    getAuthenticationTransaction: db.prepare<[string], SqliteRow<AuthenticationTransactionRow>>(
      `SELECT ${AUTHENTICATION_TRANSACTION} FROM authentication_transactions WHERE reference = ?`,
    ),
    finishAuthenticationTransaction: db.prepare<AuthenticationFinish>(
      `UPDATE authentication_transactions
       SET state = @state, completed_at = @completed_at, result = @result, facemap_sealed = NULL
       WHERE reference = @reference AND state = 'PENDING' AND superseded = 0`,
    ),

    insertDossier: db.prepare<SqliteRow<DossierRow>, SqliteRow<DossierRow>>(
      `INSERT INTO dossiers (${DOSSIER}) VALUES (${named(DOSSIER_COLUMNS)}) RETURNING ${DOSSIER}`,
    ),
    getDossier: db.prepare<[string], SqliteRow<DossierRow>>(`SELECT ${DOSSIER} FROM dossiers WHERE id = ?`),

    insertProcess: db.prepare<SqliteRow<VerificationProcessRow>>(
      `INSERT INTO verification_processes (${PROCESS}) VALUES (${named(VERIFICATION_PROCESS_COLUMNS)})`,
    ),
    getProcess: db.prepare<[string], SqliteRow<VerificationProcessRow>>(
      `SELECT ${PROCESS} FROM verification_processes WHERE id = ?`,
    ),
    updateProcess: db.prepare<SqliteRow<ProcessUpdate>, SqliteRow<VerificationProcessRow>>(
      `UPDATE verification_processes SET
         status = CASE WHEN @set_status THEN @status ELSE status END,
         reference_image_sealed = CASE WHEN @set_reference_image THEN @reference_image_sealed ELSE reference_image_sealed END,
         liveness_image_sealed = CASE WHEN @set_liveness_image THEN @liveness_image_sealed ELSE liveness_image_sealed END,
         result = CASE WHEN @set_result THEN @result ELSE result END,
         updated_at = @updated_at
       WHERE id = @id RETURNING ${PROCESS}`,
    ),
  };
}

export type SqliteVerificationStatements = ReturnType<typeof sqliteVerificationStatements>;
