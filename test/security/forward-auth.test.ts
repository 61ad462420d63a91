/**
 * Attacks on forward-auth (src/forward-auth/), each named after the attack:
 * - open redirect through `rd`: a link to Gatehouse's sign-in that lands on the attacker's site after a real
 *   sign-in (phishing that borrows Gatehouse's address);
 * - forged X-Forwarded-* (and X-Original-*) from an untrusted address: a client that reaches Gatehouse
 *   directly names the URL it wants judged, e.g. a public one instead of the denied one it is after;
 * - Remote-User sent by the client: an identity header the upstream trusts, forged by the client. Gatehouse's
 *   part (it never echoes one) is here; the proxy's part, with a real nginx, is test/proxies/nginx.test.ts.
 * - session replay after sign-out, and a half-done sign-in: a copied cookie used once its session ended, or a
 *   password without its second factor, let through to the apps.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';

const RULES = `default_policy: deny
rules:
  - domain: public.example.test
    policy: bypass
  - domain: '*.example.test'
    resources: ['^/admin']
    policy: deny
  - domain: '*.example.test'
    policy: one_factor
`;

let t: TestApp;
let production: TestApp;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-rules-'));
  writeFileSync(join(dir, 'rules.yml'), RULES);
  const env = { COOKIE_DOMAIN: 'example.test', ACCESS_RULES_FILE: join(dir, 'rules.yml'), TRUST_PROXY: '10.0.0.5' };
  t = await startTestApp({ ...env, APP_URL: 'http://auth.example.test' });
  production = await startTestApp({
    ...env,
    APP_URL: 'https://auth.example.test',
    NODE_ENV: 'production',
    SMTP_URL: 'smtp://127.0.0.1:9',
    MAIL_FROM: 'Gatehouse <no-reply@example.test>',
    TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32),
    TWILIO_AUTH_TOKEN: 'x'.repeat(32),
    TWILIO_VERIFY_SERVICE_SID: 'VA' + '0'.repeat(32),
    TWILIO_API_BASE_URL: 'https://127.0.0.1:9',
  });
});
afterAll(async () => {
  await t?.close();
  await production?.close();
});

/** The proxy the settings trust: 10.0.0.5. */
const PROXY = '10.0.0.5';

describe('open redirect through rd', () => {
  // Attack: https://auth.example.test/login?rd=https://evil.test/ — the person signs in on the real Gatehouse
  // and lands on a look-alike that asks for the password "again". rd may only name a host of the rules.
  const tricks = [
    'https://evil.test/',
    'https://example.test.evil.test/',
    'https://app.example.test@evil.test/',
    'https://evil.test\\@app.example.test/',
    'https://evil.test/#app.example.test',
    '//evil.test/',
    'https:evil.test',
    '/\\evil.test',
    'javascript:alert(document.cookie)//app.example.test',
    'data:text/html,<script>alert(1)</script>',
    'https://example.test/', // *.example.test names the names below it, not example.test itself
  ];

  it('the sign-in ignores an rd on a host the rules do not name, and ends at the home page', async () => {
    for (const rd of tricks) {
      const user = await createUser(t.app);
      const client = new TestClient(t.app);
      const page = await client.get(`/login?rd=${encodeURIComponent(rd)}`);
      expect(page.status, rd).toBe(200);
      expect(page.body, rd).not.toContain('/authz/return');
      const done = await client.submit(`/login?rd=${encodeURIComponent(rd)}`, { login: user.username, password: user.password });
      expect(done.location, rd).toBe('/');
      // Someone already signed in is not sent on either.
      expect((await client.get(`/login?rd=${encodeURIComponent(rd)}`)).location, rd).toBe('/');
    }
  });

  it('/authz/return checks rd again when it is followed: a forged link goes to the home page, never off-site', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    for (const rd of tricks) {
      const res = await client.get(`/authz/return?rd=${encodeURIComponent(rd)}`);
      expect(res.status, rd).toBe(303);
      expect(res.location, rd).toBe('/');
    }
    // The allowed case, for contrast: a page that goes on to the app.
    const ok = await client.get(`/authz/return?rd=${encodeURIComponent('http://app.example.test/x')}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('content="0;url=http://app.example.test/x"');
  });

  it('in production, plain http is not followed even to a named host', async () => {
    const user = await createUser(production.app);
    const client = new TestClient(production.app);
    const https = '/login?rd=' + encodeURIComponent('https://app.example.test/x');
    expect((await client.get(https)).body).toContain('name="next" value="/authz/return?rd=https%3A%2F%2Fapp.example.test%2Fx"');
    const http = '/login?rd=' + encodeURIComponent('http://app.example.test/x');
    expect((await client.get(http)).body).not.toContain('/authz/return');
    await signIn(client, user.username, user.password);
    expect((await client.get(`/authz/return?rd=${encodeURIComponent('http://app.example.test/x')}`)).location).toBe('/');
  });
});

describe('forged X-Forwarded-* from an untrusted address', () => {
  // Attack: a client that reaches Gatehouse directly (not through the proxy) asks about a URL of its choosing:
  // a bypass host, while the request it is after is denied. Only TRUST_PROXY's proxy may name the URL.
  const forged = { 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.example.test', 'x-forwarded-uri': '/' };

  it('forward-auth refuses them (403), also with an X-Forwarded-For naming the proxy', async () => {
    for (const remoteAddress of ['203.0.113.7', '127.0.0.1', '10.0.0.6']) {
      const res = await t.app.inject({ method: 'GET', url: '/api/authz/forward-auth', remoteAddress, headers: { ...forged, 'x-forwarded-for': PROXY } });
      expect(res.statusCode, remoteAddress).toBe(403);
      expect(Object.keys(res.headers).filter((h) => h.startsWith('remote-')), remoteAddress).toEqual([]);
    }
    // From the proxy, the same question is answered.
    expect((await t.app.inject({ method: 'GET', url: '/api/authz/forward-auth', remoteAddress: PROXY, headers: forged })).statusCode).toBe(200);
  });

  it('auth-request refuses X-Original-URL from anyone but the proxy (403)', async () => {
    const headers = { 'x-original-method': 'GET', 'x-original-url': 'https://public.example.test/' };
    expect((await t.app.inject({ method: 'GET', url: '/api/authz/auth-request', remoteAddress: '203.0.113.7', headers })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/authz/auth-request', remoteAddress: PROXY, headers })).statusCode).toBe(200);
  });

  it('a signed-in person cannot use them to be judged for another URL either', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app, '203.0.113.7');
    await signIn(client, user.username, user.password);
    const headers = { ...forged, 'x-forwarded-host': 'app.example.test', cookie: client.cookieHeader() };
    const res = await t.app.inject({ method: 'GET', url: '/api/authz/forward-auth', remoteAddress: '203.0.113.7', headers });
    expect(res.statusCode).toBe(403);
    expect(res.headers['remote-user']).toBeUndefined();
  });
});

describe('Remote-User sent by the client never reaches the upstream', () => {
  // Attack: the client adds `Remote-User: admin` to its request. Gatehouse's answer must never carry it back
  // (a proxy copies the answer's Remote-* to the upstream); the proxy must drop the client's own (nginx test).
  it("Gatehouse's answer carries only the signed-in account's Remote-*, never the client's", async () => {
    const forgedIdentity = { 'remote-user': 'admin', 'remote-groups': 'admins', 'remote-email': 'admin@example.test', 'remote-name': 'Admin' };
    const ask = (headers: Record<string, string>) =>
      t.app.inject({
        method: 'GET',
        url: '/api/authz/forward-auth',
        remoteAddress: PROXY,
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.example.test', 'x-forwarded-uri': '/', ...forgedIdentity, ...headers },
      });
    const anonymous = await ask({});
    expect(anonymous.statusCode).toBe(200);
    for (const name of Object.keys(forgedIdentity)) expect(anonymous.headers[name], name).toBe('');
    const user = await createUser(t.app);
    const client = new TestClient(t.app, PROXY);
    await signIn(client, user.username, user.password);
    const signedIn = await ask({ cookie: client.cookieHeader() });
    expect(signedIn.headers['remote-user']).toBe(user.username);
    expect(signedIn.headers['remote-groups']).toBe('');
    expect(signedIn.headers['remote-email']).toBe(user.email);
  });
});

describe('session replay after sign-out, and a half-done sign-in', () => {
  // Attack: a cookie copied while its session was live (a shared computer, a leaked log) is replayed to an app
  // after the person signed out; or someone with the password alone, whose second factor is still asked for,
  // goes straight to an app. Each check reads the session as it is now: nothing is cached between checks.
  const check = (cookie: string) =>
    t.app.inject({
      method: 'GET',
      url: '/api/authz/forward-auth',
      remoteAddress: PROXY,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.test', 'x-forwarded-uri': '/', cookie },
    });

  it('a session signed out is refused at the very next check', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app, PROXY);
    await signIn(client, user.username, user.password);
    const copied = client.cookieHeader();
    const before = await check(copied);
    expect([before.statusCode, before.headers['remote-user']]).toEqual([200, user.username]);
    await client.submit('/', {}, '/logout');
    const after = await check(copied);
    expect(after.statusCode).toBe(302);
    expect(after.headers['remote-user']).toBeUndefined();
  });

  it('a sign-in waiting for its second factor is not signed in', async () => {
    const phone = '+14155550199';
    const user = await createUser(t.app, { phone });
    const client = new TestClient(t.app, PROXY);
    expect((await signIn(client, user.username, user.password)).location).toBe('/login/two-factor');
    const pending = await check(client.cookieHeader());
    expect(pending.statusCode).toBe(302);
    expect(pending.headers['remote-user']).toBeUndefined();
    await client.submit('/login/two-factor', { code: await latestDevCode(t.app, phone) });
    expect((await check(client.cookieHeader())).headers['remote-user']).toBe(user.username);
  });
});

describe('session cookie planted by a sibling host (COOKIE_DOMAIN)', () => {
  // Attack: with COOKIE_DOMAIN, any host below the domain can set a session cookie of the same name with a narrower
  // Path (`Path=/oidc`, `Path=/interaction`, or the app's own path) holding the attacker's own session. The browser
  // sends it first, before the victim's; a parser keeps the first value, so the victim would be judged — and sign
  // in to apps — as the attacker. Two session cookies must mean nobody is signed in.
  it('a second session cookie signs nobody in: neither forward-auth nor Gatehouse takes the planted one', async () => {
    const victim = await createUser(t.app);
    const attacker = await createUser(t.app);
    const victimClient = new TestClient(t.app, PROXY);
    await signIn(victimClient, victim.username, victim.password);
    const attackerClient = new TestClient(t.app, PROXY);
    await signIn(attackerClient, attacker.username, attacker.password);
    const planted = attackerClient.cookieHeader().split('; ').find((c) => c.startsWith('gatehouse_session='))!;
    expect(planted).toBeDefined();
    const cookie = `${planted}; ${victimClient.cookieHeader()}`;

    const judged = await t.app.inject({
      method: 'GET',
      url: '/api/authz/forward-auth',
      remoteAddress: PROXY,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.test', 'x-forwarded-uri': '/', cookie },
    });
    expect(judged.headers['remote-user']).not.toBe(attacker.username);
    expect(judged.statusCode).toBe(302);

    const page = await t.app.inject({ method: 'GET', url: '/security', remoteAddress: PROXY, headers: { cookie } });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toMatch(/^\/login/);

    // Each cookie alone still works: the rule costs nothing to a browser that carries one session.
    const alone = await t.app.inject({ method: 'GET', url: '/security', remoteAddress: PROXY, headers: { cookie: victimClient.cookieHeader() } });
    expect(alone.statusCode).toBe(200);
  });
});
