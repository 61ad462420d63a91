/**
 * Attack: credential stuffing — one client tries leaked username/password
 * pairs against many different accounts, one or two guesses each, so no single
 * account's lockout ever triggers.
 * Requirements: OWASP ASVS 5.0 V6.3.1 (controls against credential stuffing
 * and brute force); issue #3: per-IP throttling of password sign-in, counted
 * atomically.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurePasswordHashing, HASH_QUEUE_MAX_WAIT_MS } from '../../src/auth/password.js';
import { SIGN_IN_FAILURES_PER_IP } from '../../src/auth/policy.js';
import { hours, seconds } from '../../src/lib/duration.js';
import { createUser, MEMORY_RATE_LIMITS, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient, type Page } from '../support/client.js';
import { fakeDate, type FakeTime } from '../support/time.js';

let t: TestApp;
let time: FakeTime;
beforeAll(async () => {
  time = fakeDate();
  // Rate limits in memory on the PostgreSQL run too: these tests wait out lockout windows with a fake Date, which Redis TTLs ignore.
  t = await startTestApp({ ...MEMORY_RATE_LIMITS });
});
afterAll(async () => {
  await t.close();
  time.restore();
});

const attempt = (ip: string, login: string, password: string): Promise<Page> => signIn(new TestClient(t.app, ip), login, password);

describe('credential stuffing from one address', () => {
  it('is stopped after the per-IP failure limit, even for a pair that is right; other addresses are unaffected; the window ends', async () => {
    const stuffer = '192.0.2.10';
    const real = await createUser(t.app);
    for (let i = 0; i < SIGN_IN_FAILURES_PER_IP.points; i++) {
      expect((await attempt(stuffer, `leaked_user_${i}`, `leaked password ${i}`)).status).toBe(401);
    }
    const stopped = await attempt(stuffer, real.username, real.password);
    expect(stopped.status).toBe(429);
    expect(stopped.body).toMatch(/Too many sign-in attempts from your network\. Try again in (60|59) minutes\./);
    expect(stopped.setCookies.some((c) => c.startsWith('gatehouse_session='))).toBe(false);

    expect((await attempt('192.0.2.11', real.username, real.password)).status).toBe(302);
    time.advance(hours(1) + seconds(1));
    expect((await attempt(stuffer, real.username, real.password)).status).toBe(302);
  });

  it('successful sign-ins do not use up an address (an office behind one NAT)', async () => {
    const office = '192.0.2.20';
    const users = await Promise.all(Array.from({ length: 5 }, () => createUser(t.app)));
    for (let round = 0; round < 25; round++) {
      for (const user of users) expect((await attempt(office, user.username, user.password)).status).toBe(302);
    }
  });

  it('50 parallel wrong passwords from one address are all counted: exactly 50 failures remain', async () => {
    const ip = '192.0.2.30';
    // This is about the count, not the hash queue's time limit (password-hashing-flood.test.ts): on a busy machine
    // 50 hashes may wait longer than HASH_QUEUE_MAX_WAIT_MS, and a 503 would then count nothing.
    configurePasswordHashing({ maxWaitMs: 60_000 });
    const pages = await Promise.all(Array.from({ length: 50 }, (_, i) => attempt(ip, `victim_${i}`, 'guess'))).finally(() =>
      configurePasswordHashing({ maxWaitMs: HASH_QUEUE_MAX_WAIT_MS }),
    );
    expect(pages.map((p) => p.status).filter((s) => s !== 401)).toEqual([]);
    for (let i = 0; i < SIGN_IN_FAILURES_PER_IP.points - 50; i++) expect((await attempt(ip, `other_${i}`, 'guess')).status).toBe(401);
    expect((await attempt(ip, 'one_more', 'guess')).status).toBe(429);
  });
});
