/**
 * The sign-in and registration forms are rendered once per language and sent with each visitor's own CSRF token
 * put in (`reply.sharedPage`, src/http/pages.ts, decision 026). What must hold: the page is the one `reply.page`
 * gives, every visitor still gets a token of their own, which works for them only, anything that changes the page
 * (language, query, flash message, a signed-in user) is never served from what another got — whichever request
 * came first — and a page that would put one visitor's token into the shared copy is refused.
 */
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { csrfTokensPlugin } from '../../src/auth/csrf.js';
import { loadConfig } from '../../src/config.js';
import { languagePlugin } from '../../src/http/language.js';
import { pagesPlugin } from '../../src/http/pages.js';
import { en } from '../../src/i18n/en/index.js';
import { html } from '../../src/views/html.js';
import { startTestApp, createUser, TEST_SECRET, type TestApp } from '../support/app.js';
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
  it('is the page `reply.page` renders, with a token of each visitor’s own', async () => {
    const first = await new TestClient(t.app).get(path);
    const second = await new TestClient(t.app).get(path);
    // A flash cookie sends the request to `reply.page` (which clears it); a forged one shows no message.
    const rendered = await new TestClient(t.app).get(path, { cookie: 'gatehouse_flash=forged' });
    expect(rendered.setCookies.some((c) => c.startsWith('gatehouse_flash=;'))).toBe(true);
    for (const page of [first, second, rendered]) expect(page.status).toBe(200);
    expect(withoutTokens(first.body)).toBe(withoutTokens(rendered.body));
    expect(withoutTokens(second.body)).toBe(withoutTokens(rendered.body));
    const [a, b] = [tokensIn(first.body), tokensIn(second.body)];
    expect(a.length).toBeGreaterThan(0);
    expect(a.every((token) => /^[A-Za-z0-9_-]{64}$/.test(token))).toBe(true);
    expect(a.some((token) => b.includes(token))).toBe(false);
    for (const name of ['content-type', 'cache-control', 'content-language', 'vary']) expect(first.headers[name]).toBe(rendered.headers[name]);
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

describe('what changes the page, asked for first (a fresh app each)', () => {
  let fresh: TestApp | null = null;
  afterEach(async () => {
    await fresh?.close();
    fresh = null;
  });

  it('keeps a `next` in the query to its own request', async () => {
    fresh = await startTestApp();
    const withNext = await new TestClient(fresh.app).get('/login?next=%2Fsecurity');
    expect(withNext.body).toContain('<input type="hidden" name="next" value="/security">');
    expect((await new TestClient(fresh.app).get('/login')).body).not.toContain('value="/security"');
  });

  it('speaks each visitor’s language, whichever was asked first', async () => {
    fresh = await startTestApp();
    const visitor = (locale: string) => {
      const client = new TestClient(fresh!.app);
      client.headers['accept-language'] = locale;
      return client;
    };
    for (const locale of ['es', 'en', 'es', 'en']) {
      const page = await visitor(locale).get('/login');
      expect(page.body).toContain(`<html lang="${locale}"`);
      expect(page.headers['content-language']).toBe(locale);
    }
  });

  it('shows a flash message to its visitor only, once', async () => {
    fresh = await startTestApp();
    const user = await createUser(fresh.app);
    const client = new TestClient(fresh.app);
    // Signed in through the registration page's token (the same secret cookie), so /login is first seen with the flash.
    const form = await client.get('/register');
    expect((await client.post('/login', { _csrf: csrfTokenIn(form.body), login: user.username, password: user.password })).location).toBe('/');
    expect((await client.submit('/', {}, '/logout')).location).toBe('/login');
    expect(flashIn((await client.get('/login')).body)).toBe(en.login.signedOut);
    expect(flashIn((await client.get('/login')).body)).toBeNull();
    expect(flashIn((await new TestClient(fresh.app).get('/login')).body)).toBeNull();
  });
});

/** A bare Fastify with the plugins `sharedPage` needs, and a route of each kind the tests ask for. */
async function pagesApp(): Promise<{ app: FastifyInstance; renders: () => number }> {
  const config = loadConfig({ NODE_ENV: 'test', SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'silent' }, { envFile: null, dataDir: '/nonexistent' });
  const app = Fastify();
  await app.register(cookie, { secret: TEST_SECRET });
  await app.register(csrfTokensPlugin, { config });
  await app.register(languagePlugin, { config });
  await app.register(pagesPlugin, { config });
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (request) => {
    const name = request.headers['x-signed-in-as'];
    if (typeof name === 'string') request.user = { username: name } as NonNullable<typeof request.user>;
  });
  let renders = 0;
  app.get('/form', async (_request, reply) =>
    reply.sharedPage((csrfToken) => {
      renders++;
      return { title: 'Form', body: html`<form><input type="hidden" name="_csrf" value="${csrfToken}"></form>` };
    }),
  );
  app.get('/makes-its-own-token', async (_request, reply) => reply.sharedPage(() => ({ title: 'Bad', body: html`<input name="_csrf" value="${reply.csrfToken()}">` })));
  await app.ready();
  return { app, renders: () => renders };
}

describe('reply.sharedPage', () => {
  it('renders once per language: two visitors, one rendering; a Spanish one, a second', async () => {
    const { app, renders } = await pagesApp();
    const first = await app.inject({ url: '/form' });
    const second = await app.inject({ url: '/form' });
    expect(renders()).toBe(1);
    expect(tokensIn(first.body)[0]).not.toBe(tokensIn(second.body)[0]);
    await app.inject({ url: '/form', headers: { 'accept-language': 'es' } });
    expect(renders()).toBe(2);
    await app.close();
  });

  it('renders the page for a signed-in visitor, before and after a shared copy exists', async () => {
    const { app, renders } = await pagesApp();
    const signedIn = await app.inject({ url: '/form', headers: { 'x-signed-in-as': 'ada' } });
    expect(signedIn.body).toContain('/user/ada');
    expect((await app.inject({ url: '/form' })).body).not.toContain('/user/ada');
    expect((await app.inject({ url: '/form', headers: { 'x-signed-in-as': 'bob' } })).body).toContain('/user/bob');
    expect(renders()).toBe(3);
    await app.close();
  });

  it('refuses a page that makes a token of its own, for every visitor (no token kept to send to others)', async () => {
    const { app } = await pagesApp();
    for (let visitor = 0; visitor < 2; visitor++) {
      const res = await app.inject({ url: '/makes-its-own-token' });
      expect(res.statusCode).toBe(500);
      expect(tokensIn(res.body)).toEqual([]);
    }
    await app.close();
  });
});
