/**
 * Attack: reading a copy of the database — a backup, a stolen disk or volume
 * snapshot, a read-only SQL injection, a hosting provider's staff — to take
 * the live secrets that mail carried: password-reset links, email sign-in codes,
 * "This wasn't me", recovery, cancel, confirmation and change-of-email links.
 * The outbox kept every mail whole, sent or not, for ever (issue #12), which
 * undid "tokens are stored hashed".
 *
 * Requirement (OWASP ASVS 5.0 V14 data protection: sensitive data is protected
 * at rest and kept no longer than needed; and this project's rule that every
 * token is stored only as a hash): after every kind of mail Gatehouse sends has
 * gone through a real SMTP server, no link token or code taken from the mail
 * received is anywhere in the database — searched as text, hex and base64 in the
 * raw SQLite file and its WAL (before and after a checkpoint), or in every row
 * of every table of the PostgreSQL schema — and none is there in clear before
 * delivery either (SMTP down: the waiting mail is sealed).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import { resetFactors, type AdminContext } from '../../src/admin/commands.js';
import { listOutbox, MAIL_KINDS, MailSeal } from '../../src/db/mail-outbox.js';
import { en } from '../../src/i18n/en/index.js';
import { hours, ManualClock, minutes, seconds } from '../../src/lib/duration.js';
import { createUser, DEFAULT_TEST_PASSWORD, latestDevCode, MEMORY_RATE_LIMITS, startTestApp, TEST_SECRET, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient } from '../support/client.js';
import { eventually, SmtpSink, type ReceivedMail } from '../support/smtp-sink.js';
import { enrolAuthenticator, totpCode } from '../support/totp.js';
import { phoneNumbers } from '../support/phones.js';
import { signedIn } from '../support/sign-in.js';

const APP_URL = 'https://gatehouse.example';
const clock = new ManualClock(Date.UTC(2026, 10, 27, 10, 0, 0));
let sink: SmtpSink;
let t: TestApp;

beforeAll(async () => {
  sink = await SmtpSink.start();
  t = await startTestApp(
    { SMTP_URL: sink.url, APP_URL, ACCOUNT_RECOVERY_WAIT: '1h', ...MEMORY_RATE_LIMITS },
    { clock, outbox: { pollIntervalMs: 20 } },
  );
});
afterAll(async () => {
  await t?.close();
  await sink?.stop();
});

// ---- What a leak would look like, and where to look for it ----

/** A link's token (256 bits, base64url) as text, and its bytes raw, in hex and in standard base64. */
function tokenForms(token: string): Buffer[] {
  const bytes = Buffer.from(token, 'base64url');
  return [Buffer.from(token), bytes, Buffer.from(bytes.toString('hex')), Buffer.from(bytes.toString('base64').replace(/=+$/, ''))];
}

/** A 6-digit code as mail text around it would store it: in the body ("is 123456.") or, before, the subject ("123456 is your…"). */
function codeForms(code: string): Buffer[] {
  return [Buffer.from(`is ${code}.`), Buffer.from(`${code} is your`)];
}

/** The bytes of the whole database: the SQLite file and its WAL as they are on disk, or every row of every table of the PostgreSQL schema as text. */
async function databaseBytes(): Promise<Buffer> {
  if (t.backend === 'sqlite') {
    const file = join(t.dir, 'test.db');
    return Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
  }
  const tables = await sql<{ name: string }>`
    select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(t.app.ctx.db);
  expect(tables.rows.map((r) => r.name)).toContain('mail_outbox');
  const parts: string[] = [];
  for (const { name } of tables.rows) {
    const rows = await sql<{ r: string }>`select row_to_json(x)::text as r from ${sql.table(name)} x`.execute(t.app.ctx.db);
    parts.push(...rows.rows.map((row) => row.r));
  }
  return Buffer.from(parts.join('\n'));
}

/** Moves the WAL into the SQLite file (a no-op on PostgreSQL), so the file is searched after a checkpoint too. */
async function checkpoint(): Promise<void> {
  if (t.backend === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(t.app.ctx.db);
}

/** Every form of every secret that is found in the database, named. */
async function secretsFound(secrets: { name: string; forms: Buffer[] }[]): Promise<string[]> {
  const found: string[] = [];
  for (const pass of ['as it is', 'after a checkpoint']) {
    if (pass === 'after a checkpoint') await checkpoint();
    const bytes = await databaseBytes();
    for (const secret of secrets) {
      secret.forms.forEach((form, i) => {
        if (bytes.includes(form)) found.push(`${secret.name} (form ${i}, ${pass})`);
      });
    }
  }
  return found;
}

/** The link tokens (43 base64url characters at the end of a path) and the sign-in code in a mail. */
function secretsIn(mail: { subject: string; text: string }, label: string): { name: string; forms: Buffer[] }[] {
  const secrets = [...mail.text.matchAll(/https?:\/\/\S+?\/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/g)].map((m) => ({ name: `${label}: ${m[0]}`, forms: tokenForms(m[1]!) }));
  const code = / is (\d{6})\./.exec(mail.text)?.[1];
  if (code) secrets.push({ name: `${label}: code ${code}`, forms: codeForms(code) });
  return secrets;
}

// ---- The flows ----

const taken = new Map<string, number>();

/** Waits for the next mail to `to` with this subject, after the ones an earlier call returned (the one the flow just caused). */
async function mailTo(to: string, subject: string): Promise<ReceivedMail> {
  const key = `${to}\n${subject}`;
  const before = taken.get(key) ?? 0;
  const mail = await eventually(() => sink.messages.filter((m) => m.envelopeTo[0] === to && m.subject === subject)[before], `"${subject}" to ${to}`);
  taken.set(key, before + 1);
  return mail;
}

const pathOf = (mail: ReceivedMail, path: string): string => {
  const found = new RegExp(`${APP_URL}(${path}/[A-Za-z0-9_-]{43})`).exec(mail.text)?.[1];
  if (!found) throw new Error(`no ${path} link in "${mail.subject}"`);
  return found;
};

async function register(username: string, email: string): Promise<void> {
  const page = await new TestClient(t.app, `198.51.100.${username.length}`).submit('/register', {
    first_name: 'Rae',
    last_name: 'Stored',
    username,
    email,
    password: 'quartz lantern meadow 4821 drift',
    confirm_password: 'quartz lantern meadow 4821 drift',
  });
  expect(page.location).toBe('/login');
}

async function askForReset(email: string): Promise<void> {
  const client = new TestClient(t.app, '203.0.113.9');
  const form = await client.get('/reset-password');
  expect((await client.post('/reset-password', { _csrf: csrfTokenIn(form.body), email })).status).toBe(200);
}

const freshPhone = phoneNumbers('+1415555', { after: 7300 });

/** Turns on (or moves) text-message codes, or adds a backup phone, with the code the dev Verify adapter sent. */
async function confirmPhone(client: TestClient, phone: string, backup = false): Promise<void> {
  const form: Record<string, string> = backup ? { phone, password: DEFAULT_TEST_PASSWORD, kind: 'backup' } : { phone, password: DEFAULT_TEST_PASSWORD };
  expect((await client.submit(backup ? '/two-factor/sms/enable?backup=1' : '/two-factor/sms/enable', form, '/two-factor/sms/enable')).location).toBe('/two-factor/sms/confirm');
  expect((await client.submit('/two-factor/sms/confirm', { code: await latestDevCode(t.app, phone) })).status).toBeLessThan(400);
  clock.advance(seconds(31)); // the next code to the account may be sent
}

describe('secrets at rest in the mail outbox', () => {
  it('before delivery (SMTP down), a waiting reset link, sign-in code and confirmation link are sealed, not in clear', async () => {
    await sink.stop();
    try {
      const { user, client } = await signedIn(t.app);
      await enrolAuthenticator(client, () => clock.now());
      await client.submit('/security', {}, '/security/email-codes/enable');
      await askForReset(user.email);
      await register('sealed_new', 'sealed-new@example.com');
      clock.advance(seconds(31));
      const pending = new TestClient(t.app);
      expect((await signIn(pending, user.username, user.password)).location).toBe('/login/two-factor/app');
      expect((await pending.submit('/login/two-factor/email', {}, '/login/two-factor/email/send')).location).toBe('/login/two-factor/email');

      // The test holds SECRET_KEY, so it can open what waits and learn the secrets an attacker would look for.
      const seal = new MailSeal(TEST_SECRET);
      const waiting = (await listOutbox(t.app.ctx.db)).filter((r) => r.sent_at === null);
      expect(waiting.map((r) => r.kind)).toEqual(expect.arrayContaining(['password_reset', 'email_confirmation', 'email_code']));
      const secrets = waiting.flatMap((row) => {
        const mail = seal.open(row.content!)!;
        expect(mail.message.subject).not.toMatch(/\d{6}/); // no code in a subject
        return secretsIn(mail.message, row.kind);
      });
      expect(secrets.filter((s) => s.name.includes('/reset-password/'))).toHaveLength(1);
      expect(secrets.filter((s) => s.name.includes('code '))).toHaveLength(1);
      expect(secrets.filter((s) => s.name.includes('/confirm-email/'))).toHaveLength(1);
      expect(await secretsFound(secrets)).toEqual([]);
      // The search finds what is there: the recipient, kept in clear for operations.
      expect((await databaseBytes()).includes(Buffer.from(user.email))).toBe(true);
    } finally {
      await sink.restart();
    }
    // The retries are due on the app's clock, which only this test moves: how far depends on how many tries failed
    // while the server was down (30 s, 1 min, 2 min … with jitter), so it moves on until every mail is out.
    await eventually(async () => {
      clock.advance(minutes(5));
      t.app.outbox.kick();
      await new Promise((resolve) => setTimeout(resolve, 50));
      return (await listOutbox(t.app.ctx.db)).every((r) => r.sent_at !== null);
    }, 'the waiting mail to be delivered');
  });

  it('after every kind of mail went through the SMTP server, no token or code it carried is in the database', async () => {
    sink.takeUnread();
    // Registration: a confirmation link; an address already in use: a notice to its owner.
    await register('rest_new', 'rest-new@example.com');
    await mailTo('rest-new@example.com', en.account.confirmationMail.subject);
    await register('rest_again', 'rest-new@example.com');
    await mailTo('rest-new@example.com', en.account.registrationAttemptMail.subject);

    // Ana: a reset link; an authenticator app; a new browser; email codes; a code by email; a recovery code used;
    // a password change; a change of email asked for and made.
    const { user: ana, client: anaBrowser } = await signedIn(t.app);
    await askForReset(ana.email);
    await mailTo(ana.email, en.reset.mail.subject);
    const { key, recoveryCodes } = await enrolAuthenticator(anaBrowser, () => clock.now());
    clock.advance(seconds(31));
    expect((await anaBrowser.submit('/security', {}, '/security/email-codes/enable')).location).toBe('/security');
    const second = new TestClient(t.app, '192.0.2.77');
    expect((await signIn(second, ana.username, ana.password)).location).toBe('/login/two-factor/app');
    expect((await second.submit('/login/two-factor/app', { code: totpCode(key, clock.now()) })).location).toBe('/');
    await mailTo(ana.email, en.login.mail.newBrowser.subject);
    clock.advance(seconds(31));
    const byEmail = new TestClient(t.app);
    await signIn(byEmail, ana.username, ana.password);
    await byEmail.submit('/login/two-factor/email', {}, '/login/two-factor/email/send');
    const codeMail = await mailTo(ana.email, en.login.mail.emailCode.subject);
    expect(codeMail.subject).not.toMatch(/\d{6}/);
    expect((await byEmail.submit('/login/two-factor/email', { code: / is (\d{6})\./.exec(codeMail.text)![1]! })).location).toBe('/');
    const byRecoveryCode = new TestClient(t.app);
    await signIn(byRecoveryCode, ana.username, ana.password);
    expect((await byRecoveryCode.submit('/login/two-factor/recovery', { code: recoveryCodes[0]! })).location).toBe('/');
    await mailTo(ana.email, en.login.mail.recoveryCodeUsed.subject);
    const newPassword = 'a kettle of fresh tea at dawn';
    await anaBrowser.submit('/profile/password', { current_password: ana.password, password: newPassword, confirm_password: newPassword });
    await mailTo(ana.email, en.account.passwordChangedMail.subject);
    const newAddress = `moved-${ana.username}@example.org`;
    await anaBrowser.submit('/security/email', { email: newAddress });
    await mailTo(ana.email, en.security.mail.emailChangeRequested.subject);
    const confirmLink = pathOf(await mailTo(newAddress, en.security.mail.confirmNewEmail.subject), '/confirm-email-change');
    await anaBrowser.submit(confirmLink, {});
    const changed = await mailTo(ana.email, en.security.mail.emailChanged.subject);
    // "This wasn't me" from that notice: everything locked down, and a reset link mailed.
    const wasntMe = pathOf(changed, '/wasnt-me');
    await new TestClient(t.app).submit(wasntMe, { token: wasntMe.split('/').pop()! }, '/wasnt-me');
    await mailTo(ana.email, en.reset.mail.subject); // the second: the reset link "This wasn't me" mails

    // Ben: text-message codes on, moved, a backup phone added and removed, then off.
    const { client: ben, user: benUser } = await signedIn(t.app);
    await confirmPhone(ben, freshPhone());
    await mailTo(benUser.email, en.sms.mail.enabled.subject);
    await confirmPhone(ben, freshPhone());
    await mailTo(benUser.email, en.sms.mail.phoneChanged.subject);
    await confirmPhone(ben, freshPhone(), true);
    await mailTo(benUser.email, en.sms.mail.backupAdded.subject);
    await ben.submit('/security', {}, '/two-factor/sms/backup/remove');
    await mailTo(benUser.email, en.sms.mail.backupRemoved.subject);
    await ben.submit('/two-factor/disable', { password: DEFAULT_TEST_PASSWORD });
    await mailTo(benUser.email, en.sms.mail.disabled.subject);

    // Cy: an account recovery asked for, started, cancelled; then another started and completed after the wait.
    const { user: cy, client: cyBrowser } = await signedIn(t.app);
    await enrolAuthenticator(cyBrowser, () => clock.now());
    const startRecovery = async () => {
      const pending = new TestClient(t.app);
      expect((await signIn(pending, cy.username, cy.password)).location).toBe('/login/two-factor/app');
      await pending.submit('/login/recover', {});
      const link = pathOf(await mailTo(cy.email, en.recovery.mail.link.subject), '/recover');
      await new TestClient(t.app).submit(link, {});
      return mailTo(cy.email, en.recovery.mail.started.subject);
    };
    const started = await startRecovery();
    await new TestClient(t.app).submit(pathOf(started, '/recover/cancel'), {});
    await mailTo(cy.email, en.recovery.mail.cancelled.subject);
    await startRecovery();
    clock.advance(hours(1) + minutes(1));
    expect((await signIn(new TestClient(t.app), cy.username, cy.password)).location).toBe('/');
    await mailTo(cy.email, en.recovery.mail.completed.subject);

    // Dee: an administrator resets her factors. Eve deletes her account.
    const { user: dee, client: deeBrowser } = await signedIn(t.app);
    await enrolAuthenticator(deeBrowser, () => clock.now());
    const admin: AdminContext = { db: t.app.ctx.db, config: t.config, clock, pwnedPasswords: pwnedPasswordsOff, output: { out: () => undefined } };
    expect(await resetFactors(admin, dee.username, { confirmed: true })).toEqual({ ok: true });
    t.app.outbox.kick();
    await mailTo(dee.email, en.mail.factorsReset.subject);
    const { user: eve, client: eveBrowser } = await signedIn(t.app);
    await eveBrowser.submit('/security/delete', { confirm_username: eve.username });
    await mailTo(eve.email, en.security.mail.accountDeleted.subject);

    // Fay: five wrong passwords pause her sign-in; she resets her password by email.
    const fay = await createUser(t.app);
    for (let i = 1; i <= 5; i++) await signIn(new TestClient(t.app, '192.0.2.91'), fay.username, `not her password ${i}`);
    await mailTo(fay.email, en.login.mail.lockout.subject);
    await askForReset(fay.email);
    const resetLink = pathOf(await mailTo(fay.email, en.reset.mail.subject), '/reset-password');
    const fayNewPassword = 'lanterns over a quiet harbour';
    expect((await new TestClient(t.app).submit(resetLink, { password: fayNewPassword, confirm_password: fayNewPassword })).location).toBe('/login');
    await mailTo(fay.email, en.reset.doneMail.subject);

    // Every kind of mail was sent, and delivered.
    await eventually(async () => (await listOutbox(t.app.ctx.db)).every((r) => r.sent_at !== null), 'every mail to be delivered');
    const kinds = new Set((await listOutbox(t.app.ctx.db)).map((r) => r.kind));
    expect(MAIL_KINDS.filter((kind) => !kinds.has(kind))).toEqual([]);

    // What the mail carried: every link token and code the SMTP server received.
    const received = sink.takeUnread();
    const secrets = received.flatMap((mail, i) => secretsIn(mail, `${i}: ${mail.subject}`));
    for (const path of ['/reset-password/', '/confirm-email/', '/confirm-email-change/', '/wasnt-me/', '/recover/cancel/', '/recover/']) {
      expect(secrets.some((s) => s.name.includes(path)), path).toBe(true);
    }
    expect(secrets.some((s) => s.name.includes('code '))).toBe(true);
    expect(secrets.length).toBeGreaterThan(20);
    expect(await secretsFound(secrets)).toEqual([]);

    // The search finds what is there: a live "This wasn't me" token's SHA-256 (Ben's last notice), which is how tokens are stored.
    const wasntMeToken = secrets.find((s) => s.name.includes(en.sms.mail.disabled.subject) && s.name.includes('/wasnt-me/'))!.name.split('/').pop()!;
    expect((await databaseBytes()).includes(Buffer.from(createHash('sha256').update(wasntMeToken).digest('hex')))).toBe(true);
  }, 120_000);
});
