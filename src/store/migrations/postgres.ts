import type pg from 'pg';
import { pendingMigrations, type Migration } from './migration.js';

/**
 * PostgreSQL schema. Identifier columns use the "C" collation so that keyset
 * pagination and listings order byte-wise, exactly as SQLite does, whatever
 * the database's locale.
 */
const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE api_keys (
  id          text COLLATE "C" PRIMARY KEY,
  name        text NOT NULL,
  key_hash    text NOT NULL UNIQUE,
  permissions text[] NOT NULL,
  created_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);

CREATE TABLE galleries (
  name           text COLLATE "C" PRIMARY KEY,
  save_photo     boolean NOT NULL,
  match_level    text NOT NULL,
  liveness_level text,
  created_at     timestamptz NOT NULL
);

CREATE TABLE enrollments (
  gallery_name     text COLLATE "C" NOT NULL REFERENCES galleries (name) ON DELETE CASCADE,
  user_id          text COLLATE "C" NOT NULL,
  model_id         text NOT NULL,
  template_sealed  bytea NOT NULL,
  photo_sealed     bytea,
  photo_mime       text,
  migrated_pending boolean NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (gallery_name, user_id)
);

CREATE TABLE transactions (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  refid                  text NOT NULL,
  endpoint               text NOT NULL,
  context                text NOT NULL CHECK (context IN ('sdk', 'backoffice', 'api', 'admin')),
  api_key_id             text,
  gallery_name           text COLLATE "C",
  user_id                text COLLATE "C",
  request_id             text,
  result                 text NOT NULL,
  http_status            integer NOT NULL,
  similarity_score       double precision,
  liveness_score         double precision,
  match_level_reached    text,
  liveness_level_reached text,
  duration_ms            double precision NOT NULL,
  created_at             timestamptz NOT NULL
);

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
  id               uuid PRIMARY KEY,
  url              text NOT NULL,
  event            text COLLATE "C" NOT NULL,
  -- text, not jsonb: the body is signed byte for byte, and jsonb would reformat it.
  payload          text NOT NULL CHECK (payload::json IS NOT NULL),
  secret_sealed    bytea NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'delivering', 'delivered', 'failed')),
  attempts         integer NOT NULL CHECK (attempts >= 0),
  next_attempt_at  timestamptz NOT NULL,
  lease_until      timestamptz,
  last_status_code integer,
  last_error       text,
  created_at       timestamptz NOT NULL,
  delivered_at     timestamptz
);

-- Only unfinished deliveries are ever claimed; finished ones, the vast majority in time, stay out of this index.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'delivering');
CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (created_at, id);
CREATE INDEX webhook_deliveries_by_status ON webhook_deliveries (status, created_at);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event, created_at);

CREATE TABLE webhook_attempts (
  delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt     integer NOT NULL,
  at          timestamptz NOT NULL,
  duration_ms double precision NOT NULL,
  status_code integer,
  error       text,
  PRIMARY KEY (delivery_id, attempt)
);
`,
  },
];

/**
 * Brings the database to the latest schema in one transaction. The advisory
 * lock makes concurrent migrators (several servers starting at once) wait for
 * each other instead of racing on CREATE TABLE.
 */
export async function migratePostgres(client: pg.ClientBase, database: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('facegate schema migrations'))");
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const applied = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const versions = applied.rows.map((row) => row.version);
    for (const migration of pendingMigrations(postgresMigrations, versions, database)) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
