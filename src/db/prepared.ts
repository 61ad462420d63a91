/**
 * Queries on the hot path (the session lookup on every signed-in request, a
 * profile by username), built with Kysely's typed builder once and compiled
 * once per database handle; each call only swaps in its parameter values.
 * Building and compiling a Kysely query costs more than SQLite takes to run
 * it (a join measured ~95 µs to build against ~23 µs to execute), so a page
 * that did it per request spent most of its time there.
 * See docs/decisions/009-fast-path-for-pages.md.
 *
 *     const byName = prepared((db: Db, p: Placeholders<{ name: string }>) =>
 *       db.selectFrom('users').selectAll().where('username_normalized', '=', p.name));
 *     const user = await byName.takeFirst(db, { name });
 *
 * A placeholder may only stand where the builder takes a plain value
 * (`where(column, op, value)`, `values`, `set`): not in an `in` list, and not
 * in arithmetic done in JavaScript before the query is built.
 */
import type SQLite from 'better-sqlite3';
import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import { sqliteConnectionOf } from './database.js';

/** Stands for a parameter while the query is compiled; replaced by the value on every run. */
class Placeholder {
  constructor(readonly name: string) {}
}

/** The parameters as the builder sees them: each a placeholder typed as its value. */
export type Placeholders<P> = { readonly [K in keyof P]: P[K] };

export interface PreparedQuery<DB, P, O> {
  /** All rows. */
  rows(db: Kysely<DB>, params: P): Promise<O[]>;
  /** The first row, or undefined. */
  takeFirst(db: Kysely<DB>, params: P): Promise<O | undefined>;
}

/**
 * A table's columns, every one named: a prepared query names its columns (checked when it is compiled, below). Given
 * as an object literal typed by the table, so that one too few or one too many is a compile error.
 */
export function allColumns<Row>(columns: { [K in keyof Row]-?: true }): Array<keyof Row & string> {
  return Object.keys(columns) as Array<keyof Row & string>;
}

/**
 * A function that makes `{ to: source[from], … }` for these pairs, as one object literal. A hot row is made so:
 * an object that gets dozens of properties one by one, under names that differ from call to call, costs V8 a
 * generic store and a new shape for each (a third of a session lookup's time), where a literal has its shape from
 * the start. The code is generated once from these names, each JSON-encoded: they come from Gatehouse's own
 * column lists or from SQLite's description of Gatehouse's own SQL, never from a request.
 */
export function recordMaker<Source>(pairs: ReadonlyArray<readonly [from: string | number, to: string]>): (source: Source) => Record<string, unknown> {
  // In a literal, even a quoted `"__proto__":` sets the prototype instead of making a property.
  if (pairs.some(([, to]) => to === '__proto__')) throw new Error('recordMaker: "__proto__" cannot be a property name');
  const fields = pairs.map(([from, to]) => `${JSON.stringify(to)}: s[${JSON.stringify(from)}]`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see above: the names are ours, JSON-encoded
  return new Function('s', `return { ${fields.join(', ')} };`) as (source: Source) => Record<string, unknown>;
}

/** How a SQLite statement's rows, taken as arrays, become objects: made once per statement (each connection prepares its own). */
const rowMakers = new WeakMap<SQLite.Statement, (values: unknown[]) => Record<string, unknown>>();

/**
 * Rows as objects by the statement's column names, read once. That holds because a prepared query names its columns
 * (checked below): when another connection changes a table (the admin CLI's migrations), SQLite prepares the
 * statement anew with the same columns, or fails if one is gone.
 */
function rowsOf<O>(statement: SQLite.Statement, rows: unknown[][]): O[] {
  let make = rowMakers.get(statement);
  if (!make) rowMakers.set(statement, (make = recordMaker<unknown[]>(statement.columns().map((column, i) => [i, column.name]))));
  return rows.map((values) => make(values) as O);
}

export function prepared<DB, P extends Record<string, unknown>, O>(
  build: (db: Kysely<DB>, params: Placeholders<P>) => Compilable<O>,
): PreparedQuery<DB, P, O> {
  const placeholders = new Proxy({} as Placeholders<P>, {
    get: (_target, name) => new Placeholder(String(name)),
  });
  // Compiled SQL depends on the dialect, so it is kept per handle; a transaction is a handle of its own.
  const compiled = new WeakMap<Kysely<DB>, CompiledQuery<O>>();

  function compiledFor(db: Kysely<DB>): CompiledQuery<O> {
    let query = compiled.get(db);
    if (!query) {
      query = build(db, placeholders).compile();
      if (!query.parameters.some((value) => value instanceof Placeholder)) {
        throw new Error(`a prepared query without parameters: ${query.sql}`);
      }
      // On SQLite its rows are made by position, by names read from the statement once: `*` would take whatever
      // columns the table has when another connection (the admin CLI's migrations) changes it, under old names.
      if (/(^|[\s.,(])\*/.test(query.sql.replace(/count\(\*\)/gi, ''))) {
        throw new Error(`a prepared query names its columns (no *): ${query.sql}`);
      }
      compiled.set(db, query);
    }
    return query;
  }

  async function rows(db: Kysely<DB>, params: P): Promise<O[]> {
    const query = compiledFor(db);
    const parameters = query.parameters.map((value) => {
      if (!(value instanceof Placeholder)) return value;
      if (!(value.name in params)) throw new Error(`prepared query parameter "${value.name}" is missing`);
      return params[value.name];
    });
    // SQLite with no transaction open: run it now on the connection, as Kysely's driver would once it holds the
    // connection, without its layers of promises (half of a session lookup's time). During a transaction, which
    // holds the connection across awaits, it waits for the connection through Kysely, or it would read inside it.
    const sqlite = sqliteConnectionOf(db);
    if (sqlite && !sqlite.inTransaction()) {
      const statement = sqlite.prepare(query.sql);
      if (!statement.reader) {
        statement.run(parameters);
        return [];
      }
      // As arrays, made into objects here by the statement's column names: better-sqlite3's own objects cost twice
      // as much for a session lookup's 46 columns. The statement is shared with Kysely's path: back to objects.
      statement.raw(true);
      try {
        return rowsOf<O>(statement, statement.all(parameters) as unknown[][]);
      } finally {
        statement.raw(false);
      }
    }
    return (await db.executeQuery<O>({ ...query, parameters })).rows;
  }

  return {
    rows,
    takeFirst: async (db, params) => (await rows(db, params))[0],
  };
}
