/**
 * Email codes, the fallback factor: turned on from the security page (step-up,
 * only next to a real factor), offered under "Try another way", mailed only on
 * request, single use, newest only, 10 minutes, bound to the pending sign-in;
 * they go when the last real factor goes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recentSecurityEvents } from '../../src/db/security-events.js';
import { findUserById } from '../../src/db/users.js';
import { trustedDevicesOfUser } from '../../src/db/trusted-devices.js';
import { ManualClock, minutes, seconds } from '../../src/lib/duration.js';
import { createUser, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { flashIn, signIn, TestClient } from '../support/client.js';
import { enrolAuthenticator } from '../support/totp.js';
import { listDevMessages } from '../../src/db/dev-outbox.js';
import { en } from '../../src/i18n/en/index.js';
import { escapeHtml } from '../../src/views/html.js';
import { sessionState } from '../support/session-state.js';

const clock = new ManualClock(Date.UTC(2026, 10, 26, 14, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock, outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

/** The code is in the body only, never the subject (lock screens and inbox lists show subjects). */
const CODE_SUBJECT = en.login.mail.emailCode.subject;

/** The newest sign-in code mailed to this address (waits for the outbox worker). */
async function mailedCode(email: string, after = 0): Promise<string> {
  for (let i = 0; i < 60; i++) {
    const mail = (await listDevMessages(t.app.ctx.db)).find((m) => m.recipient === email && m.subject === CODE_SUBJECT && m.id > after);
    if (mail) {
      expect(mail.subject).not.toMatch(/\d{6}/);
      return / is (\d{6})\./.exec(mail.text_body)![1]!;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no sign-in code mailed to ${email}`);
}

async function lastMailId(): Promise<number> {
  return Math.max(0, ...(await listDevMessages(t.app.ctx.db)).map((m) => m.id));
}

/** A user with an authenticator app and email codes on, signed out. */
async function userWithEmailCodes() {
  const user = await createUser(t.app);
  const client = new TestClient(t.app);
  await signIn(client, user.username, user.password);
  await enrolAuthenticator(client, () => clock.now());
  const on = await client.submit('/security', {}, '/security/email-codes/enable');
  expect(on.location).toBe('/security');
  await client.submit('/security', {}, '/logout');
  return user;
}

describe('turning email codes on and off', () => {
  it('needs a real second factor first, and step-up; each change mails a notice', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    expect((await client.get('/security')).body).not.toContain('Turn on email codes');
    await client.submit('/login', {}, '/security/email-codes/enable');
    expect((await findUserById(t.app.ctx.db, user.id))?.email_codes_enabled).toBe(0);

    await enrolAuthenticator(client, () => clock.now());
    clock.advance(minutes(11));
    const stale = await client.submit('/security', {}, '/security/email-codes/enable');
    expect(stale.location).toMatch(/^\/reauthenticate/);
    await client.submit('/reauthenticate', { password: user.password, next: '/security' });
    await client.submit('/security', {}, '/security/email-codes/enable');
    expect((await findUserById(t.app.ctx.db, user.id))?.email_codes_enabled).toBe(1);
    expect(flashIn((await client.get('/security')).body)).toContain('Email codes are on');
    await waitForDevMail(t.app, user.email, 'Gatehouse security notice: Email codes were turned on');

    await client.submit('/security', {}, '/security/email-codes/disable');
    expect((await findUserById(t.app.ctx.db, user.id))?.email_codes_enabled).toBe(0);
    await waitForDevMail(t.app, user.email, 'Gatehouse security notice: Email codes were turned off');
    expect((await recentSecurityEvents(t.app.ctx.db, user.id, 0)).map((e) => e.kind)).toEqual(expect.arrayContaining(['email_codes_enabled', 'email_codes_disabled']));
  });

  it('go with the last real factor', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    await enrolAuthenticator(client, () => clock.now());
    await client.submit('/security', {}, '/security/email-codes/enable');
    await client.submit('/security', {}, '/two-factor/app/disable');
    expect((await findUserById(t.app.ctx.db, user.id))?.email_codes_enabled).toBe(0);
  });
});

describe('signing in with an email code', () => {
  it('is offered under "Try another way", mails nothing until asked, and signs in once', async () => {
    const user = await userWithEmailCodes();
    clock.advance(minutes(1));
    const client = new TestClient(t.app);
    expect((await signIn(client, user.username, user.password)).location).toBe('/login/two-factor/app');
    expect((await client.get('/login/two-factor/app')).body).toContain('href="/login/two-factor/email"');
    const before = await lastMailId();
    const page = await client.get('/login/two-factor/email');
    expect(page.body).toContain('Email me a code');
    expect(page.body).not.toContain('autocomplete="one-time-code"');
    // A code typed before any was asked for is wrong, and the page says so.
    const early = await client.submit('/login/two-factor/email', { code: '123456' });
    expect(early.status).toBe(422);
    expect(early.body).toContain('<div class="error-summary" role="alert" tabindex="-1"><p>That code is not right, has expired, or was already used.');

    const sent = await client.submit('/login/two-factor/email', {}, '/login/two-factor/email/send');
    expect(sent.location).toBe('/login/two-factor/email');
    const code = await mailedCode(user.email, before);
    const form = await client.get('/login/two-factor/email');
    expect(form.body).toContain('autocomplete="one-time-code"');
    expect(flashIn(form.body)).toBe('We emailed you a code. It works for 10 minutes.');

    const wrong = await client.submit('/login/two-factor/email', { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(422);
    const done = await client.submit('/login/two-factor/email', { code });
    expect(done.location).toBe('/');
    expect((await client.get('/security')).body).toContain('Signed in with a code sent by email');
    // A fallback is not remembered as the factor to offer first (she has not signed in with a factor yet).
    expect((await findUserById(t.app.ctx.db, user.id))?.last_factor).toBeNull();
  });

  it('"Remember this device" after an email code lasts only while email codes are on', async () => {
    const user = await userWithEmailCodes();
    clock.advance(minutes(1));
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const mark = await lastMailId();
    await client.submit('/login/two-factor/email', {}, '/login/two-factor/email/send');
    await client.submit('/login/two-factor/email', { code: await mailedCode(user.email, mark), remember_device: 'on' });
    expect(await trustedDevicesOfUser(t.app.ctx.db, user.id, clock.now())).toHaveLength(1);
    await client.submit('/security', {}, '/security/email-codes/disable');
    expect(await trustedDevicesOfUser(t.app.ctx.db, user.id, clock.now())).toEqual([]);
  });

  it('a new code replaces the old one, only after the 30-second wait', async () => {
    const user = await userWithEmailCodes();
    clock.advance(minutes(1));
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    let mark = await lastMailId();
    await client.submit('/login/two-factor/email', {}, '/login/two-factor/email/send');
    const first = await mailedCode(user.email, mark);
    const tooSoon = await client.submit('/login/two-factor/email', {}, '/login/two-factor/email/send');
    expect(flashIn((await client.follow(tooSoon)).body)).toMatch(/wait/i);

    // A new code, drawn again on the one-in-a-million chance that it equals the first, so the old
    // code can always be tried.
    let second = first;
    for (let draws = 0; second === first; draws++) {
      expect(draws).toBeLessThan(3);
      clock.advance(seconds(31));
      mark = await lastMailId();
      const resent = await client.submit('/login/two-factor/email', {}, '/login/two-factor/email/send');
      expect(resent.location).toBe('/login/two-factor/email');
      second = await mailedCode(user.email, mark);
    }
    const old = await client.submit('/login/two-factor/email', { code: first });
    expect(old.status).toBe(422);
    expect(old.body).toContain(escapeHtml(en.login.email.wrong));
    expect(await sessionState(client)).toBe('second factor pending');
    const done = await client.submit('/login/two-factor/email', { code: second });
    expect(done.status).toBe(302);
    expect(done.location).toBe('/');
    expect(await sessionState(client)).toBe('signed in');
  });

  it("a code from one pending sign-in does not finish another's, and is not offered without the setting", async () => {
    const user = await userWithEmailCodes();
    clock.advance(minutes(1));
    const first = new TestClient(t.app);
    await signIn(first, user.username, user.password);
    const mark = await lastMailId();
    await first.submit('/login/two-factor/email', {}, '/login/two-factor/email/send');
    const code = await mailedCode(user.email, mark);

    const second = new TestClient(t.app);
    await signIn(second, user.username, user.password);
    const refused = await second.submit('/login/two-factor/email', { code });
    expect(refused.status).toBe(422);
    // The email-code page again (this sign-in asked for no code, so it offers to send one).
    expect(refused.body).toContain(`<h1>${en.login.email.heading}</h1>`);
    expect(refused.body).toContain(en.login.email.sendCode);
    expect(await sessionState(second)).toBe('second factor pending');
    // The control: the code still finishes the sign-in it was mailed for.
    expect((await first.submit('/login/two-factor/email', { code })).location).toBe('/');
    expect(await sessionState(first)).toBe('signed in');

    const plain = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, plain.username, plain.password);
    await enrolAuthenticator(client, () => clock.now());
    await client.submit('/security', {}, '/logout');
    const pending = new TestClient(t.app);
    await signIn(pending, plain.username, plain.password);
    expect((await pending.get('/login/two-factor/app')).body).not.toContain('/login/two-factor/email');
    expect((await pending.get('/login/two-factor/email')).location).toBe('/login/two-factor');
    expect((await pending.submit('/login/two-factor/app', {}, '/login/two-factor/email/send')).location).toBe('/login');
  });
});
