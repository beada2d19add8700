/**
 * Storage for person-facing verifications (issue 4): HMAC clients (spec 004,
 * also the Basic-auth credentials of spec 003), capture sessions with their
 * page tokens, facemap authentication transactions (spec 003) and
 * dossiers/processes (spec 001). Secrets, facemaps and images are sealed with
 * the store's Sealer like templates and photos.
 */
import type { AuthState, SessionState } from '../core/verification-states.js';

export interface VerificationClient {
  /** The `x-auth-client` value (spec 004) and the Basic-auth user (spec 003); a UUID. */
  id: string;
  name: string;
  /** Gallery whose enrolled people this client's sessions are matched against; null: liveness only. */
  galleryName: string | null;
  /** Default webhook for this client's completed sessions. */
  callbackUrl: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface NewVerificationClient {
  id: string;
  name: string;
  /** Needed in clear to verify HMAC signatures, so it is sealed, not hashed. */
  secret: string;
  galleryName: string | null;
  callbackUrl: string | null;
}

export type CaptureKind = 'session' | 'authentication' | 'process';

export interface CaptureSession {
  id: string;
  clientId: string;
  kind: CaptureKind;
  /** uniqueIdentifier (session), authentication transaction reference, or process id. */
  subjectRef: string | null;
  country: string | null;
  state: SessionState;
  createdAt: Date;
  expiresAt: Date;
  completedAt: Date | null;
  /** The outcome shown to the client (scores, levels reached, reasons); JSON. */
  result: Record<string, unknown> | null;
}

export interface NewCaptureSession {
  id: string;
  clientId: string;
  /** sha256 (hex) of the page token; the token itself is never stored. */
  tokenHash: string;
  kind: CaptureKind;
  subjectRef: string | null;
  country: string | null;
  createdAt: Date;
  expiresAt: Date;
}

export interface AuthenticationTransaction {
  reference: string;
  clientId: string;
  enrollmentReference: string;
  userReference: string | null;
  /** The facemap bytes as received (decrypted from the store); empty (length 0) once erased, i.e. after the final state or supersession. */
  facemap: Uint8Array;
  callbackUrl: string | null;
  successUrl: string | null;
  errorUrl: string | null;
  locale: string | null;
  /** As stored: PENDING until completed; expiry and supersession are applied by src/core/verification-states.ts. */
  state: AuthState;
  superseded: boolean;
  createdAt: Date;
  expiresAt: Date;
  completedAt: Date | null;
  result: Record<string, unknown> | null;
}

export type NewAuthenticationTransaction = Omit<AuthenticationTransaction, 'state' | 'superseded' | 'completedAt' | 'result'>;

export interface Dossier {
  id: string;
  clientId: string;
  /** Caller's own fields; JSON. */
  metadata: Record<string, unknown>;
  createdAt: Date;
}

export type ProcessStatus = 'pending' | 'processing' | 'accepted' | 'rejected';

export interface VerificationProcess {
  id: string;
  dossierId: string;
  provider: 'facegate';
  status: ProcessStatus;
  referenceImage: Uint8Array | null;
  livenessImage: Uint8Array | null;
  result: Record<string, unknown> | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface VerificationStore {
  /** Throws StoreConflictError on a duplicate id. */
  createClient(client: NewVerificationClient): Promise<VerificationClient>;
  /** Active (not revoked) client with its secret opened; null otherwise. */
  getClientWithSecret(id: string): Promise<(VerificationClient & { secret: string }) | null>;
  listClients(): Promise<VerificationClient[]>;
  revokeClient(id: string): Promise<boolean>;
  /**
   * Remembers a signed request's signature for replay protection: false when
   * this client already used it (a replay). Signatures older than `forgetBefore`
   * (of every client) are dropped in the same call, before the check.
   */
  rememberSignature(clientId: string, signature: string, at: Date, forgetBefore: Date): Promise<boolean>;

  /** A new session in state `created`. Throws StoreConflictError on a duplicate id or token hash. */
  createCaptureSession(session: NewCaptureSession): Promise<CaptureSession>;
  getCaptureSession(id: string): Promise<CaptureSession | null>;
  getCaptureSessionByTokenHash(tokenHash: string): Promise<CaptureSession | null>;
  /**
   * Compare-and-set: applies the change only while the stored state is one of
   * `fromStates`; false when another request moved it first. `completedAt`
   * and `result` left out keep their stored values.
   */
  updateCaptureSession(id: string, fromStates: SessionState[], change: { state: SessionState; completedAt?: Date; result?: Record<string, unknown> }): Promise<boolean>;

  /**
   * Creates the transaction and, in the same database transaction, marks every
   * older PENDING one of this client for the same enrollment reference as
   * superseded (spec 003: only the newest can complete); returns how many.
   * A superseded transaction can never complete, so its facemap is erased.
   * Throws StoreConflictError on a duplicate reference (and supersedes nothing).
   */
  createAuthenticationTransaction(tx: NewAuthenticationTransaction): Promise<{ transaction: AuthenticationTransaction; superseded: number }>;
  getAuthenticationTransaction(reference: string): Promise<AuthenticationTransaction | null>;
  /** Compare-and-set from PENDING (and not superseded) to a final state; false otherwise. The facemap is erased when final. */
  finishAuthenticationTransaction(reference: string, state: Exclude<AuthState, 'PENDING'>, completedAt: Date, result: Record<string, unknown>): Promise<boolean>;

  /** Throws StoreConflictError on a duplicate id. */
  createDossier(dossier: Dossier): Promise<Dossier>;
  getDossier(id: string): Promise<Dossier | null>;
  /** updatedAt starts at createdAt. Throws StoreConflictError on a duplicate id. */
  createProcess(process: Omit<VerificationProcess, 'updatedAt'>): Promise<VerificationProcess>;
  getProcess(id: string): Promise<VerificationProcess | null>;
  /** Partial update of a process (images, status, result): undefined fields are kept, null clears; updatedAt becomes `at`; null if absent. */
  updateProcess(id: string, change: Partial<Pick<VerificationProcess, 'status' | 'referenceImage' | 'livenessImage' | 'result'>>, at: Date): Promise<VerificationProcess | null>;
}
