/**
 * A backup phone for SMS codes: added from the security page (password and a
 * code to the new number), offered under "Try another way" at sign-in, where
 * the code is checked against the number it went to; removed after step-up;
 * gone with SMS codes. Codes come from the development Verify adapter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPhone } from '../../src/auth/two-factor.js';
import { recentSecurityEvents } from '../../src/db/security-events.js';
import { findUserById } from '../../src/db/users.js';
import { ManualClock, minutes, seconds } from '../../src/lib/duration.js';
import { createUser, DEFAULT_TEST_PASSWORD, latestDevCode, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { flashIn, signIn, TestClient } from '../support/client.js';
import { phoneNumbers } from '../support/phones.js';

const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock, outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

/** A fresh valid US number, so dev-outbox codes never mix. */
const freshPhone = phoneNumbers('+1415555', { after: 7100 });

/** A user with SMS codes on, signed in with a code (so within the step-up window). */
async function signedInWithSms() {
  const main = freshPhone();
  const user = await createUser(t.app, { phone: main });
  const client = new TestClient(t.app);
  await signIn(client, user.username, user.password);
  await client.submit('/login/two-factor', { code: await latestDevCode(t.app, main) });
  return { user, client, main };
}

async function addBackup(client: TestClient, backup: string) {
  clock.advance(seconds(31));
  const sent = await client.submit('/two-factor/sms/enable?backup=1', { phone: backup, password: DEFAULT_TEST_PASSWORD, kind: 'backup' }, '/two-factor/sms/enable');
  expect(sent.location).toBe('/two-factor/sms/confirm');
  return client.submit('/two-factor/sms/confirm', { code: await latestDevCode(t.app, backup) });
}

describe('adding a backup phone', () => {
  it('takes the password and a code sent to the new number, then mails a notice', async () => {
    const { user, client } = await signedInWithSms();
    const page = await client.get('/two-factor/sms/enable?backup=1');
    expect(page.body).toContain('Add a backup phone');
    expect(page.body).toContain('name="kind" value="backup"');

    const backup = freshPhone();
    const confirm = await client.submit('/two-factor/sms/enable?backup=1', { phone: backup, password: DEFAULT_TEST_PASSWORD, kind: 'backup' }, '/two-factor/sms/enable');
    expect(confirm.location).toBe('/two-factor/sms/confirm');
    expect((await client.get('/two-factor/sms/confirm')).body).toContain('use it as your backup phone');
    const wrong = await client.submit('/two-factor/sms/confirm', { code: '000000' });
    expect(wrong.status).toBe(422);
    expect((await findUserById(t.app.ctx.db, user.id))?.backup_phone).toBeNull();

    const done = await client.submit('/two-factor/sms/confirm', { code: await latestDevCode(t.app, backup) });
    expect(done.location).toBe('/security');
    const stored = await findUserById(t.app.ctx.db, user.id);
    expect(stored?.backup_phone).toBe(backup);
    expect(stored?.phone).not.toBe(backup); // the main phone is unchanged
    expect((await client.get('/security')).body).toContain(`Backup phone: ending in ${backup.slice(-4)}`);
    expect((await recentSecurityEvents(t.app.ctx.db, user.id, 0)).map((e) => e.kind)).toContain('backup_phone_added');
    await waitForDevMail(t.app, user.email, 'Gatehouse security notice: a backup phone was added');
  });

  it('refuses without the password, the main number again, or without SMS codes on', async () => {
    const { client, main } = await signedInWithSms();
    const noPassword = await client.submit('/two-factor/sms/enable?backup=1', { phone: freshPhone(), password: 'wrong password entirely', kind: 'backup' }, '/two-factor/sms/enable');
    expect(noPassword.status).toBe(422);
    const same = await client.submit('/two-factor/sms/enable?backup=1', { phone: main, password: DEFAULT_TEST_PASSWORD, kind: 'backup' }, '/two-factor/sms/enable');
    expect(same.status).toBe(422);
    expect(same.body).toContain('already your two-factor phone');

    const noSms = await createUser(t.app);
    const other = new TestClient(t.app);
    await signIn(other, noSms.username, noSms.password);
    expect((await other.get('/two-factor/sms/enable?backup=1')).location).toBe('/security');
    const forced = await other.submit('/two-factor/sms/enable', { phone: freshPhone(), password: noSms.password, kind: 'backup' });
    expect(forced.location).toBe('/security');
    expect((await findUserById(t.app.ctx.db, noSms.id))?.backup_phone).toBeNull();
  });
});

describe('signing in with the backup phone', () => {
  it('sends nothing until asked, then checks the code against the backup number only', async () => {
    const { user, client, main } = await signedInWithSms();
    const backup = freshPhone();
    await addBackup(client, backup);
    await client.submit('/security', {}, '/logout');

    clock.advance(minutes(1));
    const signer = new TestClient(t.app);
    expect((await signIn(signer, user.username, user.password)).location).toBe('/login/two-factor');
    const smsPage = await signer.get('/login/two-factor');
    expect(smsPage.body).toContain('Get a code on your backup phone');
    const mainCode = await latestDevCode(t.app, main);

    // A GET sends no text; the button does (after the 30-second wait shared with the main phone).
    const enrolmentCode = await latestDevCode(t.app, backup);
    const backupPage = await signer.get('/login/two-factor/backup-phone');
    expect(backupPage.body).toContain(maskPhone(backup));
    expect(await latestDevCode(t.app, backup)).toBe(enrolmentCode);
    const tooSoon = await signer.submit('/login/two-factor/backup-phone', { to: 'backup', channel: 'sms' }, '/login/two-factor/resend');
    expect(tooSoon.location).toBe('/login/two-factor/backup-phone');
    clock.advance(seconds(31));
    const sent = await signer.submit('/login/two-factor/backup-phone', { to: 'backup', channel: 'sms' }, '/login/two-factor/resend');
    expect(sent.location).toBe('/login/two-factor');
    const backupCode = await latestDevCode(t.app, backup);
    expect(backupCode).not.toBe(enrolmentCode);
    const page = await signer.get('/login/two-factor');
    expect(page.body).toContain('We sent a 6-digit code to your backup phone');
    expect(page.body).toContain('Send a code to your main phone instead');

    // The main phone's code does not finish a sign-in whose code went to the backup phone.
    if (mainCode !== backupCode) {
      const wrong = await signer.submit('/login/two-factor', { code: mainCode });
      expect(wrong.status).toBe(422);
    }
    const done = await signer.submit('/login/two-factor', { code: backupCode });
    expect(done.location).toBe('/');
    expect((await findUserById(t.app.ctx.db, user.id))?.last_factor).toBe('sms');
  });
});

describe('"This wasn\'t me" after an intruder added a backup phone', () => {
  it('removes the backup phone they added; the main phone stays', async () => {
    const { user, client: intruder, main } = await signedInWithSms();
    clock.advance(minutes(1));
    const theirs = freshPhone();
    await addBackup(intruder, theirs);
    const notice = await waitForDevMail(t.app, user.email, 'Gatehouse security notice: a backup phone was added');
    const link = /https?:\/\/[^/\s]+(\/wasnt-me\/[A-Za-z0-9_-]+)/.exec(notice.text_body)![1]!;
    const owner = new TestClient(t.app);
    await owner.submit(link, { token: link.split('/').pop()! }, '/wasnt-me');
    expect(await findUserById(t.app.ctx.db, user.id)).toMatchObject({ phone: main, two_factor_enabled: 1, backup_phone: null });
  });
});

describe('removing the backup phone', () => {
  it('needs a recent password, mails a notice, and goes with SMS codes anyway', async () => {
    const { user, client } = await signedInWithSms();
    await addBackup(client, freshPhone());
    clock.advance(minutes(11));
    const stale = await client.submit('/security', {}, '/two-factor/sms/backup/remove');
    expect(stale.location).toMatch(/^\/reauthenticate/);
    expect((await findUserById(t.app.ctx.db, user.id))?.backup_phone).not.toBeNull();
    await client.submit('/reauthenticate', { password: user.password, next: '/security' });
    const removed = await client.submit('/security', {}, '/two-factor/sms/backup/remove');
    expect(removed.location).toBe('/security');
    expect(flashIn((await client.get('/security')).body)).toBe('The backup phone was removed.');
    expect((await findUserById(t.app.ctx.db, user.id))?.backup_phone).toBeNull();
    await waitForDevMail(t.app, user.email, 'Gatehouse security notice: your backup phone was removed');

    await addBackup(client, freshPhone());
    await client.submit('/two-factor/disable', { password: user.password });
    expect(await findUserById(t.app.ctx.db, user.id)).toMatchObject({ two_factor_enabled: 0, phone: null, backup_phone: null });
  });
});
