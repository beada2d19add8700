/**
 * What the SQLite and PostgreSQL stores share for person-facing verifications
 * (src/store/verification-types.ts): backend-neutral rows, their mapping to
 * entities, and sealing of client secrets, facemaps and process images, each
 * bound to its row and column.
 */
import type { AuthState, SessionState } from '../core/verification-states.js';
import { asBuffer, associatedData } from './rows.js';
import type { Sealer } from './types.js';
import type {
  AuthenticationTransaction,
  CaptureKind,
  CaptureSession,
  Dossier,
  NewAuthenticationTransaction,
  NewCaptureSession,
  NewVerificationClient,
  ProcessStatus,
  VerificationClient,
  VerificationProcess,
} from './verification-types.js';

/** Rows as each backend hands them over once its own column types are converted; JSON columns are text. */
export interface VerificationClientRow {
  id: string;
  name: string;
  gallery_name: string | null;
  callback_url: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

export interface VerificationClientRowWithSecret extends VerificationClientRow {
  secret_sealed: Buffer;
}

export interface CaptureSessionRow {
  id: string;
  client_id: string;
  kind: CaptureKind;
  subject_ref: string | null;
  country: string | null;
  state: SessionState;
  created_at: Date;
  expires_at: Date;
  completed_at: Date | null;
  result: string | null;
}

export interface CaptureSessionRowWithToken extends CaptureSessionRow {
  token_hash: string;
}

export interface AuthenticationTransactionRow {
  reference: string;
  client_id: string;
  enrollment_reference: string;
  user_reference: string | null;
  /** Null once the transaction is finished or superseded. */
  facemap_sealed: Buffer | null;
  callback_url: string | null;
  success_url: string | null;
  error_url: string | null;
  locale: string | null;
  state: AuthState;
  superseded: boolean;
  created_at: Date;
  expires_at: Date;
  completed_at: Date | null;
  result: string | null;
}

export interface DossierRow {
  id: string;
  client_id: string;
  metadata: string;
  created_at: Date;
}

export interface VerificationProcessRow {
  id: string;
  dossier_id: string;
  provider: VerificationProcess['provider'];
  status: ProcessStatus;
  reference_image_sealed: Buffer | null;
  liveness_image_sealed: Buffer | null;
  result: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Column lists in insert order. */
export const VERIFICATION_CLIENT_COLUMNS: readonly (keyof VerificationClientRow)[] = [
  'id',
  'name',
  'gallery_name',
  'callback_url',
  'created_at',
  'revoked_at',
];

export const CAPTURE_SESSION_COLUMNS: readonly (keyof CaptureSessionRow)[] = [
  'id',
  'client_id',
  'kind',
  'subject_ref',
  'country',
  'state',
  'created_at',
  'expires_at',
  'completed_at',
  'result',
];

export const AUTHENTICATION_TRANSACTION_COLUMNS: readonly (keyof AuthenticationTransactionRow)[] = [
  'reference',
  'client_id',
  'enrollment_reference',
  'user_reference',
  'facemap_sealed',
  'callback_url',
  'success_url',
  'error_url',
  'locale',
  'state',
  'superseded',
  'created_at',
  'expires_at',
  'completed_at',
  'result',
];

export const DOSSIER_COLUMNS: readonly (keyof DossierRow)[] = ['id', 'client_id', 'metadata', 'created_at'];

export const VERIFICATION_PROCESS_COLUMNS: readonly (keyof VerificationProcessRow)[] = [
  'id',
  'dossier_id',
  'provider',
  'status',
  'reference_image_sealed',
  'liveness_image_sealed',
  'result',
  'created_at',
  'updated_at',
];

/**
 * Associated data of a sealed value: the table, the row's key and the column,
 * so a value copied to another row or column fails to open. The JSON array
 * keeps the encoding unambiguous whatever the key contains.
 */
const clientSecretData = (id: string): string => associatedData('verification_client', [id], 'secret');
const facemapData = (reference: string): string => associatedData('authentication_transaction', [reference], 'facemap');
type ProcessImageColumn = 'reference_image' | 'liveness_image';
const processImageData = (id: string, column: ProcessImageColumn): string => associatedData('verification_process', [id], column);

/** A JSON object column as text; null stays null. */
export function jsonText(value: Record<string, unknown>): string;
export function jsonText(value: Record<string, unknown> | null | undefined): string | null;
export function jsonText(value: Record<string, unknown> | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError('a JSON column holds an object');
  return JSON.stringify(value);
}

function parsedJson(text: string): Record<string, unknown>;
function parsedJson(text: string | null): Record<string, unknown> | null;
function parsedJson(text: string | null): Record<string, unknown> | null {
  return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}

/** Page tokens are stored as their sha256 only: a raw token passed by mistake is refused, not written. */
function assertTokenHash(tokenHash: string): void {
  if (!/^[0-9a-f]{64}$/.test(tokenHash)) {
    throw new Error('tokenHash must be the lowercase hex sha256 of the page token, never the token itself');
  }
}

export function newVerificationClientRow(sealer: Sealer, client: NewVerificationClient, now: Date): VerificationClientRowWithSecret {
  return {
    id: client.id,
    name: client.name,
    secret_sealed: asBuffer(sealer.seal(Buffer.from(client.secret, 'utf8'), clientSecretData(client.id))),
    gallery_name: client.galleryName,
    callback_url: client.callbackUrl,
    created_at: now,
    revoked_at: null,
  };
}

export function toVerificationClient(row: VerificationClientRow): VerificationClient {
  return {
    id: row.id,
    name: row.name,
    galleryName: row.gallery_name,
    callbackUrl: row.callback_url,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export function toVerificationClientWithSecret(sealer: Sealer, row: VerificationClientRowWithSecret): VerificationClient & { secret: string } {
  const secret = sealer.open(row.secret_sealed, clientSecretData(row.id));
  return { ...toVerificationClient(row), secret: Buffer.from(secret).toString('utf8') };
}

export function newCaptureSessionRow(session: NewCaptureSession): CaptureSessionRowWithToken {
  assertTokenHash(session.tokenHash);
  return {
    id: session.id,
    client_id: session.clientId,
    token_hash: session.tokenHash,
    kind: session.kind,
    subject_ref: session.subjectRef,
    country: session.country,
    state: 'created',
    created_at: session.createdAt,
    expires_at: session.expiresAt,
    completed_at: null,
    result: null,
  };
}

export function toCaptureSession(row: CaptureSessionRow): CaptureSession {
  return {
    id: row.id,
    clientId: row.client_id,
    kind: row.kind,
    subjectRef: row.subject_ref,
    country: row.country,
    state: row.state,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    completedAt: row.completed_at,
    result: parsedJson(row.result),
  };
}

export function newAuthenticationTransactionRow(sealer: Sealer, tx: NewAuthenticationTransaction): AuthenticationTransactionRow {
  return {
    reference: tx.reference,
    client_id: tx.clientId,
    enrollment_reference: tx.enrollmentReference,
    user_reference: tx.userReference,
    facemap_sealed: asBuffer(sealer.seal(tx.facemap, facemapData(tx.reference))),
    callback_url: tx.callbackUrl,
    success_url: tx.successUrl,
    error_url: tx.errorUrl,
    locale: tx.locale,
    state: 'PENDING',
    superseded: false,
    created_at: tx.createdAt,
    expires_at: tx.expiresAt,
    completed_at: null,
    result: null,
  };
}

/** The facemap is erased (an empty array here) once the transaction is finished or superseded. */
export function toAuthenticationTransaction(sealer: Sealer, row: AuthenticationTransactionRow): AuthenticationTransaction {
  return {
    reference: row.reference,
    clientId: row.client_id,
    enrollmentReference: row.enrollment_reference,
    userReference: row.user_reference,
    facemap: row.facemap_sealed === null ? new Uint8Array(0) : sealer.open(row.facemap_sealed, facemapData(row.reference)),
    callbackUrl: row.callback_url,
    successUrl: row.success_url,
    errorUrl: row.error_url,
    locale: row.locale,
    state: row.state,
    superseded: row.superseded,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    completedAt: row.completed_at,
    result: parsedJson(row.result),
  };
}

/** The transaction just written, from the caller's plaintext: nothing to decrypt. */
export function writtenAuthenticationTransaction(tx: NewAuthenticationTransaction): AuthenticationTransaction {
  return { ...tx, state: 'PENDING', superseded: false, completedAt: null, result: null };
}

export function newDossierRow(dossier: Dossier): DossierRow {
  return { id: dossier.id, client_id: dossier.clientId, metadata: jsonText(dossier.metadata), created_at: dossier.createdAt };
}

export function toDossier(row: DossierRow): Dossier {
  return { id: row.id, clientId: row.client_id, metadata: parsedJson(row.metadata), createdAt: row.created_at };
}

function sealProcessImage(sealer: Sealer, id: string, column: ProcessImageColumn, image: Uint8Array | null): Buffer | null {
  return image === null ? null : asBuffer(sealer.seal(image, processImageData(id, column)));
}

export function newVerificationProcessRow(sealer: Sealer, process: Omit<VerificationProcess, 'updatedAt'>): VerificationProcessRow {
  return {
    id: process.id,
    dossier_id: process.dossierId,
    provider: process.provider,
    status: process.status,
    reference_image_sealed: sealProcessImage(sealer, process.id, 'reference_image', process.referenceImage),
    liveness_image_sealed: sealProcessImage(sealer, process.id, 'liveness_image', process.livenessImage),
    result: jsonText(process.result),
    created_at: process.createdAt,
    updated_at: process.createdAt,
  };
}

export function toVerificationProcess(sealer: Sealer, row: VerificationProcessRow): VerificationProcess {
  const open = (sealed: Buffer | null, column: ProcessImageColumn): Uint8Array | null =>
    sealed === null ? null : sealer.open(sealed, processImageData(row.id, column));
  return {
    id: row.id,
    dossierId: row.dossier_id,
    provider: row.provider,
    status: row.status,
    referenceImage: open(row.reference_image_sealed, 'reference_image'),
    livenessImage: open(row.liveness_image_sealed, 'liveness_image'),
    result: parsedJson(row.result),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The process just written, from the caller's plaintext and the JSON as stored. */
export function writtenVerificationProcess(process: Omit<VerificationProcess, 'updatedAt'>, row: VerificationProcessRow): VerificationProcess {
  return { ...process, result: parsedJson(row.result), updatedAt: row.updated_at };
}

/**
 * The columns `updateProcess` sets: `set_*` tells whether the caller gave the
 * field (undefined leaves the column as it is; null clears it).
 */
export interface ProcessUpdate {
  id: string;
  set_status: boolean;
  status: ProcessStatus | null;
  set_reference_image: boolean;
  reference_image_sealed: Buffer | null;
  set_liveness_image: boolean;
  liveness_image_sealed: Buffer | null;
  set_result: boolean;
  result: string | null;
  updated_at: Date;
}

export function processUpdate(
  sealer: Sealer,
  id: string,
  change: Partial<Pick<VerificationProcess, 'status' | 'referenceImage' | 'livenessImage' | 'result'>>,
  at: Date,
): ProcessUpdate {
  return {
    id,
    set_status: change.status !== undefined,
    status: change.status ?? null,
    set_reference_image: change.referenceImage !== undefined,
    reference_image_sealed: sealProcessImage(sealer, id, 'reference_image', change.referenceImage ?? null),
    set_liveness_image: change.livenessImage !== undefined,
    liveness_image_sealed: sealProcessImage(sealer, id, 'liveness_image', change.livenessImage ?? null),
    set_result: change.result !== undefined,
    result: jsonText(change.result),
    updated_at: at,
  };
}

