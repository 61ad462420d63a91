import { describe, expect, it } from 'vitest';
import { consumeResetToken, findLiveResetToken, replaceResetToken } from '../../src/db/password-reset-tokens.js';
import { forEachDatabase, insertTestUser, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

describe.each(forEachDatabase())('password reset tokens on $name', (target) => {
  const handle = useDatabase(target);

  it('finds a live token without using it up', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await replaceResetToken(db, user.id, 'hash-a', T0, T0 + HOUR);
    expect(await findLiveResetToken(db, 'hash-a', T0 + 1)).toBe(user.id);
    expect(await findLiveResetToken(db, 'hash-a', T0 + 2)).toBe(user.id);
    expect(await findLiveResetToken(db, 'unknown', T0)).toBeUndefined();
  });

  it('a new token voids the older ones of the same user, not other users\u2019', async () => {
    const { db } = handle();
    const alice = await insertTestUser(db);
    const bob = await insertTestUser(db);
    await replaceResetToken(db, alice.id, 'alice-1', T0, T0 + HOUR);
    await replaceResetToken(db, bob.id, 'bob-1', T0, T0 + HOUR);
    await replaceResetToken(db, alice.id, 'alice-2', T0 + 1, T0 + HOUR + 1);
    expect(await findLiveResetToken(db, 'alice-1', T0 + 2)).toBeUndefined();
    expect(await consumeResetToken(db, 'alice-1', T0 + 2)).toBeUndefined();
    expect(await findLiveResetToken(db, 'alice-2', T0 + 2)).toBe(alice.id);
    expect(await findLiveResetToken(db, 'bob-1', T0 + 2)).toBe(bob.id);
  });

  it('an expired token is neither found nor consumed', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await replaceResetToken(db, user.id, 'hash-e', T0, T0 + HOUR);
    expect(await findLiveResetToken(db, 'hash-e', T0 + HOUR)).toBeUndefined();
    expect(await consumeResetToken(db, 'hash-e', T0 + HOUR)).toBeUndefined();
    expect(await findLiveResetToken(db, 'hash-e', T0 + HOUR - 1)).toBe(user.id);
  });

  it('a token is consumed once', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await replaceResetToken(db, user.id, 'hash-c', T0, T0 + HOUR);
    expect(await consumeResetToken(db, 'hash-c', T0 + 1)).toBe(user.id);
    expect(await consumeResetToken(db, 'hash-c', T0 + 2)).toBeUndefined();
    expect(await findLiveResetToken(db, 'hash-c', T0 + 2)).toBeUndefined();
  });

  it('of concurrent consumers of one token exactly one gets the user', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    for (let round = 0; round < 3; round++) {
      const hash = `hash-race-${round}`;
      await replaceResetToken(db, user.id, hash, T0, T0 + HOUR);
      const results = await Promise.all(Array.from({ length: 6 }, () => consumeResetToken(db, hash, T0 + 1)));
      expect(results.filter((r) => r === user.id)).toHaveLength(1);
      expect(results.filter((r) => r === undefined)).toHaveLength(5);
    }
  });

  it('concurrent requests for new links leave exactly one live link', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const hashes = Array.from({ length: 8 }, (_, i) => `hash-concurrent-${i}`);
    await Promise.all(hashes.map((h, i) => replaceResetToken(db, user.id, h, T0 + i, T0 + HOUR)));
    const rows = await db.selectFrom('password_reset_tokens').select('token_hash').where('user_id', '=', user.id).execute();
    expect(rows).toHaveLength(1);
    const live = await Promise.all(hashes.map((h) => findLiveResetToken(db, h, T0)));
    expect(live.filter((id) => id === user.id)).toHaveLength(1);
  });

  it('deleting the user deletes their tokens', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await replaceResetToken(db, user.id, 'hash-d', T0, T0 + HOUR);
    await db.deleteFrom('users').where('id', '=', user.id).execute();
    expect(await findLiveResetToken(db, 'hash-d', T0)).toBeUndefined();
    expect(await db.selectFrom('password_reset_tokens').selectAll().execute()).toEqual([]);
  });

  it('keeps far-future expiry times exact', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const far = Date.UTC(2100, 0, 1);
    await replaceResetToken(db, user.id, 'hash-far', far, far + HOUR);
    const row = await db.selectFrom('password_reset_tokens').selectAll().where('token_hash', '=', 'hash-far').executeTakeFirst();
    expect(row).toEqual({ token_hash: 'hash-far', user_id: user.id, created_at: far, expires_at: far + HOUR });
    expect(await findLiveResetToken(db, 'hash-far', far + HOUR - 1)).toBe(user.id);
    expect(await findLiveResetToken(db, 'hash-far', far + HOUR)).toBeUndefined();
  });
});
