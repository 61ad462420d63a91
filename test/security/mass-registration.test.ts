/**
 * Attack: mass registration from one network. Each sign-up costs the server an
 * argon2id hash and may send a confirmation mail to any address; scripted
 * sign-ups also supply the throwaway accounts that SMS pumping needs.
 * (OWASP ASVS 5.0 V2.4.1 anti-automation.) Defence: a per-IP limit on
 * registrations (IPv6 counted per /64), answered with 429 before any hashing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRATIONS_PER_IP } from '../../src/auth/policy.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const form = (i: number) => ({
  first_name: 'Bot',
  last_name: 'Net',
  username: `bot_${i}`,
  email: `bot${i}@example.com`,
  password: 'a long enough passphrase here',
  confirm_password: 'a long enough passphrase here',
});

describe('mass registration', () => {
  it('one IPv6 /64 gets its limit of sign-ups per hour, then 429 with nothing created; another network is unaffected', async () => {
    for (let i = 0; i < REGISTRATIONS_PER_IP.points; i++) {
      // A different address of the same /64 every time: still one subscriber.
      const res = await new TestClient(t.app, `2001:db8:7:7::${(i + 1).toString(16)}`).submit('/register', form(i));
      expect(res.status, `registration ${i}`).toBe(302);
    }
    const refused = await new TestClient(t.app, '2001:db8:7:7:ffff::1').submit('/register', form(999));
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('Too many new accounts from your network');
    expect(await t.app.ctx.db.selectFrom('users').select('id').where('username_normalized', '=', 'bot_999').executeTakeFirst()).toBeUndefined();
    expect((await new TestClient(t.app, '2001:db8:8:8::1').submit('/register', form(1000))).status).toBe(302);
  });
});
