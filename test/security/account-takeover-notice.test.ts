/**
 * Attack: taking over an account from a stolen session. The attacker, signed
 * in with a stolen cookie and the password, turns SMS two-factor off (or
 * changes the password) and keeps using the account.
 * (OWASP ASVS 5.0 V6.2.x/V7.x: users are notified of sensitive changes and can
 * act on them; NIST SP 800-63B-4 §4.6 notification of changes.)
 * Defence: every security notice mails the owner a "This wasn't me" link that,
 * after one confirmation and without signing in, ends every session, forgets
 * remembered devices and mails a password-reset link; it works once, 7 days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recentSecurityEvents } from '../../src/db/security-events.js';
import { findUserById } from '../../src/db/users.js';
import { trustedDevicesOfUser } from '../../src/db/trusted-devices.js';
import { ManualClock, days } from '../../src/lib/duration.js';
import { createUser, latestDevCode, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 21, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock, outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

const wasntMePath = (text: string) => /https?:\/\/[^/\s]+(\/wasnt-me\/[A-Za-z0-9_-]+)/.exec(text)?.[1];

describe('"This wasn\'t me" after a takeover', () => {
  it('the owner ends the attacker\'s session, forgets remembered devices and gets a reset link, once', async () => {
    const phone = '+14155557601';
    const user = await createUser(t.app, { phone });
    const attacker = new TestClient(t.app);
    await signIn(attacker, user.username, user.password);
    await attacker.submit('/login/two-factor', { code: await latestDevCode(t.app, phone), remember_device: 'on' });
    expect(await trustedDevicesOfUser(t.app.ctx.db, user.id, clock.now())).toHaveLength(1);
    await attacker.submit('/two-factor/disable', { password: user.password });

    const notice = await waitForDevMail(t.app, user.email, 'Two-factor authentication was turned off');
    const link = wasntMePath(notice.text_body);
    expect(link).toBeDefined();

    const owner = new TestClient(t.app);
    const page = await owner.get(link!);
    expect(page.status).toBe(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await attacker.get('/')).status).toBe(200); // nothing happens before the confirmation

    const done = await owner.submit(link!, { token: link!.split('/').pop()! }, '/wasnt-me');
    expect(done.status).toBe(200);
    expect(done.body).toContain('Your account is secured');
    expect((await attacker.get('/')).location).toMatch(/^\/login/);
    expect(await trustedDevicesOfUser(t.app.ctx.db, user.id, clock.now())).toEqual([]);
    const reset = await waitForDevMail(t.app, user.email, 'Reset your Gatehouse password');
    expect(reset.text_body).toMatch(/\/reset-password\/[A-Za-z0-9_-]+/);
    expect((await recentSecurityEvents(t.app.ctx.db, user.id, 0)).map((e) => e.kind)).toContain('wasnt_me');

    // Once only.
    expect((await owner.get(link!)).status).toBe(410);
    expect((await owner.submit('/login', {}, '/wasnt-me')).status).toBe(400);
  });

  it('a forged, reused or expired link does nothing', async () => {
    const user = await createUser(t.app);
    const session = new TestClient(t.app);
    await signIn(session, user.username, user.password);
    expect((await new TestClient(t.app).get(`/wasnt-me/${'A'.repeat(43)}`)).status).toBe(410);

    await session.submit('/profile/password', { current_password: user.password, password: 'yet another passphrase 2026', confirm_password: 'yet another passphrase 2026' });
    const link = wasntMePath((await waitForDevMail(t.app, user.email, 'Your Gatehouse password was changed')).text_body)!;
    clock.advance(days(8));
    expect((await new TestClient(t.app).get(link)).status).toBe(410);
    expect((await signIn(new TestClient(t.app), user.username, 'yet another passphrase 2026')).location).toBe('/');
  });

  it("an attacker's change of email is voided by the owner's link; once confirmed, the old address's link puts it back", async () => {
    const user = await createUser(t.app);
    const attacker = new TestClient(t.app);
    await signIn(attacker, user.username, user.password);
    const evil = `evil-${user.username}@attacker.example`;

    // Not yet confirmed: "This wasn't me" from the request notice kills the pending change.
    await attacker.submit('/security/email', { email: evil });
    const requested = await waitForDevMail(t.app, user.email, 'A change of your Gatehouse email address was asked for');
    const confirmLink = /https?:\/\/[^/\s]+(\/confirm-email-change\/[A-Za-z0-9_-]+)/.exec((await waitForDevMail(t.app, evil, 'Confirm your new Gatehouse email address')).text_body)![1]!;
    const owner = new TestClient(t.app);
    const link = wasntMePath(requested.text_body)!;
    await owner.submit(link, { token: link.split('/').pop()! }, '/wasnt-me');
    expect((await attacker.get(confirmLink)).status).toBe(410);

    // Confirmed before the owner noticed: the old address is told, and its link restores it and gets the reset link.
    const again = new TestClient(t.app);
    await signIn(again, user.username, user.password);
    await again.submit('/security/email', { email: evil });
    const confirmMailsToEvil = () => t.app.ctx.db.selectFrom('dev_outbox').select('text_body').where('recipient', '=', evil).orderBy('id', 'desc').execute();
    await expect.poll(async () => (await confirmMailsToEvil()).length).toBe(2);
    const secondConfirm = /https?:\/\/[^/\s]+(\/confirm-email-change\/[A-Za-z0-9_-]+)/.exec((await confirmMailsToEvil())[0]!.text_body)![1]!;
    await again.submit(secondConfirm, {});
    expect((await findUserById(t.app.ctx.db, user.id))?.email).toBe(evil);
    const changed = await waitForDevMail(t.app, user.email, 'Your Gatehouse email address was changed');
    const undo = wasntMePath(changed.text_body)!;
    const resetsBefore = (await t.app.ctx.db.selectFrom('dev_outbox').select('id').where('recipient', '=', user.email).where('subject', '=', 'Reset your Gatehouse password').execute()).length;
    await owner.submit(undo, { token: undo.split('/').pop()! }, '/wasnt-me');
    expect((await findUserById(t.app.ctx.db, user.id))?.email).toBe(user.email);
    expect((await again.get('/')).location).toMatch(/^\/login/);
    await expect
      .poll(async () => (await t.app.ctx.db.selectFrom('dev_outbox').select('id').where('recipient', '=', user.email).where('subject', '=', 'Reset your Gatehouse password').execute()).length)
      .toBe(resetsBefore + 1);
    expect(await t.app.ctx.db.selectFrom('dev_outbox').select('id').where('recipient', '=', evil).where('subject', '=', 'Reset your Gatehouse password').execute()).toEqual([]);
  });
});
