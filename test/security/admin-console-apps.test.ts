/**
 * Attacks on the console's Apps section (src/features/admin/apps.ts), each named after it:
 * - a client secret shown twice: once made, a secret must never appear again — not on any console page, not in the
 *   audit log or its export, not in the database in clear;
 * - an invalid redirect URI registered from the console: a fragment, plain http on a host that is not a loopback
 *   address, `localhost`, credentials in it, a relative or script address — refused as `apps add` refuses them;
 * - a redirect URI taken out still accepted (a cached client): after an edit the provider must refuse the old
 *   address at once, or a code could still be sent where the operator no longer wants it;
 * - an old client secret after rotation, and tokens of a removed app: cut off at once;
 * - an app removed by a stray click: the name must be typed;
 * - a console change from a stale sign-in: every change needs step-up (password and second factor within 10 minutes);
 * - markup in an app's name: shown as text.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAdminAudit } from '../../src/db/admin-audit.js';
import { findOidcApp } from '../../src/db/oidc-apps.js';
import { ManualClock, minutes } from '../../src/lib/duration.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient, type Page } from '../support/client.js';
import { signedInAdmin } from '../support/console.js';
import { authorizationRequest, browse, oauthError, OIDC_APP_URL, redeem, registerApp, relyingParty } from '../support/oidc.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
});
afterAll(() => t?.close());

const CALLBACK = 'https://notes.example.test/cb';

const secretOn = (page: Page) => /data-client-secret>([^<]+)<\/code>/.exec(page.body)?.[1] ?? null;
const clientIdOn = (page: Page) => /<dd><code>([0-9a-f]{24})<\/code><\/dd>/.exec(page.body)?.[1] ?? null;

async function postFrom(admin: TestClient, formPage: string, action: string, fields: Record<string, string>): Promise<Page> {
  const page = await admin.get(formPage);
  return admin.post(action, { _csrf: csrfTokenIn(page.body), ...fields });
}

describe('a client secret shown twice', () => {
  it('a secret appears only on the page that made it: never again on a console page, in the audit log or in clear in the database', async () => {
    const { client: admin } = await signedInAdmin(t);
    const added = await postFrom(admin, '/admin/apps/new', '/admin/apps/new', { name: 'Vault', kind: 'web', redirect_uris: CALLBACK });
    const clientId = clientIdOn(added)!;
    const first = secretOn(added)!;
    expect(first).toMatch(/^gh_/);
    const rotated = await postFrom(admin, `/admin/apps/${clientId}`, `/admin/apps/${clientId}/rotate-secret`, {});
    const second = secretOn(rotated)!;
    expect(second).toMatch(/^gh_/);
    for (const page of [added, rotated]) {
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.headers['cache-control']).toBe('no-store');
    }
    // Every page an operator can reach afterwards, a refused change and a refused removal included.
    const pages = [
      await admin.get('/admin'),
      await admin.get('/admin/apps'),
      await admin.get(`/admin/apps/${clientId}`),
      await admin.get(`/admin/apps/${clientId}/edit`),
      await admin.get('/admin/audit'),
      await admin.get('/admin/audit/export'),
      await postFrom(admin, `/admin/apps/${clientId}/edit`, `/admin/apps/${clientId}/edit`, { name: 'Vault', redirect_uris: 'http://vault.example.test/cb' }),
      await postFrom(admin, `/admin/apps/${clientId}`, `/admin/apps/${clientId}/remove`, { confirm: 'not the name' }),
    ];
    for (const page of pages) {
      expect(page.body.length).toBeGreaterThan(0);
      expect(page.body).not.toContain(first);
      expect(page.body).not.toContain(second);
    }
    const audit = JSON.stringify(await t.app.ctx.db.selectFrom('admin_audit').selectAll().execute());
    expect(audit).toContain(clientId);
    expect(audit).not.toContain(first);
    expect(audit).not.toContain(second);
    const stored = JSON.stringify(await findOidcApp(t.app.ctx.db, clientId));
    expect(stored).not.toContain(first);
    expect(stored).not.toContain(second);
    // The page that showed a secret cannot be fetched again: it was the answer to a POST; that address answers no GET.
    const again = await admin.get(`/admin/apps/${clientId}/rotate-secret`);
    expect(again.status).toBe(405);
    expect(again.body).not.toMatch(/gh_[A-Za-z0-9_-]{43}/);
  });
});

describe('an invalid redirect URI registered from the console', () => {
  const invalid: [string, string][] = [
    ['a fragment', 'https://notes.example.test/cb#x'],
    ['plain http on a host that is not a loopback address', 'http://notes.example.test/cb'],
    ['plain http on localhost (a name a resolver may point elsewhere)', 'http://localhost:3000/cb'],
    ['a user name and password in it', 'https://user:pw@notes.example.test/cb'],
    ['a relative address', '/cb'],
    ['a script address', 'javascript:alert(1)'],
  ];

  it.each(invalid)('%s is refused at registration and at a change; nothing is stored', async (_name, uri) => {
    const { client: admin } = await signedInAdmin(t);
    const before = await t.app.ctx.db.selectFrom('oidc_apps').select('client_id').execute();
    const added = await postFrom(admin, '/admin/apps/new', '/admin/apps/new', { name: 'Notes', kind: 'web', redirect_uris: `${CALLBACK}\n${uri}` });
    expect(added.status).toBe(422);
    expect(added.body).toContain('id="f-redirect_uris-error"');
    expect(await t.app.ctx.db.selectFrom('oidc_apps').select('client_id').execute()).toEqual(before);

    const app = await registerApp(t.app, { name: 'Notes', redirectUris: [CALLBACK] });
    const changed = await postFrom(admin, `/admin/apps/${app.clientId}/edit`, `/admin/apps/${app.clientId}/edit`, { name: 'Notes', redirect_uris: uri, first_party: 'on' });
    expect(changed.status).toBe(422);
    expect((await findOidcApp(t.app.ctx.db, app.clientId))?.redirect_uris).toBe(JSON.stringify([CALLBACK]));
    // The same rule for the other addresses.
    const logout = await postFrom(admin, `/admin/apps/${app.clientId}/edit`, `/admin/apps/${app.clientId}/edit`, { name: 'Notes', redirect_uris: CALLBACK, post_logout_redirect_uris: uri, backchannel_logout_uri: uri, first_party: 'on' });
    expect(logout.status).toBe(422);
    expect(logout.body).toContain('id="f-post_logout_redirect_uris-error"');
    expect(logout.body).toContain('id="f-backchannel_logout_uri-error"');
  });
});

describe('a redirect URI taken out still accepted (a cached client)', () => {
  it('after the change the provider refuses the old address at once, and never sends the browser there', async () => {
    const { client: admin } = await signedInAdmin(t);
    const app = await registerApp(t.app, { name: 'Moving', redirectUris: ['https://old.example.test/cb'] });
    const rp = await relyingParty(t.app, app);
    const person = await createUser(t.app);
    const browser = new TestClient(t.app);
    await signIn(browser, person.username, person.password);
    // The provider has read the app (and could keep it) before the change.
    const used = await browse(browser, (await authorizationRequest(rp, { redirect_uri: 'https://old.example.test/cb' })).url.href);
    expect(used.atApp?.href.startsWith('https://old.example.test/cb?code=')).toBe(true);

    const changed = await postFrom(admin, `/admin/apps/${app.clientId}/edit`, `/admin/apps/${app.clientId}/edit`, { name: 'Moving', redirect_uris: 'https://new.example.test/cb', first_party: 'on' });
    expect(changed.status).toBe(303);
    const old = await browse(browser, (await authorizationRequest(rp, { redirect_uri: 'https://old.example.test/cb' })).url.href);
    expect(old.atApp).toBeNull();
    expect(old.page.status).toBe(400);
    expect(old.page.body).toContain('invalid_redirect_uri');
  });
});

describe('an old client secret after rotation', () => {
  it('is refused at the token endpoint at once (invalid_client); the new one works', async () => {
    const { client: admin } = await signedInAdmin(t);
    const job = await registerApp(t.app, { name: 'Nightly', kind: 'service', redirectUris: [] });
    const old = await relyingParty(t.app, job);
    expect((await client.clientCredentialsGrant(old)).access_token).toEqual(expect.any(String));
    const rotated = await postFrom(admin, `/admin/apps/${job.clientId}`, `/admin/apps/${job.clientId}/rotate-secret`, {});
    expect(await oauthError(client.clientCredentialsGrant(old))).toBe('invalid_client');
    const fresh = await relyingParty(t.app, { clientId: job.clientId, clientSecret: secretOn(rotated) });
    expect((await client.clientCredentialsGrant(fresh)).access_token).toEqual(expect.any(String));
  });
});

describe('tokens of a removed app', () => {
  it('an app removed in the console loses its access tokens and its client authentication at once', async () => {
    const { client: admin } = await signedInAdmin(t);
    const app = await registerApp(t.app, { name: 'Retired', redirectUris: [CALLBACK] });
    const rp = await relyingParty(t.app, app);
    const person = await createUser(t.app);
    const browser = new TestClient(t.app);
    await signIn(browser, person.username, person.password);
    const request = await authorizationRequest(rp, { redirect_uri: CALLBACK });
    const tokens = await redeem(rp, request, (await browse(browser, request.url.href)).atApp!);
    const sub = tokens.claims()!.sub;
    expect((await client.fetchUserInfo(rp, tokens.access_token, sub)).sub).toBe(sub);

    expect((await postFrom(admin, `/admin/apps/${app.clientId}`, `/admin/apps/${app.clientId}/remove`, { confirm: 'Retired' })).status).toBe(303);
    expect(await oauthError(client.fetchUserInfo(rp, tokens.access_token, sub))).toBe('invalid_token');
    expect(await oauthError(client.tokenIntrospection(rp, tokens.access_token))).toBe('invalid_client');
  });
});

describe('an app removed by a stray click', () => {
  it('without its name typed (empty, another app’s name, a different case) the app stays', async () => {
    const { client: admin } = await signedInAdmin(t);
    const app = await registerApp(t.app, { name: 'Payroll', redirectUris: [CALLBACK] });
    for (const confirm of [undefined, '', 'Notes', 'payroll']) {
      const page = await admin.get(`/admin/apps/${app.clientId}`);
      const answer = await admin.post(`/admin/apps/${app.clientId}/remove`, { _csrf: csrfTokenIn(page.body), ...(confirm === undefined ? {} : { confirm }) });
      expect(answer.status, String(confirm)).toBe(422);
    }
    // Nor without the form's CSRF token, even with the name.
    expect((await admin.post(`/admin/apps/${app.clientId}/remove`, { confirm: 'Payroll' })).status).toBe(403);
    expect(await findOidcApp(t.app.ctx.db, app.clientId)).toBeDefined();
    expect(await listAdminAudit(t.app.ctx.db, { action: 'app_removed' }, { limit: 50 }).then((rows) => rows.filter((r) => r.detail?.includes(app.clientId)))).toEqual([]);
  });
});

describe('markup in an app’s name', () => {
  it('is shown as text on the list, the app’s page and the secret page', async () => {
    const { client: admin } = await signedInAdmin(t);
    const name = '<img src=x onerror=alert(1)>';
    const added = await postFrom(admin, '/admin/apps/new', '/admin/apps/new', { name, kind: 'public', redirect_uris: CALLBACK });
    expect(added.status).toBe(200);
    const clientId = clientIdOn(added)!;
    for (const page of [added, await admin.get('/admin/apps'), await admin.get(`/admin/apps/${clientId}`)]) {
      expect(page.body).not.toContain(name);
      expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
  });
});

describe('a console change from a stale sign-in (step-up)', () => {
  // Attack: an admin's browser left signed in is used, an hour later, to register an app that sends codes to the
  // attacker, point an app's redirect URI elsewhere, take a new secret or remove an app. Each needs a fresh sign-in.
  let clocked: TestApp;
  const clock = new ManualClock(Date.UTC(2026, 11, 5, 9, 0, 0));
  beforeAll(async () => {
    clocked = await startTestApp({ APP_URL: OIDC_APP_URL }, { clock });
  });
  afterAll(() => clocked?.close());

  it('every change is sent through a fresh two-step sign-in, back to its form, and nothing is done or recorded', async () => {
    const { client: admin } = await signedInAdmin(clocked);
    const app = await registerApp(clocked.app, { name: 'Target', redirectUris: [CALLBACK] });
    const before = await findOidcApp(clocked.app.ctx.db, app.clientId);
    const appsBefore = await clocked.app.ctx.db.selectFrom('oidc_apps').select('client_id').execute();
    clock.advance(minutes(11));
    const page = await admin.get(`/admin/apps/${app.clientId}`);
    expect(page.body).toContain('Each change first asks you to sign in again');
    const csrf = csrfTokenIn(page.body);
    const attempts: [string, Record<string, string>, string][] = [
      ['/admin/apps/new', { name: 'Evil', kind: 'web', redirect_uris: 'https://evil.example/cb', first_party: 'on' }, '/admin/apps/new'],
      [`/admin/apps/${app.clientId}/edit`, { name: 'Target', redirect_uris: 'https://evil.example/cb', first_party: 'on' }, `/admin/apps/${app.clientId}/edit`],
      [`/admin/apps/${app.clientId}/rotate-secret`, {}, `/admin/apps/${app.clientId}`],
      [`/admin/apps/${app.clientId}/remove`, { confirm: 'Target' }, `/admin/apps/${app.clientId}`],
    ];
    for (const [action, fields, back] of attempts) {
      const answer = await admin.post(action, { _csrf: csrf, ...fields });
      expect(answer.status, action).toBe(303);
      expect(answer.location, action).toBe(`/login?fresh=1&require=two-factor&next=${encodeURIComponent(back)}`);
      expect(answer.body, action).not.toMatch(/gh_[A-Za-z0-9_-]{43}/);
    }
    expect(await findOidcApp(clocked.app.ctx.db, app.clientId)).toEqual(before);
    expect(await clocked.app.ctx.db.selectFrom('oidc_apps').select('client_id').execute()).toEqual(appsBefore);
    expect(await listAdminAudit(clocked.app.ctx.db, {}, { limit: 10 })).toEqual([]);
  });
});
