import type { Database } from './database.js';
import { migrations as allMigrations, type Migration } from './migrations.js';

/** Arbitrary constant: the advisory lock that serialises migrations across controllers. */
const migrationLockId = 72_465_001;

/**
 * Applies every migration not yet recorded, each in its own transaction. Several controllers
 * starting at once take turns through an advisory lock. Returns the versions applied.
 */
export async function migrate(db: Database, migrations: readonly Migration[] = allMigrations): Promise<number[]> {
  // Under the lock too: concurrent CREATE TABLE IF NOT EXISTS can collide in the catalogs.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [migrationLockId]);
    await tx.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version     integer PRIMARY KEY,
        name        text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`);
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [migrationLockId]);
      const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations WHERE version = $1', [
        migration.version,
      ]);
      if (rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
