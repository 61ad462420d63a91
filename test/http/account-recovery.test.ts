/**
 * Delayed self-service account recovery (issue #5, "Lost phone, no recovery
 * codes"): asked for from the second step of sign-in, started by the mailed
 * link, completed at the first password sign-in after the wait (controlled
 * here by a ManualClock), or cancelled by the mailed link, the security page,
 * a sign-in with a second factor, a password reset or change, or "This wasn't
 * me". Every link's failure cases answer 410; every form needs its CSRF token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetFactors, showUser, type AdminContext } from '../../src/admin/commands.js';
import { redactUrl } from '../../src/app.js';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import type { FastifyRequest } from 'fastify';
import { completeDueRecovery } from '../../src/auth/account-recovery.js';
import { en } from '../../src/i18n/en/index.js';
import { claimDueRecovery, findLiveRecovery, latestRecovery } from '../../src/db/account-recoveries.js';
import { countUnusedRecoveryCodes, findTotpFactor } from '../../src/db/factors.js';
import type { MailKind } from '../../src/db/mail-outbox.js';
import { recentSecurityEvents } from '../../src/db/security-events.js';
import { findUserById } from '../../src/db/users.js';
import { hours, ManualClock, minutes, seconds } from '../../src/lib/duration.js';
import { exactUtc } from '../../src/lib/relative-time.js';
import { escapeHtml } from '../../src/views/html.js';
import { createUser, devMailTo, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, flashIn, signIn, TestClient } from '../support/client.js';
import { enrolAuthenticator, totpCode } from '../support/totp.js';
import { pendingSignIn } from '../support/sign-in.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock, outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

const WAIT = hours(48);

/** Moves the clock to the start of the next 30-second step, so a fresh authenticator code is needed. */
function nextStep() {
  clock.advance(seconds(30) - (clock.now() % seconds(30)));
}

/** Mails queued (delivered or not) to `to` of this kind: what a flow asked to send. */
async function queued(to: string, kind: MailKind): Promise<number> {
  return (await t.app.ctx.db.selectFrom('mail_outbox').select('id').where('to_address', '=', to).where('kind', '=', kind).execute()).length;
}

/** Waits for the (n+1)-th mail with this subject to `to` and returns it (the newest). */
async function nextMail(to: string, subject: string, seenBefore: number) {
  await expect.poll(async () => (await devMailTo(t.app, to, subject)).length, { timeout: 3000 }).toBeGreaterThan(seenBefore);
  return (await devMailTo(t.app, to, subject))[0]!;
}

const pathIn = (text: string, pattern: RegExp) => {
  const path = pattern.exec(text)?.[1];
  if (!path) throw new Error(`no link like ${String(pattern)} in: ${text}`);
  return path;
};
const START_LINK = /https?:\/\/[^/\s]+(\/recover\/[A-Za-z0-9_-]{20,})/;
const CANCEL_LINK = /https?:\/\/[^/\s]+(\/recover\/cancel\/[A-Za-z0-9_-]{20,})/;
const WASNT_ME_LINK = /https?:\/\/[^/\s]+(\/wasnt-me\/[A-Za-z0-9_-]{20,})/;
/** No token, and a token that is not this browser's. */
const BAD_CSRF: Record<string, string>[] = [{}, { _csrf: 'x'.repeat(43) }];

async function eventKinds(userId: number): Promise<string[]> {
  return (await recentSecurityEvents(t.app.ctx.db, userId, 0)).map((e) => e.kind);
}

/** What `npm run admin -- show-user` prints for this login. */
async function adminShowUser(login: string): Promise<string> {
  const lines: string[] = [];
  const admin: AdminContext = { db: t.app.ctx.db, config: t.config, clock, pwnedPasswords: pwnedPasswordsOff, output: { out: (line) => lines.push(line) } };
  expect(await showUser(admin, login)).toEqual({ ok: true });
  return lines.join('\n');
}

/** A user with an authenticator app, and the browser that set it up (still signed in). */
async function userWithApp() {
  const user = await createUser(t.app);
  const owner = new TestClient(t.app);
  await signIn(owner, user.username, user.password);
  const { key, recoveryCodes } = await enrolAuthenticator(owner, () => clock.now());
  nextStep();
  return { user, owner, key, recoveryCodes };
}

/** Asks for a recovery link from a pending sign-in; returns the link's path. */
async function askForRecoveryLink(user: { username: string; password: string; email: string }) {
  const before = (await devMailTo(t.app, user.email, 'Recover your Gatehouse account')).length;
  const client = await pendingSignIn(t.app, user, '/login/two-factor/app');
  const sent = await client.submit('/login/recover', {});
  expect(sent.status).toBe(200);
  expect(sent.body).toContain('Check your email');
  const mail = await nextMail(user.email, 'Recover your Gatehouse account', before);
  return { client, link: pathIn(mail.text_body, START_LINK), mail };
}

/** Goes from a pending sign-in to a started recovery; returns the started notice's links. */
async function startRecovery(user: { id: number; username: string; password: string; email: string }) {
  const { link } = await askForRecoveryLink(user);
  const before = (await devMailTo(t.app, user.email, 'Account recovery started')).length;
  const started = await new TestClient(t.app).submit(link, {});
  expect(started.status).toBe(200);
  expect(started.body).toContain('Account recovery started');
  const notice = await nextMail(user.email, 'Account recovery started', before);
  return { notice, cancelPath: pathIn(notice.text_body, CANCEL_LINK), wasntMePath: pathIn(notice.text_body, WASNT_ME_LINK) };
}

describe('the whole recovery, with a controllable clock', () => {
  it('asks on the code page, mails a link, starts a 48-hour wait on confirmation, and removes the factors at the first password sign-in after it', async () => {
    const { user, key } = await userWithApp();

    // The second step of sign-in offers the way out.
    const client = await pendingSignIn(t.app, user, '/login/two-factor/app');
    const codePage = await client.get('/login/two-factor/app');
    expect(codePage.body).toContain('href="/login/recover"');
    expect(codePage.body).toContain(escapeHtml("Can't use any of these? Recover your account"));
    const policy = await client.get('/login/recover');
    expect(policy.status).toBe(200);
    expect(policy.body).toContain('wait of 48 hours');
    expect(policy.body).toContain('Email me a recovery link');

    const sent = await client.submit('/login/recover', {});
    expect(sent.status).toBe(200);
    expect(sent.body).toContain('Check your email');
    expect(sent.body).not.toContain(user.email); // masked
    const linkMail = await nextMail(user.email, 'Recover your Gatehouse account', 0);
    expect(linkMail.text_body).toMatch(WASNT_ME_LINK); // someone has the password: the owner can act at once
    const link = pathIn(linkMail.text_body, START_LINK);
    expect(await eventKinds(user.id)).toContain('recovery_requested');

    // Opening the link changes nothing (mail scanners open links); the button starts the wait. Nobody is signed in.
    const mailbox = new TestClient(t.app);
    const confirm = await mailbox.get(link);
    expect(confirm.status).toBe(200);
    expect(confirm.headers['referrer-policy']).toBe('no-referrer');
    expect(confirm.body).toContain('Start the account recovery?');
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();
    const startedAt = clock.now();
    const started = await mailbox.submit(link, {});
    expect(started.status).toBe(200);
    expect(started.body).toContain(exactUtc(startedAt + WAIT));
    expect((await mailbox.get('/')).location).toMatch(/^\/login/);
    expect((await client.get('/')).location).toBe('/login/two-factor'); // the pending sign-in is still only pending
    const recovery = await findLiveRecovery(t.app.ctx.db, user.id);
    expect(recovery).toMatchObject({ started_at: startedAt, completes_at: startedAt + WAIT, cancelled_at: null, completed_at: null });
    const shown = await adminShowUser(user.username);
    expect(shown).toMatch(/account recovery +in progress since /);
    expect(shown).toContain(`in progress since ${exactUtc(startedAt)}; completes at the first sign-in with the password from ${exactUtc(startedAt + WAIT)}`);
    expect(await eventKinds(user.id)).toContain('recovery_started');

    const notice = await nextMail(user.email, 'Account recovery started', 0);
    expect(notice.text_body).toContain(exactUtc(startedAt + WAIT));
    expect(notice.text_body).toMatch(/Cancel the recovery: https?:\/\/[^/\s]+\/recover\/cancel\//);
    expect(notice.text_body).toMatch(WASNT_ME_LINK);
    expect(notice.html_body).toContain('>Cancel the recovery</a>');

    // 47 hours on: nothing has changed and the sign-in still asks for the code.
    clock.advance(hours(47));
    const early = await pendingSignIn(t.app, user, '/login/two-factor/app');
    expect((await early.get('/')).location).toBe('/login/two-factor');
    expect((await findTotpFactor(t.app.ctx.db, user.id))?.confirmed_at).not.toBeNull();
    expect(await countUnusedRecoveryCodes(t.app.ctx.db, user.id)).toBe(10);
    expect(await eventKinds(user.id)).not.toContain('recovery_completed');
    // The conditional UPDATE that decides completion refuses too, on its own.
    expect(await claimDueRecovery(t.app.ctx.db, user.id, clock.now())).toBeUndefined();

    // 48 hours: the password alone signs in, the factors are gone, and a new one must be set up first.
    clock.advance(hours(1));
    const sessionsBefore = await t.app.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
    expect(sessionsBefore.length).toBeGreaterThan(0);
    const after = new TestClient(t.app);
    const signedIn = await signIn(after, user.username, user.password);
    expect(signedIn.location).toBe('/');
    expect(await findTotpFactor(t.app.ctx.db, user.id)).toBeUndefined();
    expect(await countUnusedRecoveryCodes(t.app.ctx.db, user.id)).toBe(0);
    expect((await findUserById(t.app.ctx.db, user.id))?.must_set_up_factor).toBe(1);
    // Every session but the new one is gone (the pending sign-ins above, the browser that set the app up).
    const sessionsAfter = await t.app.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
    expect(sessionsAfter).toHaveLength(1);
    expect(sessionsBefore.map((s) => s.id)).not.toContain(sessionsAfter[0]!.id);
    expect(await eventKinds(user.id)).toContain('recovery_completed');
    expect((await latestRecovery(t.app.ctx.db, user.id))?.completed_at).toBe(clock.now());
    expect(await adminShowUser(user.email)).toMatch(/account recovery +completed [^;]+; a new second factor must be set up at the next sign-in/);
    const removed = await nextMail(user.email, 'Your second factors were removed', 0);
    expect(removed.text_body).toContain(exactUtc(startedAt));
    expect(removed.text_body).toMatch(WASNT_ME_LINK);

    // Set-up is enforced (ENFORCE_2FA is off here) until a factor exists.
    for (const path of ['/', '/profile/edit', `/user/${user.username}`]) expect((await after.get(path)).location, path).toBe('/security');
    const security = await after.open('/');
    expect(flashIn(security.body)).toBe(en.codes.enforce.recovered);
    expect(security.body).toContain('Your account was recovered:');
    expect(security.body).toContain('Account recovery completed: second factors removed');
    const newKey = (await enrolAuthenticator(after, () => clock.now())).key;
    expect(newKey).not.toBe(key);
    expect((await after.get('/')).status).toBe(200);
    expect((await findUserById(t.app.ctx.db, user.id))?.must_set_up_factor).toBe(0);
    expect((await after.get('/security')).body).not.toContain('Your account was recovered:');

    // Done once: the next password sign-in asks for the new app, and removes nothing.
    nextStep();
    const again = await pendingSignIn(t.app, user, '/login/two-factor/app');
    expect((await again.submit('/login/two-factor/app', { code: totpCode(newKey, clock.now()) })).location).toBe('/');
    expect((await findTotpFactor(t.app.ctx.db, user.id))?.confirmed_at).not.toBeNull();
    expect((await eventKinds(user.id)).filter((k) => k === 'recovery_completed')).toHaveLength(1);
  });

  it('completing it three times at once completes it once: one event, one mail', async () => {
    // (Sign-ins of one account are one at a time anyway, src/auth/limits.ts; the completion must not rely on it.)
    const { user } = await userWithApp();
    await startRecovery(user);
    clock.advance(WAIT);
    const request = { ip: '127.0.0.1', headers: {} } as unknown as FastifyRequest;
    const results = await Promise.all([1, 2, 3].map(() => completeDueRecovery(t.app.ctx, request, user.id)));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await completeDueRecovery(t.app.ctx, request, user.id)).toBeNull();
    expect((await eventKinds(user.id)).filter((k) => k === 'recovery_completed')).toHaveLength(1);
    expect(await queued(user.email, 'recovery_completed')).toBe(1);
  });

  it('the wait is ACCOUNT_RECOVERY_WAIT', async () => {
    const short = await startTestApp({ ACCOUNT_RECOVERY_WAIT: '2h' }, { clock, outbox: { pollIntervalMs: 20 } });
    try {
      const user = await createUser(short.app);
      const owner = new TestClient(short.app);
      await signIn(owner, user.username, user.password);
      await enrolAuthenticator(owner, () => clock.now());
      const client = new TestClient(short.app);
      await signIn(client, user.username, user.password);
      expect((await client.get('/login/recover')).body).toContain('wait of 2 hours');
      await client.submit('/login/recover', {});
      await expect.poll(async () => (await short.app.ctx.db.selectFrom('dev_outbox').select('text_body').where('subject', '=', 'Recover your Gatehouse account').execute()).length).toBe(1);
      const [mail] = await short.app.ctx.db.selectFrom('dev_outbox').select('text_body').where('subject', '=', 'Recover your Gatehouse account').execute();
      await new TestClient(short.app).submit(pathIn(mail!.text_body, START_LINK), {});
      expect((await findLiveRecovery(short.app.ctx.db, user.id))?.completes_at).toBe(clock.now() + hours(2));
    } finally {
      await short.close();
    }
  });
});

describe('cancelling', () => {
  it('the link in the notice asks once, then cancels without signing in; the factors stay', async () => {
    const { user } = await userWithApp();
    const { cancelPath } = await startRecovery(user);

    const visitor = new TestClient(t.app);
    const confirm = await visitor.get(cancelPath);
    expect(confirm.status).toBe(200);
    expect(confirm.headers['referrer-policy']).toBe('no-referrer');
    expect(confirm.body).toContain('Cancel the account recovery?');
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeDefined(); // GET changes nothing

    const done = await visitor.submit(cancelPath, {});
    expect(done.status).toBe(200);
    expect(done.body).toContain('The recovery is cancelled');
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();
    expect((await latestRecovery(t.app.ctx.db, user.id))?.cancelled_at).toBe(clock.now());
    expect(await eventKinds(user.id)).toContain('recovery_cancelled');
    expect((await nextMail(user.email, 'Account recovery cancelled', 0)).text_body).toContain('with the link in our email');

    // Once only.
    expect((await visitor.get(cancelPath)).status).toBe(410);
    expect((await visitor.post(cancelPath, { _csrf: csrfTokenIn((await visitor.get('/login')).body) })).status).toBe(410);

    clock.advance(WAIT + hours(1));
    await pendingSignIn(t.app, user, '/login/two-factor/app'); // still asks for the code
    expect((await findTotpFactor(t.app.ctx.db, user.id))?.confirmed_at).not.toBeNull();
  });

  it('the security page warns of a waiting recovery and cancels it', async () => {
    const { user, owner } = await userWithApp();
    await startRecovery(user);
    const completesAt = (await findLiveRecovery(t.app.ctx.db, user.id))!.completes_at;

    const page = await owner.get('/security');
    expect(page.body).toContain(`Account recovery in progress:</strong> your second factors will be removed on <strong>${exactUtc(completesAt)}</strong>`);
    expect(page.body).toContain('action="/security/recovery/cancel"');

    const done = await owner.submit('/security', {}, '/security/recovery/cancel');
    expect(done.location).toBe('/security');
    const after = await owner.follow(done);
    expect(flashIn(after.body)).toBe('The account recovery is cancelled. Your second factors stay as they are.');
    expect(after.body).not.toContain('Account recovery in progress');
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();
    expect((await nextMail(user.email, 'Account recovery cancelled', 0)).text_body).toContain('on the security page');

    // Nothing left to cancel.
    const none = await owner.submit('/security', {}, '/security/recovery/cancel');
    expect(flashIn((await owner.follow(none)).body)).toBe('There is no account recovery in progress.');
  });

  it('a sign-in with a second factor cancels it, and says so', async () => {
    const { user, key } = await userWithApp();
    await startRecovery(user);
    const client = await pendingSignIn(t.app, user, '/login/two-factor/app');
    const done = await client.submit('/login/two-factor/app', { code: totpCode(key, clock.now()) });
    expect(done.location).toBe('/');
    expect(flashIn((await client.follow(done)).body)).toBe(en.recovery.flash.cancelledBySignIn);
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();
    expect((await nextMail(user.email, 'Account recovery cancelled', 0)).text_body).toContain('signed in with one of its second factors');

    clock.advance(WAIT);
    await pendingSignIn(t.app, user, '/login/two-factor/app');
    expect((await findTotpFactor(t.app.ctx.db, user.id))?.confirmed_at).not.toBeNull();
  });

  it('a sign-in with a recovery code cancels it too', async () => {
    const { user, recoveryCodes } = await userWithApp();
    await startRecovery(user);
    const client = await pendingSignIn(t.app, user, '/login/two-factor/app');
    expect((await client.submit('/login/two-factor/recovery', { code: recoveryCodes[0]! })).location).toBe('/');
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();
  });

  it('"This wasn\'t me" in the notice cancels it', async () => {
    const { user } = await userWithApp();
    const { wasntMePath } = await startRecovery(user);
    await new TestClient(t.app).submit(wasntMePath, { token: wasntMePath.split('/').pop()! }, '/wasnt-me');
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();
    expect((await nextMail(user.email, 'Account recovery cancelled', 0)).text_body).toContain("This wasn't me");
  });

  it('a password change cancels it', async () => {
    const { user, owner } = await userWithApp();
    await startRecovery(user);
    const newPassword = 'a brand new passphrase for 2026';
    const changed = await owner.submit('/profile/password', { current_password: user.password, password: newPassword, confirm_password: newPassword });
    expect(changed.status).toBe(302);
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();
    expect((await nextMail(user.email, 'Account recovery cancelled', 0)).text_body).toContain('password was changed');
  });

  it('a password reset by email cancels it', async () => {
    const { user } = await userWithApp();
    await startRecovery(user);
    const browser = new TestClient(t.app);
    await browser.submit('/reset-password', { email: user.email });
    const resetMail = await nextMail(user.email, 'Reset your Gatehouse password', 0);
    const resetPath = pathIn(resetMail.text_body, /https?:\/\/[^/\s]+(\/reset-password\/[A-Za-z0-9_-]+)/);
    const newPassword = 'another brand new passphrase 2026';
    const done = await browser.submit(resetPath, { password: newPassword, confirm_password: newPassword });
    expect(done.location).toBe('/login');
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();
    expect((await nextMail(user.email, 'Account recovery cancelled', 0)).text_body).toContain('password was reset');
  });

  it('an administrator\'s reset-factors ends a waiting recovery, which would otherwise remove the next factor', async () => {
    const { user } = await userWithApp();
    await startRecovery(user);
    const lines: string[] = [];
    const admin: AdminContext = { db: t.app.ctx.db, config: t.config, clock, pwnedPasswords: pwnedPasswordsOff, output: { out: (line) => lines.push(line) } };
    await showUser(admin, user.username);
    expect(lines.join('\n')).toMatch(/account recovery +in progress since/);
    expect(await resetFactors(admin, user.username, { confirmed: true })).toEqual({ ok: true });
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();
    lines.length = 0;
    await showUser(admin, user.username);
    expect(lines.join('\n')).toMatch(/account recovery +none in progress \(last cancelled/);
  });
});

describe('links that no longer work, forms without their token, and who may ask', () => {
  it('a start link works once, for an hour, newest only; forged ones do nothing (410)', async () => {
    const { user } = await userWithApp();

    // Used once.
    const { link } = await askForRecoveryLink(user);
    const browser = new TestClient(t.app);
    expect((await browser.submit(link, {})).status).toBe(200);
    expect((await browser.get(link)).status).toBe(410);
    const csrf = csrfTokenIn((await browser.get('/login')).body);
    expect((await browser.post(link, { _csrf: csrf })).status).toBe(410);
    await new TestClient(t.app).submit(pathIn((await nextMail(user.email, 'Account recovery started', 0)).text_body, CANCEL_LINK), {});

    // Expired after an hour.
    const { link: late } = await askForRecoveryLink(user);
    clock.advance(hours(1) + seconds(1));
    expect((await browser.get(late)).status).toBe(410);
    expect((await browser.post(late, { _csrf: csrf })).status).toBe(410);

    // A newer link voids the older (another account: this one has had its 3 links this hour).
    const { user: other } = await userWithApp();
    const { link: older } = await askForRecoveryLink(other);
    const { link: newer } = await askForRecoveryLink(other);
    expect((await browser.get(older)).status).toBe(410);
    expect((await browser.get(newer)).status).toBe(200);

    // Forged or malformed.
    expect((await browser.get(`/recover/${'A'.repeat(43)}`)).status).toBe(410);
    expect((await browser.get('/recover/short')).status).toBe(410);
    expect((await browser.post(`/recover/${'A'.repeat(43)}`, { _csrf: csrf })).status).toBe(410);
    expect((await browser.get(`/recover/cancel/${'A'.repeat(43)}`)).status).toBe(410);
    expect((await browser.post(`/recover/cancel/${'A'.repeat(43)}`, { _csrf: csrf })).status).toBe(410);
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();
  });

  it('a second start while one waits changes nothing: the wait is neither restarted nor shortened', async () => {
    const { user } = await userWithApp();
    await startRecovery(user);
    const first = await findLiveRecovery(t.app.ctx.db, user.id);
    clock.advance(hours(3));
    const { link } = await askForRecoveryLink(user);
    const again = await new TestClient(t.app).submit(link, {});
    expect(again.status).toBe(200);
    expect(again.body).toContain('A recovery is already under way');
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toEqual(first);
    expect(await queued(user.email, 'recovery_started')).toBe(1);
  });

  it('keeps the links\' tokens out of the request log', () => {
    expect(redactUrl('/recover/abcDEF123_-xyz')).toBe('/recover/[redacted]');
    expect(redactUrl('/recover/cancel/abcDEF123_-xyz?x=1')).toBe('/recover/cancel/[redacted]?x=1');
    expect(redactUrl('/login/recover')).toBe('/login/recover');
  });

  it('the cancel link stops working once the recovery completed', async () => {
    const { user } = await userWithApp();
    const { cancelPath } = await startRecovery(user);
    clock.advance(WAIT);
    await signIn(new TestClient(t.app), user.username, user.password);
    const browser = new TestClient(t.app);
    expect((await browser.get(cancelPath)).status).toBe(410);
    expect((await browser.post(cancelPath, { _csrf: csrfTokenIn((await browser.get('/login')).body) })).status).toBe(410);
  });

  it('refuses every recovery form without its CSRF token, or with a wrong one, and changes nothing', async () => {
    const { user, owner } = await userWithApp();
    const pending = await pendingSignIn(t.app, user, '/login/two-factor/app');
    for (const form of BAD_CSRF) {
      expect((await pending.post('/login/recover', form)).status).toBe(403);
    }
    expect(await queued(user.email, 'recovery_link')).toBe(0);

    const { link } = await askForRecoveryLink(user);
    const mailbox = new TestClient(t.app);
    await mailbox.get(link); // has a CSRF cookie now, but sends no token
    for (const form of BAD_CSRF) expect((await mailbox.post(link, form)).status).toBe(403);
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeUndefined();
    expect((await mailbox.get(link)).status).toBe(200); // not used up

    const { cancelPath } = await (async () => {
      const before = (await devMailTo(t.app, user.email, 'Account recovery started')).length;
      await mailbox.submit(link, {});
      const notice = await nextMail(user.email, 'Account recovery started', before);
      return { cancelPath: pathIn(notice.text_body, CANCEL_LINK) };
    })();
    const visitor = new TestClient(t.app);
    await visitor.get(cancelPath);
    for (const form of BAD_CSRF) expect((await visitor.post(cancelPath, form)).status).toBe(403);
    for (const form of BAD_CSRF) expect((await owner.post('/security/recovery/cancel', form)).status).toBe(403);
    expect(await findLiveRecovery(t.app.ctx.db, user.id)).toBeDefined();
  });

  it('only a sign-in whose password is right may ask: visitors go to /login, signed-in users home', async () => {
    const visitor = new TestClient(t.app);
    expect((await visitor.get('/login/recover')).location).toBe('/login');
    const csrf = csrfTokenIn((await visitor.get('/login')).body);
    expect((await visitor.post('/login/recover', { _csrf: csrf })).location).toBe('/login');

    const { owner } = await userWithApp();
    expect((await owner.get('/login/recover')).location).toBe('/');
    expect((await owner.submit('/security', {}, '/login/recover')).location).toBe('/');
  });

  it('mails at most 3 links an hour per account, then says so', async () => {
    const { user } = await userWithApp();
    const client = await pendingSignIn(t.app, user, '/login/two-factor/app');
    for (let i = 0; i < 3; i++) expect((await client.submit('/login/recover', {})).status).toBe(200);
    const refused = await client.submit('/login/recover', {});
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('We have sent several recovery links already');
    expect(await queued(user.email, 'recovery_link')).toBe(3);
  });

  it('a pending sign-in that lingers past its 10 minutes cannot ask', async () => {
    const { user } = await userWithApp();
    const client = await pendingSignIn(t.app, user, '/login/two-factor/app');
    const page = await client.get('/login/recover');
    clock.advance(minutes(11));
    expect((await client.get('/login/recover')).location).toBe('/login');
    // Its form's token was bound to the session that ended: refused before the guard even runs.
    expect((await client.post('/login/recover', { _csrf: csrfTokenIn(page.body) })).status).toBe(403);
    expect(await queued(user.email, 'recovery_link')).toBe(0);
  });
});
