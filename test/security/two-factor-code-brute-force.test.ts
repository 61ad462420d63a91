/**
 * Attack: guessing the 6-digit sign-in code with a known (phished, reused)
 * password — restarting the sign-in after every 5 wrong codes for 5 fresh
 * guesses, or firing guesses in parallel.
 * Requirements: OWASP ASVS 5.0 V6.6.3 (out-of-band codes are rate limited),
 * NIST SP 800-63B §5.2.2 (at most 100 consecutive failures per account);
 * issue #3: the 2FA failure counter survives restarting the sign-in, with the
 * same growing lockout as passwords.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult, StartResult, VerifyService } from '../../src/adapters/verify/types.js';
import { accountKey } from '../../src/auth/lockout.js';
import { FREE_CONSECUTIVE_FAILURES } from '../../src/auth/policy.js';
import { minutes, seconds } from '../../src/lib/duration.js';
import { en } from '../../src/i18n/en/index.js';
import { createUser, MEMORY_RATE_LIMITS, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient, type Page } from '../support/client.js';
import { sessionState } from '../support/session-state.js';
import { fakeDate, type FakeTime } from '../support/time.js';
import { phoneNumbers } from '../support/phones.js';
import { ipAddresses } from '../support/net.js';

const RIGHT_CODE = '246810';

/** Approves RIGHT_CODE every time, so only Gatehouse's own counter can stop a guesser; counts sends. */
class FixedCodeVerify implements VerifyService {
  sends = 0;
  start(): Promise<StartResult> {
    this.sends++;
    return Promise.resolve({ ok: true });
  }
  check(_to: string, code: string): Promise<CheckResult> {
    return Promise.resolve(code === RIGHT_CODE ? { ok: true } : { ok: false, reason: 'wrong_code' });
  }
}

let t: TestApp;
let time: FakeTime;
const verify = new FixedCodeVerify();
beforeAll(async () => {
  time = fakeDate();
  // Rate limits in memory on the PostgreSQL run too: these tests wait out lockout windows with a fake Date, which Redis TTLs ignore.
  t = await startTestApp({ ...MEMORY_RATE_LIMITS }, { verify });
});
afterAll(async () => {
  await t.close();
  time.restore();
});

const freshIp = ipAddresses('198.51.100');
const freshPhone = phoneNumbers('+1201555', { after: 300 });
const codeFailures = (userId: number) => t.app.ctx.limits.code.failureCount(accountKey(userId));

async function guess(client: TestClient, code: string): Promise<Page> {
  const token = csrfTokenIn((await client.get('/login/two-factor')).body);
  return client.post('/login/two-factor', { _csrf: token, code });
}

describe('2FA code brute force', () => {
  it('signing in again does not buy 5 fresh guesses: the counter is per account and the right code is refused while locked', async () => {
    const user = await createUser(t.app, { phone: freshPhone() });
    const attacker = new TestClient(t.app, freshIp());
    await signIn(attacker, user.username, user.password);
    for (let i = 0; i < FREE_CONSECUTIVE_FAILURES; i++) await guess(attacker, `11111${i}`);
    expect(await codeFailures(user.id)).toBe(5);

    // The pending sign-in has ended (5 wrong codes); the attacker simply signs in again.
    const sendsBefore = verify.sends;
    expect((await signIn(attacker, user.username, user.password)).location).toBe('/login/two-factor');
    expect(verify.sends).toBe(sendsBefore); // no code is sent to a locked account
    const locked = await guess(attacker, RIGHT_CODE);
    expect(locked.status).toBe(429);
    expect(locked.body).toContain('Too many wrong codes. Try again in 1 minute.');
    expect(await sessionState(attacker)).toBe('second factor pending');

    // After the minute: one more wrong guess locks for 2 minutes, and the counter kept going (6, not 1).
    time.advance(minutes(1) + seconds(1));
    const wrong = await guess(attacker, '999999');
    expect(wrong.status).toBe(429);
    expect(wrong.body).toContain('Too many wrong codes. Try again in 2 minutes.');
    expect(await codeFailures(user.id)).toBe(6);
    expect(await sessionState(attacker)).toBe('second factor pending');

    // The control: once the lock has passed, the right code signs this very client in, so the
    // refusals above were the lock's doing.
    time.advance(minutes(2) + seconds(1));
    const right = await guess(attacker, RIGHT_CODE);
    expect(right.status).toBe(302);
    expect(right.location).toBe('/');
    expect(await sessionState(attacker)).toBe('signed in');
  });

  it('parallel guesses on one pending sign-in: never more than the free 5 are checked, the rest are refused', async () => {
    const user = await createUser(t.app, { phone: freshPhone() });
    const attacker = new TestClient(t.app, freshIp());
    await signIn(attacker, user.username, user.password);
    const token = csrfTokenIn((await attacker.get('/login/two-factor')).body);
    const pages = await Promise.all(Array.from({ length: 30 }, (_, i) => attacker.post('/login/two-factor', { _csrf: token, code: String(100000 + i) })));
    // Each answer is one of the gate's: a wrong code, the pending sign-in ended after its 5 wrong
    // codes, or "too many wrong codes" (another guess is being checked, or the account is locked).
    const answerOf = (p: Page): string => {
      if (p.status === 422 && p.body.includes(en.codes.checkFailure.wrong_code)) return 'wrong';
      if (p.status === 302 && p.location === '/login') return 'ended';
      if (p.status === 429 && p.body.includes('Too many wrong codes. Try again in 1 minute.')) return 'too many';
      return `${p.status} ${p.location ?? ''}`;
    };
    const answers = pages.map(answerOf);
    expect(answers.filter((a) => !['wrong', 'ended', 'too many'].includes(a))).toEqual([]);
    expect(await codeFailures(user.id)).toBeGreaterThanOrEqual(1);
    expect(await codeFailures(user.id)).toBeLessThanOrEqual(FREE_CONSECUTIVE_FAILURES);
    expect(['second factor pending', 'signed out']).toContain(await sessionState(attacker));

    // The control: after the lock, the right code signs the same client in.
    time.advance(minutes(1) + seconds(1));
    expect((await signIn(attacker, user.username, user.password)).location).toBe('/login/two-factor');
    expect((await guess(attacker, RIGHT_CODE)).location).toBe('/');
    expect(await sessionState(attacker)).toBe('signed in');
  });

  it('the right code clears the account counter (the owner is not punished for earlier typos)', async () => {
    const user = await createUser(t.app, { phone: freshPhone() });
    const owner = new TestClient(t.app, freshIp());
    await signIn(owner, user.username, user.password);
    await guess(owner, '123123');
    await guess(owner, '321321');
    expect(await codeFailures(user.id)).toBe(2);
    expect((await guess(owner, RIGHT_CODE)).location).toBe('/');
    expect(await sessionState(owner)).toBe('signed in');
    expect(await codeFailures(user.id)).toBe(0);
  });

  it('wrong codes from one IP across many accounts hit the per-IP limit', async () => {
    const ip = freshIp();
    let last: Page | undefined;
    for (let a = 0; a < 11 && last?.status !== 429; a++) {
      const user = await createUser(t.app, { phone: freshPhone() });
      const client = new TestClient(t.app, ip);
      await signIn(client, user.username, user.password);
      for (let i = 0; i < 5 && last?.status !== 429; i++) last = await guess(client, `55555${i}`);
    }
    expect(last?.status).toBe(429);
    expect(last?.body).toMatch(/Too many wrong codes\. Try again in \d+ minutes?\./);
  });
});
