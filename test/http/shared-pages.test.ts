/**
 * The sign-in and registration forms are rendered once per language and sent with each visitor's own CSRF token
 * put in (`reply.sharedPage`, src/http/pages.ts, decision 026). What must hold: the page is the one a fresh
 * rendering gives, every visitor still gets a token of their own, which works for them only, and anything that
 * changes the page (language, query, flash message, a signed-in user) is never served from what another got.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en/index.js';
import { startTestApp, createUser, type TestApp } from '../support/app.js';
import { csrfTokenIn, flashIn, signIn, TestClient } from '../support/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

/** Every CSRF token on the page, in order. */
const tokensIn = (body: string) => [...body.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]!);
const withoutTokens = (body: string) => body.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value=""');

describe.each(['/login', '/register'])('the shared form at %s', (path) => {
  it('is the page a fresh rendering gives, with a token of each visitor’s own', async () => {
    const first = await new TestClient(t.app).get(path);
    const second = await new TestClient(t.app).get(path);
    // `path?` is not the route's own address, so it is rendered for that request alone; its page is the same.
    const rendered = await new TestClient(t.app).get(`${path}?`);
    for (const page of [first, second, rendered]) expect(page.status).toBe(200);
    expect(withoutTokens(first.body)).toBe(withoutTokens(rendered.body));
    expect(withoutTokens(second.body)).toBe(withoutTokens(rendered.body));
    const [a, b] = [tokensIn(first.body), tokensIn(second.body)];
    expect(a.length).toBeGreaterThan(0);
    expect(a.every((token) => /^[A-Za-z0-9_-]{64}$/.test(token))).toBe(true);
    expect(a.some((token) => b.includes(token))).toBe(false);
    expect(first.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.headers['content-language']).toBe('en');
  });

  it('follows each visitor’s language, whichever was asked first', async () => {
    const spanish = new TestClient(t.app);
    spanish.headers['accept-language'] = 'es';
    const english = new TestClient(t.app);
    english.headers['accept-language'] = 'en';
    for (const client of [spanish, english, spanish, english]) {
      const page = await client.get(path);
      const locale = client === spanish ? 'es' : 'en';
      expect(page.body).toContain(`<html lang="${locale}"`);
      expect(page.headers['content-language']).toBe(locale);
    }
  });
});

describe('CSRF on the shared sign-in form (a token is never shared)', () => {
  it('signs each visitor in with the token of their own page', async () => {
    const [ada, bob] = [await createUser(t.app), await createUser(t.app)];
    for (const user of [ada, bob]) {
      const res = await signIn(new TestClient(t.app), user.username, user.password);
      expect(res.status).toBe(302);
      expect(res.location).toBe('/');
    }
  });

  it('refuses a token from another visitor’s copy of the page', async () => {
    const user = await createUser(t.app);
    const attacker = new TestClient(t.app);
    const stolen = csrfTokenIn((await attacker.get('/login')).body);
    const victim = new TestClient(t.app);
    await victim.get('/login'); // the victim's own secret cookie
    const res = await victim.post('/login', { _csrf: stolen, login: user.username, password: user.password });
    expect(res.status).toBe(403);
    expect(res.setCookies.some((c) => c.startsWith('gatehouse_session='))).toBe(false);
  });
});

describe('what changes the page is rendered for the request', () => {
  it('keeps the `next` of the query in the form', async () => {
    await new TestClient(t.app).get('/login'); // the shared page exists
    const page = await new TestClient(t.app).get('/login?next=%2Fsecurity');
    expect(page.body).toContain('<input type="hidden" name="next" value="/security">');
    expect((await new TestClient(t.app).get('/login')).body).not.toContain('value="/security"');
  });

  it('shows a flash message waiting for the visitor, once', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const signedOut = await client.submit('/', {}, '/logout');
    expect(signedOut.location).toBe('/login');
    const page = await client.get('/login');
    expect(flashIn(page.body)).toBe(en.login.signedOut);
    expect(flashIn((await client.get('/login')).body)).toBeNull();
    expect(flashIn((await new TestClient(t.app).get('/login')).body)).toBeNull();
  });

  it('asks a signed-in visitor for a fresh sign-in with their own page', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const page = await client.get('/login?fresh=1');
    expect(page.status).toBe(200);
    expect(page.body).toContain('action="/logout"'); // the signed-in navigation, not a visitor's
  });
});
