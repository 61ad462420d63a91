/**
 * Forward-auth through app.inject, every answer (src/forward-auth/routes.ts): Traefik's and Caddy's endpoint
 * (200 with Remote-*, 302/303 to the sign-in with rd, 401 for XHR/JSON, 403) and nginx's (200/401/403 only,
 * the sign-in URL in Location), groups, bypass, a two_factor rule against a one-factor session, the way back
 * after the sign-in (`rd` → `/authz/return`), the shared session cookie (COOKIE_DOMAIN), and no database
 * write per check.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableTwoFactor } from '../../src/db/users.js';
import { SESSION_IDLE_TIMEOUT_MS } from '../../src/auth/policy.js';
import { ManualClock, minutes } from '../../src/lib/duration.js';
import { createUser, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { phoneNumbers } from '../support/phones.js';
import { signedIn } from '../support/sign-in.js';

const RULES = `default_policy: deny
rules:
  - domain: public.example.test
    policy: bypass
  - domain: '*.example.test'
    resources: ['^/admin([/?].*)?$']
    groups: [admins]
    policy: one_factor
  - domain: '*.example.test'
    resources: ['^/admin([/?].*)?$']
    policy: deny
  - domain: secure.example.test
    policy: two_factor
  - domain: '*.example.test'
    policy: one_factor
`;

const FORWARD_AUTH = '/api/authz/forward-auth';
const AUTH_REQUEST = '/api/authz/auth-request';
const APP_URL = 'http://auth.example.test';

let t: TestApp;
const clock = new ManualClock(Date.UTC(2026, 11, 1, 9, 0, 0));
const freshPhone = phoneNumbers('+1415555', { after: 1000 });

beforeAll(async () => {
  const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'gatehouse-rules-'));
  const rulesFile = join(dir, 'rules.yml');
  writeFileSync(rulesFile, RULES);
  t = await startTestApp({ APP_URL, COOKIE_DOMAIN: 'example.test', ACCESS_RULES_FILE: rulesFile, TRUST_PROXY: '127.0.0.1' }, { clock });
});
afterAll(() => t?.close());

/** Traefik's and Caddy's question about `method url`, with the client's cookies and extra headers. */
function forwardAuth(client: TestClient | null, url: string, options: { method?: string; headers?: Record<string, string> } = {}) {
  const u = new URL(url);
  return t.app.inject({
    method: 'GET',
    url: FORWARD_AUTH,
    remoteAddress: '127.0.0.1',
    headers: {
      'x-forwarded-method': options.method ?? 'GET',
      'x-forwarded-proto': u.protocol.slice(0, -1),
      'x-forwarded-host': u.host,
      'x-forwarded-uri': u.pathname + u.search,
      ...(client ? { cookie: client.cookieHeader() } : {}),
      ...options.headers,
    },
  });
}

/** nginx's question (the method of the original request, as nginx's subrequest keeps it). */
function authRequest(client: TestClient | null, url: string, method = 'GET', headers: Record<string, string> = {}) {
  return t.app.inject({
    method: method as 'GET',
    url: AUTH_REQUEST,
    remoteAddress: '127.0.0.1',
    headers: { 'x-original-method': method, 'x-original-url': url, ...(client ? { cookie: client.cookieHeader() } : {}), ...headers },
  });
}

async function signedInWithSmsCode(rememberDevice = false) {
  const phone = freshPhone();
  const user = await createUser(t.app, { phone });
  const client = new TestClient(t.app);
  expect((await signIn(client, user.username, user.password)).location).toBe('/login/two-factor');
  const done = await client.submit('/login/two-factor', { code: await latestDevCode(t.app, phone), ...(rememberDevice ? { remember_device: 'on' } : {}) });
  expect(done.location).toBe('/');
  return { user, client, phone };
}

/** The hidden fields a browser sends with the sign-in form on `body` (next, require). */
function hiddenFields(body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const form = /<form method="post" action="\/login"[\s\S]*?<\/form>/.exec(body)![0];
  for (const m of form.matchAll(/<input type="hidden" name="(next|require)" value="([^"]*)">/g)) fields[m[1]!] = m[2]!.replaceAll('&amp;', '&');
  return fields;
}

const remoteHeaders = (headers: Record<string, unknown>) => Object.keys(headers).filter((h) => h.startsWith('remote-'));

describe('forward-auth (Traefik, Caddy)', () => {
  it('not signed in: 302 for GET and HEAD, 303 otherwise, to the sign-in with rd = the original URL; no Remote-*', async () => {
    const get = await forwardAuth(null, 'https://app.example.test/doc?a=1&b=2');
    expect(get.statusCode).toBe(302);
    expect(get.headers.location).toBe(`${APP_URL}/login?rd=${encodeURIComponent('https://app.example.test/doc?a=1&b=2')}`);
    expect(remoteHeaders(get.headers)).toEqual([]);
    expect(get.headers['cache-control']).toBe('no-store');
    expect((await forwardAuth(null, 'https://app.example.test/', { method: 'HEAD' })).statusCode).toBe(302);
    const post = await forwardAuth(null, 'https://app.example.test/form', { method: 'POST' });
    expect(post.statusCode).toBe(303);
    expect(post.headers.location).toContain('/login?rd=');
  });

  it('not signed in, XHR or fetch asking for JSON: 401, no redirect', async () => {
    for (const headers of [{ 'x-requested-with': 'XMLHttpRequest' }, { accept: 'application/json, text/plain, */*' }] as Record<string, string>[]) {
      const res = await forwardAuth(null, 'https://app.example.test/api/items', { headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers.location).toBeUndefined();
    }
  });

  it('signed in and allowed: 200 with Remote-User, Remote-Email, Remote-Name, Remote-Groups (comma-separated)', async () => {
    const { user, client } = await signedIn(t.app, { firstName: 'Zoë', lastName: '李 Müller' }, { expectLocation: '/' });
    await t.app.ctx.db.insertInto('user_groups').values([{ user_id: user.id, group_name: 'staff' }, { user_id: user.id, group_name: 'admins' }]).execute();
    const res = await forwardAuth(client, 'https://app.example.test/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['remote-user']).toBe(user.username);
    expect(res.headers['remote-email']).toBe(user.email);
    // UTF-8 bytes on the wire, as Authelia sends them (Node reads header bytes back as Latin-1).
    expect(Buffer.from(res.headers['remote-name'] as string, 'latin1').toString('utf8')).toBe('Zoë 李 Müller');
    expect(res.headers['remote-groups']).toBe('admins,staff');
    // A member of the group reaches the rule naming it.
    expect((await forwardAuth(client, 'https://app.example.test/admin/users')).statusCode).toBe(200);
  });

  it('an address its owner has not confirmed is not sent as Remote-Email', async () => {
    const { client } = await signedIn(t.app, { emailConfirmed: false }, { expectLocation: '/' });
    const res = await forwardAuth(client, 'https://app.example.test/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['remote-email']).toBe('');
  });

  it('signed in but not allowed: 403 (not in the group; a host no rule names, under default deny)', async () => {
    const { client } = await signedIn(t.app, {}, { expectLocation: '/' });
    const admin = await forwardAuth(client, 'https://app.example.test/admin');
    expect(admin.statusCode).toBe(403);
    expect(remoteHeaders(admin.headers)).toEqual([]);
    expect((await forwardAuth(client, 'https://app.example.test/public/../admin')).statusCode).toBe(403);
    expect((await forwardAuth(client, 'https://other.test/')).statusCode).toBe(403);
    // Traefik and Caddy show the answer to the person: plain text, in their language.
    expect(admin.body).toMatch(/^You do not have access to this page/);
    const spanish = await forwardAuth(client, 'https://app.example.test/admin', { headers: { 'accept-language': 'es-ES,es;q=0.9' } });
    expect([spanish.statusCode, spanish.headers['content-language'], spanish.body]).toEqual([403, 'es', expect.stringMatching(/^No tienes acceso a esta página/)]);
  });

  it('bypass: 200 for anyone, with empty Remote-* for someone not signed in', async () => {
    const res = await forwardAuth(null, 'https://public.example.test/anything');
    expect(res.statusCode).toBe(200);
    // All four, empty: Caddy 2.6 would otherwise set the missing ones to its placeholder's text.
    expect(remoteHeaders(res.headers).map((h) => [h, res.headers[h]])).toEqual([
      ['remote-user', ''],
      ['remote-name', ''],
      ['remote-email', ''],
      ['remote-groups', ''],
    ]);
  });

  it('a two_factor rule: a one-factor session goes to the second step; a two-factor session passes', async () => {
    // Signed in with the password alone, then a factor was added: sign in again, with it.
    const { user, client } = await signedIn(t.app, {}, { expectLocation: '/' });
    await enableTwoFactor(t.app.ctx.db, user.id, freshPhone());
    const res = await forwardAuth(client, 'https://secure.example.test/x');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`${APP_URL}/login?fresh=1&require=two-factor&rd=${encodeURIComponent('https://secure.example.test/x')}`);

    const strong = await signedInWithSmsCode();
    expect((await forwardAuth(strong.client, 'https://secure.example.test/x')).statusCode).toBe(200);
    // Someone not signed in is asked for two factors at once.
    expect((await forwardAuth(null, 'https://secure.example.test/x')).headers.location).toContain('require=two-factor');
  });

  it('a two_factor rule and an account without a second factor: to the security page to set one up', async () => {
    const { client } = await signedIn(t.app, {}, { expectLocation: '/' });
    const res = await forwardAuth(client, 'https://secure.example.test/x');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`${APP_URL}/security`);
  });

  it('a group removed counts at the next check, whatever an earlier check kept', async () => {
    const { user, client } = await signedIn(t.app, {}, { expectLocation: '/' });
    await t.app.ctx.db.insertInto('user_groups').values({ user_id: user.id, group_name: 'admins' }).execute();
    expect((await forwardAuth(client, 'https://app.example.test/admin')).statusCode).toBe(200);
    expect((await forwardAuth(client, 'https://app.example.test/admin')).statusCode).toBe(200); // kept (SQLite)
    await t.app.ctx.db.deleteFrom('user_groups').where('user_id', '=', user.id).execute();
    expect((await forwardAuth(client, 'https://app.example.test/admin')).statusCode).toBe(403);
  });

  it("another process's change (the admin CLI on the same database) counts at the next check", async () => {
    const { user, client } = await signedIn(t.app, {}, { expectLocation: '/' });
    await t.app.ctx.db.insertInto('user_groups').values({ user_id: user.id, group_name: 'admins' }).execute();
    const before = await forwardAuth(client, 'https://app.example.test/admin');
    expect([before.statusCode, before.headers['remote-groups'], before.headers['remote-name']]).toEqual([200, 'admins', `${user.first_name} ${user.last_name}`]);
    const other = t.openSharedDatabase();
    await other.db.updateTable('users').set({ first_name: 'Renamed' }).where('id', '=', user.id).execute();
    const renamed = await forwardAuth(client, 'https://app.example.test/admin');
    expect([renamed.statusCode, renamed.headers['remote-name']]).toEqual([200, `Renamed ${user.last_name}`]);
    await other.db.deleteFrom('user_groups').where('user_id', '=', user.id).execute();
    expect((await forwardAuth(client, 'https://app.example.test/admin')).statusCode).toBe(403);
    await other.db.deleteFrom('sessions').where('user_id', '=', user.id).execute();
    expect((await forwardAuth(client, 'https://app.example.test/')).statusCode).toBe(302);
  });

  it('a session an earlier check kept still ends at its idle timeout, with nothing written meanwhile', async () => {
    const { client } = await signedIn(t.app, {}, { expectLocation: '/' });
    expect((await forwardAuth(client, 'https://app.example.test/')).statusCode).toBe(200);
    clock.advance(SESSION_IDLE_TIMEOUT_MS + 1);
    expect((await forwardAuth(client, 'https://app.example.test/')).statusCode).toBe(302);
  });

  it("the site's security headers on every answer a browser may be shown, not on the 200 only the proxy reads", async () => {
    const { client } = await signedIn(t.app, {}, { expectLocation: '/' });
    const shown = [
      await forwardAuth(null, 'https://app.example.test/'), // 302
      await forwardAuth(null, 'https://app.example.test/', { headers: { accept: 'application/json' } }), // 401
      await forwardAuth(client, 'https://app.example.test/admin'), // 403
      await t.app.inject({ method: 'GET', url: FORWARD_AUTH, remoteAddress: '127.0.0.1' }), // 400
      await authRequest(null, 'https://app.example.test/'), // nginx's 401
    ];
    expect(shown.map((res) => res.statusCode)).toEqual([302, 401, 403, 400, 401]);
    for (const res of shown) {
      expect(res.headers['content-security-policy'], String(res.statusCode)).toContain("default-src 'self'");
      expect(res.headers['x-content-type-options'], String(res.statusCode)).toBe('nosniff');
    }
    const allowed = await forwardAuth(client, 'https://app.example.test/');
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['content-security-policy']).toBeUndefined();
    expect(allowed.headers['x-request-id']).toBeDefined();
    expect(allowed.headers['cache-control']).toBe('no-store');
    // Asked otherwise than by its exact path, the 200 has them as every other answer of the site does.
    const spelledOtherwise = await t.app.inject({ method: 'GET', url: `${FORWARD_AUTH}?from=proxy`, remoteAddress: '127.0.0.1', headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.test', 'x-forwarded-uri': '/', cookie: client.cookieHeader() } });
    expect([spelledOtherwise.statusCode, spelledOtherwise.headers['x-content-type-options']]).toEqual([200, 'nosniff']);
  });

  it('a forwarded request without Host/Proto/URI is a 400 (a proxy set up wrong), not a decision about nothing', async () => {
    const res = await t.app.inject({ method: 'GET', url: FORWARD_AUTH, remoteAddress: '127.0.0.1', headers: { 'x-forwarded-host': 'app.example.test' } });
    expect(res.statusCode).toBe(400);
  });
});

describe('malformed questions', () => {
  it('odd forwarded headers, methods and rd values never give a 5xx', async () => {
    const odd = ['', ' ', '%', '%zz', '/%00', '/\u00e9', '//', '/a?b=%', 'http://x', '/' + 'a'.repeat(5000), '[::1]', 'a..b', '-.-', ':443', 'h:99999', '\u00ff\u00fe'];
    const { client } = await signedIn(t.app, {}, { expectLocation: '/' });
    for (const value of odd) {
      for (const headers of [
        { 'x-forwarded-proto': 'https', 'x-forwarded-host': value, 'x-forwarded-uri': '/' },
        { 'x-forwarded-proto': value, 'x-forwarded-host': 'app.example.test', 'x-forwarded-uri': '/' },
        { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.test', 'x-forwarded-uri': value, 'x-forwarded-method': value },
      ]) {
        const res = await t.app.inject({ method: 'GET', url: FORWARD_AUTH, remoteAddress: '127.0.0.1', headers: { ...headers, cookie: client.cookieHeader() } });
        expect(res.statusCode, JSON.stringify(headers)).toBeLessThan(500);
      }
      const nginx = await t.app.inject({ method: 'GET', url: AUTH_REQUEST, remoteAddress: '127.0.0.1', headers: { 'x-original-url': `https://app.example.test${value}`, 'x-original-method': value || 'GET' } });
      expect([200, 401, 403], value).toContain(nginx.statusCode);
      for (const path of ['/login?rd=', '/authz/return?rd=']) expect((await client.get(path + encodeURIComponent(value))).status, path + value).toBeLessThan(500);
    }
  });
});

describe('auth-request (nginx): 200, 401 or 403 only', () => {
  it('answers 401 with the sign-in in Location, 200 with Remote-*, 403 — whatever the original method and Content-Type', async () => {
    const anonymous = await authRequest(null, 'https://app.example.test/x?y=1');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers.location).toBe(`${APP_URL}/login?rd=${encodeURIComponent('https://app.example.test/x?y=1')}`);
    const { user, client } = await signedIn(t.app, {}, { expectLocation: '/' });
    const ok = await authRequest(client, 'https://app.example.test/', 'POST', { 'content-type': 'application/json' });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['remote-user']).toBe(user.username);
    expect((await authRequest(client, 'https://app.example.test/admin', 'DELETE')).statusCode).toBe(403);
    // The second step and the set-up page are 401s too, with their address in Location.
    const setUp = await authRequest(client, 'https://secure.example.test/');
    expect([setUp.statusCode, setUp.headers.location]).toEqual([401, `${APP_URL}/security`]);
    // A proxy that sent no X-Original-URL: 403, never anything nginx cannot handle.
    const bare = await t.app.inject({ method: 'GET', url: AUTH_REQUEST, remoteAddress: '127.0.0.1' });
    expect(bare.statusCode).toBe(403);
  });
});

describe('back to the app after the sign-in (rd)', () => {
  it('the sign-in page keeps rd as next=/authz/return, and after the password a page goes on to the app', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    const to = 'https://app.example.test/doc?a=1';
    const redirect = await forwardAuth(client, to);
    const loginUrl = new URL(redirect.headers.location as string);
    const page = await client.get(loginUrl.pathname + loginUrl.search);
    expect(hiddenFields(page.body)).toEqual({ next: `/authz/return?rd=${encodeURIComponent(to)}` });
    const done = await client.submit(loginUrl.pathname + loginUrl.search, { login: user.username, password: user.password, ...hiddenFields(page.body) });
    expect(done.location).toBe(`/authz/return?rd=${encodeURIComponent(to)}`);
    const back = await client.get(done.location!);
    expect(back.status).toBe(200);
    expect(back.body).toContain(`content="0;url=${to.replace('&', '&amp;')}"`);
    expect((await forwardAuth(client, to)).statusCode).toBe(200);
  });

  it('require=two-factor: a remembered device does not skip the second step', async () => {
    const { user, client, phone } = await signedInWithSmsCode(true);
    await client.post('/logout', { _csrf: (await client.get('/')).body.match(/name="_csrf" value="([^"]+)"/)![1]! });
    // The remembered device skips the step on a plain sign-in…
    expect((await signIn(client, user.username, user.password)).location).toBe('/');
    const res = await forwardAuth(client, 'https://secure.example.test/x');
    expect(res.headers.location).toContain('/login?fresh=1&require=two-factor');
    // …but not when the rule asked for it.
    const loginUrl = new URL(res.headers.location as string);
    const form = await client.get(loginUrl.pathname + loginUrl.search);
    expect(hiddenFields(form.body)).toEqual({ next: `/authz/return?rd=${encodeURIComponent('https://secure.example.test/x')}`, require: 'two-factor' });
    const again = await client.submit(loginUrl.pathname + loginUrl.search, { login: user.username, password: user.password, ...hiddenFields(form.body) });
    expect(again.location).toBe('/login/two-factor');
    const done = await client.submit('/login/two-factor', { code: await latestDevCode(t.app, phone) });
    expect(done.location).toBe(`/authz/return?rd=${encodeURIComponent('https://secure.example.test/x')}`);
    expect((await forwardAuth(client, 'https://secure.example.test/x')).statusCode).toBe(200);
  });

  it('a signed-out person following /authz/return is sent to sign in, with rd kept', async () => {
    const res = await new TestClient(t.app).get(`/authz/return?rd=${encodeURIComponent('https://app.example.test/')}`);
    expect(res.location).toBe(`/login?rd=${encodeURIComponent('https://app.example.test/')}`);
  });
});

describe('the session cookie and the hot path', () => {
  it('COOKIE_DOMAIN: the session cookie carries Domain (and, on https, __Secure- instead of __Host-)', async () => {
    const { client } = await signedIn(t.app, {}, { expectLocation: '/' });
    expect(client.cookies.has('gatehouse_session')).toBe(true);
    const https = await startTestApp({ APP_URL: 'https://auth.example.test', COOKIE_DOMAIN: 'example.test' });
    try {
      const user = await createUser(https.app);
      const res = await signIn(new TestClient(https.app), user.username, user.password);
      const cookie = res.setCookies.find((c) => c.includes('gatehouse_session='))!;
      expect(cookie).toMatch(/^__Secure-gatehouse_session=[^;]+; Domain=example\.test; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      // Every other cookie stays host-only.
      expect(res.setCookies.filter((c) => c.includes('Domain='))).toHaveLength(1);
    } finally {
      await https.close();
    }
  });

  it('no database write per check: the session is touched at most once a minute, the account never', async () => {
    const { user, client } = await signedIn(t.app, {}, { expectLocation: '/' });
    const row = () =>
      t.app.ctx.db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select(['sessions.last_active_at', 'users.last_seen_at'])
        .where('sessions.user_id', '=', user.id)
        .executeTakeFirstOrThrow();
    const before = await row();
    const changes = async () => (t.backend === 'sqlite' ? (await sql<{ n: number }>`select total_changes() as n`.execute(t.app.ctx.db)).rows[0]!.n : 0);
    const changesBefore = await changes();
    clock.advance(30_000);
    for (let i = 0; i < 20; i++) expect((await forwardAuth(client, 'https://app.example.test/')).statusCode).toBe(200);
    expect(await row()).toEqual(before);
    expect(await changes()).toBe(changesBefore); // SQLite counts every row any statement changed
    clock.advance(minutes(1));
    expect((await forwardAuth(client, 'https://app.example.test/')).statusCode).toBe(200);
    const after = await row();
    expect(after.last_active_at).toBe(clock.now());
    expect(after.last_seen_at).toBe(before.last_seen_at);
  });
});
