import type Database from 'better-sqlite3';
import { pendingMigrations, type Migration } from './migration.js';

/**
 * SQLite schema. Times are INTEGER milliseconds since the epoch (UTC), booleans
 * 0/1, permissions a JSON array; STRICT tables reject values of another type.
 */
const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE api_keys (
  id          TEXT NOT NULL PRIMARY KEY,
  name        TEXT NOT NULL,
  key_hash    TEXT NOT NULL UNIQUE,
  permissions TEXT NOT NULL CHECK (json_valid(permissions) AND json_type(permissions) = 'array'),
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
) STRICT;

CREATE TABLE galleries (
  name           TEXT NOT NULL PRIMARY KEY,
  save_photo     INTEGER NOT NULL CHECK (save_photo IN (0, 1)),
  match_level    TEXT NOT NULL,
  liveness_level TEXT,
  created_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE enrollments (
  gallery_name     TEXT NOT NULL REFERENCES galleries (name) ON DELETE CASCADE,
  user_id          TEXT NOT NULL,
  model_id         TEXT NOT NULL,
  template_sealed  BLOB NOT NULL,
  photo_sealed     BLOB,
  photo_mime       TEXT,
  migrated_pending INTEGER NOT NULL CHECK (migrated_pending IN (0, 1)),
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  PRIMARY KEY (gallery_name, user_id)
) STRICT;

CREATE TABLE transactions (
  id                     INTEGER PRIMARY KEY,
  refid                  TEXT NOT NULL,
  endpoint               TEXT NOT NULL,
  context                TEXT NOT NULL CHECK (context IN ('sdk', 'backoffice', 'api', 'admin')),
  api_key_id             TEXT,
  gallery_name           TEXT,
  user_id                TEXT,
  request_id             TEXT,
  result                 TEXT NOT NULL,
  http_status            INTEGER NOT NULL,
  similarity_score       REAL,
  liveness_score         REAL,
  match_level_reached    TEXT,
  liveness_level_reached TEXT,
  duration_ms            REAL NOT NULL,
  created_at             INTEGER NOT NULL
) STRICT;

CREATE INDEX transactions_by_time ON transactions (created_at, id);
CREATE INDEX transactions_by_user ON transactions (gallery_name, user_id, created_at);
CREATE INDEX transactions_by_refid ON transactions (refid);
CREATE INDEX transactions_by_request_id ON transactions (request_id);
`,
  },
  {
    version: 2,
    name: 'webhook deliveries',
    sql: `
CREATE TABLE webhook_deliveries (
  id               TEXT NOT NULL PRIMARY KEY,
  url              TEXT NOT NULL,
  event            TEXT NOT NULL,
  payload          TEXT NOT NULL CHECK (json_valid(payload)),
  secret_sealed    BLOB NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'delivering', 'delivered', 'failed')),
  attempts         INTEGER NOT NULL CHECK (attempts >= 0),
  next_attempt_at  INTEGER NOT NULL,
  lease_until      INTEGER,
  last_status_code INTEGER,
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  delivered_at     INTEGER
) STRICT;

-- Only unfinished deliveries are ever claimed; finished ones, the vast majority in time, stay out of this index.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'delivering');
CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (created_at, id);
CREATE INDEX webhook_deliveries_by_status ON webhook_deliveries (status, created_at);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event, created_at);

CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt     INTEGER NOT NULL,
  at          INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  status_code INTEGER,
  error       TEXT,
  PRIMARY KEY (delivery_id, attempt)
) STRICT;
`,
  },
  {
    version: 3,
    name: 'person-facing verifications',
    sql: `
CREATE TABLE verification_clients (
  id            TEXT NOT NULL PRIMARY KEY,
  name          TEXT NOT NULL,
  secret_sealed BLOB NOT NULL,
  -- No foreign key: deleting a gallery must not silently turn its clients into liveness-only ones.
  gallery_name  TEXT,
  callback_url  TEXT,
  created_at    INTEGER NOT NULL,
  revoked_at    INTEGER
) STRICT;

CREATE TABLE signed_request_nonces (
  client_id TEXT NOT NULL REFERENCES verification_clients (id) ON DELETE CASCADE,
  signature TEXT NOT NULL,
  seen_at   INTEGER NOT NULL,
  PRIMARY KEY (client_id, signature)
) STRICT;

CREATE INDEX signed_request_nonces_by_time ON signed_request_nonces (seen_at);

CREATE TABLE capture_sessions (
  id           TEXT NOT NULL PRIMARY KEY,
  client_id    TEXT NOT NULL REFERENCES verification_clients (id),
  token_hash   TEXT NOT NULL UNIQUE,
  kind         TEXT NOT NULL CHECK (kind IN ('session', 'authentication', 'process')),
  subject_ref  TEXT,
  country      TEXT,
  state        TEXT NOT NULL CHECK (state IN ('created', 'in_progress', 'completed', 'failed', 'expired')),
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  completed_at INTEGER,
  result       TEXT CHECK (result IS NULL OR (json_valid(result) AND json_type(result) = 'object'))
) STRICT;

CREATE TABLE authentication_transactions (
  reference            TEXT NOT NULL PRIMARY KEY,
  client_id            TEXT NOT NULL REFERENCES verification_clients (id),
  enrollment_reference TEXT NOT NULL,
  user_reference       TEXT,
  facemap_sealed       BLOB,
  callback_url         TEXT,
  success_url          TEXT,
  error_url            TEXT,
  locale               TEXT,
  state                TEXT NOT NULL CHECK (state IN ('PENDING', 'PASSED', 'FAILED', 'INVALID', 'EXPIRED')),
  superseded           INTEGER NOT NULL CHECK (superseded IN (0, 1)),
  created_at           INTEGER NOT NULL,
  expires_at           INTEGER NOT NULL,
  completed_at         INTEGER,
  result               TEXT CHECK (result IS NULL OR (json_valid(result) AND json_type(result) = 'object')),
  -- The facemap is kept only while the transaction can still complete: erased when it is finished or superseded.
  CONSTRAINT facemap_only_while_open CHECK (facemap_sealed IS NULL OR (state = 'PENDING' AND superseded = 0))
) STRICT;

CREATE INDEX authentication_transactions_by_enrollment
  ON authentication_transactions (client_id, enrollment_reference, created_at);

CREATE TABLE dossiers (
  id         TEXT NOT NULL PRIMARY KEY,
  client_id  TEXT NOT NULL REFERENCES verification_clients (id),
  metadata   TEXT NOT NULL CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE verification_processes (
  id                     TEXT NOT NULL PRIMARY KEY,
  dossier_id             TEXT NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
  provider               TEXT NOT NULL CHECK (provider IN ('facegate')),
  status                 TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'accepted', 'rejected')),
  reference_image_sealed BLOB,
  liveness_image_sealed  BLOB,
  result                 TEXT CHECK (result IS NULL OR (json_valid(result) AND json_type(result) = 'object')),
  created_at             INTEGER NOT NULL,
  updated_at             INTEGER NOT NULL
) STRICT;

CREATE INDEX verification_processes_by_dossier ON verification_processes (dossier_id);
`,
  },
  {
    version: 4,
    name: 'galleries that keep no templates',
    sql: `
ALTER TABLE galleries ADD COLUMN keep_templates INTEGER NOT NULL DEFAULT 1 CHECK (keep_templates IN (0, 1));
`,
  },
  {
    version: 5,
    name: 'enrollment change log for search-index sync',
    sql: `
CREATE TABLE enrollment_changes (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  gallery_name TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  changed_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX enrollment_changes_by_time ON enrollment_changes (changed_at);

CREATE TRIGGER enrollment_inserted AFTER INSERT ON enrollments BEGIN
  INSERT INTO enrollment_changes (gallery_name, user_id, changed_at)
  VALUES (NEW.gallery_name, NEW.user_id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;

CREATE TRIGGER enrollment_updated AFTER UPDATE ON enrollments BEGIN
  INSERT INTO enrollment_changes (gallery_name, user_id, changed_at)
  VALUES (NEW.gallery_name, NEW.user_id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;

CREATE TRIGGER enrollment_deleted AFTER DELETE ON enrollments BEGIN
  INSERT INTO enrollment_changes (gallery_name, user_id, changed_at)
  VALUES (OLD.gallery_name, OLD.user_id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
`,
  },
];

/** Brings the database to the latest schema in one transaction. */
export function migrateSqlite(db: Database.Database, path: string): void {
  // IMMEDIATE takes the write lock first, so two processes opening a new file migrate one after the other.
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
    );
    const applied = db.prepare<[], number>('SELECT version FROM schema_migrations').pluck().all();
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of pendingMigrations(sqliteMigrations, applied, `SQLite database ${path}`)) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
