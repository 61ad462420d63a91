/**
 * Email confirmation through the app: the link mailed at registration, the
 * banner until it is used, "Resend" (throttled), and links that are used,
 * expired or replaced. Mail is read from the dev outbox, as a developer would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/app.js';
import { hashToken } from '../../src/lib/tokens.js';
import { findUserByUsername } from '../../src/db/users.js';
import { hours, ManualClock, minutes, seconds } from '../../src/lib/duration.js';
import { createUser, deliveredMailTo, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, flashIn, signIn, TestClient } from '../support/client.js';
import { signedInAs } from '../support/sign-in.js';

const APP_URL = 'https://gatehouse.example';
const clock = new ManualClock(Date.UTC(2026, 10, 25, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ APP_URL }, { clock });
  // Mail is delivered by the test (deliverDue), not by the background worker, so reading it never races.
  await t.app.outbox.stop();
});
afterAll(async () => t.close());

let n = 0;
const PASSWORD = 'a long and memorable passphrase';

/** Registers through the form; returns the username and address used. */
async function register(client = new TestClient(t.app)) {
  n++;
  const username = `confirm_${n}`;
  const email = `Confirm.${n}@Example.com`;
  const res = await client.submit('/register', {
    first_name: 'Grace',
    last_name: 'Hopper',
    username,
    email,
    password: PASSWORD,
    confirm_password: PASSWORD,
  });
  expect(res.status).toBe(302);
  return { username, email, res };
}

/** The path of the newest confirmation link mailed to `address`. */
async function latestLink(address: string): Promise<string> {
  const mail = (await deliveredMailTo(t.app, address)).find((m) => m.subject === 'Confirm your email address for Gatehouse');
  if (!mail) throw new Error(`no confirmation mail to ${address}`);
  const match = new RegExp(`${APP_URL}(/confirm-email/[A-Za-z0-9_-]+)`).exec(mail.text_body);
  if (!match) throw new Error('no link in the mail');
  expect(mail.html_body).toContain(`href="${APP_URL}${match[1]!}"`);
  return match[1]!;
}

async function resend(client: TestClient) {
  const home = await client.get('/');
  return client.post('/confirm-email/resend', { _csrf: csrfTokenIn(home.body) });
}

const BANNER = 'Confirm your email address</strong>';

describe('email confirmation', () => {
  it('registration mails a 24-hour link whose token is stored only as a hash', async () => {
    const { username, email } = await register();
    const mails = await deliveredMailTo(t.app, email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text_body).toContain('Hi Grace,');
    expect(mails[0]!.text_body).toContain('for 24 hours');
    const link = await latestLink(email);
    const token = link.split('/').pop()!;
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16); // ≥ 128 bits
    const user = (await findUserByUsername(t.app.ctx.db, username))!;
    expect(user.email_confirmed_at).toBeNull();
    const rows = await t.app.ctx.db.selectFrom('email_confirmation_tokens').selectAll().where('user_id', '=', user.id).execute();
    expect(rows).toEqual([{ token_hash: hashToken(token), user_id: user.id, created_at: clock.now(), expires_at: clock.now() + hours(24) }]);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('an unconfirmed user may sign in and sees the banner on every page until confirming', async () => {
    const { username } = await register();
    const client = await signedInAs(t.app, { username, password: PASSWORD });
    for (const path of ['/', `/user/${username}`, '/profile/edit']) {
      const page = await client.get(path);
      expect(page.status).toBe(200);
      expect(page.body).toContain(BANNER);
      expect(page.body).toContain(`we sent a link to C…@Example.com.`);
      expect(page.body).toContain('action="/confirm-email/resend"');
    }
  });

  it('opening the link while signed in: the page asks, the button confirms, the banner goes', async () => {
    const { username, email } = await register();
    const client = await signedInAs(t.app, { username, password: PASSWORD });
    const link = await latestLink(email);

    const page = await client.get(link);
    expect(page.status).toBe(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.body).toContain('Confirm that C…@Example.com is your address');
    // GET changes nothing (a mail scanner that prefetches the link cannot use it up).
    expect((await findUserByUsername(t.app.ctx.db, username))!.email_confirmed_at).toBeNull();

    const done = await client.post(link, { _csrf: csrfTokenIn(page.body) });
    expect(done.status).toBe(302);
    expect(done.location).toBe('/');
    const home = await client.follow(done);
    expect(flashIn(home.body)).toContain('your email address is confirmed');
    expect(home.body).not.toContain(BANNER);
    expect((await findUserByUsername(t.app.ctx.db, username))!.email_confirmed_at).toBe(clock.now());
  });

  it('opening the link while signed out works too, and sends the user to sign in', async () => {
    const { username, email } = await register();
    const link = await latestLink(email);
    const visitor = new TestClient(t.app);
    const done = await visitor.submit(link, {});
    expect(done.status).toBe(302);
    expect(done.location).toBe('/login');
    expect(flashIn((await visitor.follow(done)).body)).toContain('Sign in to continue');
    expect((await findUserByUsername(t.app.ctx.db, username))!.email_confirmed_at).toBe(clock.now());
    const client = await signedInAs(t.app, { username, password: PASSWORD });
    expect((await client.get('/')).body).not.toContain(BANNER);
  });

  it('a used link shows a clear page; a confirmed user is told there is nothing to do', async () => {
    const { username, email } = await register();
    const link = await latestLink(email);
    const client = await signedInAs(t.app, { username, password: PASSWORD });
    expect((await client.submit(link, {})).status).toBe(302);

    const again = await client.get(link);
    expect(again.status).toBe(410);
    expect(again.body).toContain('This link no longer works');
    expect(again.body).toContain('already confirmed');
    const post = await client.post(link, { _csrf: csrfTokenIn(again.body) });
    expect(post.status).toBe(410);

    const visitor = await new TestClient(t.app).get(link);
    expect(visitor.status).toBe(410);
    expect(visitor.body).toContain('sign in</a> and choose <strong>Resend</strong>');
  });

  it('an expired link shows a clear page with a button for a new link, which works', async () => {
    const { username, email } = await register();
    const link = await latestLink(email);
    clock.advance(hours(24));
    const client = await signedInAs(t.app, { username, password: PASSWORD }); // after the wait: sessions do not last 24 hours without "remember me"
    const page = await client.get(link);
    expect(page.status).toBe(410);
    expect(page.body).toContain('This link no longer works');
    expect(page.body).toContain('Send me a new link');
    expect((await client.post(link, { _csrf: csrfTokenIn(page.body) })).status).toBe(410);
    expect((await findUserByUsername(t.app.ctx.db, username))!.email_confirmed_at).toBeNull();

    // The page's button is the banner's "Resend".
    const sent = await client.post('/confirm-email/resend', { _csrf: csrfTokenIn(page.body) });
    expect(sent.status).toBe(302);
    const fresh = await latestLink(email);
    expect(fresh).not.toBe(link);
    expect((await client.submit(fresh, {})).status).toBe(302);
    expect((await findUserByUsername(t.app.ctx.db, username))!.email_confirmed_at).toBe(clock.now());
  });

  it('the link still works just before 24 hours', async () => {
    const { username, email } = await register();
    const link = await latestLink(email);
    clock.advance(hours(24) - seconds(1));
    expect((await new TestClient(t.app).submit(link, {})).status).toBe(302);
    expect((await findUserByUsername(t.app.ctx.db, username))!.email_confirmed_at).toBe(clock.now());
  });

  it('resend: a new link voids the older one, at most once a minute', async () => {
    const { username, email } = await register();
    const first = await latestLink(email);
    const client = await signedInAs(t.app, { username, password: PASSWORD });

    const tooSoon = await resend(client);
    expect(tooSoon.status).toBe(302);
    expect(flashIn((await client.follow(tooSoon)).body)).toContain('less than a minute ago');
    expect(await deliveredMailTo(t.app, email)).toHaveLength(1);

    clock.advance(minutes(1));
    const ok = await resend(client);
    expect(flashIn((await client.follow(ok)).body)).toContain('We sent a new confirmation link to C…@Example.com');
    expect(await deliveredMailTo(t.app, email)).toHaveLength(2);
    const second = await latestLink(email);
    expect(second).not.toBe(first);

    expect((await client.get(first)).status).toBe(410);
    expect((await client.submit(second, {})).status).toBe(302);
    expect((await findUserByUsername(t.app.ctx.db, username))!.email_confirmed_at).not.toBeNull();

    // Confirmed: resend sends nothing more.
    clock.advance(minutes(5));
    const after = await resend(client);
    expect(flashIn((await client.follow(after)).body)).toContain('already confirmed');
    expect(await deliveredMailTo(t.app, email)).toHaveLength(2);
  });

  it('resend needs a signed-in user and a CSRF token', async () => {
    const visitor = new TestClient(t.app);
    const page = await visitor.get('/login');
    const res = await visitor.post('/confirm-email/resend', { _csrf: csrfTokenIn(page.body) });
    expect(res.status).toBe(302);
    expect(res.location).toMatch(/^\/login/);

    const { username } = await register();
    const client = await signedInAs(t.app, { username, password: PASSWORD });
    expect((await client.post('/confirm-email/resend', {})).status).toBe(403);
  });

  it('test users count as confirmed unless asked otherwise', async () => {
    const confirmed = await createUser(t.app);
    const unconfirmed = await createUser(t.app, { emailConfirmed: false, email: 'unconfirmed@example.org' });
    const a = new TestClient(t.app);
    await signIn(a, confirmed.username, confirmed.password);
    expect((await a.get('/')).body).not.toContain(BANNER);
    const b = new TestClient(t.app);
    await signIn(b, unconfirmed.username, unconfirmed.password);
    expect((await b.get('/')).body).toContain('we sent a link to u…@example.org');
  });

  it('garbage and unknown tokens get the same "no longer works" page', async () => {
    for (const path of ['/confirm-email/short', `/confirm-email/${'A'.repeat(43)}`]) {
      const page = await new TestClient(t.app).get(path);
      expect(page.status).toBe(410);
      expect(page.body).toContain('This link no longer works');
    }
  });

  it('tokens in confirmation links are kept out of the request log', () => {
    expect(redactUrl('/confirm-email/abcDEF123_-xyz?x=1')).toBe('/confirm-email/[redacted]?x=1');
    expect(redactUrl('/reset-password/abcDEF123')).toBe('/reset-password/[redacted]');
  });
});
