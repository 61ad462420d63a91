/**
 * Attack: cross-site request forgery. A page on another site makes the
 * victim's browser post a form to Gatehouse (sign out, change the profile,
 * turn off 2FA) with the victim's cookies attached. (OWASP ASVS 5.0 V3.5.1.)
 * Defence: every state-changing request must carry a token tied to a secret in
 * a signed, HttpOnly cookie; SameSite=Lax cookies are a second layer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskSecret } from '../../src/auth/csrf.js';
import { findUserById } from '../../src/db/users.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient } from '../support/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

async function victim() {
  const user = await createUser(t.app);
  const client = new TestClient(t.app);
  await signIn(client, user.username, user.password);
  return { user, client };
}

describe('cross-site request forgery', () => {
  it('a forged profile edit without a token is refused and changes nothing', async () => {
    const { user, client } = await victim();
    const res = await client.post('/profile/edit', { username: 'pwned', about_me: 'pwned' });
    expect(res.status).toBe(403);
    expect((await findUserById(t.app.ctx.db, user.id))?.about_me).toBe('');
  });

  it("a token from the attacker's own session does not work with the victim's cookie", async () => {
    const { user, client } = await victim();
    const attacker = new TestClient(t.app);
    const attackerToken = csrfTokenIn((await attacker.get('/login')).body);
    const res = await client.post('/profile/edit', { _csrf: attackerToken, username: 'pwned', about_me: 'pwned' });
    expect(res.status).toBe(403);
    expect((await findUserById(t.app.ctx.db, user.id))?.username).toBe(user.username);
  });

  it('a forged sign-out does not sign the victim out', async () => {
    const { client } = await victim();
    expect((await client.post('/logout', {})).status).toBe(403);
    expect((await client.get('/')).status).toBe(200);
  });

  it('a forged "turn off 2FA" is refused even with the right password', async () => {
    const user = await createUser(t.app, { phone: '+14155550150' });
    const client = new TestClient(t.app);
    const res = await client.post('/two-factor/disable', { password: user.password });
    expect(res.status).toBe(403);
    expect((await findUserById(t.app.ctx.db, user.id))?.two_factor_enabled).toBe(1);
  });

  it('login CSRF: the login form is protected too', async () => {
    const user = await createUser(t.app);
    const res = await new TestClient(t.app).post('/login', { login: user.username, password: user.password });
    expect(res.status).toBe(403);
    expect(res.setCookies.some((c) => c.startsWith('gatehouse_session='))).toBe(false);
  });

  it('the token of the login form stops working once signed in (a new secret at every sign-in and sign-out)', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    const loginPage = await client.get('/login');
    const before = csrfTokenIn(loginPage.body);
    const res = await client.post('/login', { _csrf: before, login: user.username, password: user.password });
    expect(res.setCookies.some((c) => c.startsWith('gatehouse_csrf=;'))).toBe(true);
    expect((await client.post('/profile/edit', { _csrf: before, username: 'stale_token', about_me: '' })).status).toBe(403);
    const fresh = csrfTokenIn((await client.get('/profile/edit')).body);
    expect(fresh).not.toBe(before);
    expect((await client.post('/profile/edit', { _csrf: fresh, username: `fresh_${user.id}`, about_me: '' })).status).toBe(302);
  });

  it('a cross-site Origin is refused even with a valid token', async () => {
    const { user, client } = await victim();
    const token = csrfTokenIn((await client.get('/profile/edit')).body);
    const forged = await client.request('POST', '/profile/edit', {
      form: { _csrf: token, username: 'pwned_origin', about_me: '' },
      headers: { origin: 'https://evil.example' },
    });
    expect(forged.status).toBe(403);
    const fetchSite = await client.request('POST', '/profile/edit', {
      form: { _csrf: token, username: 'pwned_origin', about_me: '' },
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(fetchSite.status).toBe(403);
    // Sec-Fetch-Site, set by the browser itself, outranks an Origin the page could not forge anyway.
    const nullOriginCrossSite = await client.request('POST', '/profile/edit', {
      form: { _csrf: token, username: 'pwned_origin', about_me: '' },
      headers: { origin: 'null', 'sec-fetch-site': 'cross-site' },
    });
    expect(nullOriginCrossSite.status).toBe(403);
    expect((await findUserById(t.app.ctx.db, user.id))?.username).toBe(user.username);
    const sameOrigin = await client.request('POST', '/profile/edit', {
      form: { _csrf: token, username: `own_${user.id}`, about_me: '' },
      headers: { origin: t.config.appUrl, 'sec-fetch-site': 'same-origin' },
    });
    expect(sameOrigin.status).toBe(302);
  });

  it('before sign-in, a tampered CSRF secret cookie is refused', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    const token = csrfTokenIn((await client.get('/login')).body);
    const [secret] = client.cookies.get('gatehouse_csrf')!.value.split('.');
    client.cookies.set('gatehouse_csrf', { value: `${secret}.forged-signature` });
    const res = await client.post('/login', { _csrf: token, login: user.username, password: user.password });
    expect(res.status).toBe(403);
    expect(res.setCookies.some((c) => c.startsWith('gatehouse_session='))).toBe(false);
  });

  it('before sign-in, an unsigned secret cookie chosen by the attacker, with a token made from it, is refused', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    // The attacker knows the token scheme (pad ‖ pad ⊕ secret) and plants a cookie of their own choosing.
    const secret = Buffer.alloc(24, 7);
    client.cookies.set('gatehouse_csrf', { value: secret.toString('base64url') });
    const res = await client.post('/login', { _csrf: maskSecret(secret), login: user.username, password: user.password });
    expect(res.status).toBe(403);
    expect(res.setCookies.some((c) => c.startsWith('gatehouse_session='))).toBe(false);
  });

  it('once signed in, forms are bound to the session: a valid cookie-secret token is refused', async () => {
    const { user, client } = await victim();
    const secret = Buffer.alloc(24, 9);
    // Even a correctly signed cookie secret (here signed as the app would) does not stand in for the session's.
    client.cookies.set('gatehouse_csrf', { value: t.app.signCookie(secret.toString('base64url')) });
    const res = await client.post('/profile/edit', { _csrf: maskSecret(secret), username: 'bound', about_me: '' });
    expect(res.status).toBe(403);
    expect((await findUserById(t.app.ctx.db, user.id))?.username).toBe(user.username);
  });

  it('malformed tokens (too short, too long, not base64url, repeated) get the 403 page, not a 500', async () => {
    const { client } = await victim();
    const good = csrfTokenIn((await client.get('/profile/edit')).body);
    for (const bad of ['', 'x', good.slice(1), `${good}A`, `${good.slice(0, -1)}!`, '='.repeat(64)]) {
      expect((await client.post('/profile/edit', { _csrf: bad, username: 'x_y_z', about_me: '' })).status).toBe(403);
    }
    const twice = await client.request('POST', '/profile/edit', {
      payload: `_csrf=${good}&_csrf=${good}&username=x_y_z&about_me=`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(twice.status).toBe(403);
  });

  it('every page shows a different token (masked), and each one works', async () => {
    const { user, client } = await victim();
    const first = csrfTokenIn((await client.get('/profile/edit')).body);
    const second = csrfTokenIn((await client.get('/profile/edit')).body);
    expect(first).not.toBe(second);
    expect((await client.post('/profile/edit', { _csrf: first, username: `first_${user.id}`, about_me: '' })).status).toBe(302);
    expect((await client.post('/profile/edit', { _csrf: second, username: `second_${user.id}`, about_me: '' })).status).toBe(302);
  });

  it("cookie tossing: the attacker's own valid cookie and token, planted in a signed-in browser, are refused", async () => {
    const { user, client } = await victim();
    // A sibling subdomain or a plain-http response can set cookies for the site (without __Host-):
    // the attacker plants a genuine signed secret cookie of their own and posts the token that goes with it.
    const attacker = new TestClient(t.app);
    const attackerToken = csrfTokenIn((await attacker.get('/login')).body);
    client.cookies.set('gatehouse_csrf', { value: attacker.cookies.get('gatehouse_csrf')!.value });
    const res = await client.post('/profile/edit', { _csrf: attackerToken, username: 'tossed', about_me: '' });
    expect(res.status).toBe(403);
    expect((await findUserById(t.app.ctx.db, user.id))?.username).toBe(user.username);
  });
});
