/**
 * Attack: an attacker with the stolen password uses self-service recovery to
 * remove the owner's second factors and take the account ("Lost phone, no
 * recovery codes", issue #5) — the social-engineering gap of admin resets, made
 * self-service. With the password alone they can reach the second step of
 * sign-in; they may or may not also read the owner's mailbox.
 * (NIST SP 800-63B-4 §4.2.1 / §6.1.2.3: account recovery needs proof of the
 * recovery address and notifies the subscriber; OWASP ASVS 5.0 V6.4.x:
 * recovery does not bypass the multi-factor protection, and the user is
 * notified.)
 * Defence: the recovery link goes only to the account's address (password +
 * mailbox); starting it only opens a wait (48 h) during which the owner is
 * mailed a notice with a cancel link, and any sign-in with a factor, a password
 * change or "This wasn't me" cancels it; nothing is removed before the wait is
 * over, and a cancelled recovery can never complete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDueRecovery, findLiveRecovery } from '../../src/db/account-recoveries.js';
import { countUnusedRecoveryCodes, findTotpFactor } from '../../src/db/factors.js';
import { recentSecurityEvents } from '../../src/db/security-events.js';
import { hours, ManualClock, seconds } from '../../src/lib/duration.js';
import { createUser, devMailTo, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient } from '../support/client.js';
import { enrolAuthenticator } from '../support/totp.js';

const clock = new ManualClock(Date.UTC(2026, 10, 26, 8, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock, outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

const START_LINK = /https?:\/\/[^/\s]+(\/recover\/[A-Za-z0-9_-]{20,})/;
const CANCEL_LINK = /https?:\/\/[^/\s]+(\/recover\/cancel\/[A-Za-z0-9_-]{20,})/;

async function newestMail(to: string, subject: string, count = 1) {
  await expect.poll(async () => (await devMailTo(t.app, to, subject)).length, { timeout: 3000 }).toBeGreaterThanOrEqual(count);
  return (await devMailTo(t.app, to, subject))[0]!;
}

/** The victim: an authenticator app and ten recovery codes, and the owner's browser, signed in. */
async function victim() {
  const user = await createUser(t.app);
  const owner = new TestClient(t.app);
  await signIn(owner, user.username, user.password);
  await enrolAuthenticator(owner, () => clock.now());
  clock.advance(seconds(30));
  return { user, owner };
}

async function factorsIntact(userId: number) {
  expect((await findTotpFactor(t.app.ctx.db, userId))?.confirmed_at).not.toBeNull();
  expect(await countUnusedRecoveryCodes(t.app.ctx.db, userId)).toBe(10);
}

describe('an attacker with the password and the mailbox', () => {
  it('starts a recovery; the owner is told at once and cancels it; it never completes and nothing is removed', async () => {
    const { user } = await victim();
    const attacker = new TestClient(t.app, '203.0.113.9');
    expect((await signIn(attacker, user.username, user.password)).location).toBe('/login/two-factor/app');
    await attacker.submit('/login/recover', {});
    const link = START_LINK.exec((await newestMail(user.email, 'Recover your Gatehouse account')).text_body)![1]!;
    const started = await attacker.submit(link, {});
    expect(started.body).toContain('Account recovery started');
    // Starting it signs nobody in: the attacker's session is still only a pending sign-in.
    expect((await attacker.get('/security')).location).toBe('/login/two-factor');

    // The owner's mail: when it would complete, and a one-click cancel.
    const notice = await newestMail(user.email, 'Account recovery started');
    const cancel = CANCEL_LINK.exec(notice.text_body)![1]!;
    const owner = new TestClient(t.app);
    expect((await owner.submit(cancel, {})).body).toContain('The recovery is cancelled');

    // The wait passes; the attacker's password sign-in still stops at the code, and the factors are all there.
    clock.advance(hours(48) + hours(1));
    expect((await signIn(new TestClient(t.app, '203.0.113.9'), user.username, user.password)).location).toBe('/login/two-factor/app');
    await factorsIntact(user.id);
    const kinds = (await recentSecurityEvents(t.app.ctx.db, user.id, 0)).map((e) => e.kind);
    expect(kinds).toContain('recovery_cancelled');
    expect(kinds).not.toContain('recovery_completed');
    // The conditional UPDATE that completes recoveries never picks a cancelled one.
    expect(await claimDueRecovery(t.app.ctx.db, user.id, clock.now())).toBeUndefined();
    // The used start link cannot start it again.
    expect((await attacker.get(link)).status).toBe(410);
    expect((await attacker.post(link, { _csrf: csrfTokenIn((await attacker.get('/login')).body) })).status).toBe(410);
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();
  });

  it('cannot outwait an owner who changes the password meanwhile', async () => {
    const { user, owner } = await victim();
    const attacker = new TestClient(t.app, '203.0.113.9');
    await signIn(attacker, user.username, user.password);
    await attacker.submit('/login/recover', {});
    await attacker.submit(START_LINK.exec((await newestMail(user.email, 'Recover your Gatehouse account')).text_body)![1]!, {});
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeDefined();
    // The owner, still signed in from before, sees the warning and changes the password: the recovery started
    // with the old one ends with it.
    expect((await owner.get('/security')).body).toContain('Account recovery in progress');
    const newPassword = 'the owner chose a fresh passphrase';
    await owner.submit('/profile/password', { current_password: user.password, password: newPassword, confirm_password: newPassword });
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();
    clock.advance(hours(49));
    expect((await signIn(new TestClient(t.app), user.username, user.password)).status).toBe(401);
    await factorsIntact(user.id);
  });
});

describe('an attacker with the password but not the mailbox', () => {
  it('cannot start the wait: the link goes only to the owner, who learns that the password is known; forged links do nothing', async () => {
    const { user } = await victim();
    const attacker = new TestClient(t.app, '198.51.100.7');
    await signIn(attacker, user.username, user.password);
    // An address of the attacker's choosing is not a field the form has.
    const sent = await attacker.submit('/login/recover', { email: 'attacker@evil.example', to: 'attacker@evil.example' });
    expect(sent.status).toBe(200);
    expect(await t.app.ctx.db.selectFrom('mail_outbox').select('id').where('to_address', '=', 'attacker@evil.example').execute()).toEqual([]);
    const mail = await newestMail(user.email, 'Recover your Gatehouse account');
    expect(mail.text_body).toContain('someone knows your password');
    expect(mail.text_body).toMatch(/\/wasnt-me\//);

    // Without the mail, guessing a 256-bit token is all that is left.
    for (const guess of [`/recover/${'A'.repeat(43)}`, `/recover/${'x'.repeat(20)}`, '/recover/%00', `/recover/cancel/${'A'.repeat(43)}`]) {
      expect((await attacker.get(guess)).status, guess).toBe(410);
    }
    expect((await attacker.post(`/recover/${'A'.repeat(43)}`, { _csrf: csrfTokenIn((await attacker.get('/login/recover')).body) })).status).toBe(410);
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();

    // Time alone does nothing.
    clock.advance(hours(72));
    expect((await signIn(new TestClient(t.app, '198.51.100.7'), user.username, user.password)).location).toBe('/login/two-factor/app');
    await factorsIntact(user.id);
    expect((await recentSecurityEvents(t.app.ctx.db, user.id, 0)).map((e) => e.kind)).not.toContain('recovery_started');
  });
});

/** What someone who reads the mailbox can do alone: ask for a reset link, open it, set a password. */
async function resetPasswordThroughMailbox(email: string, password: string, ip: string): Promise<void> {
  const client = new TestClient(t.app, ip);
  await client.submit('/reset-password', { email });
  const link = /https?:\/\/[^/\s]+(\/reset-password\/[A-Za-z0-9_-]+)/.exec((await newestMail(email, 'Reset your Gatehouse password')).text_body)![1]!;
  const done = await client.submit(link, { password, confirm_password: password }, '/reset-password/new');
  expect(done.location).toBe('/login');
}

describe('an attacker with the mailbox only', () => {
  it('resets the password, but cannot start a recovery for one whole wait after it', async () => {
    const { user } = await victim();
    const ip = '192.0.2.44';
    const password = 'the attacker set this passphrase';
    await resetPasswordThroughMailbox(user.email, password, ip);
    const attacker = new TestClient(t.app, ip);
    expect((await signIn(attacker, user.username, password)).location).toBe('/login/two-factor/app');
    const refused = await attacker.submit('/login/recover', {});
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('Your password was reset by email');
    expect(await devMailTo(t.app, user.email, 'Recover your Gatehouse account')).toEqual([]);

    // The owner has the whole wait to notice (the old password fails) and reset it back, which cancels everything;
    // only after it could a recovery even begin.
    clock.advance(hours(49));
    const later = new TestClient(t.app, ip);
    await signIn(later, user.username, password);
    expect((await later.submit('/login/recover', {})).status).toBe(200);
  });

  it('a recovery link asked for before the owner reset the password does not start anything', async () => {
    const { user } = await victim();
    const attacker = new TestClient(t.app, '203.0.113.50');
    await signIn(attacker, user.username, user.password);
    await attacker.submit('/login/recover', {});
    const link = START_LINK.exec((await newestMail(user.email, 'Recover your Gatehouse account')).text_body)![1]!;
    // The owner sees the mail and resets the password.
    await resetPasswordThroughMailbox(user.email, 'the owner chose a new passphrase', '198.51.100.80');
    expect((await attacker.get(link)).status).toBe(410);
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();
    await factorsIntact(user.id);
  });
});
