/**
 * Attack: account enumeration. An attacker learns which usernames or emails
 * have accounts from differences in the answers of sign-in and "forgot
 * password", then targets them. (OWASP ASVS 5.0 V6.3.8; NIST SP 800-63B §5.2.2.)
 * Defences: one message for an unknown user and a wrong password, with a dummy
 * hash so both cost the same; a paused (locked-out) sign-in is told with the
 * same words, status and headers for a login that matches no account, which
 * locks exactly as an account does; "forgot password" answers the same either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const main = (body: string) => /<main[\s\S]*<\/main>/.exec(body)?.[0].replace(/name="_csrf" value="[^"]+"/g, '');

describe('account enumeration', () => {
  it('sign-in: unknown user and wrong password give the same status and page', async () => {
    const user = await createUser(t.app);
    const known = await signIn(new TestClient(t.app), user.username, 'wrong password');
    const unknown = await signIn(new TestClient(t.app), 'nobody_' + user.username.slice(4), 'wrong password');
    expect(known.status).toBe(unknown.status);
    expect(main(known.body)?.replace(user.username, 'X')).toBe(main(unknown.body)?.replace('nobody_' + user.username.slice(4), 'X'));
  });

  it('sign-in: the lockout page of a real account and of an unknown login are the same (status, Retry-After, page)', async () => {
    const user = await createUser(t.app);
    const nobody = `nobody_${user.username.slice(4)}`;
    const answers = async (login: string, last: string) => {
      const pages = [];
      for (let i = 1; i <= 5; i++) pages.push(await signIn(new TestClient(t.app), login, `wrong password ${i}`));
      pages.push(await signIn(new TestClient(t.app), login, last));
      return pages.map((p) => ({ status: p.status, retryAfter: p.headers['retry-after'], page: main(p.body)?.replace(login, 'X') }));
    };
    // The account's owner types the right password while it is locked; the prober types anything.
    const known = await answers(user.username, user.password);
    const unknown = await answers(nobody, 'whatever');
    expect(known.map((a) => a.status)).toEqual([401, 401, 401, 401, 429, 429]);
    expect(known[5]!.page).toContain('Sign-in to this account is paused for 1 minute');
    expect(unknown).toEqual(known);
  });

  it('sign-in: an unknown user still costs a password hash (no fast path to time)', async () => {
    const user = await createUser(t.app);
    const time = async (login: string) => {
      const client = new TestClient(t.app);
      const page = await client.get('/login');
      const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const start = process.hrtime.bigint();
      await client.post('/login', { _csrf: token, login, password: 'wrong password' });
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    await time('warm-up');
    // Interleaved samples, compared by their minimum: the least disturbed by other load on the machine.
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await time(user.username));
      unknown.push(await time('no_such_user_at_all'));
    }
    const knownMs = Math.min(...known);
    const unknownMs = Math.min(...unknown);
    // An argon2id check takes several ms here; without the dummy hash the unknown case would take well under 1 ms.
    expect(unknownMs).toBeGreaterThan(knownMs / 3);
  });

  it('forgot password: the same page whether or not the address has an account', async () => {
    const user = await createUser(t.app);
    const known = await new TestClient(t.app).submit('/reset-password', { email: user.email });
    const unknown = await new TestClient(t.app).submit('/reset-password', { email: 'nobody@example.com' });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(main(known.body)).toBe(main(unknown.body));
  });
});
