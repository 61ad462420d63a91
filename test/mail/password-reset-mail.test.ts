/**
 * Password reset end to end over real SMTP: the app's nodemailer transport
 * delivers through the outbox worker to an SMTP server on loopback, and the
 * test follows the link in the mail it received, as a user would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOutbox } from '../../src/db/mail-outbox.js';
import { en } from '../../src/i18n/en/index.js';
import { es } from '../../src/i18n/es/index.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { askForPasswordReset, csrfTokenIn, flashIn, type Page, signIn, TestClient } from '../support/client.js';
import { SmtpSink, type ReceivedMail } from '../support/smtp-sink.js';

const APP_URL = 'https://gatehouse.example';
const MAIL_FROM = 'Gatehouse Accounts <no-reply@gatehouse.example>';
const NEW_PASSWORD = 'a brand new passphrase';
/** The notice of a sign-in from a new browser, in either language. */
const NEW_BROWSER_SUBJECTS = [en, es].map((t) => t.login.mail.newBrowser.subject);
/** Long enough for several outbox passes (poll interval 50 ms) to have run. */
const QUIET_PERIOD_MS = 400;

let sink: SmtpSink;
let t: TestApp;

beforeAll(async () => {
  sink = await SmtpSink.start();
  t = await startTestApp({ SMTP_URL: sink.url, MAIL_FROM, APP_URL }, { outbox: { pollIntervalMs: 50, retryBaseMs: 50 } });
});
afterAll(async () => {
  await t?.close();
  await sink?.stop();
});

/** Sent with every reset request here: links in mail must not follow the Host header. */
const FORGED_HOST = { host: 'evil.example', 'x-forwarded-host': 'evil.example' };

/** The next mail at the sink, which must be for `email`. */
async function nextMailTo(email: string): Promise<ReceivedMail> {
  for (;;) {
    const [mail] = await sink.waitForMessages(1);
    // An earlier test's sign-in from a new browser may still be on its way; everything else must be this one.
    if (NEW_BROWSER_SUBJECTS.includes(mail!.subject)) continue;
    expect(mail!.envelopeTo).toEqual([email]);
    return mail!;
  }
}

/** The notice of a completed reset, which must be the next mail to `email`. */
async function resetDoneNoticeTo(email: string): Promise<ReceivedMail> {
  const notice = await nextMailTo(email);
  expect(notice.subject).toBe(en.reset.doneMail.subject);
  return notice;
}

function linkIn(mail: ReceivedMail): URL {
  const match = /https?:\/\/\S+\/reset-password\/\S+/.exec(mail.text);
  if (!match) throw new Error(`no reset link in the mail:\n${mail.text}`);
  return new URL(match[0]);
}

/** A page with its per-browser CSRF tokens blanked, so two visitors' pages can be compared. */
function withoutCsrf(body: string): string {
  return body.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""');
}

/** Opens the mailed link (which moves its token into a cookie) and posts the new-password form. */
async function chooseNewPassword(client: TestClient, path: string, password = NEW_PASSWORD): Promise<Page> {
  await client.open(path);
  // Any page of the site carries a CSRF token; a dead link's page has no form.
  const tokenPage = await client.get('/reset-password');
  return client.post('/reset-password/new', { _csrf: csrfTokenIn(tokenPage.body), password, confirm_password: password });
}

describe('password reset mail over SMTP', () => {
  it('sends a mail with plain-text and HTML parts, from MAIL_FROM, whose link uses APP_URL and ignores the Host header', async () => {
    const user = await createUser(t.app, { firstName: 'Ada' });
    const res = await askForPasswordReset(new TestClient(t.app), user.email, FORGED_HOST);
    expect(res.status).toBe(200);
    expect(res.body).toContain('Check your email');

    const mail = await nextMailTo(user.email);
    expect(mail.from).toEqual([{ name: 'Gatehouse Accounts', address: 'no-reply@gatehouse.example' }]);
    expect(mail.envelopeFrom).toBe('no-reply@gatehouse.example');
    expect(mail.to.map((a) => a.address)).toEqual([user.email]);
    expect(mail.subject).toBe('Reset your Gatehouse password');
    expect(mail.raw).toMatch(/^Content-Type: multipart\/alternative;/im);
    expect(mail.raw).toMatch(/^Content-Type: text\/plain/im);
    expect(mail.raw).toMatch(/^Content-Type: text\/html/im);
    expect(mail.text).toContain('Hi Ada,');
    expect(mail.html).toContain('Hi Ada,');

    const link = linkIn(mail);
    expect(link.origin).toBe(APP_URL);
    expect(link.pathname).toMatch(/^\/reset-password\/[A-Za-z0-9_-]{40,}$/);
    expect(mail.html).toContain(`href="${link.href}"`);
    expect(mail.raw).not.toContain('evil.example');
  });

  it('opens the new-password form from the link, sets the password once, and shows the dead-link page on a second use', async () => {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    await askForPasswordReset(browser, user.email, FORGED_HOST);
    const path = linkIn(await nextMailTo(user.email)).pathname;

    const opened = await browser.get(path);
    expect(opened.status).toBe(303);
    expect(opened.location).toBe('/reset-password/new'); // the token leaves the address bar
    const form = await browser.follow(opened);
    expect(form.status).toBe(200);
    expect(form.body).toContain('Choose a new password');
    expect(form.body).toContain('action="/reset-password/new"');
    expect(form.body).not.toContain(path);
    expect(form.headers['referrer-policy']).toBe('no-referrer');

    const done = await chooseNewPassword(browser, path);
    expect(done.status).toBe(302);
    expect(done.location).toBe('/login');
    expect(flashIn((await browser.follow(done)).body)).toContain('Your password has been changed');
    await resetDoneNoticeTo(user.email);

    const again = await chooseNewPassword(browser, path, 'yet another passphrase');
    expect(again.status).toBe(410);
    expect(again.body).toContain('This link no longer works');
    const reopened = await browser.get(path);
    expect(reopened.status).toBe(410);
    expect(reopened.body).toContain('This link no longer works');

    // The second use changed nothing: the first new password still signs in.
    expect((await signIn(new TestClient(t.app), user.username, NEW_PASSWORD)).status).toBe(302);
  });

  it('ends every session of the user; afterwards the old password fails and the new one signs in', async () => {
    const user = await createUser(t.app);
    const laptop = new TestClient(t.app);
    expect((await signIn(laptop, user.username, user.password)).status).toBe(302);
    expect((await laptop.get('/')).status).toBe(200);

    const phone = new TestClient(t.app);
    await askForPasswordReset(phone, user.email, FORGED_HOST);
    const path = linkIn(await nextMailTo(user.email)).pathname;
    expect((await chooseNewPassword(phone, path)).status).toBe(302);
    await resetDoneNoticeTo(user.email);

    const home = await laptop.get('/');
    expect(home.status).toBe(302);
    expect(home.location).toMatch(/^\/login/);

    const oldPassword = await signIn(new TestClient(t.app), user.username, user.password);
    expect(oldPassword.status).toBe(401);
    const fresh = new TestClient(t.app);
    const newPassword = await signIn(fresh, user.email, NEW_PASSWORD);
    expect(newPassword.status).toBe(302);
    expect(newPassword.location).toBe('/');
    expect((await fresh.get('/')).status).toBe(200);
  });

  it('voids an older link when a newer one is sent', async () => {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    await askForPasswordReset(browser, user.email, FORGED_HOST);
    const older = linkIn(await nextMailTo(user.email)).pathname;
    await askForPasswordReset(browser, user.email, FORGED_HOST);
    const newer = linkIn(await nextMailTo(user.email)).pathname;
    expect(newer).not.toBe(older);

    expect((await browser.get(older)).status).toBe(410);
    const useOlder = await chooseNewPassword(browser, older);
    expect(useOlder.status).toBe(410);
    expect(useOlder.body).toContain('This link no longer works');
    expect((await signIn(new TestClient(t.app), user.username, user.password)).status).toBe(302);

    expect((await browser.open(newer)).status).toBe(200);
    expect((await chooseNewPassword(browser, newer)).status).toBe(302);
    await resetDoneNoticeTo(user.email);
  });

  it("tells the owner once, in the account's language, and its \"This wasn't me\" signs out whoever signed in since and mails a fresh link", async () => {
    const user = await createUser(t.app, { firstName: 'Lucía' });
    await t.app.ctx.db.updateTable('users').set({ locale: 'es' }).where('id', '=', user.id).execute();
    // Someone with the mailbox resets the password from an English browser, then signs in with it.
    const intruder = new TestClient(t.app);
    intruder.headers['accept-language'] = 'en';
    await askForPasswordReset(intruder, user.email, FORGED_HOST);
    const path = linkIn(await nextMailTo(user.email)).pathname;
    expect((await chooseNewPassword(intruder, path)).status).toBe(302);

    const notice = await nextMailTo(user.email);
    expect(notice.subject).toBe(es.reset.doneMail.subject);
    expect(notice.html).toContain('<html lang="es"');
    for (const body of [notice.text, notice.html!]) {
      expect(body).toContain(es.mail.hi('Lucía'));
      expect(body).toContain('Tu contraseña de Gatehouse se restableció el');
      expect(body).toContain(es.reset.doneMail.ifNotYou);
      expect(body).toContain(es.mail.wasntMe);
      expect(body).not.toContain(en.reset.doneMail.ifYou);
    }
    const wasntMe = /https?:\/\/\S+(\/wasnt-me\/[A-Za-z0-9_-]{40,})/.exec(notice.text);
    expect(wasntMe?.[0]).toMatch(new RegExp(`^${APP_URL}/wasnt-me/`));
    expect(notice.html).toContain(`href="${wasntMe![0]}"`);

    // Once: nothing more reaches the mailbox, and the outbox holds one such notice for the account.
    await new Promise((resolve) => setTimeout(resolve, QUIET_PERIOD_MS));
    expect(sink.takeUnread().filter((m) => m.envelopeTo.includes(user.email))).toEqual([]);
    const notices = (await listOutbox(t.app.ctx.db)).filter((m) => m.to_address === user.email && m.kind === 'password_reset_done');
    expect(notices).toHaveLength(1);

    const intruderSignIn = await signIn(intruder, user.username, NEW_PASSWORD);
    expect(intruderSignIn.location).toBe('/');
    expect((await intruder.get('/')).status).toBe(200);

    // The owner clicks "This wasn't me": the intruder's session ends and a fresh reset link arrives.
    const owner = new TestClient(t.app);
    const page = await owner.get(wasntMe![1]!);
    expect(page.status).toBe(200);
    const secured = await owner.submit(wasntMe![1]!, { token: wasntMe![1]!.split('/').pop()! }, '/wasnt-me');
    expect(secured.status).toBe(200);
    expect(secured.body).toContain(en.reset.wasntMe.doneHeading);
    const signedOut = await intruder.get('/');
    expect(signedOut.status).toBe(302);
    expect(signedOut.location).toMatch(/^\/login/);
    const fresh = await nextMailTo(user.email);
    expect(fresh.subject).toBe(es.reset.mail.subject);

    // The owner takes the account back with it (and is told of that reset in turn); the intruder's password is gone.
    const ownersPassword = 'the owner takes it back 2026';
    expect((await chooseNewPassword(owner, linkIn(fresh).pathname, ownersPassword)).status).toBe(302);
    expect((await nextMailTo(user.email)).subject).toBe(es.reset.doneMail.subject);
    expect((await signIn(new TestClient(t.app), user.username, NEW_PASSWORD)).status).toBe(401);
    expect((await signIn(new TestClient(t.app), user.username, ownersPassword)).location).toBe('/');
  });

  it('gives an unknown address the same answer as a known one and sends nothing', async () => {
    const user = await createUser(t.app);
    const known = await askForPasswordReset(new TestClient(t.app), user.email, FORGED_HOST);
    expect(known.body).toContain('Check your email');
    await nextMailTo(user.email);

    const outboxBefore = (await listOutbox(t.app.ctx.db)).length;
    const unknownAddress = 'nobody-here@example.com';
    const unknown = await askForPasswordReset(new TestClient(t.app), unknownAddress, FORGED_HOST);
    expect(unknown.status).toBe(known.status);
    expect(unknown.headers['content-type']).toBe(known.headers['content-type']);
    expect(withoutCsrf(unknown.body)).toBe(withoutCsrf(known.body));

    await new Promise((resolve) => setTimeout(resolve, QUIET_PERIOD_MS));
    expect(sink.takeUnread()).toEqual([]);
    const outbox = await listOutbox(t.app.ctx.db);
    expect(outbox).toHaveLength(outboxBefore);
    expect(outbox.some((m) => m.to_address === unknownAddress)).toBe(false);
  });
});
