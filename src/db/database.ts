/**
 * Opens the database named by DATABASE_URL: `sqlite:<path>` (better-sqlite3,
 * the embedded default) or `postgres://…` (pg). Everything that differs
 * between the two lives in this file and in the migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import { createRequire } from 'node:module';
import type pgTypes from 'pg';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: DialectName;
  destroy(): Promise<void>;
  /**
   * A number that changes whenever the database may have changed since it was last asked: a write through this
   * handle, or a commit by any other connection (another process on the same SQLite file, such as the admin
   * CLI). It lets a hot read be kept until then (src/db/forward-auth.ts). Null on PostgreSQL, where other
   * instances write and nothing tells this one at no cost: nothing is kept there.
   */
  version: (() => number) | null;
}

/**
 * SQLite's `synchronous` in WAL mode. `normal` (the default, as Rails and most SQLite deployments use):
 * a commit is safe from a crash of the app and the file is never corrupted, but the last commits before a
 * power loss or OS crash may be rolled back; no fsync per commit, which on this machine's disk cost
 * ~0.5 ms of blocked event loop per write. `full`: fsync on every commit.
 */
export type SqliteSynchronous = 'normal' | 'full';

export interface OpenDatabaseOptions {
  /** SQLite only; default `normal`. */
  sqliteSynchronous?: SqliteSynchronous;
  /** PostgreSQL only: put every table in this schema (tests use a throw-away one). */
  schema?: string;
  /** PostgreSQL pool size. Default 10. */
  poolSize?: number;
  /** PostgreSQL only: told when a pooled connection breaks (it is dropped and replaced). Default: ignored. */
  onConnectionError?: (error: Error) => void;
}

/** PostgreSQL: how long a query may wait for a connection before it fails as "database unavailable". */
export const PG_CONNECT_TIMEOUT_MS = 3000;

/** PostgreSQL BIGINT (OID 20) holds our millisecond timestamps; they fit a JS number exactly. */
const PG_INT8_OID = 20;

const typeParser = ((oid: number): ((value: string) => unknown) =>
  oid === PG_INT8_OID ? Number : (loadPg().types.getTypeParser(oid) as (value: string) => unknown)) as typeof pgTypes.types.getTypeParser;

/** pg is loaded only when a PostgreSQL URL is used: the SQLite default never pays for it. */
const loadPg = (): typeof pgTypes => createRequire(import.meta.url)('pg') as typeof pgTypes;

/** SQLite page cache limit per connection, in KiB. */
export const SQLITE_CACHE_KIB = 64 * 1024;

/** Distinct SQL texts kept prepared; the app has a few dozen, so this bound is only a backstop. */
const STATEMENT_CACHE_SIZE = 500;

/** better-sqlite3 as Kysely's SQLite dialect takes it, and whether a transaction is open on the connection now. */
export interface KeptStatements extends SqliteDatabase {
  prepare(sql: string): SQLite.Statement;
  inTransaction(): boolean;
}

/**
 * The SQLite connection behind a handle's `db` (not behind a transaction's), for the hot path's prepared queries
 * (src/db/prepared.ts), which run on it directly when no transaction is open.
 */
const connections = new WeakMap<object, KeptStatements>();

export function sqliteConnectionOf(db: object): KeptStatements | undefined {
  return connections.get(db);
}

/**
 * better-sqlite3 behind Kysely, with prepared statements kept by their SQL text. Kysely's SQLite driver
 * prepares every query anew, which was a fifth of a signed-in page's time; a statement can be reused
 * because every call on it finishes synchronously (one still iterating is `busy` and is not handed out).
 */
export function withStatementCache(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE, onWrite: () => void = () => undefined): KeptStatements {
  const statements = new Map<string, SQLite.Statement>();
  return {
    inTransaction: () => sqlite.inTransaction,
    close: () => {
      statements.clear();
      sqlite.close();
    },
    prepare(sql) {
      const kept = statements.get(sql);
      const statement = kept && !kept.busy ? kept : sqlite.prepare(sql);
      if (!kept) {
        if (statements.size >= size) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      // Kysely runs what it prepares at once: told before the write, a version read after it is already new.
      // `readonly`, not `reader`: a DELETE … RETURNING reads rows back, and writes.
      if (!statement.readonly) onWrite();
      return statement;
    },
  };
}

/**
 * `DatabaseHandle.version` for SQLite: this connection's writes (every statement that may change the file, as
 * SQLite's `sqlite3_stmt_readonly` tells, counted as it is prepared) plus the changes of `PRAGMA data_version`,
 * which moves when any other connection commits. Reading it costs one pragma, about a microsecond.
 */
function sqliteVersion(sqlite: SQLite.Database): { wrote: () => void; current: () => number } {
  const othersCommits = sqlite.prepare('pragma data_version').pluck();
  let version = 0;
  let othersSeen: unknown = othersCommits.get();
  return {
    wrote: () => {
      version += 1;
    },
    current: () => {
      const others = othersCommits.get();
      if (others !== othersSeen) {
        othersSeen = others;
        version += 1;
      }
      return version;
    },
  };
}

export function openDatabase(url: string, options: OpenDatabaseOptions = {}): DatabaseHandle {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const sqlite = new SQLite(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma(`synchronous = ${options.sqliteSynchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // Up to 64 MiB of page cache (SQLite's default is 2 MiB): with a million users the session and user
    // indexes no longer fit the default, and each signed-in page would read them from the file again.
    // The cache only grows as pages are read, so a small database stays small.
    sqlite.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
    const version = sqliteVersion(sqlite);
    const kept = withStatementCache(sqlite, STATEMENT_CACHE_SIZE, version.wrote);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: kept }) });
    connections.set(db, kept);
    return { db, dialect: 'sqlite', destroy: () => db.destroy(), version: version.current };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    // The schema name goes into a connection option unquoted: allow identifiers only.
    if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
      throw new Error(`Invalid PostgreSQL schema name: ${options.schema}`);
    }
    const pg = loadPg();
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      // Waiting for a connection (a new one, or a free one in a full pool) gives up after this, so a
      // request during an outage gets its 503 page well inside 5 s.
      connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
      options: options.schema ? `-c search_path=${options.schema}` : undefined,
      types: { getTypeParser: typeParser },
    });
    // A connection that breaks (PostgreSQL restarted, network cut) emits 'error' on its client, and
    // the pool re-emits it for idle ones; an EventEmitter 'error' nobody hears kills the process.
    // Listen on both: the failed query has already been told (→ 503), the pool drops the broken
    // connection (at once when idle, on release when checked out), and the next query opens a new
    // one, so the app recovers by itself.
    pool.on('connect', (client) => client.on('error', (error) => options.onConnectionError?.(error)));
    pool.on('error', () => undefined); // already reported by the client's own listener
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', destroy: () => db.destroy(), version: null };
  }
  throw new Error(`Unsupported DATABASE_URL: ${url.replace(/\/\/[^@]*@/, '//***@')}`);
}

/** True when a write failed because a UNIQUE constraint already held the value. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Node's socket errors that mean the database server could not be reached or dropped the connection. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

/**
 * PostgreSQL SQLSTATEs that mean "the server is not there right now" rather than "this query is wrong":
 * class 08 (connection exception), 57P01–57P03 (shut down, crashed, starting up), 53300 (too many connections).
 */
const POSTGRES_UNAVAILABLE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;

/** SQLite result codes (better-sqlite3 `code`) for a locked, missing, unreadable or full database file. */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|PROTOCOL|NOLFS)(_|$)/;

/** node-postgres and pg-pool report a lost or never-made connection with these messages and no code. */
const PG_CONNECTION_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'is not queryable',
];

/**
 * True when `error` says the database is unreachable or temporarily unusable
 * (an outage: answer 503 and let the user retry), as opposed to a bug or a bad
 * query (500). The one place that knows both drivers' ways of saying so; it
 * follows `cause` chains and AggregateErrors (Node's happy-eyeballs connect).
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { code, message, cause, errors } = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_ERROR_CODES.has(code) || POSTGRES_UNAVAILABLE.test(code) || SQLITE_UNAVAILABLE.test(code)) return true;
  }
  if (typeof message === 'string' && PG_CONNECTION_MESSAGES.some((m) => message.includes(m))) return true;
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return cause !== undefined && isDatabaseUnavailable(cause, depth + 1);
}
