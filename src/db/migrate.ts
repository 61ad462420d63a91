/**
 * Migrations are TypeScript modules listed here (not discovered on disk), so the
 * compiled app carries them and the order is explicit. They run at start and
 * with `npm run db:migrate`. On PostgreSQL Kysely's migrator holds an advisory
 * lock and a transaction, so two instances starting together do not both apply
 * one. On SQLite it takes no lock: two processes migrating one fresh file at the
 * same moment can fail with "table … already exists" (start one first).
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { DatabaseHandle, DialectName } from './database.js';
import * as m001 from './migrations/001-initial.js';
import * as m002 from './migrations/002-email-confirmation.js';
import * as m003 from './migrations/003-session-csrf-secret.js';
import * as m004 from './migrations/004-factors-and-events.js';
import * as m005 from './migrations/005-devices.js';
import * as m006 from './migrations/006-wasnt-me-links.js';
import * as m007 from './migrations/007-email-change.js';
import * as m008 from './migrations/008-known-browsers.js';
import * as m009 from './migrations/009-account-recovery.js';
import * as m010 from './migrations/010-passkeys.js';
import * as m011 from './migrations/011-backup-phone-and-email-codes.js';
import * as m012 from './migrations/012-user-locale.js';
import * as m013 from './migrations/013-mail-at-rest.js';
import * as m014 from './migrations/014-sign-in-record.js';
import * as m015 from './migrations/015-identity-provider.js';
import * as m016 from './migrations/016-sign-in-passkey.js';
import * as m017 from './migrations/017-app-access-and-groups.js';
import * as m018 from './migrations/018-provider-session-link.js';
import * as m019 from './migrations/019-app-in-security-events.js';
import * as m020 from './migrations/020-admin-console.js';
import * as m021 from './migrations/021-account-suspension.js';
import * as m022 from './migrations/022-sms-sends.js';
import * as m023 from './migrations/023-app-access-by-last-use.js';
import * as m024 from './migrations/024-people-search-names.js';
import * as m025 from './migrations/025-security-events-by-kind.js';

interface DialectMigration {
  up(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
}

const migrations: Record<string, DialectMigration> = {
  '001-initial': m001,
  '002-email-confirmation': m002,
  '003-session-csrf-secret': m003,
  '004-factors-and-events': m004,
  '005-devices': m005,
  '006-wasnt-me-links': m006,
  '007-email-change': m007,
  '008-known-browsers': m008,
  '009-account-recovery': m009,
  '010-passkeys': m010,
  '011-backup-phone-and-email-codes': m011,
  '012-user-locale': m012,
  '013-mail-at-rest': m013,
  '014-sign-in-record': m014,
  '015-identity-provider': m015,
  '016-sign-in-passkey': m016,
  '017-app-access-and-groups': m017,
  '018-provider-session-link': m018,
  '019-app-in-security-events': m019,
  '020-admin-console': m020,
  '021-account-suspension': m021,
  '022-sms-sends': m022,
  '023-app-access-by-last-use': m023,
  '024-people-search-names': m024,
  '025-security-events-by-kind': m025,
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
  const schema = await migrationTableSchema(handle);
  if (await everyMigrationApplied(handle, schema)) return [];
  return migrate(handle, schema, (migrator) => migrator.migrateToLatest());
}

/**
 * True when the migration table lists exactly the migrations above: the usual start, on a database already
 * migrated. That is one query, where a run of Kysely's migrator that has nothing to do still scans the catalog (on
 * PostgreSQL, the tables of every schema in the database) and takes its lock: about 150 ms there. Anything else —
 * no migration table yet, a migration not applied, or one this version does not know — goes to the migrator, which
 * applies or refuses as it always did.
 */
async function everyMigrationApplied(handle: DatabaseHandle, schema: string | undefined): Promise<boolean> {
  const table = schema === undefined ? sql.table('kysely_migration') : sql.table(`${schema}.kysely_migration`);
  let applied: Set<string>;
  try {
    const { rows } = await sql<{ name: string }>`select name from ${table}`.execute(handle.db);
    applied = new Set(rows.map((r) => r.name));
  } catch {
    return false; // no migration table yet: a new database
  }
  const listed = Object.keys(migrations);
  return applied.size === listed.length && listed.every((name) => applied.has(name));
}

/** Applies the migrations up to and including `name`: a test of a migration's upgrade path starts from the one before it. */
export async function migrateUpTo(handle: DatabaseHandle, name: string): Promise<string[]> {
  return migrate(handle, await migrationTableSchema(handle), (migrator) => migrator.migrateTo(name));
}

/** `schema`: the migration table's (migrationTableSchema). */
async function migrate(handle: DatabaseHandle, schema: string | undefined, run: (migrator: Migrator) => Promise<MigrationResultSet>): Promise<string[]> {
  const migrator = new Migrator({ db: handle.db, provider: new ListedMigrations(handle.dialect), migrationTableSchema: schema });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await run(migrator);
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (attempt < MIGRATE_ATTEMPTS && isCatalogScanRace(error, schema)) continue;
    throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
  }
}

/** Attempts when another schema's objects vanish under the migrator's catalog scan (see isCatalogScanRace). */
const MIGRATE_ATTEMPTS = 5;

/**
 * PostgreSQL: Kysely's migrator lists the tables of every schema in the
 * database (`has_schema_privilege(nspname, …)` per schema) to find its own. A
 * schema dropped by someone else during that scan (a test's throw-away schema,
 * another tenant's) fails it with 3F000 "schema … does not exist"; a table
 * dropped there mid-scan fails it with 42P01 (relation) or 42703 (column "…"
 * of relation "…" does not exist), though nothing is wrong with ours. The scan
 * belongs to the migrator's "do my tables exist yet?" checks, which come
 * before any migration runs and are idempotent, so the whole call is simply
 * made again. (A migration of ours that really names a missing table or
 * column fails the same way each time, and is thrown after the last attempt;
 * on PostgreSQL each attempt's migrations roll back.)
 */
function isCatalogScanRace(error: unknown, ownSchema: string | undefined): boolean {
  if (ownSchema === undefined || typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return false;
  if (code === '3F000') return !message.includes(`"${ownSchema}"`);
  return code === '42P01' || code === '42703';
}

/**
 * PostgreSQL: the schema the tables go in (the first of the search_path), named
 * explicitly. Without it Kysely's migrator looks for `kysely_migration` in every
 * schema of the database, so a second schema (another instance's, a test's)
 * that already has one makes it skip creating its own and fail with
 * `relation "kysely_migration_lock" does not exist`.
 */
async function migrationTableSchema(handle: DatabaseHandle): Promise<string | undefined> {
  if (handle.dialect !== 'postgres') return undefined;
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(handle.db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL search_path names no existing schema to migrate into (create it first)');
  return schema;
}
