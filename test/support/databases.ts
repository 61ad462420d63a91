/**
 * The databases the data-layer tests run on: a fresh SQLite file in a temp
 * folder, and a throw-away schema (`gh_test_<random>`) in the PostgreSQL that
 * CI provides. Every test file gets its own file or schema, so files running in
 * parallel never see each other's rows, and `cleanup()` removes it again.
 *
 * PostgreSQL is not optional: when it cannot be reached, opening it throws a
 * message that says so and the PostgreSQL suite fails (it is never skipped, or a
 * dialect bug would pass CI silently). Point TEST_POSTGRES_URL elsewhere to use
 * another server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely, type KyselyPlugin } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import { openDatabase, type DatabaseHandle, type DialectName } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { Database, User } from '../../src/db/schema.js';
import { insertUser, normalizeEmail, normalizeUsername } from '../../src/db/users.js';
import { SCHEMA_NAME_PLACEHOLDER } from './migrated-postgres.js';
import { TEST_POSTGRES_URL } from './services.js';

/** The test PostgreSQL (test/support/services.ts), where the tests have always imported it from. */
export { TEST_POSTGRES_URL };

/** Every table the migrations create, children before parents (the order `clearAllTables` deletes in). */
export const APP_TABLES = [
  'admin_audit',
  'sms_sends',
  'oidc_app_access',
  'user_groups',
  'oidc_payloads',
  'oidc_apps',
  'oidc_signing_keys',
  'user_groups',
  'email_sign_in_codes',
  'webauthn_used_challenges',
  'webauthn_credentials',
  'sessions',
  'password_reset_tokens',
  'email_confirmation_tokens',
  'phone_enrollments',
  'mail_outbox',
  'dev_outbox',
  'dev_verifications',
  'users',
] as const;

export interface DatabaseTarget {
  /** `sqlite` or `postgres`: the name `describe.each` prints with `$name`. */
  name: DialectName;
  /** Creates the file or schema (first call only), opens a handle on it and runs the migrations. */
  open(): Promise<DatabaseHandle>;
  /** Another handle on the same file or schema (a second app instance), not migrated again; closed by cleanup(). */
  openAnother(): DatabaseHandle;
  /** Closes every handle and deletes the file or drops the schema. Safe after a failed or missing open(). */
  cleanup(): Promise<void>;
}

/**
 * One target per dialect, new each call:
 *
 *     describe.each(forEachDatabase())('$name', (target) => {
 *       const handle = useDatabase(target);
 *       it('…', async () => { await insertUser(handle().db, …); });
 *     });
 */
export function forEachDatabase(): DatabaseTarget[] {
  return [databaseTarget('sqlite'), databaseTarget('postgres')];
}

/** A new, not yet created database of one dialect. */
export function databaseTarget(name: DialectName): DatabaseTarget {
  return name === 'sqlite' ? sqliteTarget() : postgresTarget();
}

/**
 * Registers the hooks for one target in the current describe block: open and
 * migrate before all, empty every table before each test, close and remove
 * after all (vitest runs afterAll even when a test or beforeAll failed).
 * Returns a getter for the handle.
 */
export function useDatabase(target: DatabaseTarget, options: { clearBeforeEach?: boolean } = {}): () => DatabaseHandle {
  let handle: DatabaseHandle | undefined;
  beforeAll(async () => {
    handle = await target.open();
  });
  afterAll(async () => {
    handle = undefined;
    await target.cleanup();
  });
  if (options.clearBeforeEach ?? true) {
    beforeEach(async () => {
      if (handle) await clearAllTables(handle);
    });
  }
  return () => {
    if (!handle) throw new Error(`the ${target.name} database is not open (did beforeAll fail?)`);
    return handle;
  };
}

/** Deletes every row of every application table. */
export async function clearAllTables(handle: DatabaseHandle): Promise<void> {
  for (const table of APP_TABLES) await handle.db.deleteFrom(table).execute();
}

function sqliteTarget(): DatabaseTarget {
  let dir: string | undefined;
  const handles: DatabaseHandle[] = [];
  const url = (): string => {
    dir ??= mkdtempSync(join(tmpdir(), 'gatehouse-db-test-'));
    return `sqlite:${join(dir, 'test.db')}`;
  };
  return {
    name: 'sqlite',
    async open() {
      const handle = openDatabase(url());
      handles.push(handle);
      await migrateToLatest(handle);
      return handle;
    },
    openAnother() {
      const handle = openDatabase(url());
      handles.push(handle);
      return handle;
    },
    async cleanup() {
      try {
        await destroyAll(handles);
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
        dir = undefined;
      }
    },
  };
}

function postgresTarget(): DatabaseTarget {
  let schema: PostgresSchema | undefined;
  return {
    name: 'postgres',
    async open() {
      // A second open() uses the same schema, as it would the same SQLite file.
      schema ??= await createPostgresSchema();
      return schema.open();
    },
    openAnother() {
      if (!schema) throw new Error('openAnother() before open()');
      return schema.openHandle();
    },
    async cleanup() {
      const s = schema;
      schema = undefined;
      if (s) await s.drop();
    },
  };
}

export interface PostgresSchema {
  /** The schema's name, `gh_test_<random hex>`. */
  name: string;
  /** `TEST_POSTGRES_URL` with the schema set as search_path when you pass `{ schema: name }` to openDatabase. */
  url: string;
  /** Opens a handle whose search_path is the schema and runs the migrations in it. */
  open(options?: { poolSize?: number }): Promise<DatabaseHandle>;
  /** Opens a handle on the schema without migrating. */
  openHandle(options?: { poolSize?: number }): DatabaseHandle;
  /** Closes every handle opened through this object, then DROP SCHEMA … CASCADE. */
  drop(): Promise<void>;
}

/**
 * Creates an empty schema with a random name in the test PostgreSQL (with
 * `migrated: true`, one with every migration applied, made by the run's script
 * when there is one). Throws a clear error when the server cannot be reached.
 * For test files outside
 * test/db that need PostgreSQL (for example an app built on it):
 *
 *     const pgSchema = await createPostgresSchema();
 *     const handle = await pgSchema.open();          // migrated
 *     // … openDatabase(pgSchema.url, { schema: pgSchema.name }) also works
 *     await pgSchema.drop();                          // in afterAll
 */
export async function createPostgresSchema(url: string = TEST_POSTGRES_URL, options: { migrated?: boolean } = {}): Promise<PostgresSchema> {
  const name = `gh_test_${randomBytes(8).toString('hex')}`;
  // `migrated`: made by the run's script of a migrated schema (test/support/migrated-postgres.ts) when there is one.
  const script = options.migrated && url === TEST_POSTGRES_URL ? inject('migratedPostgresScript') : null;
  await adminQuery(url, script ? script.replaceAll(SCHEMA_NAME_PLACEHOLDER, name) : `CREATE SCHEMA ${quoteIdent(name)}`);
  const handles: DatabaseHandle[] = [];
  const openHandle = (options: { poolSize?: number } = {}): DatabaseHandle => {
    const handle = openDatabase(url, { schema: name, ...options });
    handles.push(handle);
    return handle;
  };
  let dropped = false;
  return {
    name,
    url,
    openHandle,
    async open(options) {
      const handle = openHandle(options);
      await whileNoSchemaIsDropped(url, () => migrateToLatest(handle));
      return handle;
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        await destroyAll(handles);
      } finally {
        await adminQuery(url, `SELECT pg_advisory_lock(${SCHEMA_DROP_LOCK}); DROP SCHEMA IF EXISTS ${quoteIdent(name)} CASCADE`);
      }
    },
  };
}

/** Creates a schema, migrates it and returns the handle plus a cleanup that drops the schema. */
export async function openMigratedPostgres(
  url: string = TEST_POSTGRES_URL,
): Promise<{ handle: DatabaseHandle; schema: string; cleanup(): Promise<void> }> {
  const s = await createPostgresSchema(url);
  try {
    const handle = await s.open();
    return { handle, schema: s.name, cleanup: () => s.drop() };
  } catch (error) {
    await s.drop();
    throw error;
  }
}

/** The tables (not views) in the handle's schema (PostgreSQL: the first schema of its search_path). */
export async function listTables(handle: DatabaseHandle): Promise<string[]> {
  if (handle.dialect === 'sqlite') {
    const { rows } = await sql<{ name: string }>`
      select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(handle.db);
    return rows.map((r) => r.name);
  }
  const { rows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(handle.db);
  return rows.map((r) => r.name);
}

async function destroyAll(handles: DatabaseHandle[]): Promise<void> {
  const all = handles.splice(0);
  const results = await Promise.allSettled(all.map((h) => h.destroy()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Kysely's migrator lists the tables of every schema in the database, and PostgreSQL fails that catalog read ("cache
 * lookup failed for namespace") when it meets a schema another test is dropping at that moment. So a test's migration
 * holds this advisory lock shared, and a drop takes it alone (for its session: it ends with the admin connection).
 */
const SCHEMA_DROP_LOCK = 4_711_016;

/** Runs `work` (a migration) while no test schema is being dropped; one being dropped is waited for. */
export async function whileNoSchemaIsDropped<T>(url: string, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`SELECT pg_advisory_lock_shared(${SCHEMA_DROP_LOCK})`);
    return await work();
  } finally {
    await client.end();
  }
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    // Swallowing this would turn a missing CI service into a green run; say what is wrong instead.
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    const reason = [typeof code === 'string' ? code : '', message].filter(Boolean).join(' ') || 'connection failed';
    throw new Error(
      `PostgreSQL is not reachable at ${redact(url)} (${reason}). The PostgreSQL data-layer tests need it ` +
        `(CI provides it; locally: pg_ctlcluster --skip-systemctl-redirect <version> main start, ` +
        `or set TEST_POSTGRES_URL).`,
      { cause: error },
    );
  }
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

let userCounter = 0;

/** Inserts a user with unique names (or the ones given); times default to `now`. */
export async function insertTestUser(
  db: Kysely<Database>,
  spec: { username?: string; email?: string; now?: number } = {},
): Promise<User> {
  userCounter++;
  const username = spec.username ?? `user${userCounter}_${randomBytes(3).toString('hex')}`;
  const email = spec.email ?? `${username}@example.com`;
  const now = spec.now ?? Date.UTC(2026, 0, 1);
  return insertUser(db, {
    username,
    username_normalized: normalizeUsername(username),
    email,
    email_normalized: normalizeEmail(email),
    first_name: 'Test',
    last_name: 'User',
    password_hash: '$argon2id$not-a-real-hash',
    about_me: '',
    phone: null,
    two_factor_enabled: 0,
    created_at: now,
    last_seen_at: now,
  });
}

/**
 * The same database seen through a plugin that adds up the rows every UPDATE,
 * DELETE or INSERT changed, to check "writes at most once" rules.
 */
export function countingWrites(db: Kysely<Database>): { db: Kysely<Database>; changedRows(): number } {
  let changed = 0n;
  const plugin: KyselyPlugin = {
    transformQuery: ({ node }) => node,
    transformResult: async ({ result }) => {
      changed += result.numAffectedRows ?? 0n;
      return result;
    },
  };
  return { db: db.withPlugin(plugin), changedRows: () => Number(changed) };
}
