import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en/index.js';
import { es } from '../../src/i18n/es/index.js';
import { escapeHtml } from '../../src/views/html.js';
import { startTestApp, createUser, type TestApp } from '../support/app.js';
import { flashIn, signIn, TestClient } from '../support/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

function sessionCookie(setCookies: string[]): string | undefined {
  return setCookies.find((c) => c.startsWith('gatehouse_session='));
}

describe('sign in', () => {
  it('sends an anonymous visitor of / to the login page, coming back afterwards', async () => {
    const client = new TestClient(t.app);
    const home = await client.get('/');
    expect(home.status).toBe(302);
    expect(home.location).toBe('/login?next=%2F');
  });

  it('signs in with the username, in any case, and lands on home', async () => {
    const user = await createUser(t.app, { username: 'Grace' });
    const client = new TestClient(t.app);
    const res = await signIn(client, 'gRACE', user.password);
    expect(res.status).toBe(302);
    expect(res.location).toBe('/');
    const home = await client.get('/');
    expect(home.status).toBe(200);
    expect(home.body).toContain('Hi, Test!');
  });

  it('signs in with the email address too', async () => {
    const user = await createUser(t.app, { email: 'Hopper@Example.com' });
    const client = new TestClient(t.app);
    const res = await signIn(client, 'hopper@example.COM', user.password);
    expect(res.location).toBe('/');
  });

  it('gives the same answer for an unknown user and a wrong password', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    const wrongPassword = await signIn(client, user.username, 'not the password');
    const unknownUser = await signIn(client, 'nobody_here', 'not the password');
    expect(wrongPassword.status).toBe(401);
    expect(unknownUser.status).toBe(401);
    const message = (body: string) => /<div class="error-summary"[\s\S]*?<\/div>/.exec(body)?.[0];
    expect(message(wrongPassword.body)).toBeDefined();
    expect(message(wrongPassword.body)).toBe(message(unknownUser.body));
    expect(wrongPassword.body).not.toContain('not the password');
  });

  it('speaks Spanish to a browser that asks for it: the page and the "wrong password" error', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    client.headers['accept-language'] = 'es-ES,es;q=0.9';
    const page = await client.get('/login');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html lang="es"');
    expect(page.body).toContain(`<title>${escapeHtml(es.common.layout.title(es.login.page.title))}</title>`);
    expect(page.body).toContain(`<h1>${escapeHtml(es.login.page.heading)}</h1>`);
    expect(page.body).toContain(`<label for="f-login">${escapeHtml(es.login.page.usernameOrEmail)}</label>`);
    expect(page.body).toContain(`<label for="f-password">${escapeHtml(es.login.page.password)}</label>`);
    expect(page.body).toContain(`<button type="submit" class="button primary">${escapeHtml(es.login.page.submit)}</button>`);
    expect(page.body).toContain(`<a href="/reset-password">${escapeHtml(es.login.page.forgotPassword)}</a>`);
    expect(page.body).not.toContain(en.login.page.usernameOrEmail);

    const wrong = await signIn(client, user.username, 'not the password');
    expect(wrong.status).toBe(401);
    const summary = /<div class="error-summary"[\s\S]*?<\/div>/.exec(wrong.body)?.[0];
    expect(summary).toContain(escapeHtml(es.common.forms.fixThese(1)));
    expect(summary).toContain(`<a href="#f-login">${escapeHtml(es.login.page.invalidCredentials)}</a>`);
    expect(wrong.body).not.toContain(en.login.page.invalidCredentials);
  });

  it('without "remember me" the cookie lasts for the browser session; with it, 30 days', async () => {
    const user = await createUser(t.app);
    const plain = await signIn(new TestClient(t.app), user.username, user.password);
    const plainCookie = sessionCookie(plain.setCookies)!;
    expect(plainCookie).toMatch(/HttpOnly/);
    expect(plainCookie).toMatch(/SameSite=Lax/);
    expect(plainCookie).not.toMatch(/Max-Age|Expires/i);

    const remembered = await signIn(new TestClient(t.app), user.username, user.password, { remember: 'on' });
    expect(sessionCookie(remembered.setCookies)).toMatch(/Max-Age=2592000/);
  });

  it('honours a same-origin next path', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    const page = await client.get('/login?next=%2Fprofile%2Fedit%3Fa%3D1');
    expect(page.body).toContain('name="next" value="/profile/edit?a=1"');
    const res = await signIn(client, user.username, user.password, { next: '/profile/edit?a=1' });
    expect(res.location).toBe('/profile/edit?a=1');
  });

  it('sends a signed-in user away from the login page', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const page = await client.get('/login');
    expect(page.status).toBe(302);
    expect(page.location).toBe('/');
  });
});

describe('sign out', () => {
  it('is a POST that deletes the server-side session', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const stolenCookie = client.cookieHeader();
    const home = await client.get('/');
    expect(home.body).toContain('action="/logout"');

    const out = await client.submit('/', {}, '/logout');
    expect(out.status).toBe(302);
    expect(out.location).toBe('/login');
    expect(flashIn((await client.follow(out)).body)).toBe('You have signed out.');

    // The old cookie no longer works anywhere: the session is gone on the server, not just in the browser.
    const replay = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: stolenCookie } });
    expect(replay.statusCode).toBe(302);
    expect(replay.headers.location).toBe('/login?next=%2F');
  });

  it('GET /logout does not sign anyone out', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const res = await client.get('/logout');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect((await client.get('/')).status).toBe(200);
  });
});
