/** The single-use rules of passkey challenges and email codes, decided by one statement on each database. */
import { describe, expect, it } from 'vitest';
import { replaceEmailCode, useEmailCode } from '../../src/db/email-codes.js';
import { purgeExpired } from '../../src/db/housekeeping.js';
import { useChallenge } from '../../src/db/passkeys.js';
import { insertSession } from '../../src/db/sessions.js';
import { forEachDatabase, insertTestUser, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

describe.each(forEachDatabase())('passkey challenges and email codes on $name', (target) => {
  const handle = useDatabase(target);

  it('a passkey challenge is answered once, even by ten concurrent requests', async () => {
    const { db } = handle();
    const results = await Promise.all(Array.from({ length: 10 }, () => useChallenge(db, 'nonce-1', T0 + 5 * MINUTE)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await useChallenge(db, 'nonce-1', T0 + 5 * MINUTE)).toBe(false);
    expect(await useChallenge(db, 'nonce-2', T0 + 5 * MINUTE)).toBe(true);
  });

  it('an email code works once, only for its pending sign-in, only the newest, and not after it expires', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const session = (id: string) =>
      insertSession(db, { id, userId: user.id, twoFactorPending: true, remember: false, nextPath: null, now: T0, expiresAt: T0 + 10 * MINUTE, csrfSecret: 'csrf', authenticatedAt: null });
    await session('pending-a');
    await session('pending-b');
    await replaceEmailCode(db, { sessionId: 'pending-a', userId: user.id, codeHash: 'old', now: T0, expiresAt: T0 + 10 * MINUTE });
    await replaceEmailCode(db, { sessionId: 'pending-a', userId: user.id, codeHash: 'new', now: T0, expiresAt: T0 + 10 * MINUTE });
    expect(await useEmailCode(db, 'pending-a', 'old', T0)).toBe(false);
    expect(await useEmailCode(db, 'pending-b', 'new', T0)).toBe(false);
    const results = await Promise.all(Array.from({ length: 5 }, () => useEmailCode(db, 'pending-a', 'new', T0)));
    expect(results.filter(Boolean)).toHaveLength(1);

    await replaceEmailCode(db, { sessionId: 'pending-b', userId: user.id, codeHash: 'late', now: T0, expiresAt: T0 + 10 * MINUTE });
    expect(await useEmailCode(db, 'pending-b', 'late', T0 + 10 * MINUTE)).toBe(false);
    expect(await purgeExpired(db, T0 + 10 * MINUTE)).toBeGreaterThan(0);
  });
});
