/**
 * Prepared queries (src/db/prepared.ts) and SQLite's statement cache
 * (src/db/database.ts): the same query run with new values must see those
 * values, on both databases, inside and outside a transaction. On SQLite a
 * prepared query outside a transaction runs on the connection directly, which
 * must never happen inside another request's open transaction.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, SQLITE_CACHE_KIB, withStatementCache } from '../../src/db/database.js';
import { prepared, recordMaker, type Placeholders } from '../../src/db/prepared.js';
import type { Database } from '../../src/db/schema.js';
import { findUserByUsername } from '../../src/db/users.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { forEachDatabase, insertTestUser, useDatabase } from '../support/databases.js';

const byUsername = prepared((db: Kysely<Database>, p: Placeholders<{ name: string; since: number }>) =>
  db.selectFrom('users').select(['id', 'username']).where('username_normalized', '=', p.name).where('created_at', '>=', p.since),
);

describe.each(forEachDatabase())('prepared queries on $name', (target) => {
  const handle = useDatabase(target);

  it('each run uses its own values', async () => {
    const { db } = handle();
    const alice = await insertTestUser(db, { username: 'alice' });
    const bob = await insertTestUser(db, { username: 'bob' });
    expect(await byUsername.takeFirst(db, { name: 'alice', since: 0 })).toEqual({ id: alice.id, username: 'alice' });
    expect(await byUsername.takeFirst(db, { name: 'bob', since: 0 })).toEqual({ id: bob.id, username: 'bob' });
    expect(await byUsername.takeFirst(db, { name: 'alice', since: Number.MAX_SAFE_INTEGER })).toBeUndefined();
    expect(await byUsername.rows(db, { name: 'nobody', since: 0 })).toEqual([]);
  });

  it('runs inside a transaction, seeing its uncommitted writes', async () => {
    const { db } = handle();
    await db.transaction().execute(async (trx) => {
      const carol = await insertTestUser(trx, { username: 'carol' });
      expect(await byUsername.takeFirst(trx, { name: 'carol', since: 0 })).toEqual({ id: carol.id, username: 'carol' });
    });
  });

  it('outside a transaction, waits for one that is open and never reads its uncommitted writes (a dirty read)', async () => {
    const { db } = handle();
    const dave = await insertTestUser(db, { username: 'dave' });
    let readDuring: Promise<unknown> | undefined;
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ username: 'mallory' }).where('id', '=', dave.id).execute();
        // Another request's lookup, while the transaction is open and then rolled back.
        readDuring = byUsername.takeFirst(db, { name: 'dave', since: 0 });
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await readDuring).toEqual({ id: dave.id, username: 'dave' });
  });

  it('gives rows as objects both outside a transaction and inside one, whichever ran the statement before', async () => {
    const { db } = handle();
    const erin = await insertTestUser(db, { username: 'erin' });
    for (let i = 0; i < 2; i++) {
      expect(await byUsername.rows(db, { name: 'erin', since: 0 })).toEqual([{ id: erin.id, username: 'erin' }]);
      expect(await db.transaction().execute((trx) => byUsername.rows(trx, { name: 'erin', since: 0 }))).toEqual([{ id: erin.id, username: 'erin' }]);
    }
  });

  it('a query that takes every column (*) is refused: its rows are made by position', async () => {
    const { db } = handle();
    const everything = prepared((kysely: Kysely<Database>, p: Placeholders<{ id: number }>) => kysely.selectFrom('users').selectAll().where('id', '=', p.id));
    await expect(everything.takeFirst(db, { id: 1 })).rejects.toThrow(/names its columns/);
  });

  it('a missing value is an error, not a query with undefined', async () => {
    const { db } = handle();
    await expect(byUsername.takeFirst(db, { name: 'alice' } as unknown as { name: string; since: number })).rejects.toThrow(/"since" is missing/);
  });
});

describe('SQLite: a prepared query after another connection changed its table (the admin CLI migrating)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-drift-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails when a column it names is gone, rather than giving values under other names', async () => {
    const path = join(dir, 'drift.db');
    const handle = openDatabase(`sqlite:${path}`);
    try {
      await migrateToLatest(handle);
      const frank = await insertTestUser(handle.db, { username: 'frank' });
      expect(await findUserByUsername(handle.db, 'frank')).toMatchObject({ id: frank.id, username: 'frank', about_me: '' });
      // Same number of columns, one of them another: a query by position would shift every value after it.
      const other = new SQLite(path);
      other.exec("alter table users add column extra_column text default 'extra'");
      other.exec('alter table users drop column about_me');
      other.close();
      await expect(findUserByUsername(handle.db, 'frank')).rejects.toThrow(/about_me/);
    } finally {
      await handle.destroy();
    }
  });
});

describe('recordMaker', () => {
  it('copies each pair, by name or by index', () => {
    expect(recordMaker<Record<string, unknown>>([['session_id', 'id'], ['n', 'n']])({ session_id: 'a', n: 1, other: 2 })).toEqual({ id: 'a', n: 1 });
    expect(recordMaker<unknown[]>([[1, 'b'], [0, 'a']])(['x', 'y'])).toEqual({ a: 'x', b: 'y' });
  });

  it('takes a name that looks like code as a name (code injection)', () => {
    const odd = 'x"]}); globalThis.injected = true; ({ a: s["';
    const make = recordMaker<Record<string, unknown>>([[odd, `${odd}!`]]);
    expect(make({ [odd]: 1 })).toEqual({ [`${odd}!`]: 1 });
    expect((globalThis as { injected?: boolean }).injected).toBeUndefined();
  });

  it('refuses to make a "__proto__" property, which a literal would take as the prototype (prototype pollution)', () => {
    expect(() => recordMaker([['a', '__proto__']])).toThrow(/__proto__/);
  });
});

describe('SQLite settings and statement cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['normal', 1],
    ['full', 2],
  ] as const)('SQLITE_SYNCHRONOUS=%s sets synchronous=%i, with WAL, foreign keys and a 64 MiB page cache', async (setting, expected) => {
    const path = join(dir, `${setting}.db`);
    const handle = openDatabase(`sqlite:${path}`, { sqliteSynchronous: setting });
    // The pragmas are per connection: read them through the same connection the app uses.
    const pragma = async (name: string) => {
      const { rows } = await sql<Record<string, unknown>>`pragma ${sql.raw(name)}`.execute(handle.db);
      return Object.values(rows[0]!)[0];
    };
    expect(await pragma('synchronous')).toBe(expected);
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('cache_size')).toBe(-SQLITE_CACHE_KIB);
    await handle.destroy();
  });

  it('reuses a statement for the same SQL, but never one that is still iterating', () => {
    const sqlite = new SQLite(':memory:');
    const cached = withStatementCache(sqlite);
    sqlite.exec('create table t (n integer); insert into t values (1), (2), (3)');
    const first = cached.prepare('select n from t where n >= ?');
    expect(cached.prepare('select n from t where n >= ?')).toBe(first);
    const iterating = first.iterate([1]);
    iterating.next();
    const second = cached.prepare('select n from t where n >= ?');
    expect(second).not.toBe(first);
    expect(second.all([2])).toEqual([{ n: 2 }, { n: 3 }]);
    iterating.return?.();
    cached.close();
  });

  it('keeps at most its bound of statements', () => {
    const sqlite = new SQLite(':memory:');
    const cached = withStatementCache(sqlite, 2);
    const a = cached.prepare('select 1');
    cached.prepare('select 2');
    cached.prepare('select 3'); // evicts the oldest
    expect(cached.prepare('select 1')).not.toBe(a);
    cached.close();
  });
});
