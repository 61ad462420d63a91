/**
 * Languages: a page is answered in the visitor's language — the footer
 * switcher's choice first, then the browser's Accept-Language, then English —
 * and a signed-in owner's choice also becomes their account's mail language.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserById } from '../../src/db/users.js';
import { en } from '../../src/i18n/en/index.js';
import { es } from '../../src/i18n/es/index.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient } from '../support/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const SPANISH = { 'accept-language': 'es-ES,es;q=0.9,en;q=0.5' };

/** The switcher's hidden `next`, as the page wrote it. */
const nextIn = (body: string) => /action="\/language"[\s\S]*?name="next" value="([^"]*)"/.exec(body)?.[1];

describe('choosing the language', () => {
  it('answers in English by default, with lang and Content-Language to say so', async () => {
    const page = await new TestClient(t.app).get('/login');
    expect(page.body).toContain('<html lang="en"');
    expect(page.headers['content-language']).toBe('en');
    expect(page.headers.vary).toContain('Accept-Language');
    expect(page.body).toContain(`<a href="/register">${en.common.layout.register}</a>`);
  });

  it("follows the browser's Accept-Language (es-MX counts as es)", async () => {
    const client = new TestClient(t.app);
    for (const header of ['es-ES,es;q=0.9,en;q=0.5', 'es-MX', 'fr-FR,es;q=0.7,en;q=0.3']) {
      const page = await client.get('/login', { 'accept-language': header });
      expect(page.body, header).toContain('<html lang="es"');
      expect(page.headers['content-language']).toBe('es');
      expect(page.body).toContain(`<a href="/register">${es.common.layout.register}</a>`);
    }
    // English preferred over Spanish: English.
    expect((await client.get('/login', { 'accept-language': 'en-GB,es;q=0.8' })).body).toContain('<html lang="en"');
  });

  it('error pages speak the language too', async () => {
    const page = await new TestClient(t.app).get('/no/such/page', SPANISH);
    expect(page.status).toBe(404);
    expect(page.body).toContain(es.common.errors.notFoundHeading);
  });

  it('the switcher remembers the choice over Accept-Language and brings the visitor back to the same page', async () => {
    const client = new TestClient(t.app);
    const login = await client.get('/login?next=%2Fsecurity');
    expect(nextIn(login.body)).toBe('/login?next=%2Fsecurity');
    expect(login.body).toContain('name="lang" value="es" lang="es"');
    const switched = await client.post('/language', { _csrf: csrfTokenIn(login.body), lang: 'es', next: '/login?next=%2Fsecurity' });
    expect(switched.status).toBe(303);
    expect(switched.location).toBe('/login?next=%2Fsecurity');
    const again = await client.get(switched.location!, { 'accept-language': 'en-US' });
    expect(again.body).toContain('<html lang="es"');
    // And back.
    const back = await client.post('/language', { _csrf: csrfTokenIn(again.body), lang: 'en', next: '/login' });
    expect((await client.get(back.location!, SPANISH)).body).toContain('<html lang="en"');
  });

  it("a signed-in owner's choice becomes the account's mail language", async () => {
    const user = await createUser(t.app);
    expect((await findUserById(t.app.ctx.db, user.id))!.locale).toBeNull();
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const home = await client.get('/');
    await client.post('/language', { _csrf: csrfTokenIn(home.body), lang: 'es', next: '/' });
    expect((await findUserById(t.app.ctx.db, user.id))!.locale).toBe('es');
  });

  it('marks the current language, and each name with its own lang', async () => {
    const page = await new TestClient(t.app).get('/login', SPANISH);
    expect(page.body).toContain('value="es" lang="es" class="link-button current-language" aria-current="true">Español</button>');
    expect(page.body).toContain('value="en" lang="en" class="link-button">English</button>');
  });

  it('is not offered on the answer to a form, which a GET could not show again (recovery codes are shown once)', async () => {
    const client = new TestClient(t.app);
    const page = await client.get('/login');
    const refused = await client.post('/login', { _csrf: csrfTokenIn(page.body), login: 'nobody', password: 'wrong password here' });
    expect(refused.status).toBe(401);
    expect(refused.body).not.toContain('action="/language"');
    expect(page.body).toContain('action="/language"');
  });

  it('a language it does not speak changes nothing', async () => {
    const client = new TestClient(t.app);
    const page = await client.get('/login');
    const res = await client.post('/language', { _csrf: csrfTokenIn(page.body), lang: 'xx', next: '/login' });
    expect(res.status).toBe(303);
    expect(res.setCookies.some((c) => c.includes('gatehouse_lang'))).toBe(false);
  });
});

describe('attacks on the switcher', () => {
  it('open redirect: a next that leaves the site goes home instead', async () => {
    const client = new TestClient(t.app);
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const page = await client.get('/login');
      const res = await client.post('/language', { _csrf: csrfTokenIn(page.body), lang: 'es', next });
      expect(res.location, next).toBe('/');
    }
  });

  it('open redirect: a hostile next on the page is not written into the switcher', async () => {
    const client = new TestClient(t.app);
    for (const url of ['/login?next=%2F%2Fevil.example', '/login?a=1?&next=//evil.example', '/login?next=/ok&next=//evil.example']) {
      const page = await client.get(url);
      expect(nextIn(page.body), url).toBe('/login');
      expect(page.body, url).not.toContain('evil.example');
    }
    // A page at a protocol-relative path (found by the fuzzer: it used to be a 500) returns home.
    for (const url of ['//', '//evil.example/x?next=/']) {
      const page = await client.get(url);
      expect(page.status, url).toBeLessThan(500);
      expect(nextIn(page.body) ?? '/', url).toBe('/');
      expect(page.body, url).not.toContain('evil.example');
    }
  });

  it('cross-site request forgery: a post without the token changes nothing', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const res = await client.post('/language', { lang: 'es', next: '/' });
    expect(res.status).toBe(403);
    expect((await findUserById(t.app.ctx.db, user.id))!.locale).toBeNull();
  });

  it('a forged language cookie is ignored, not reflected', async () => {
    const client = new TestClient(t.app);
    client.cookies.set('gatehouse_lang', { value: '"><script>alert(1)</script>' });
    const page = await client.get('/login');
    expect(page.body).toContain('<html lang="en"');
    expect(page.body).not.toContain('<script>alert(1)');
  });
});
