/**
 * Attacks on password-reset links: replaying a used link (from browser
 * history, a forwarded mail), using an old link after a newer one, using a link
 * after it expired, reading tokens out of a leaked database, and using a reset
 * to skip the second factor. (OWASP ASVS 5.0 V6.4; the original app's links
 * were reusable until expiry.)
 * Defences: 256-bit tokens stored only as SHA-256, valid 30 minutes, consumed
 * atomically on use, voided by a newer link; a reset ends every session and
 * never signs in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/lib/tokens.js';
import { listDevMessages } from '../../src/db/dev-outbox.js';
import { ManualClock, minutes, seconds } from '../../src/lib/duration.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { newResetLinkIn } from '../support/password-forms.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: 'https://gatehouse.example' }, { clock, outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

/** Asks for a reset link and returns its path, read from the mail as the user would (other mail delivered meanwhile passed over). */
async function requestLink(email: string): Promise<string> {
  const before = (await listDevMessages(t.app.ctx.db)).length;
  await new TestClient(t.app).submit('/reset-password', { email });
  for (let i = 0; i < 100; i++) {
    const link = newResetLinkIn(await listDevMessages(t.app.ctx.db), before, email);
    if (link) return link;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the reset mail never arrived');
}

const newPassword = { password: 'a brand new passphrase', confirm_password: 'a brand new passphrase' };

describe('password-reset links', () => {
  it('work once: the second use shows the "no longer works" page', async () => {
    const user = await createUser(t.app);
    const link = await requestLink(user.email);
    const client = new TestClient(t.app);
    expect((await client.submit(link, newPassword)).status).toBe(302);
    const again = await new TestClient(t.app).get(link);
    expect(again.status).toBe(410);
    expect(again.body).toContain('This link no longer works');
  });

  it('two concurrent uses of one link: exactly one succeeds', async () => {
    const user = await createUser(t.app);
    const link = await requestLink(user.email);
    const a = new TestClient(t.app);
    const b = new TestClient(t.app);
    const tokenA = /name="_csrf" value="([^"]+)"/.exec((await a.open(link)).body)![1]!;
    const tokenB = /name="_csrf" value="([^"]+)"/.exec((await b.open(link)).body)![1]!;
    const results = await Promise.all([
      a.post('/reset-password/new', { _csrf: tokenA, ...newPassword }),
      b.post('/reset-password/new', { _csrf: tokenB, password: 'the other passphrase', confirm_password: 'the other passphrase' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([302, 410]);
  });

  it('expire after 30 minutes', async () => {
    const user = await createUser(t.app);
    const link = await requestLink(user.email);
    clock.advance(minutes(29));
    const client = new TestClient(t.app);
    const form = await client.open(link); // opened in time, submitted too late
    expect(form.status).toBe(200);
    clock.advance(minutes(1) + seconds(1));
    expect((await new TestClient(t.app).get(link)).status).toBe(410);
    const post = await client.post('/reset-password/new', { _csrf: /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!, ...newPassword });
    expect(post.status).toBe(410);
  });

  it('a newer link voids the older one', async () => {
    const user = await createUser(t.app);
    const older = await requestLink(user.email);
    const newer = await requestLink(user.email);
    expect((await new TestClient(t.app).get(older)).status).toBe(410);
    expect((await new TestClient(t.app).open(newer)).status).toBe(200);
  });

  it('leave the address bar after the first load: the token moves into an HttpOnly cookie', async () => {
    const user = await createUser(t.app);
    const link = await requestLink(user.email);
    const client = new TestClient(t.app);
    const opened = await client.get(link);
    expect(opened.status).toBe(303);
    expect(opened.location).toBe('/reset-password/new');
    const cookie = opened.setCookies.find((c) => c.startsWith('__Host-gatehouse_reset='));
    expect(cookie).toMatch(/HttpOnly; Secure; SameSite=Lax/);
    const form = await client.follow(opened);
    expect(form.body).not.toContain(link.split('/').pop()!);
    // Without the cookie (another browser, a copied URL) the form page is dead.
    expect((await new TestClient(t.app).get('/reset-password/new')).status).toBe(410);
  });

  it('are stored only as hashes', async () => {
    const user = await createUser(t.app);
    const link = await requestLink(user.email);
    const token = link.split('/').pop()!;
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16); // ≥ 128 bits
    const rows = await t.app.ctx.db.selectFrom('password_reset_tokens').select('token_hash').where('user_id', '=', user.id).execute();
    expect(rows).toEqual([{ token_hash: hashToken(token) }]);
    expect((await new TestClient(t.app).get(`/reset-password/${rows[0]!.token_hash}`)).status).toBe(410);
  });

  it('end every session of the user and never sign in; a 2FA user still needs the code', async () => {
    const phone = '+14155550190';
    const user = await createUser(t.app, { phone });
    const elsewhere = new TestClient(t.app);
    await signIn(elsewhere, user.username, user.password);
    expect((await elsewhere.get('/login/two-factor')).status).toBe(200);

    const link = await requestLink(user.email);
    const client = new TestClient(t.app);
    const done = await client.submit(link, newPassword);
    expect(done.location).toBe('/login');
    expect(done.setCookies.some((c) => c.startsWith('__Host-gatehouse_session=') && !c.includes('Max-Age=0'))).toBe(false);
    expect((await elsewhere.get('/login/two-factor')).location).toBe('/login');

    const old = await signIn(new TestClient(t.app), user.username, user.password);
    expect(old.status).toBe(401);
    const fresh = await signIn(new TestClient(t.app), user.username, newPassword.password);
    expect(fresh.location).toBe('/login/two-factor');
  });

  it('the link uses APP_URL, never the Host header of the request', async () => {
    const user = await createUser(t.app);
    const before = (await listDevMessages(t.app.ctx.db)).length;
    const client = new TestClient(t.app);
    const page = await client.get('/reset-password');
    await client.request('POST', '/reset-password', {
      form: { _csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!, email: user.email },
      headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' },
    });
    let mail;
    for (let i = 0; i < 100 && !mail; i++) {
      const messages = await listDevMessages(t.app.ctx.db);
      if (messages.length > before) mail = messages[0];
      else await new Promise((r) => setTimeout(r, 20));
    }
    expect(mail?.text_body).toContain('https://gatehouse.example/reset-password/');
    expect(mail?.text_body).not.toContain('evil.example');
    expect(mail?.html_body).not.toContain('evil.example');
  });
});
