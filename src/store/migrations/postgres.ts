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
  {
    version: 3,
    name: 'person-facing verifications',
    sql: `
CREATE TABLE verification_clients (
  id            text COLLATE "C" PRIMARY KEY,
  name          text NOT NULL,
  secret_sealed bytea NOT NULL,
  -- No foreign key: deleting a gallery must not silently turn its clients into liveness-only ones.
  gallery_name  text COLLATE "C",
  callback_url  text,
  created_at    timestamptz NOT NULL,
  revoked_at    timestamptz
);

CREATE TABLE signed_request_nonces (
  client_id text COLLATE "C" NOT NULL REFERENCES verification_clients (id) ON DELETE CASCADE,
  signature text COLLATE "C" NOT NULL,
  seen_at   timestamptz NOT NULL,
  PRIMARY KEY (client_id, signature)
);

CREATE INDEX signed_request_nonces_by_time ON signed_request_nonces (seen_at);

CREATE TABLE capture_sessions (
  id           text COLLATE "C" PRIMARY KEY,
  client_id    text COLLATE "C" NOT NULL REFERENCES verification_clients (id),
  token_hash   text COLLATE "C" NOT NULL UNIQUE,
  kind         text NOT NULL CHECK (kind IN ('session', 'authentication', 'process')),
  subject_ref  text,
  country      text,
  state        text NOT NULL CHECK (state IN ('created', 'in_progress', 'completed', 'failed', 'expired')),
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  completed_at timestamptz,
  result       text CHECK (result IS NULL OR json_typeof(result::json) = 'object')
);

CREATE TABLE authentication_transactions (
  reference            text COLLATE "C" PRIMARY KEY,
  client_id            text COLLATE "C" NOT NULL REFERENCES verification_clients (id),
  enrollment_reference text COLLATE "C" NOT NULL,
  user_reference       text,
  facemap_sealed       bytea,
  callback_url         text,
  success_url          text,
  error_url            text,
  locale               text,
  state                text NOT NULL CHECK (state IN ('PENDING', 'PASSED', 'FAILED', 'INVALID', 'EXPIRED')),
  superseded           boolean NOT NULL,
  created_at           timestamptz NOT NULL,
  expires_at           timestamptz NOT NULL,
  completed_at         timestamptz,
  result               text CHECK (result IS NULL OR json_typeof(result::json) = 'object'),
  -- The facemap is kept only while the transaction can still complete: erased when it is finished or superseded.
  CONSTRAINT facemap_only_while_open CHECK (facemap_sealed IS NULL OR (state = 'PENDING' AND NOT superseded))
);

CREATE INDEX authentication_transactions_by_enrollment
  ON authentication_transactions (client_id, enrollment_reference, created_at);

CREATE TABLE dossiers (
  id         text COLLATE "C" PRIMARY KEY,
  client_id  text COLLATE "C" NOT NULL REFERENCES verification_clients (id),
  metadata   text NOT NULL CHECK (json_typeof(metadata::json) = 'object'),
  created_at timestamptz NOT NULL
);

CREATE TABLE verification_processes (
  id                     text COLLATE "C" PRIMARY KEY,
  dossier_id             text COLLATE "C" NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
  provider               text NOT NULL CHECK (provider IN ('facegate')),
  status                 text NOT NULL CHECK (status IN ('pending', 'processing', 'accepted', 'rejected')),
  reference_image_sealed bytea,
  liveness_image_sealed  bytea,
  result                 text CHECK (result IS NULL OR json_typeof(result::json) = 'object'),
  created_at             timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL
);

CREATE INDEX verification_processes_by_dossier ON verification_processes (dossier_id);
`,
  },
  {
    version: 4,
    name: 'galleries that keep no templates',
    sql: `
ALTER TABLE galleries ADD COLUMN keep_templates boolean NOT NULL DEFAULT true;
`,
  },
  {
    version: 5,
    name: 'enrollment change log for search-index sync',
    sql: `
CREATE TABLE enrollment_changes (
  seq          bigserial PRIMARY KEY,
  gallery_name text NOT NULL,
  user_id      text NOT NULL,
  changed_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX enrollment_changes_by_time ON enrollment_changes (changed_at);

CREATE FUNCTION record_enrollment_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO enrollment_changes (gallery_name, user_id) VALUES (OLD.gallery_name, OLD.user_id);
  ELSE
    INSERT INTO enrollment_changes (gallery_name, user_id) VALUES (NEW.gallery_name, NEW.user_id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER enrollment_changed AFTER INSERT OR UPDATE OR DELETE ON enrollments
  FOR EACH ROW EXECUTE FUNCTION record_enrollment_change();
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
