/**
 * Authenticator app (TOTP): enrolment from the security page, sign-in with
 * its code, "Try another way", removal; and the recovery codes that come with
 * the first factor. Codes are computed here as a phone app would, from the key
 * the page shows, at the app's (controllable) time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countUnusedRecoveryCodes, findTotpFactor } from '../../src/db/factors.js';
import { recentSecurityEvents } from '../../src/db/security-events.js';
import { findUserById } from '../../src/db/users.js';
import { ManualClock, minutes, seconds } from '../../src/lib/duration.js';
import { latestDevCode, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { flashIn, signIn, TestClient } from '../support/client.js';
import { enrolAuthenticator, keyIn, recoveryCodesIn, totpCode } from '../support/totp.js';
import { signedIn } from '../support/sign-in.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock, outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

/** Moves the clock to the start of the next 30-second step, so a fresh code is needed. */
function nextStep() {
  clock.advance(seconds(30) - (clock.now() % seconds(30)));
}

describe('setting up an authenticator app', () => {
  it('shows a QR code drawn on the server and the key in text, and turns on only after a valid code', async () => {
    const { user, client } = await signedIn(t.app);
    const page = await client.get('/two-factor/app/enable');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(page.body).toContain('autocomplete="one-time-code"');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const key = keyIn(page.body);
    expect(Buffer.from(key.replace(/=+$/, ''), 'ascii').length).toBe(32); // 160 bits in base32

    // The key is stored sealed, not in the clear.
    const stored = await findTotpFactor(t.app.ctx.db, user.id);
    expect(stored?.secret).toMatch(/^v1\./);
    expect(stored?.secret).not.toContain(key);
    expect(stored?.confirmed_at).toBeNull();

    const wrong = await client.submit('/two-factor/app/enable', { code: '000000' });
    expect(wrong.status).toBe(422);
    expect(wrong.body).toContain('That code is not right');
    expect((await findTotpFactor(t.app.ctx.db, user.id))?.confirmed_at).toBeNull();

    // Reloading the page keeps the same key (the app may have scanned it already).
    expect(keyIn((await client.get('/two-factor/app/enable')).body)).toBe(key);

    const done = await client.submit('/two-factor/app/enable', { code: totpCode(key, clock.now()) });
    expect(done.status).toBe(200);
    expect(done.headers['cache-control']).toBe('no-store');
    expect(recoveryCodesIn(done.body)).toHaveLength(10);
    expect((await findTotpFactor(t.app.ctx.db, user.id))?.confirmed_at).toBe(clock.now());
    expect(await countUnusedRecoveryCodes(t.app.ctx.db, user.id)).toBe(10);

    const security = await client.get('/security');
    expect(security.body).toContain('Remove the authenticator app');
    expect(security.body).toContain('You have 10 unused recovery codes');
    expect(security.body).toContain('Authenticator app added');
  });

  it('a pending key that no longer opens (SECRET_KEY changed) is replaced, not a 500', async () => {
    const { user, client } = await signedIn(t.app);
    const first = keyIn((await client.get('/two-factor/app/enable')).body);
    await t.app.ctx.db.updateTable('totp_factors').set({ secret: 'v1.AAAA.BBBB.CCCC' }).where('user_id', '=', user.id).execute();
    const page = await client.get('/two-factor/app/enable');
    expect(page.status).toBe(200);
    expect(keyIn(page.body)).not.toBe(first);
  });

  it('accepts a code from one step before or after (clock drift), not two', async () => {
    const { client } = await signedIn(t.app);
    const key = keyIn((await client.get('/two-factor/app/enable')).body);
    expect((await client.submit('/two-factor/app/enable', { code: totpCode(key, clock.now() - seconds(61)) })).status).toBe(422);
    expect((await client.submit('/two-factor/app/enable', { code: totpCode(key, clock.now() + seconds(61)) })).status).toBe(422);
    expect((await client.submit('/two-factor/app/enable', { code: totpCode(key, clock.now() - seconds(30)) })).status).toBe(200);
  });

  it('a second factor added later shows no new recovery codes', async () => {
    const phone = '+14155557001';
    const { user, client } = await signedIn(t.app, { phone }, { enterSmsCode: true });
    const before = await countUnusedRecoveryCodes(t.app.ctx.db, user.id);
    const key = keyIn((await client.get('/two-factor/app/enable')).body);
    const done = await client.submit('/two-factor/app/enable', { code: totpCode(key, clock.now()) });
    expect(done.status).toBe(302);
    expect(flashIn((await client.follow(done)).body)).toContain('Your authenticator app is set up');
    expect(await countUnusedRecoveryCodes(t.app.ctx.db, user.id)).toBe(before);
  });
});

describe('signing in with an authenticator app', () => {
  async function withApp() {
    const { user, client } = await signedIn(t.app);
    const { key, recoveryCodes } = await enrolAuthenticator(client, () => clock.now());
    nextStep();
    return { user, key, recoveryCodes };
  }

  it('asks for the app code after the password, and signs in with it', async () => {
    const { user, key } = await withApp();
    const client = new TestClient(t.app);
    const password = await signIn(client, user.username, user.password);
    expect(password.location).toBe('/login/two-factor/app');
    expect((await client.get('/')).location).toBe('/login/two-factor'); // nothing else until the second step

    const page = await client.get('/login/two-factor/app');
    expect(page.body).toContain('Enter the code from your authenticator app');
    expect(page.body).toContain('href="/login/two-factor/recovery"');
    expect(page.body).not.toContain('href="/login/two-factor"'); // no SMS on this account

    const wrong = await client.submit('/login/two-factor/app', { code: '123456' });
    expect(wrong.status).toBe(422);
    const done = await client.submit('/login/two-factor/app', { code: totpCode(key, clock.now()) });
    expect(done.status).toBe(302);
    expect(done.location).toBe('/');
    expect((await client.get('/')).status).toBe(200);
    expect((await findUserById(t.app.ctx.db, user.id))?.last_factor).toBe('totp');
  });

  it('with both, offers the factor used last first, and the other under "Try another way"', async () => {
    const phone = '+14155557002';
    const { user, client: first } = await signedIn(t.app, { phone }, { enterSmsCode: true });
    const key = keyIn((await first.get('/two-factor/app/enable')).body);
    expect((await first.submit('/two-factor/app/enable', { code: totpCode(key, clock.now()) })).status).toBe(302);
    nextStep();

    // Used SMS last: SMS first, the app as another way.
    const viaSms = new TestClient(t.app);
    expect((await signIn(viaSms, user.username, user.password)).location).toBe('/login/two-factor');
    const smsPage = await viaSms.get('/login/two-factor');
    expect(smsPage.body).toContain('href="/login/two-factor/app"');
    const done = await viaSms.submit('/login/two-factor/app', { code: totpCode(key, clock.now()) }, '/login/two-factor/app');
    expect(done.location).toBe('/');

    // Used the app last: the app first, and no SMS is sent.
    nextStep();
    const viaApp = new TestClient(t.app);
    const codeBefore = await latestDevCode(t.app, phone);
    expect((await signIn(viaApp, user.username, user.password)).location).toBe('/login/two-factor/app');
    expect(await latestDevCode(t.app, phone)).toBe(codeBefore);
  });

  it('removing the app needs a recent password, and takes the recovery codes with the last factor', async () => {
    const { user, client } = await signedIn(t.app);
    await enrolAuthenticator(client, () => clock.now());
    clock.advance(minutes(11));
    const stale = await client.submit('/security', {}, '/two-factor/app/disable');
    expect(stale.location).toBe('/reauthenticate?next=%2Fsecurity');
    expect(await findTotpFactor(t.app.ctx.db, user.id)).toBeDefined();

    const again = await client.submit('/reauthenticate?next=%2Fsecurity', { password: user.password }, '/reauthenticate');
    expect(again.location).toBe('/security');
    const removed = await client.submit('/security', {}, '/two-factor/app/disable');
    expect(flashIn((await client.follow(removed)).body)).toBe('The authenticator app was removed.');
    expect(await findTotpFactor(t.app.ctx.db, user.id)).toBeUndefined();
    expect(await countUnusedRecoveryCodes(t.app.ctx.db, user.id)).toBe(0);
    const kinds = (await recentSecurityEvents(t.app.ctx.db, user.id, 0)).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['totp_enabled', 'totp_disabled', 'recovery_codes_generated']));
  });
});

describe('recovery codes', () => {
  async function withCodes() {
    const { user, client } = await signedIn(t.app);
    const { recoveryCodes } = await enrolAuthenticator(client, () => clock.now());
    return { user, client, recoveryCodes };
  }

  it('sign in once each, typed in any case with or without dashes, and the owner is told by email', async () => {
    const { user, recoveryCodes } = await withCodes();
    const [code] = recoveryCodes;
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const page = await client.get('/login/two-factor/recovery');
    expect(page.body).toContain('Use a recovery code');
    const done = await client.submit('/login/two-factor/recovery', { code: ` ${code!.toLowerCase().replace(/-/g, ' ')} ` });
    expect(done.location).toBe('/');
    expect(await countUnusedRecoveryCodes(t.app.ctx.db, user.id)).toBe(9);
    const notice = await waitForDevMail(t.app, user.email, 'A recovery code was used to sign in to Gatehouse');
    expect(notice.text_body).toContain('you have 9 left');
    expect(notice.text_body).not.toContain(code);

    const again = new TestClient(t.app);
    await signIn(again, user.username, user.password);
    const reused = await again.submit('/login/two-factor/recovery', { code: code! });
    expect(reused.status).toBe(422);
    expect(reused.body).toContain('That recovery code is not right, or was already used.');
  });

  it('making new codes needs a recent password and voids the old set; 3 or fewer left gives a warning', async () => {
    const { user, client, recoveryCodes } = await withCodes();
    clock.advance(minutes(11));
    expect((await client.submit('/security', {}, '/security/recovery-codes')).location).toBe('/reauthenticate?next=%2Fsecurity');
    await client.submit('/reauthenticate', { password: user.password });
    const fresh = await client.submit('/security', {}, '/security/recovery-codes');
    const newCodes = recoveryCodesIn(fresh.body);
    expect(newCodes).toHaveLength(10);
    expect(newCodes.some((c) => recoveryCodes.includes(c))).toBe(false);

    const old = new TestClient(t.app);
    await signIn(old, user.username, user.password);
    expect((await old.submit('/login/two-factor/recovery', { code: recoveryCodes[0]! })).status).toBe(422);

    for (const code of newCodes.slice(0, 7)) {
      const c = new TestClient(t.app);
      await signIn(c, user.username, user.password);
      const res = await c.submit('/login/two-factor/recovery', { code });
      expect(res.location).toBe('/');
      if (code === newCodes[6]) expect(flashIn((await c.follow(res)).body)).toBe('You have 3 recovery codes left. Make a new set on the security page.');
    }
    expect((await client.get('/security')).body).toContain('You have 3 recovery codes left');
  });
});
