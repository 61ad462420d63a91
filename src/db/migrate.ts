/**
 * Migrations are TypeScript modules listed here (not discovered on disk), so the
 * compiled app carries them and the order is explicit. They run at start and
 * with `npm run db:migrate`; Kysely's migrator holds a lock so two instances
 * starting together do not both apply one.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DatabaseHandle, DialectName } from './database.js';
import * as m001 from './migrations/001-initial.js';

interface DialectMigration {
  up(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
}

const migrations: Record<string, DialectMigration> = {
  '001-initial': m001,
};

class ListedMigrations implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  getMigrations(): Promise<Record<string, Migration>> {
    const entries = Object.entries(migrations).map(([name, m]): [string, Migration] => [
      name,
      { up: (db) => m.up(db, this.dialect) },
    ]);
    return Promise.resolve(Object.fromEntries(entries));
  }
}

/** Bring the schema up to date. Throws (with the failing migration's error) when one fails. */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  const migrator = new Migrator({ db: handle.db, provider: new ListedMigrations(handle.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
