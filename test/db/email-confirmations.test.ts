import { describe, expect, it } from 'vitest';
import {
  claimRegistrationNotice,
  confirmEmailWithToken,
  findLiveConfirmationToken,
  replaceConfirmationToken,
} from '../../src/db/email-confirmations.js';
import { findUserById } from '../../src/db/users.js';
import { forEachDatabase, insertTestUser, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

describe.each(forEachDatabase())('email confirmations on $name', (target) => {
  const handle = useDatabase(target);

  it('a new user is unconfirmed; a live token is found (with its address) without being used up', async () => {
    const { db } = handle();
    const user = await insertTestUser(db, { email: 'Ada@Example.com' });
    expect(user.email_confirmed_at).toBeNull();
    expect(await replaceConfirmationToken(db, user.id, 'hash-a', T0, T0 + DAY, 0)).toBe(true);
    expect(await findLiveConfirmationToken(db, 'hash-a', T0 + 1)).toEqual({ userId: user.id, email: 'Ada@Example.com' });
    expect(await findLiveConfirmationToken(db, 'hash-a', T0 + 2)).toEqual({ userId: user.id, email: 'Ada@Example.com' });
    expect(await findLiveConfirmationToken(db, 'unknown', T0)).toBeUndefined();
    expect((await findUserById(db, user.id))?.email_confirmed_at).toBeNull();
  });

  it('confirming uses the token up and sets email_confirmed_at once', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await replaceConfirmationToken(db, user.id, 'hash-c', T0, T0 + DAY, 0);
    expect(await confirmEmailWithToken(db, 'hash-c', T0 + 5)).toBe(user.id);
    expect((await findUserById(db, user.id))?.email_confirmed_at).toBe(T0 + 5);
    expect(await confirmEmailWithToken(db, 'hash-c', T0 + 6)).toBeUndefined();
    expect(await findLiveConfirmationToken(db, 'hash-c', T0 + 6)).toBeUndefined();
    // A later link (after confirming) keeps the first confirmation time.
    await replaceConfirmationToken(db, user.id, 'hash-c2', T0 + 10, T0 + DAY, 0);
    expect(await confirmEmailWithToken(db, 'hash-c2', T0 + 11)).toBe(user.id);
    expect((await findUserById(db, user.id))?.email_confirmed_at).toBe(T0 + 5);
  });

  it('confirms only the token’s own user', async () => {
    const { db } = handle();
    const alice = await insertTestUser(db);
    const bob = await insertTestUser(db);
    await replaceConfirmationToken(db, alice.id, 'alice', T0, T0 + DAY, 0);
    await replaceConfirmationToken(db, bob.id, 'bob', T0, T0 + DAY, 0);
    expect(await confirmEmailWithToken(db, 'alice', T0 + 1)).toBe(alice.id);
    expect((await findUserById(db, alice.id))?.email_confirmed_at).toBe(T0 + 1);
    expect((await findUserById(db, bob.id))?.email_confirmed_at).toBeNull();
    expect(await findLiveConfirmationToken(db, 'bob', T0 + 1)).toEqual({ userId: bob.id, email: bob.email });
  });

  it('an expired token is neither found nor used, and confirms nothing', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await replaceConfirmationToken(db, user.id, 'hash-e', T0, T0 + DAY, 0);
    expect(await findLiveConfirmationToken(db, 'hash-e', T0 + DAY)).toBeUndefined();
    expect(await confirmEmailWithToken(db, 'hash-e', T0 + DAY)).toBeUndefined();
    expect((await findUserById(db, user.id))?.email_confirmed_at).toBeNull();
    expect(await findLiveConfirmationToken(db, 'hash-e', T0 + DAY - 1)).toEqual({ userId: user.id, email: user.email });
  });

  it('a new token voids the older one of the same user, not other users’', async () => {
    const { db } = handle();
    const alice = await insertTestUser(db);
    const bob = await insertTestUser(db);
    await replaceConfirmationToken(db, alice.id, 'alice-1', T0, T0 + DAY, 0);
    await replaceConfirmationToken(db, bob.id, 'bob-1', T0, T0 + DAY, 0);
    expect(await replaceConfirmationToken(db, alice.id, 'alice-2', T0 + MINUTE, T0 + MINUTE + DAY, MINUTE)).toBe(true);
    expect(await findLiveConfirmationToken(db, 'alice-1', T0 + MINUTE)).toBeUndefined();
    expect(await confirmEmailWithToken(db, 'alice-1', T0 + MINUTE)).toBeUndefined();
    expect((await findLiveConfirmationToken(db, 'alice-2', T0 + MINUTE))?.userId).toBe(alice.id);
    expect((await findLiveConfirmationToken(db, 'bob-1', T0 + MINUTE))?.userId).toBe(bob.id);
  });

  it('a new token within the interval is refused and the older link stays live', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await replaceConfirmationToken(db, user.id, 'first', T0, T0 + DAY, MINUTE);
    expect(await replaceConfirmationToken(db, user.id, 'second', T0 + MINUTE - 1, T0 + DAY, MINUTE)).toBe(false);
    expect(await findLiveConfirmationToken(db, 'second', T0 + MINUTE)).toBeUndefined();
    expect((await findLiveConfirmationToken(db, 'first', T0 + MINUTE))?.userId).toBe(user.id);
    const row = await db.selectFrom('email_confirmation_tokens').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ token_hash: 'first', user_id: user.id, created_at: T0, expires_at: T0 + DAY });
    expect(await replaceConfirmationToken(db, user.id, 'third', T0 + MINUTE, T0 + DAY, MINUTE)).toBe(true);
  });

  it('of concurrent resends within the interval exactly one is stored', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await replaceConfirmationToken(db, user.id, 'old', T0, T0 + DAY, MINUTE);
    const hashes = Array.from({ length: 8 }, (_, i) => `resend-${i}`);
    const results = await Promise.all(hashes.map((h) => replaceConfirmationToken(db, user.id, h, T0 + 2 * MINUTE, T0 + DAY, MINUTE)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const rows = await db.selectFrom('email_confirmation_tokens').select('token_hash').where('user_id', '=', user.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(hashes[results.indexOf(true)]);
  });

  it('of concurrent confirmations with one token exactly one succeeds', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await replaceConfirmationToken(db, user.id, 'race', T0, T0 + DAY, 0);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => db.transaction().execute((trx) => confirmEmailWithToken(trx, 'race', T0 + 1))),
    );
    expect(results.filter((r) => r === user.id)).toHaveLength(1);
    expect(results.filter((r) => r === undefined)).toHaveLength(5);
  });

  it('deleting the user deletes their tokens', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await replaceConfirmationToken(db, user.id, 'hash-d', T0, T0 + DAY, 0);
    await db.deleteFrom('users').where('id', '=', user.id).execute();
    expect(await db.selectFrom('email_confirmation_tokens').selectAll().execute()).toEqual([]);
  });

  it('keeps far-future times exact', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const far = Date.UTC(2100, 0, 1);
    await replaceConfirmationToken(db, user.id, 'far', far, far + DAY, 0);
    expect(await confirmEmailWithToken(db, 'far', far + DAY - 1)).toBe(user.id);
    expect((await findUserById(db, user.id))?.email_confirmed_at).toBe(far + DAY - 1);
  });

  it('the registration notice is claimed at most once per interval, and per user', async () => {
    const { db } = handle();
    const owner = await insertTestUser(db);
    const other = await insertTestUser(db);
    const HOUR = 60 * MINUTE;
    expect(await claimRegistrationNotice(db, owner.id, T0, HOUR)).toBe(true);
    expect(await claimRegistrationNotice(db, owner.id, T0 + HOUR - 1, HOUR)).toBe(false);
    expect(await claimRegistrationNotice(db, other.id, T0 + 1, HOUR)).toBe(true);
    expect(await claimRegistrationNotice(db, owner.id, T0 + HOUR, HOUR)).toBe(true);
    expect((await findUserById(db, owner.id))?.registration_notice_sent_at).toBe(T0 + HOUR);
    const concurrent = await Promise.all(Array.from({ length: 6 }, () => claimRegistrationNotice(db, owner.id, T0 + 3 * HOUR, HOUR)));
    expect(concurrent.filter(Boolean)).toHaveLength(1);
  });
});
