/**
 * Attacks on the email-code fallback, with a known (phished, reused) password:
 * - guessing the 6-digit code: wrong codes count against the same per-pending-
 *   sign-in limit and per-account lockout as every other factor, and no code is
 *   mailed while the account's codes are locked;
 * - mail bombing: asking for code after code is held to one mail per 30 seconds
 *   per pending sign-in, shared with SMS and calls;
 * - turning the fallback into the only factor: email codes cannot be turned on
 *   without a real second factor, and are never offered without one.
 * (OWASP ASVS 5.0 V6.6.3; NIST SP 800-63B §5.2.2.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDevMessages } from '../../src/db/dev-outbox.js';
import { setEmailCodesEnabled } from '../../src/db/email-codes.js';
import { ManualClock, minutes, seconds } from '../../src/lib/duration.js';
import { createUser, MEMORY_RATE_LIMITS, startTestApp, type TestApp } from '../support/app.js';
import { flashIn, signIn, TestClient } from '../support/client.js';
import { enrolAuthenticator } from '../support/totp.js';

const clock = new ManualClock(Date.UTC(2026, 10, 26, 16, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp(MEMORY_RATE_LIMITS, { clock, outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

async function userWithEmailCodes() {
  const user = await createUser(t.app);
  const client = new TestClient(t.app);
  await signIn(client, user.username, user.password);
  await enrolAuthenticator(client, () => clock.now());
  await client.submit('/security', {}, '/security/email-codes/enable');
  await client.submit('/security', {}, '/logout');
  clock.advance(minutes(1));
  return user;
}

async function codeMailsTo(email: string): Promise<number> {
  return (await listDevMessages(t.app.ctx.db)).filter((m) => m.recipient === email && m.subject === 'Your Gatehouse sign-in code').length;
}

describe('email code guessing', () => {
  it('five wrong codes end the pending sign-in; the account locks like for any factor', async () => {
    const user = await userWithEmailCodes();
    const attacker = new TestClient(t.app);
    await signIn(attacker, user.username, user.password);
    await attacker.submit('/login/two-factor/email', {}, '/login/two-factor/email/send');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attacker.submit('/login/two-factor/email', { code: String(100000 + i) })).status);
    expect(statuses.slice(0, 4).every((s) => s === 422 || s === 429)).toBe(true);
    const last = await attacker.get('/login/two-factor/email');
    expect(last.location).toMatch(/^\/login/); // the pending sign-in is over
    expect((await attacker.get('/')).location).toMatch(/^\/login/);

    // Signing in again buys no fresh guesses: the account's codes are locked, and nothing more is mailed meanwhile.
    await signIn(attacker, user.username, user.password);
    const before = await codeMailsTo(user.email);
    const send = await attacker.submit('/login/two-factor/email', {}, '/login/two-factor/email/send');
    expect(flashIn((await attacker.follow(send)).body)).toMatch(/Too many wrong codes/);
    expect(await codeMailsTo(user.email)).toBe(before);
    const guess = await attacker.submit('/login/two-factor/email', { code: '999999' });
    expect(guess.status).toBe(429);
  });
});

describe('email code mail bombing', () => {
  it('asking again and again mails one code per 30 seconds', async () => {
    const user = await userWithEmailCodes();
    const attacker = new TestClient(t.app);
    await signIn(attacker, user.username, user.password);
    for (let i = 0; i < 10; i++) await attacker.submit('/login/two-factor/email', {}, '/login/two-factor/email/send');
    for (let i = 0; i < 50 && (await codeMailsTo(user.email)) < 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await codeMailsTo(user.email)).toBe(1);
    clock.advance(seconds(31));
    const again = await attacker.submit('/login/two-factor/email', {}, '/login/two-factor/email/send');
    expect(flashIn((await attacker.follow(again)).body)).toBe('We emailed you a code. It works for 10 minutes.');
  });
});

describe('email code mail bombing with the known password', () => {
  it('signing in again and again, and sending at once, mails at most 10 codes an hour to the account', async () => {
    const user = await userWithEmailCodes();
    // Ten sends at the same moment on one pending sign-in: one mail.
    const attacker = new TestClient(t.app, '198.51.100.200');
    await signIn(attacker, user.username, user.password);
    const page = await attacker.get('/login/two-factor/email');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    await Promise.all(Array.from({ length: 10 }, () => attacker.post('/login/two-factor/email/send', { _csrf: csrf })));
    await expect.poll(() => codeMailsTo(user.email), { timeout: 3000 }).toBe(1);

    // Twenty fresh pending sign-ins, each asking once: the account's hourly limit holds.
    for (let i = 0; i < 20; i++) {
      const client = new TestClient(t.app, '198.51.100.200');
      await signIn(client, user.username, user.password);
      await client.submit('/login/two-factor/email', {}, '/login/two-factor/email/send');
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await codeMailsTo(user.email)).toBe(10);
  });
});

describe('a mailbox-only attacker and email codes', () => {
  it('a password reset by email turns email codes off, so the mailbox alone is not both steps', async () => {
    const user = await userWithEmailCodes();
    const attacker = new TestClient(t.app, '192.0.2.77');
    await attacker.submit('/reset-password', { email: user.email });
    await expect.poll(async () => (await listDevMessages(t.app.ctx.db)).some((m) => m.recipient === user.email && m.subject === 'Reset your Gatehouse password'), { timeout: 3000 }).toBe(true);
    const mail = (await listDevMessages(t.app.ctx.db)).find((m) => m.recipient === user.email && m.subject === 'Reset your Gatehouse password')!;
    const link = /https?:\/\/[^/\s]+(\/reset-password\/[A-Za-z0-9_-]+)/.exec(mail.text_body)![1]!;
    const password = 'a passphrase of the attacker';
    await attacker.submit(link, { password, confirm_password: password }, '/reset-password/new');
    await signIn(attacker, user.username, password);
    expect((await attacker.get('/login/two-factor/app')).body).not.toContain('/login/two-factor/email');
    expect((await attacker.get('/login/two-factor/email')).location).toBe('/login/two-factor');
  });
});

describe('email codes as the only factor', () => {
  it('are not offered when the account has no real second factor, even with the setting left on', async () => {
    const user = await createUser(t.app);
    await setEmailCodesEnabled(t.app.ctx.db, user.id, true); // e.g. left over from before the last factor went
    const client = new TestClient(t.app);
    // The password alone signs in (no factor), and no email-code step exists to be forced.
    expect((await signIn(client, user.username, user.password)).location).toBe('/');
    expect((await client.get('/security')).body).not.toContain('Turn off email codes');
  });
});
