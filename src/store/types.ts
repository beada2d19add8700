/**
 * The storage interface every backend implements (SQLite embedded, PostgreSQL
 * when DATABASE_URL is set). Stores own all persistence I/O. Templates and
 * photos are sealed (AES-256-GCM) by the store with the `Sealer` it is given,
 * bound to their row, so nothing biometric is ever written in clear.
 */

import type { VerificationStore } from './verification-types.js';

export type Context = 'sdk' | 'backoffice';

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** Permission strings, see src/core/permissions.ts. */
  permissions: string[];
  createdAt: Date;
  revokedAt: Date | null;
}

export interface NewApiKey {
  id: string;
  name: string;
  /** sha256 (hex) of the key itself; the key is never stored. */
  keyHash: string;
  permissions: string[];
}

export interface Gallery {
  name: string;
  /** Keep enrollment photos (spec 000 `savePhoto`). */
  savePhoto: boolean;
  /** Keep templates; when false the client holds each enrollment as a facemap (spec 003) and the server keeps nothing. */
  keepTemplates: boolean;
  /** Match level identify/search require (MEDIUM, HIGH, VERY_HIGH, HIGHEST). */
  matchLevel: string;
  /** Liveness level enroll/identify require, or null to skip liveness. */
  livenessLevel: string | null;
  createdAt: Date;
}

export type NewGallery = Omit<Gallery, 'createdAt'>;
export type GalleryPatch = Partial<Omit<Gallery, 'name' | 'createdAt'>>;

export interface Enrollment {
  galleryName: string;
  userId: string;
  /** Template model id (the pack's), kept in clear so a model change can be detected without decrypting. */
  modelId: string;
  /** Encoded template bytes (src/core/template.ts binary form), decrypted. */
  template: Uint8Array;
  /** Enrollment photo bytes, decrypted; null when the gallery keeps no photos. */
  photo: Uint8Array | null;
  photoMime: string | null;
  /** Enrolled through the Backoffice (a legacy-database migration) and not yet refreshed by a live SDK identification. */
  migratedPending: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type NewEnrollment = Omit<Enrollment, 'createdAt' | 'updatedAt'>;

/** What matching and index sync need of an enrollment: its photo is neither read nor decrypted. */
export type EnrolledTemplate = Pick<Enrollment, 'galleryName' | 'userId' | 'modelId' | 'template' | 'migratedPending'>;

/**
 * One write to an enrollment. Sequence numbers increase, but on PostgreSQL concurrent
 * transactions can commit out of sequence order, so readers look back by time as well.
 */
export interface EnrollmentChange {
  seq: number;
  galleryName: string;
  userId: string;
  changedAt: Date;
}

export interface TransactionRecord {
  refid: string;
  endpoint: string;
  context: Context | 'api' | 'admin';
  apiKeyId: string | null;
  galleryName: string | null;
  userId: string | null;
  requestId: string | null;
  /** 'success' or an error code (e.g. ERROR_INVALID_IMAGE). */
  result: string;
  httpStatus: number;
  similarityScore: number | null;
  livenessScore: number | null;
  matchLevelReached: string | null;
  livenessLevelReached: string | null;
  durationMs: number;
  createdAt: Date;
}

export interface TransactionQuery {
  galleryName?: string;
  userId?: string;
  refid?: string;
  requestId?: string;
  since?: Date;
  until?: Date;
  /** Newest first; default 100, at most 1000. */
  limit?: number;
}

/** AES-256-GCM sealing with associated data; implemented in src/crypto/at-rest.ts. */
export interface Sealer {
  seal(plaintext: Uint8Array, associatedData: string): Uint8Array;
  /** Throws if the ciphertext or its associated data were altered. */
  open(sealed: Uint8Array, associatedData: string): Uint8Array;
}

/** pending: waiting for its next attempt; delivering: leased to a dispatcher; delivered and failed are final. */
export type WebhookStatus = 'pending' | 'delivering' | 'delivered' | 'failed';

export interface NewWebhookDelivery {
  url: string;
  event: string;
  /** JSON text, sent as the request body byte for byte (it is what the signature covers). */
  payload: string;
  /** HMAC-SHA256 key for the signature; stored sealed, never in clear. */
  secret: string;
  /** Also when the first attempt is due. */
  createdAt: Date;
}

/** A delivery as listed: everything but its secret. */
export interface WebhookDelivery {
  id: string;
  url: string;
  event: string;
  payload: string;
  status: WebhookStatus;
  /** Attempts claimed so far, including one interrupted by a crash (it never got a log row). */
  attempts: number;
  nextAttemptAt: Date;
  /** While delivering: when the claim expires and another dispatcher may take the delivery over. */
  leaseUntil: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** A delivery leased to the caller; `attempts` is the number of the attempt it is about to make. */
export interface ClaimedWebhookDelivery extends WebhookDelivery {
  secret: string;
}

export interface WebhookClaim {
  /** Deliveries due at this time (and delivering ones whose lease ended by then) are claimed. */
  now: Date;
  leaseUntil: Date;
  limit: number;
}

/** One row of the delivery log. */
export interface WebhookAttempt {
  /** 1 for the first attempt. */
  attempt: number;
  at: Date;
  durationMs: number;
  /** The receiver's HTTP status, or null when it gave none (refused, timed out, not sent). */
  statusCode: number | null;
  error: string | null;
}

export type WebhookAttemptOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; nextAttemptAt: Date }
  | { kind: 'failed' };

export interface WebhookDeliveryWithLog extends WebhookDelivery {
  /** Oldest first. */
  attemptLog: WebhookAttempt[];
}

export interface WebhookDeliveryQuery {
  status?: WebhookStatus;
  event?: string;
  /** Newest first; default 100, at most 1000. */
  limit?: number;
}

export interface Store extends VerificationStore {
  readonly kind: 'sqlite' | 'postgres';

  createApiKey(key: NewApiKey): Promise<ApiKeyRecord>;
  /** Only keys that are not revoked. */
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** False when there is no such key or it was already revoked. */
  revokeApiKey(id: string): Promise<boolean>;

  /** Throws StoreConflictError when the name exists. */
  createGallery(gallery: NewGallery): Promise<Gallery>;
  getGallery(name: string): Promise<Gallery | null>;
  listGalleries(): Promise<Gallery[]>;
  updateGallery(name: string, patch: GalleryPatch): Promise<Gallery | null>;
  /** Deletes the gallery with all its enrollments (templates and photos). */
  deleteGallery(name: string): Promise<boolean>;

  /** Throws StoreConflictError when (galleryName, userId) exists. */
  insertEnrollment(enrollment: NewEnrollment): Promise<Enrollment>;
  /** Replaces template, photo, modelId and migratedPending of an existing enrollment; null if absent. */
  replaceEnrollment(enrollment: NewEnrollment): Promise<Enrollment | null>;
  getEnrollment(galleryName: string, userId: string): Promise<Enrollment | null>;
  /** The enrollment without its photo, for callers that only compare or index its template. */
  getEnrollmentTemplate(galleryName: string, userId: string): Promise<EnrolledTemplate | null>;
  deleteEnrollment(galleryName: string, userId: string): Promise<boolean>;
  countEnrollments(galleryName: string): Promise<number>;
  /** Every template of a gallery, for building its search index; pages internally. */
  listTemplates(galleryName: string): AsyncIterable<{ userId: string; modelId: string; template: Uint8Array }>;

  /**
   * Enrollments inserted, replaced or deleted by any process, recorded by the database in the
   * same transaction as the write: those changed at or after `since` (the database's clock)
   * with a sequence number above `afterSeq`, in sequence order, at most `limit`.
   */
  listEnrollmentChanges(since: Date, afterSeq: number, limit: number): Promise<EnrollmentChange[]>;
  /** Forgets changes made before `before`; returns how many. */
  pruneEnrollmentChanges(before: Date): Promise<number>;

  recordTransaction(record: TransactionRecord): Promise<void>;
  listTransactions(query: TransactionQuery): Promise<TransactionRecord[]>;

  /** Persists a pending delivery, due at its createdAt, under a new random UUID; throws if the payload is not JSON. */
  enqueueWebhookDelivery(delivery: NewWebhookDelivery): Promise<WebhookDelivery>;
  /**
   * Atomically leases up to `limit` due deliveries (pending ones due by `now`,
   * and delivering ones whose lease ended by `now`): each becomes delivering
   * until `leaseUntil` and its attempt count goes up by one. Concurrent
   * claimers, in this process or another, never get the same delivery while
   * its lease holds. Earliest due first.
   */
  claimWebhookDeliveries(claim: WebhookClaim): Promise<ClaimedWebhookDelivery[]>;
  /**
   * Writes the attempt's log row and the delivery's new state in one
   * transaction. False, and nothing written, when the delivery is no longer
   * delivering under this attempt (its lease ended and another claim took it).
   */
  recordWebhookAttempt(deliveryId: string, attempt: WebhookAttempt, outcome: WebhookAttemptOutcome): Promise<boolean>;
  getWebhookDelivery(id: string): Promise<WebhookDeliveryWithLog | null>;
  listWebhookDeliveries(query: WebhookDeliveryQuery): Promise<WebhookDelivery[]>;

  /** Runs `work` in one database transaction: all its writes commit together or none do. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}
