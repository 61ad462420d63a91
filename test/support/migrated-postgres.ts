/**
 * vitest's global setup (vitest.config.ts `globalSetup`), for the PostgreSQL +
 * Redis pass: one schema with every migration applied, made once per run and
 * dumped by pg_dump as the SQL that makes it. startTestApp's schemas
 * (createPostgresSchema with `migrated: true`, test/support/databases.ts) are
 * made by that script under their own name, in one round trip, instead of
 * running every migration again (about 0.3 s an app, hundreds of apps a pass).
 * The app still runs the migrations at start and finds none to apply, as on a
 * database a previous version migrated. The migrations themselves are tested
 * on empty schemas (test/db/migrations.test.ts).
 *
 * Without pg_dump, or when PostgreSQL does not answer here, nothing is
 * provided and every schema is migrated as before (which then reports an
 * unreachable server clearly).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { TEST_POSTGRES_URL as POSTGRES_URL } from './services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** SQL that creates a migrated schema named SCHEMA_NAME_PLACEHOLDER, or null: migrate each schema instead. */
    migratedPostgresScript: string | null;
  }
}

/** Stands for the new schema's name in the script. */
export const SCHEMA_NAME_PLACEHOLDER = '__gatehouse_test_schema__';

export default async function setup(project: TestProject): Promise<void> {
  if (process.env.GATEHOUSE_TEST_DB !== 'postgres') return project.provide('migratedPostgresScript', null);
  const script = await migratedSchemaScript().catch((error: unknown) => {
    // Still a correct run, only a slower one: say so, or the pass would just take longer without a word.
    console.warn(`No migrated PostgreSQL schema to copy (${error instanceof Error ? error.message : String(error)}): every test schema is migrated instead.`);
    return null;
  });
  project.provide('migratedPostgresScript', script);
}

async function migratedSchemaScript(): Promise<string> {
  const name = `gh_template_${randomBytes(8).toString('hex')}`;
  await run(`CREATE SCHEMA ${name}`);
  try {
    const handle = openDatabase(POSTGRES_URL, { schema: name });
    try {
      await migrateToLatest(handle);
    } finally {
      await handle.destroy();
    }
    const dump = execFileSync('pg_dump', ['--dbname', POSTGRES_URL, '--schema', name, '--no-owner', '--no-privileges', '--no-comments', '--inserts'], {
      encoding: 'utf8',
      env: { ...process.env, PGCONNECT_TIMEOUT: '5' },
      maxBuffer: 16 * 1024 * 1024,
    });
    if (!dump.includes(`CREATE SCHEMA ${name};`)) throw new Error('pg_dump gave no CREATE SCHEMA');
    // psql's meta-commands (`\restrict` and `\unrestrict` around a dump) are not SQL: the script is sent as a query.
    const sql = dump
      .split('\n')
      .filter((line) => !line.startsWith('\\'))
      .join('\n');
    return sql.replaceAll(name, SCHEMA_NAME_PLACEHOLDER);
  } finally {
    await run(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  }
}

async function run(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
