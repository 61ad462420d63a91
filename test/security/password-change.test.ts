/**
 * Attacks on password change: someone holding a victim's session (a stolen
 * cookie, an unlocked shared computer) changes the password to lock the owner
 * out; a forged cross-site form changes it; and, after the owner changes a
 * leaked password, the attacker's session stays signed in.
 * Requirements: OWASP ASVS 5.0 V6.2.3 (change needs the current and the new
 * password), V7.4.3 (other sessions end after a password change), V7.2.4 (a new
 * session token at re-authentication), V6.3 (the user is told of changes to
 * authentication details), V3.5.1 (CSRF); NIST SP 800-63B-4 §3.1.1.2.
 * Defences: the current password is verified before anything changes, under
 * the same per-account lockout as sign-in (src/auth/limits.ts); the
 * CSRF token is checked before the form is read; in one transaction the hash
 * is replaced, every session of the user is deleted, a notice mail is queued,
 * and this browser gets a new session id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/auth/password.js';
import { findUserById } from '../../src/db/users.js';
import { createUser, queuedMailTo, startTestApp, type TestApp, waitForDevMail } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient } from '../support/client.js';
import { withRefusedWrites } from '../support/db-faults.js';
import { hasLiveSession } from '../support/sign-in.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const NEW = 'a quiet harbour at dawn';
const change = (client: TestClient, current: string) => client.submit('/profile/password', { current_password: current, password: NEW, confirm_password: NEW });
const sessionCookie = (client: TestClient) => client.cookies.get('gatehouse_session')?.value;

async function owner() {
  const user = await createUser(t.app);
  const client = new TestClient(t.app);
  expect((await signIn(client, user.username, user.password)).status).toBe(302);
  return { user, client };
}

describe('a stolen session cannot change the password', () => {
  it('without the current password: refused, nothing stored, no mail, every session still alive', async () => {
    const { user, client } = await owner();
    const before = (await findUserById(t.app.ctx.db, user.id))!.password_hash;
    for (const guess of ['', 'password123456789', user.password + ' ']) {
      expect((await change(client, guess)).status, guess).toBe(422);
    }
    expect((await findUserById(t.app.ctx.db, user.id))!.password_hash).toBe(before);
    expect(await queuedMailTo(t.app, user.email)).toEqual([]);
    expect(await hasLiveSession(client, '/profile/password')).toBe(true);
  });

  it('guessing the current password meets the sign-in lockout: after 5 wrong guesses even the right one is refused', async () => {
    const { user, client } = await owner();
    for (let i = 0; i < 5; i++) {
      const res = await change(client, `wrong guess number ${i}`);
      expect(res.body).toContain('That is not your current password.');
    }
    const res = await change(client, user.password);
    expect(res.status).toBe(422);
    expect(res.body).toContain('Too many wrong passwords.');
    expect(await verifyPassword((await findUserById(t.app.ctx.db, user.id))!.password_hash, user.password)).toBe(true);
    expect(await queuedMailTo(t.app, user.email)).toEqual([]);
  });

  it('a form without the current-password field is a 400, not a change', async () => {
    const { user, client } = await owner();
    const page = await client.get('/profile/password');
    const res = await client.post('/profile/password', { _csrf: csrfTokenIn(page.body), password: NEW, confirm_password: NEW });
    expect(res.status).toBe(400);
    expect(await verifyPassword((await findUserById(t.app.ctx.db, user.id))!.password_hash, user.password)).toBe(true);
  });
});

describe('after a change, every other session ends', () => {
  it('other devices and a copied cookie are signed out; this browser stays, under a new session id', async () => {
    const { user, client: laptop } = await owner();
    const phone = new TestClient(t.app);
    await signIn(phone, user.username, user.password);
    const thief = new TestClient(t.app);
    thief.cookies.set('gatehouse_session', { value: sessionCookie(phone)! });
    const laptopBefore = sessionCookie(laptop)!;
    expect(await hasLiveSession(phone, '/profile/password')).toBe(true);
    expect(await hasLiveSession(thief, '/profile/password')).toBe(true);

    expect((await change(laptop, user.password)).status).toBe(302);

    expect(await hasLiveSession(phone, '/profile/password')).toBe(false);
    expect(await hasLiveSession(thief, '/profile/password')).toBe(false);
    expect(await hasLiveSession(laptop, '/profile/password')).toBe(true);
    expect(sessionCookie(laptop)).not.toBe(laptopBefore);
    // The laptop's previous id is dead too: rotated, not reused.
    const replay = new TestClient(t.app);
    replay.cookies.set('gatehouse_session', { value: laptopBefore });
    expect(await hasLiveSession(replay, '/profile/password')).toBe(false);
    const rows = await t.app.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
    expect(rows).toHaveLength(1);
  });

  it('the owner is told by mail, with a way to recover if it was not them', async () => {
    const { user, client } = await owner();
    await change(client, user.password);
    const mails = await queuedMailTo(t.app, user.email);
    expect(mails.map((m) => m.kind)).toEqual(['password_changed']);
    const mail = await waitForDevMail(t.app, user.email, 'Your Gatehouse password was changed');
    expect(mail.text_body).toContain(`This wasn't me: secure my account: ${t.config.appUrl}/wasnt-me/`);
  });

  it('all or nothing: when the notice cannot be queued, the password, the sessions and the cookie stay as they were', async () => {
    const { user, client } = await owner();
    const other = new TestClient(t.app);
    await signIn(other, user.username, user.password);
    const cookieBefore = sessionCookie(client);
    await withRefusedWrites(t.app.ctx.db, { table: 'mail_outbox', on: 'INSERT' }, async () => {
      expect((await change(client, user.password)).status).toBe(500);
    });
    expect(await verifyPassword((await findUserById(t.app.ctx.db, user.id))!.password_hash, user.password)).toBe(true);
    expect(await hasLiveSession(other, '/profile/password')).toBe(true);
    expect(sessionCookie(client)).toBe(cookieBefore);
    expect(await hasLiveSession(client, '/profile/password')).toBe(true);
  });
});

describe('cross-site request forgery', () => {
  it('a forged change without a token is refused, even with the right current password', async () => {
    const { user, client } = await owner();
    const res = await client.post('/profile/password', { current_password: user.password, password: NEW, confirm_password: NEW });
    expect(res.status).toBe(403);
    expect(await verifyPassword((await findUserById(t.app.ctx.db, user.id))!.password_hash, user.password)).toBe(true);
    expect(await queuedMailTo(t.app, user.email)).toEqual([]);
  });

  it("a token from the attacker's own browser does not work with the victim's cookie", async () => {
    const { user, client } = await owner();
    const attackerToken = csrfTokenIn((await new TestClient(t.app).get('/login')).body);
    const res = await client.post('/profile/password', { _csrf: attackerToken, current_password: user.password, password: NEW, confirm_password: NEW });
    expect(res.status).toBe(403);
    expect(await verifyPassword((await findUserById(t.app.ctx.db, user.id))!.password_hash, user.password)).toBe(true);
  });
});
