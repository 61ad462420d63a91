/**
 * Attack: account enumeration through registration. The attacker fills in the
 * sign-up form with someone's email address and learns from the answer — its
 * words, status, cookies or how long it took — whether that address has an
 * account, then targets the owner (phishing, credential stuffing).
 * (OWASP ASVS 5.0 V6.3.8; issue #3, "Brute force and enumeration" → "Email
 * confirmation".)
 * Requirement and defences: an address that already has an account gets the
 * same "Account created — check your email" answer as a new one, creates
 * nothing, and its owner (not the visitor) is told by mail, at most once an
 * hour; the password is hashed in both cases so both take as long. The form
 * may — and must — still say that a username is taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByUsername } from '../../src/db/users.js';
import { createUser, deliveredMailTo, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, TestClient, type Page } from '../support/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await t.app.outbox.stop(); // the test delivers mail itself (deliverDue), so counts never race the worker
});
afterAll(async () => t.close());

const PASSWORD = 'seven orange kites drifting';
let n = 0;
const form = (email: string, username = `newcomer_${++n}`) => ({
  first_name: 'Eve',
  last_name: 'Prober',
  username,
  email,
  password: PASSWORD,
  confirm_password: PASSWORD,
});

/** What the visitor can observe of an answer, apart from per-request randomness (CSRF tokens, cookie values). */
function observable(page: Page) {
  return {
    status: page.status,
    location: page.location,
    cookies: page.setCookies.map((c) => c.replace(/=[^;]*/, '=…')).sort(),
  };
}
const main = (body: string) => /<main[\s\S]*<\/main>/.exec(body)?.[0].replace(/name="_csrf" value="[^"]+"/g, '');

async function usersCount(): Promise<number> {
  const row = await t.app.ctx.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('account enumeration through registration', () => {
  it('an address with an account gets the same answer as a new one, and nothing is created', async () => {
    const owner = await createUser(t.app, { email: 'victim@example.com' });

    const freshClient = new TestClient(t.app);
    const fresh = await freshClient.submit('/register', form('fresh-address@example.com'));
    const probeClient = new TestClient(t.app);
    const before = await usersCount();
    const probeForm = form(' VICTIM@Example.com ');
    const probe = await probeClient.submit('/register', probeForm);

    expect(observable(probe)).toEqual(observable(fresh));
    expect(fresh.status).toBe(302);
    const freshNext = await freshClient.follow(fresh);
    const probeNext = await probeClient.follow(probe);
    expect(main(probeNext.body)).toBe(main(freshNext.body));
    expect(main(probeNext.body)).toContain('Account created — check your email to confirm your address.');

    expect(await usersCount()).toBe(before);
    expect(await findUserByUsername(t.app.ctx.db, probeForm.username)).toBeUndefined();
    // The owner's account is untouched: same password, same address.
    const stored = (await findUserByUsername(t.app.ctx.db, owner.username))!;
    expect(stored.password_hash).toBe(owner.password_hash);
    expect(stored.email).toBe('victim@example.com');
  });

  it('the owner, not the visitor, is told — with links to sign in and to reset the password', async () => {
    const owner = await createUser(t.app, { email: 'owner-told@example.com', firstName: 'Olive' });
    await new TestClient(t.app).submit('/register', form('Owner-Told@example.com'));
    const mails = await deliveredMailTo(t.app, 'owner-told@example.com');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('Someone tried to register with your Gatehouse address');
    expect(mails[0]!.text_body).toContain('Hi Olive,');
    expect(mails[0]!.text_body).toContain(`${t.config.appUrl}/login`);
    expect(mails[0]!.text_body).toContain(`${t.config.appUrl}/reset-password`);
    expect(mails[0]!.html_body).toContain(`href="${t.config.appUrl}/reset-password"`);
    // No confirmation link is issued for (or mailed to) the existing account.
    const tokens = await t.app.ctx.db.selectFrom('email_confirmation_tokens').selectAll().where('user_id', '=', owner.id).execute();
    expect(tokens).toEqual([]);
    expect(mails.some((m) => m.text_body.includes('/confirm-email/'))).toBe(false);
  });

  it('repeated attempts cannot flood the owner’s inbox: one notice an hour', async () => {
    await createUser(t.app, { email: 'flooded@example.com' });
    for (let i = 0; i < 5; i++) {
      const res = await new TestClient(t.app).submit('/register', form('flooded@example.com'));
      expect(res.status).toBe(302);
    }
    expect(await deliveredMailTo(t.app, 'flooded@example.com')).toHaveLength(1);
  });

  it('a username that is taken is still said to be taken (and says nothing about the address)', async () => {
    const owner = await createUser(t.app, { email: 'taken-name@example.com' });
    for (const email of ['taken-name@example.com', 'somebody-new@example.com']) {
      const res = await new TestClient(t.app).submit('/register', form(email, owner.username.toUpperCase()));
      expect(res.status).toBe(422);
      expect(res.body).toContain('That username is taken');
      expect(res.body).not.toContain('already uses this email');
      expect(res.body).toContain('id="f-username-error"');
      expect(res.body).not.toContain('id="f-email-error"');
    }
    const [known, unknown] = await Promise.all(
      ['taken-name@example.com', 'somebody-new@example.com'].map((email) => new TestClient(t.app).submit('/register', form(email, owner.username))),
    );
    expect(main(known!.body)?.replace('taken-name@example.com', 'X')).toBe(main(unknown!.body)?.replace('somebody-new@example.com', 'X'));
  });

  it('an address with an account costs a password hash too (no fast path to time)', async () => {
    await createUser(t.app, { email: 'timed@example.com' });
    let n = 0;
    const time = async (email: string) => {
      const client = new TestClient(t.app, `198.51.100.${++n}`); // one address each: the registration limit is per IP
      const token = csrfTokenIn((await client.get('/register')).body);
      const start = process.hrtime.bigint();
      const res = await client.post('/register', { _csrf: token, ...form(email) });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      expect(res.status).toBe(302);
      return ms;
    };
    await time('warm-up@example.com');
    // Interleaved samples, compared by their minimum: the least disturbed by other load on the machine.
    const known: number[] = [];
    const fresh: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await time('timed@example.com'));
      fresh.push(await time(`timed-fresh-${i}@example.com`));
    }
    const knownMs = Math.min(...known);
    const freshMs = Math.min(...fresh);
    // An argon2id hash takes tens of ms here; skipping it for a known address would make that case well under a third.
    expect(knownMs).toBeGreaterThan(freshMs / 3);
    expect(freshMs).toBeGreaterThan(knownMs / 3);
  });
});
