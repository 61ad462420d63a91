import { describe, expect, it } from 'vitest';
import {
  consumePendingSession,
  deleteOtherSessionsOfUser,
  deleteSession,
  deleteSessionOfUser,
  deleteSessionsOfUser,
  findLiveSession,
  insertSession,
  linkProviderSession,
  recordFailedCode,
  renewSessionRow,
  setSessionCodeSentAt,
  touchSession,
  type NewSession,
} from '../../src/db/sessions.js';
import { purgeExpired } from '../../src/db/housekeeping.js';
import { countingWrites, forEachDatabase, insertTestUser, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const IDLE = 30 * MINUTE;

/** Sessions made by `session()` below carry `csrf-<n>`. */
const csrfSecretOfAnySession: unknown = expect.stringMatching(/^csrf-\d+$/);

let counter = 0;
function session(userId: number, overrides: Partial<NewSession> = {}): NewSession {
  counter++;
  return {
    id: `session-${counter}-${'0'.repeat(40)}`,
    userId,
    twoFactorPending: false,
    remember: false,
    nextPath: null,
    now: T0,
    expiresAt: T0 + DAY,
    csrfSecret: `csrf-${counter}`,
    authenticatedAt: T0,
    ...overrides,
  };
}

describe.each(forEachDatabase())('sessions on $name', (target) => {
  const handle = useDatabase(target);

  it('stores a session and finds it with its user', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const s = session(user.id, { nextPath: '/profile', twoFactorPending: true });
    await insertSession(db, s);
    const live = await findLiveSession(db, s.id, T0 + MINUTE, IDLE);
    expect(live?.user).toEqual(user);
    expect(live?.session).toEqual({
      id: s.id,
      user_id: user.id,
      two_factor_pending: 1,
      remember: 0,
      next_path: '/profile',
      failed_code_attempts: 0,
      code_sent_at: null,
      code_sent_to: null,
      created_at: T0,
      last_active_at: T0,
      expires_at: T0 + DAY,
      csrf_secret: csrfSecretOfAnySession,
      authenticated_at: T0,
      ip: null,
      user_agent: null,
      code_sent_by: null,
      sign_in_methods: null,
      second_step_skipped: 0,
      oidc_session_uid: null,
      sign_in_passkey_backed_up: null,
    });
    expect(await findLiveSession(db, 'unknown', T0, IDLE)).toBeUndefined();
  });

  it('does not find a session at or after expires_at', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const s = session(user.id, { remember: true, expiresAt: T0 + HOUR });
    await insertSession(db, s);
    expect(await findLiveSession(db, s.id, T0 + HOUR - 1, IDLE)).toBeDefined();
    expect(await findLiveSession(db, s.id, T0 + HOUR, IDLE)).toBeUndefined();
    expect(await findLiveSession(db, s.id, T0 + HOUR + 1, IDLE)).toBeUndefined();
  });

  it('does not find a session idle for the timeout, unless remember was chosen', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const plain = session(user.id);
    const remembered = session(user.id, { remember: true });
    await insertSession(db, plain);
    await insertSession(db, remembered);
    expect(await findLiveSession(db, plain.id, T0 + IDLE - 1, IDLE)).toBeDefined();
    expect(await findLiveSession(db, plain.id, T0 + IDLE, IDLE)).toBeUndefined();
    expect(await findLiveSession(db, remembered.id, T0 + IDLE, IDLE)).toBeDefined();
    expect(await findLiveSession(db, remembered.id, T0 + DAY - 1, IDLE)).toBeDefined();
  });

  it('touchSession slides the idle window, writing at most once per interval', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const s = session(user.id);
    await insertSession(db, s);
    const counted = countingWrites(db);
    await touchSession(counted.db, s.id, T0 + 30_000, MINUTE);
    await Promise.all([0, 1, 2, 3, 4, 5].map((i) => touchSession(counted.db, s.id, T0 + 20 * MINUTE + i, MINUTE)));
    expect(counted.changedRows()).toBe(1);
    // Active at T0+20min, so still live at T0+45min (idle 30 min).
    expect(await findLiveSession(db, s.id, T0 + 45 * MINUTE, IDLE)).toBeDefined();
    expect(await findLiveSession(db, s.id, T0 + 51 * MINUTE, IDLE)).toBeUndefined();
  });

  it('consumePendingSession succeeds once, and only for a pending session', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const pending = session(user.id, { twoFactorPending: true });
    const full = session(user.id);
    await insertSession(db, pending);
    await insertSession(db, full);
    expect(await consumePendingSession(db, full.id)).toBe(false);
    expect(await findLiveSession(db, full.id, T0, IDLE)).toBeDefined();
    expect(await consumePendingSession(db, pending.id)).toBe(true);
    expect(await findLiveSession(db, pending.id, T0, IDLE)).toBeUndefined();
    expect(await consumePendingSession(db, pending.id)).toBe(false);
  });

  it('consumePendingSession is compare-and-swap: of two concurrent calls exactly one wins', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    for (let round = 0; round < 5; round++) {
      const pending = session(user.id, { twoFactorPending: true });
      await insertSession(db, pending);
      const results = await Promise.all([consumePendingSession(db, pending.id), consumePendingSession(db, pending.id)]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('recordFailedCode counts 20 concurrent calls as 20', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const s = session(user.id, { twoFactorPending: true });
    await insertSession(db, s);
    const counts = await Promise.all(Array.from({ length: 20 }, () => recordFailedCode(db, s.id)));
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await findLiveSession(db, s.id, T0, IDLE))?.session.failed_code_attempts).toBe(20);
    expect(await recordFailedCode(db, 'unknown')).toBe(Number.POSITIVE_INFINITY);
  });

  it('setSessionCodeSentAt records when a code was sent, to which phone and by text or call', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const s = session(user.id, { twoFactorPending: true });
    await insertSession(db, s);
    await setSessionCodeSentAt(db, s.id, T0 + 5000, 'backup', 'call');
    const found = (await findLiveSession(db, s.id, T0, IDLE))?.session;
    expect(found).toMatchObject({ code_sent_at: T0 + 5000, code_sent_to: 'backup', code_sent_by: 'call' });
  });

  it('renewSessionRow gives a signed-in session a new id and CSRF secret and keeps everything else; never a pending one', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const s = { ...session(user.id), signInMethods: 'password,totp', remember: true };
    await insertSession(db, s);
    const before = (await findLiveSession(db, s.id, T0, IDLE))!.session;
    expect(await renewSessionRow(db, s.id, 'b'.repeat(64), 'new-secret', T0 + 1000)).toBe(true);
    expect(await findLiveSession(db, s.id, T0, IDLE)).toBeUndefined();
    const after = (await findLiveSession(db, 'b'.repeat(64), T0, IDLE))!.session;
    expect(after).toEqual({ ...before, id: 'b'.repeat(64), csrf_secret: 'new-secret', authenticated_at: T0 + 1000 });
    expect(after.sign_in_methods).toBe('password,totp');

    const pending = session(user.id, { twoFactorPending: true });
    await insertSession(db, pending);
    expect(await renewSessionRow(db, pending.id, 'c'.repeat(64), 'x', T0)).toBe(false);
    expect(await renewSessionRow(db, 'gone', 'd'.repeat(64), 'x', T0)).toBe(false);
  });

  it('deleteSession and deleteSessionsOfUser remove only what they name', async () => {
    const { db } = handle();
    const alice = await insertTestUser(db);
    const bob = await insertTestUser(db);
    const a1 = session(alice.id);
    const a2 = session(alice.id, { twoFactorPending: true });
    const a3 = session(alice.id);
    const b1 = session(bob.id);
    for (const s of [a1, a2, a3, b1]) await insertSession(db, s);
    await deleteSession(db, a3.id);
    expect(await findLiveSession(db, a3.id, T0, IDLE)).toBeUndefined();
    expect(await findLiveSession(db, a1.id, T0, IDLE)).toBeDefined();
    await deleteSessionsOfUser(db, alice.id);
    expect(await findLiveSession(db, a1.id, T0, IDLE)).toBeUndefined();
    expect(await findLiveSession(db, a2.id, T0, IDLE)).toBeUndefined();
    expect(await findLiveSession(db, b1.id, T0, IDLE)).toBeDefined();
  });

  it("links a signed-in session to the provider's session, keeps the link through a renewal, and hands it back when the session is deleted", async () => {
    const { db } = handle();
    const alice = await insertTestUser(db);
    const [a1, a2, a3, a4] = [session(alice.id), session(alice.id), session(alice.id), session(alice.id)];
    const pending = session(alice.id, { twoFactorPending: true });
    for (const s of [a1, a2, a3, a4, pending]) await insertSession(db, s);
    for (const [s, uid] of [[a1, 'uid-1'], [a2, 'uid-2'], [a3, 'uid-3'], [pending, 'uid-p']] as const) await linkProviderSession(db, s.id, uid);
    // A pending sign-in stands for no one yet: never linked.
    expect((await findLiveSession(db, pending.id, T0, IDLE))?.session.oidc_session_uid).toBeNull();
    const renewed = 'r'.repeat(64);
    expect(await renewSessionRow(db, a1.id, renewed, 'x', T0)).toBe(true);
    expect((await findLiveSession(db, renewed, T0, IDLE))?.session.oidc_session_uid).toBe('uid-1');

    expect(await deleteSession(db, renewed)).toEqual({ oidc_session_uid: 'uid-1' });
    expect(await deleteSession(db, renewed)).toBeUndefined();
    expect(await deleteSessionOfUser(db, alice.id, a2.id)).toEqual({ oidc_session_uid: 'uid-2' });
    const others = (await deleteOtherSessionsOfUser(db, alice.id, a4.id)).map((e) => e.oidc_session_uid);
    expect(others).toHaveLength(2);
    expect(others).toEqual(expect.arrayContaining(['uid-3', null]));
    expect(await deleteSessionsOfUser(db, alice.id)).toEqual([{ oidc_session_uid: null }]);
  });

  it('deleting a user deletes their sessions (ON DELETE CASCADE)', async () => {
    const { db } = handle();
    const alice = await insertTestUser(db);
    const bob = await insertTestUser(db);
    const a = session(alice.id);
    const b = session(bob.id);
    await insertSession(db, a);
    await insertSession(db, b);
    await db.deleteFrom('users').where('id', '=', alice.id).execute();
    const left = await db.selectFrom('sessions').select('id').execute();
    expect(left.map((r) => r.id)).toEqual([b.id]);
  });

  it('refuses a session for a user that does not exist (foreign key)', async () => {
    const { db } = handle();
    await expect(insertSession(db, session(999_999))).rejects.toThrow();
  });

  it('purgeExpired removes sessions at or past their end, and only those', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const ended = session(user.id, { expiresAt: T0 + HOUR });
    const live = session(user.id, { expiresAt: T0 + HOUR + 1 });
    await insertSession(db, ended);
    await insertSession(db, live);
    expect(await purgeExpired(db, T0 + HOUR)).toBe(1);
    const left = await db.selectFrom('sessions').select('id').execute();
    expect(left.map((r) => r.id)).toEqual([live.id]);
  });

  it('round-trips timestamps far in the future as numbers', async () => {
    const { db } = handle();
    const far = Date.UTC(2100, 0, 1);
    const user = await insertTestUser(db, { now: far });
    const s = session(user.id, { now: far, expiresAt: far + 30 * DAY, remember: true });
    await insertSession(db, s);
    const live = await findLiveSession(db, s.id, far + DAY, IDLE);
    expect(live?.session.expires_at).toBe(far + 30 * DAY);
    expect(typeof live?.session.expires_at).toBe('number');
    expect(live?.session.created_at).toBe(far);
    expect(await findLiveSession(db, s.id, far + 30 * DAY, IDLE)).toBeUndefined();
  });
});
