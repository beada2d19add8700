import { join } from 'node:path';
import type { Sealer, Store } from './types.js';

export interface OpenStoreOptions {
  /** DATABASE_URL: a postgres:// or postgresql:// URL selects PostgreSQL; unset or empty selects SQLite. */
  databaseUrl?: string;
  dataDir: string;
  sealer: Sealer;
}

/** PostgreSQL when a database URL is given, else SQLite at `${dataDir}/facegate.db`. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const url = options.databaseUrl?.trim() ?? '';
  if (/^postgres(ql)?:\/\//i.test(url)) {
    // Loaded on demand so that a SQLite deployment never loads pg, and a PostgreSQL one never loads the native SQLite addon.
    const { openPostgresStore } = await import('./postgres.js');
    return openPostgresStore({ url, sealer: options.sealer });
  }
  if (url !== '') {
    // Falling back to SQLite here would silently split the data between two databases.
    throw new Error('DATABASE_URL must start with postgres:// or postgresql://, or be unset to use SQLite');
  }
  const { openSqliteStore } = await import('./sqlite.js');
  return openSqliteStore({ path: join(options.dataDir, 'facegate.db'), sealer: options.sealer });
}
