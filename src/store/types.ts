/**
 * The storage interface every backend implements (SQLite embedded, PostgreSQL
 * when DATABASE_URL is set). Stores own all persistence I/O. Templates and
 * photos are sealed (AES-256-GCM) by the store with the `Sealer` it is given,
 * bound to their row, so nothing biometric is ever written in clear.
 */

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

export interface Store {
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
  deleteEnrollment(galleryName: string, userId: string): Promise<boolean>;
  countEnrollments(galleryName: string): Promise<number>;
  /** Every template of a gallery, for building its search index; pages internally. */
  listTemplates(galleryName: string): AsyncIterable<{ userId: string; modelId: string; template: Uint8Array }>;

  recordTransaction(record: TransactionRecord): Promise<void>;
  listTransactions(query: TransactionQuery): Promise<TransactionRecord[]>;

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
