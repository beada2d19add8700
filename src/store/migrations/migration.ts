/** One schema step. Versions are applied in ascending order and never edited once released: add a new one instead. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations a database still needs, or an error when it was migrated by a newer Facegate. */
export function pendingMigrations(all: readonly Migration[], applied: readonly number[], database: string): Migration[] {
  const known = new Set(all.map((migration) => migration.version));
  const unknown = applied.filter((version) => !known.has(version));
  if (unknown.length > 0) {
    throw new Error(
      `${database} has schema migration(s) ${unknown.join(', ')} that this Facegate does not know; ` +
        'it was used by a newer version, so refusing to open it',
    );
  }
  const done = new Set(applied);
  return all.filter((migration) => !done.has(migration.version)).sort((a, b) => a.version - b.version);
}
