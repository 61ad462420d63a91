/**
 * Attacks on the second factor: using a password-only session to reach the
 * account, racing two correct codes to mint two sessions, replaying a code
 * that already worked, brute-forcing the 6 digits, and turning 2FA off without
 * the password. (OWASP ASVS 5.0 V6.6, V6.8; NIST SP 800-63B §5.1.3, §5.2.2.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult, StartResult, VerifyService } from '../../src/adapters/verify/types.js';
import { DEFAULT_TEST_PASSWORD, createUser, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient } from '../support/client.js';

/**
 * A stand-in for Twilio that approves "246810" for every check, any number of
 * times, so the race below tests Gatehouse's own compare-and-swap rather than
 * the provider's one-time use.
 */
class AlwaysApproves implements VerifyService {
  start(): Promise<StartResult> {
    return Promise.resolve({ ok: true });
  }
  check(_to: string, code: string): Promise<CheckResult> {
    return Promise.resolve(code === '246810' ? { ok: true } : { ok: false, reason: 'wrong_code' });
  }
}

let t: TestApp;
let racy: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  racy = await startTestApp({}, { verify: new AlwaysApproves() });
});
afterAll(async () => {
  await t.close();
  await racy.close();
});

describe('second-factor bypass', () => {
  it('two concurrent correct codes for one pending sign-in create one session, not two', async () => {
    const user = await createUser(racy.app, { phone: '+14155550111' });
    const client = new TestClient(racy.app);
    await signIn(client, user.username, user.password);
    const token = csrfTokenIn((await client.get('/login/two-factor')).body);
    const results = await Promise.all([1, 2, 3].map(() => client.post('/login/two-factor', { _csrf: token, code: '246810' })));
    const signedIn = results.filter((r) => r.setCookies.some((c) => c.startsWith('gatehouse_session=') && !c.includes('Max-Age=0')));
    expect(signedIn).toHaveLength(1);
    const sessions = await racy.app.ctx.db.selectFrom('sessions').selectAll().where('user_id', '=', user.id).execute();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.two_factor_pending).toBe(0);
  });

  it('a code that already worked cannot be used again', async () => {
    const phone = '+14155550112';
    const user = await createUser(t.app, { phone });
    const first = new TestClient(t.app);
    await signIn(first, user.username, user.password);
    const code = await latestDevCode(t.app, phone);
    expect((await first.submit('/login/two-factor', { code })).location).toBe('/');

    // The attacker knows the password and saw the code (shoulder-surfing): a second pending sign-in.
    const attacker = new TestClient(t.app);
    await signIn(attacker, user.username, user.password);
    const replay = await attacker.submit('/login/two-factor', { code });
    if (replay.status === 302) {
      // Only acceptable if a NEW code happened to equal the old one (1 in a million).
      expect(await latestDevCode(t.app, phone)).toBe(code);
    } else {
      expect(replay.status).toBe(422);
      expect((await attacker.get('/')).location).toBe('/login/two-factor');
    }
  });

  it('guessing codes: the pending sign-in ends after 5 wrong ones', async () => {
    const phone = '+14155550113';
    const user = await createUser(t.app, { phone });
    const attacker = new TestClient(t.app);
    await signIn(attacker, user.username, user.password);
    const real = await latestDevCode(t.app, phone);
    let ended = false;
    for (let guess = 0; guess < 10 && !ended; guess++) {
      const code = String(guess).padStart(6, '0');
      if (code === real) continue;
      const res = await attacker.submit('/login/two-factor', { code });
      ended = res.location === '/login';
    }
    expect(ended).toBe(true);
    expect((await attacker.get('/')).location).toBe('/login?next=%2F');
  });

  it('a stolen session alone cannot move the second factor to the attacker\'s phone', async () => {
    const phone = '+14155550116';
    const user = await createUser(t.app, { phone });
    const victim = new TestClient(t.app);
    await signIn(victim, user.username, user.password);
    await victim.submit('/login/two-factor', { code: await latestDevCode(t.app, phone) });
    // The attacker holds the victim's cookies but not the password.
    const swap = await victim.submit('/two-factor/sms/enable', { phone: '+447400123456', password: 'not the password' });
    expect(swap.status).toBe(422);
    await expect(latestDevCode(t.app, '+447400123456')).rejects.toThrow();
    const confirm = await victim.submit('/', { code: '000000' }, '/two-factor/sms/confirm');
    expect(confirm.location).toBe('/two-factor/sms/enable');
    const stored = await t.app.ctx.db.selectFrom('users').select('phone').where('id', '=', user.id).executeTakeFirst();
    expect(stored?.phone).toBe(phone);
  });

  it('a stolen session alone cannot turn on two-factor with the thief\'s phone (which would lock the owner out)', async () => {
    const user = await createUser(t.app);
    const thief = new TestClient(t.app);
    await signIn(thief, user.username, user.password); // stands for a stolen cookie
    for (const password of [undefined, 'a wrong guess at it']) {
      const res = await thief.submit('/two-factor/sms/enable', { phone: '+447400123457', ...(password ? { password } : {}) });
      expect(res.status).toBe(422);
    }
    await expect(latestDevCode(t.app, '+447400123457')).rejects.toThrow();
    const stored = await t.app.ctx.db.selectFrom('users').select('two_factor_enabled').where('id', '=', user.id).executeTakeFirst();
    expect(stored?.two_factor_enabled).toBe(0);
    expect(DEFAULT_TEST_PASSWORD).toBe(user.password); // the right password would have worked (see two-factor-sms tests)
  });

  it('the code page is for pending sign-ins only', async () => {
    const anonymous = new TestClient(t.app);
    expect((await anonymous.get('/login/two-factor')).location).toBe('/login');
    const user = await createUser(t.app);
    const signedIn = new TestClient(t.app);
    await signIn(signedIn, user.username, user.password);
    expect((await signedIn.get('/login/two-factor')).location).toBe('/');
  });

  it('a user id or phone number slipped into the code form is ignored', async () => {
    const victim = await createUser(t.app, { phone: '+14155550114' });
    const attackerUser = await createUser(t.app, { phone: '+14155550115' });
    const attacker = new TestClient(t.app);
    await signIn(attacker, attackerUser.username, attackerUser.password);
    const code = await latestDevCode(t.app, '+14155550115');
    const res = await attacker.submit('/login/two-factor', { code, user_id: String(victim.id), phone: '+14155550114' });
    expect(res.location).toBe('/');
    const home = await attacker.get(`/user/${attackerUser.username}`);
    expect(home.body).toContain('href="/profile/edit"'); // signed in as themselves, not the victim
    const sessions = await t.app.ctx.db.selectFrom('sessions').select('user_id').where('user_id', '=', victim.id).execute();
    expect(sessions).toEqual([]);
  });
});

describe('guessing the password through the 2FA settings', () => {
  it('wrong passwords at "turn off two-factor" count toward the account lockout', async () => {
    const phone = '+14155550117';
    const user = await createUser(t.app, { phone });
    const thief = new TestClient(t.app);
    await signIn(thief, user.username, user.password);
    await thief.submit('/login/two-factor', { code: await latestDevCode(t.app, phone) });
    // A stolen session tries to learn the password by guessing at the disable form.
    for (let i = 0; i < 5; i++) expect((await thief.submit('/two-factor/disable', { password: `guess number ${i}` })).status).toBe(422);
    const locked = await thief.submit('/two-factor/disable', { password: user.password });
    expect(locked.status).toBe(422);
    expect(locked.body).toContain('Too many wrong passwords');
    const stored = await t.app.ctx.db.selectFrom('users').select('two_factor_enabled').where('id', '=', user.id).executeTakeFirst();
    expect(stored?.two_factor_enabled).toBe(1);
  });
});
