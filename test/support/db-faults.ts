/**
 * Makes a write fail inside the database, as a full disk or a broken
 * constraint would half-way through a flow: a BEFORE trigger that raises an
 * error on one table. SQLite (`RAISE(ABORT, …)` in a `BEGIN … END` trigger)
 * and PostgreSQL (a PL/pgSQL trigger function that raises) spell it
 * differently; tests say what to refuse and run on either backend.
 *
 *     await withRefusedWrites(db, { table: 'mail_outbox', on: 'INSERT' }, async () => { … });
 */
import { PostgresIntrospector, sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';

export interface RefusedWrite {
  table: keyof Database;
  /** `INSERT`, `UPDATE`, `DELETE` or `UPDATE OF <column>`. */
  on: 'INSERT' | 'UPDATE' | 'DELETE' | `UPDATE OF ${string}`;
  /** The error's message. Default "refused by the test". */
  message?: string;
}

let counter = 0;

/** Installs the trigger; returns a function that removes it again. */
export async function refuseWrites(db: Kysely<Database>, spec: RefusedWrite): Promise<() => Promise<void>> {
  if (!/^(INSERT|UPDATE|DELETE|UPDATE OF [a-z_]+)$/.test(spec.on)) throw new Error(`refuseWrites: unsupported event ${spec.on}`);
  const name = `refuse_write_${process.pid}_${++counter}`;
  const message = spec.message ?? 'refused by the test';
  const event = sql.raw(spec.on);
  if (db.introspection instanceof PostgresIntrospector) {
    await sql`CREATE FUNCTION ${sql.id(name)}() RETURNS trigger LANGUAGE plpgsql AS ${sql.raw(`$$ BEGIN RAISE EXCEPTION '${message.replace(/'/g, "''")}'; END $$`)}`.execute(db);
    await sql`CREATE TRIGGER ${sql.id(name)} BEFORE ${event} ON ${sql.table(spec.table)} FOR EACH ROW EXECUTE FUNCTION ${sql.id(name)}()`.execute(db);
    return async () => {
      await sql`DROP TRIGGER IF EXISTS ${sql.id(name)} ON ${sql.table(spec.table)}`.execute(db);
      await sql`DROP FUNCTION IF EXISTS ${sql.id(name)}()`.execute(db);
    };
  }
  await sql`CREATE TRIGGER ${sql.id(name)} BEFORE ${event} ON ${sql.table(spec.table)} BEGIN SELECT RAISE(ABORT, ${sql.lit(message)}); END`.execute(db);
  return async () => {
    await sql`DROP TRIGGER IF EXISTS ${sql.id(name)}`.execute(db);
  };
}

/** Runs `run` while writes of `spec` fail, and removes the trigger afterwards (also when `run` throws). */
export async function withRefusedWrites<T>(db: Kysely<Database>, spec: RefusedWrite, run: () => Promise<T>): Promise<T> {
  const remove = await refuseWrites(db, spec);
  try {
    return await run();
  } finally {
    await remove();
  }
}
