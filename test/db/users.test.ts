import { describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/db/database.js';
import {
  disableTwoFactor,
  emailTaken,
  enableTwoFactor,
  findUserByEmail,
  findUserById,
  findUserByLogin,
  findUserByUsername,
  insertUser,
  normalizeEmail,
  normalizeUsername,
  setPasswordHash,
  touchLastSeen,
  updateProfile,
  usernameTaken,
} from '../../src/db/users.js';
import { countingWrites, forEachDatabase, insertTestUser, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

/** Runs `write` and returns what it threw (fails the test when it did not throw). */
async function thrownBy(write: () => Promise<unknown>): Promise<unknown> {
  try {
    await write();
  } catch (error) {
    return error;
  }
  throw new Error('expected the write to be refused');
}

describe.each(forEachDatabase())('users on $name', (target) => {
  const handle = useDatabase(target);

  it('inserts a user and returns the stored row with its generated id', async () => {
    const { db } = handle();
    const user = await insertTestUser(db, { username: 'Alice', email: 'Alice@Example.com' });
    expect(typeof user.id).toBe('number');
    expect(user).toMatchObject({ username: 'Alice', username_normalized: 'alice', email_normalized: 'alice@example.com', about_me: '', two_factor_enabled: 0, phone: null });
    const second = await insertTestUser(db);
    expect(second.id).toBeGreaterThan(user.id);
    expect(await findUserById(db, user.id)).toEqual(user);
    expect(await findUserById(db, 999_999)).toBeUndefined();
  });

  it('refuses a username that differs only in case: the UNIQUE index, seen as isUniqueViolation', async () => {
    const { db } = handle();
    await insertTestUser(db, { username: 'Alice', email: 'a1@example.com' });
    const error = await thrownBy(() => insertTestUser(db, { username: 'ALICE', email: 'a2@example.com' }));
    expect(isUniqueViolation(error)).toBe(true);
    expect(await usernameTaken(db, 'aLiCe')).toBe(true);
    expect(await usernameTaken(db, 'bob')).toBe(false);
  });

  it('refuses an email that differs only in case or surrounding space', async () => {
    const { db } = handle();
    await insertTestUser(db, { username: 'first', email: 'Ada@Example.com' });
    const error = await thrownBy(() => insertTestUser(db, { username: 'second', email: ' ada@EXAMPLE.com ' }));
    expect(isUniqueViolation(error)).toBe(true);
    expect(await emailTaken(db, 'ADA@example.COM')).toBe(true);
    expect(await emailTaken(db, 'other@example.com')).toBe(false);
  });

  it('isUniqueViolation is false for other errors', async () => {
    const { db } = handle();
    const error = await thrownBy(() =>
      // NOT NULL violation, not a uniqueness one.
      insertUser(db, { username: 'x', username_normalized: null as unknown as string, email: 'x@x', email_normalized: 'x@x', first_name: '', last_name: '', password_hash: '', about_me: '', phone: null, two_factor_enabled: 0, created_at: T0, last_seen_at: T0 }),
    );
    expect(isUniqueViolation(error)).toBe(false);
    expect(isUniqueViolation(new Error('x'))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });

  it('renaming onto a taken username is refused by the index too', async () => {
    const { db } = handle();
    await insertTestUser(db, { username: 'taken' });
    const other = await insertTestUser(db, { username: 'free' });
    expect(await usernameTaken(db, 'TAKEN', other.id)).toBe(true);
    expect(await usernameTaken(db, 'FREE', other.id)).toBe(false);
    const error = await thrownBy(() => updateProfile(db, other.id, { username: 'Taken', aboutMe: '' }));
    expect(isUniqueViolation(error)).toBe(true);
    await updateProfile(db, other.id, { username: 'Renamed', aboutMe: 'hello' });
    expect(await findUserById(db, other.id)).toMatchObject({ username: 'Renamed', username_normalized: 'renamed', about_me: 'hello' });
  });

  it('findUserByLogin finds by username (any case) or by email', async () => {
    const { db } = handle();
    const user = await insertTestUser(db, { username: 'Grace', email: 'Grace.Hopper@Navy.mil' });
    expect((await findUserByLogin(db, 'grace'))?.id).toBe(user.id);
    expect((await findUserByLogin(db, ' GRACE '))?.id).toBe(user.id);
    expect((await findUserByLogin(db, 'grace.hopper@navy.MIL'))?.id).toBe(user.id);
    expect((await findUserByUsername(db, 'GRACE'))?.id).toBe(user.id);
    expect((await findUserByEmail(db, 'GRACE.HOPPER@NAVY.MIL'))?.id).toBe(user.id);
    expect(await findUserByLogin(db, 'nobody')).toBeUndefined();
    expect(await findUserByLogin(db, 'grace@navy.mil')).toBeUndefined();
  });

  it('normalizes with NFKC, trim and lower case', () => {
    expect(normalizeUsername(' Ｂｏｂ ')).toBe('bob');
    expect(normalizeEmail('  Bob@Example.COM\t')).toBe('bob@example.com');
  });

  it('touchLastSeen writes at most once per interval', async () => {
    const { db } = handle();
    const user = await insertTestUser(db, { now: T0 });
    const counted = countingWrites(db);
    await touchLastSeen(counted.db, user.id, T0 + 30_000, MINUTE);
    expect((await findUserById(db, user.id))?.last_seen_at).toBe(T0);
    await touchLastSeen(counted.db, user.id, T0 + MINUTE, MINUTE);
    expect((await findUserById(db, user.id))?.last_seen_at).toBe(T0 + MINUTE);
    await touchLastSeen(counted.db, user.id, T0 + MINUTE + 59_999, MINUTE);
    expect((await findUserById(db, user.id))?.last_seen_at).toBe(T0 + MINUTE);
    expect(counted.changedRows()).toBe(1);
  });

  it('touchLastSeen from many concurrent requests writes once', async () => {
    const { db } = handle();
    const user = await insertTestUser(db, { now: T0 });
    const counted = countingWrites(db);
    const nows = Array.from({ length: 12 }, (_, i) => T0 + MINUTE + i * 1000);
    await Promise.all(nows.map((now) => touchLastSeen(counted.db, user.id, now, MINUTE)));
    expect(counted.changedRows()).toBe(1);
    expect(nows).toContain((await findUserById(db, user.id))?.last_seen_at);
  });

  it('sets the password hash and turns two-factor on and off', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await setPasswordHash(db, user.id, 'new-hash');
    await enableTwoFactor(db, user.id, '+14155550100');
    expect(await findUserById(db, user.id)).toMatchObject({ password_hash: 'new-hash', phone: '+14155550100', two_factor_enabled: 1 });
    await disableTwoFactor(db, user.id);
    expect(await findUserById(db, user.id)).toMatchObject({ phone: null, two_factor_enabled: 0 });
  });

  it('round-trips timestamps far in the future as numbers', async () => {
    const { db } = handle();
    const far = Date.UTC(2100, 0, 1);
    const user = await insertTestUser(db, { now: far });
    expect(user.created_at).toBe(far);
    const found = await findUserById(db, user.id);
    expect(typeof found?.created_at).toBe('number');
    expect(found?.created_at).toBe(far);
    expect(found?.last_seen_at).toBe(far);
  });
});
