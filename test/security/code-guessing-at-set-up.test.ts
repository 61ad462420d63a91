/**
 * Attack: guessing one-time codes where a factor is set up rather than where
 * it is used. Sign-in limits wrong codes per account and per IP; if the set-up
 * pages (SMS, authenticator app) checked codes on their own, without those
 * limits, they would be a side door: unlimited guesses per account, and a way
 * to spend wrong codes from one address without ever meeting the per-IP cap.
 * (OWASP ASVS 5.0 V6.3.1 and V6.6.3: limit attempts on every code; issue #12
 * item 8: one module owns a code attempt, used by sign-in and every set-up.)
 * Defence: every code check goes through src/auth/code-attempt.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_FAILURES_PER_IP, FREE_CONSECUTIVE_FAILURES } from '../../src/auth/policy.js';
import { findTotpFactor } from '../../src/db/factors.js';
import { recentSecurityEvents } from '../../src/db/security-events.js';
import { createUser, DEFAULT_TEST_PASSWORD, latestDevCode, MEMORY_RATE_LIMITS, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { enrolAuthenticator, keyIn, totpCode } from '../support/totp.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ ...MEMORY_RATE_LIMITS });
});
afterAll(async () => t.close());

const wrongFor = (right: string) => String((Number(right) + 1) % 1_000_000).padStart(6, '0');
const LOCKED = /Too many wrong codes\. Try again in \d+ minutes?\./;

/** A fresh account signed in from `ip` (so no step-up is asked), on the authenticator set-up page; returns its key. */
async function atAppSetUp(ip: string) {
  const user = await createUser(t.app);
  const client = new TestClient(t.app, ip);
  await signIn(client, user.username, user.password);
  const page = await client.get('/two-factor/app/enable');
  expect(page.status).toBe(200);
  return { user, client, key: keyIn(page.body) };
}

describe('code guessing at set-up', () => {
  it('the authenticator set-up counts wrong codes per account, locks like sign-in, and logs them', async () => {
    const { user, client, key } = await atAppSetUp('198.51.100.10');
    const wrong = wrongFor(totpCode(key, Date.now()));
    const statuses = [];
    for (let i = 0; i < FREE_CONSECUTIVE_FAILURES + 1; i++) statuses.push((await client.submit('/two-factor/app/enable', { code: wrong })).status);
    expect(statuses).toEqual([422, 422, 422, 422, 429, 429]);
    // Locked: not even the right code sets the app up now.
    const right = await client.submit('/two-factor/app/enable', { code: totpCode(key, Date.now()) });
    expect(right.status).toBe(429);
    expect(right.body).toMatch(LOCKED);
    expect((await findTotpFactor(t.app.ctx.db, user.id))?.confirmed_at).toBeNull();
    expect((await recentSecurityEvents(t.app.ctx.db, user.id, 0)).filter((e) => e.kind === 'code_failed')).toHaveLength(5);
  });

  it('wrong codes at both set-up pages count toward the per-IP cap that sign-in codes share', async () => {
    const ip = '198.51.100.20';
    // Positive control: a right code at set-up works from this address, and gives its point back.
    const control = await atAppSetUp(ip);
    expect((await control.client.submit('/two-factor/app/enable', { code: totpCode(control.key, Date.now()) })).status).toBe(200);

    // 45 wrong codes at the authenticator set-up, five accounts at a time...
    for (let n = 0; n < 9; n++) {
      const { client, key } = await atAppSetUp(ip);
      for (let i = 0; i < 5; i++) await client.submit('/two-factor/app/enable', { code: wrongFor(totpCode(key, Date.now())) });
    }
    // ...and 5 at the SMS set-up: 50, the cap.
    const sms = await atAppSetUp(ip);
    const phone = '+14155550177';
    expect((await sms.client.submit('/two-factor/sms/enable', { phone, password: DEFAULT_TEST_PASSWORD, channel: 'sms' })).location).toBe('/two-factor/sms/confirm');
    const smsWrong = wrongFor(await latestDevCode(t.app, phone));
    for (let i = 0; i < 4; i++) expect((await sms.client.submit('/two-factor/sms/confirm', { code: smsWrong })).status).toBe(422);
    // The fifth also ends the enrolment (five per enrolment), as before.
    expect((await sms.client.submit('/two-factor/sms/confirm', { code: smsWrong })).location).toBe('/two-factor/sms/enable');
    expect(CODE_FAILURES_PER_IP.points).toBe(50);

    // The next code from this address is refused before it is checked, wherever it is typed — even a right one.
    const next = await atAppSetUp(ip);
    const refused = await next.client.submit('/two-factor/app/enable', { code: totpCode(next.key, Date.now()) });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatch(LOCKED);
    expect((await findTotpFactor(t.app.ctx.db, next.user.id))?.confirmed_at).toBeNull();

    // At sign-in too: an account with an app, signing in from the same address.
    const owner = await createUser(t.app);
    const ownerClient = new TestClient(t.app, '203.0.113.50');
    await signIn(ownerClient, owner.username, owner.password);
    const { key } = await enrolAuthenticator(ownerClient, () => Date.now());
    const fromIp = new TestClient(t.app, ip);
    expect((await signIn(fromIp, owner.username, owner.password)).location).toBe('/login/two-factor/app');
    const atSignIn = await fromIp.submit('/login/two-factor/app', { code: totpCode(key, Date.now() + 30_000) });
    expect(atSignIn.status).toBe(429);
    expect(atSignIn.body).toMatch(LOCKED);
    // From another address the same account is not held back.
    const elsewhere = new TestClient(t.app, '203.0.113.51');
    expect((await signIn(elsewhere, owner.username, owner.password)).location).toBe('/login/two-factor/app');
    expect((await elsewhere.submit('/login/two-factor/app', { code: totpCode(key, Date.now() + 30_000) })).location).toBe('/');
  });
});
