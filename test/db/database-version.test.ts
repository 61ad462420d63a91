/**
 * `DatabaseHandle.version` (src/db/database.ts) and what forward-auth keeps by it (`CheckedSubjects`,
 * src/db/forward-auth.ts): the version must move on every write of this handle and on every commit of
 * another connection, and never on a read — a version that missed a write would let a signed-out session
 * through. PostgreSQL has none (other instances write), and nothing is kept there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { CheckedSubjects } from '../../src/db/forward-auth.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { hours } from '../../src/lib/duration.js';
import { forEachDatabase, insertTestUser, useDatabase } from '../support/databases.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-version-'));
const handles: DatabaseHandle[] = [];
afterAll(async () => {
  for (const handle of handles) await handle.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function sqliteFile(name: string): Promise<{ url: string; first: DatabaseHandle }> {
  const url = `sqlite:${join(dir, name)}`;
  const first = openDatabase(url);
  handles.push(first);
  await migrateToLatest(first);
  return { url, first };
}

const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);
const IDLE = hours(2);

async function liveSession(handle: DatabaseHandle, userId: number, id: string): Promise<void> {
  await handle.db
    .insertInto('sessions')
    .values({ id, user_id: userId, two_factor_pending: 0, remember: 0, failed_code_attempts: 0, created_at: NOW, last_active_at: NOW, expires_at: NOW + hours(24), second_step_skipped: 0 })
    .execute();
}

describe('the SQLite version', () => {
  it('moves on every write through the handle, including a transaction, and not on a read', async () => {
    const { first } = await sqliteFile('own.db');
    const version = first.version!;
    const v0 = version();
    await sql`select count(*) from users`.execute(first.db);
    expect(version()).toBe(v0);
    await insertTestUser(first.db, { username: 'alice' });
    const v1 = version();
    expect(v1).toBeGreaterThan(v0);
    await first.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ first_name: 'A' }).execute();
    });
    const v2 = version();
    expect(v2).toBeGreaterThan(v1);
    // A write that reads rows back (how a sign-out deletes its session) is a write too.
    await first.db.deleteFrom('users').where('username', '=', 'alice').returning('id').execute();
    expect(version()).toBeGreaterThan(v2);
  });

  it("moves when another connection commits (another process, such as the admin CLI), and not on its reads", async () => {
    const { url, first } = await sqliteFile('others.db');
    const other = openDatabase(url);
    handles.push(other);
    const v0 = first.version!();
    await sql`select count(*) from users`.execute(other.db);
    expect(first.version!()).toBe(v0);
    await insertTestUser(other.db, { username: 'bob' });
    const v1 = first.version!();
    expect(v1).toBeGreaterThan(v0);
    expect(first.version!()).toBe(v1);
  });
});

describe('CheckedSubjects on SQLite: kept until the database changes', () => {
  it('answers a second check without the query, and reads again after any change, from any connection', async () => {
    const { url, first } = await sqliteFile('kept.db');
    const user = await insertTestUser(first.db, { username: 'carol' });
    await liveSession(first, user.id, 'session-carol');
    const subjects = new CheckedSubjects(first.db, first.version);
    const found = await subjects.find('session-carol', NOW, IDLE);
    expect(found?.user.username).toBe('carol');
    // Kept: the very same object, not a new read.
    expect(await subjects.find('session-carol', NOW, IDLE)).toBe(found);
    // A write through this handle (any table): read again.
    await first.db.updateTable('users').set({ first_name: 'Caroline' }).where('id', '=', user.id).execute();
    const reread = await subjects.find('session-carol', NOW, IDLE);
    expect(reread).not.toBe(found);
    expect(reread?.user.first_name).toBe('Caroline');
    // A sign-out by another process: gone at the next check.
    const other = openDatabase(url);
    handles.push(other);
    await other.db.deleteFrom('sessions').where('id', '=', 'session-carol').execute();
    expect(await subjects.find('session-carol', NOW, IDLE)).toBeUndefined();
  });

  it('a kept session still ends at its idle timeout and at its expiry', async () => {
    const { first } = await sqliteFile('time.db');
    const user = await insertTestUser(first.db, { username: 'dan' });
    await liveSession(first, user.id, 'session-dan');
    const subjects = new CheckedSubjects(first.db, first.version);
    expect(await subjects.find('session-dan', NOW, IDLE)).toBeDefined();
    expect(await subjects.find('session-dan', NOW + IDLE, IDLE)).toBeUndefined();
    await first.db.updateTable('sessions').set({ remember: 1 }).execute();
    expect(await subjects.find('session-dan', NOW + IDLE, IDLE)).toBeDefined();
    expect(await subjects.find('session-dan', NOW + hours(24), IDLE)).toBeUndefined();
  });

  it('keeps at most its bound, and never a session it did not find', async () => {
    const { first } = await sqliteFile('bound.db');
    const user = await insertTestUser(first.db, { username: 'erin' });
    for (const id of ['s1', 's2', 's3']) await liveSession(first, user.id, id);
    const subjects = new CheckedSubjects(first.db, first.version, 2);
    const s1 = await subjects.find('s1', NOW, IDLE);
    expect(await subjects.find('s1', NOW, IDLE)).toBe(s1);
    await subjects.find('s2', NOW, IDLE);
    await subjects.find('s3', NOW, IDLE); // the bound: s1, kept longest, goes
    expect(await subjects.find('s1', NOW, IDLE)).not.toBe(s1);
    expect(await subjects.find('made-up', NOW, IDLE)).toBeUndefined();
  });
});

describe.each(forEachDatabase())('CheckedSubjects on $name', (target) => {
  const handle = useDatabase(target);

  it('keeps answers only where the handle has a version (SQLite); on PostgreSQL every check reads', async () => {
    const { db, version } = handle();
    expect(version === null).toBe(target.name === 'postgres');
    const user = await insertTestUser(db, { username: 'frank' });
    await liveSession(handle(), user.id, 'session-frank');
    const subjects = new CheckedSubjects(db, version);
    const found = await subjects.find('session-frank', NOW, IDLE);
    expect(found?.user.username).toBe('frank');
    expect((await subjects.find('session-frank', NOW, IDLE)) === found).toBe(target.name === 'sqlite');
  });
});
