/**
 * Attack: account enumeration. An attacker learns which usernames or emails
 * have accounts from differences in the answers of sign-in and "forgot
 * password", then targets them. (OWASP ASVS 5.0 V6.3.8; NIST SP 800-63B §5.2.2.)
 * Defences: one message for an unknown user and a wrong password, with a dummy
 * hash so both cost the same; "forgot password" answers the same either way.
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
