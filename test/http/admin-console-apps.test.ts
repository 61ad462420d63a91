/**
 * The console's Apps section (src/features/admin/apps.ts), as an admin signed in with both steps uses it: the list
 * with each app's use, an app's page with its people in keyset pages, registering an app (the secret shown once),
 * changing it (the running provider follows at once), a new secret, and removing it with its codes, tokens,
 * grants and people's access. Attacks are test/security/admin-console-apps.test.ts.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/lib/tokens.js';
import { listAdminAudit } from '../../src/db/admin-audit.js';
import { recordAppSignIn } from '../../src/db/app-access.js';
import { findOidcApp } from '../../src/db/oidc-apps.js';
import { APP_PEOPLE_PAGE_SIZE } from '../../src/features/admin/apps.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, flashIn, signIn, TestClient, type Page } from '../support/client.js';
import { signedInAdmin } from '../support/console.js';
import { insertTestUser } from '../support/databases.js';
import { authorizationRequest, browse, OIDC_APP_URL, redeem, registerApp, relyingParty } from '../support/oidc.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
});
afterAll(() => t?.close());

const CALLBACK = 'https://wiki.example.test/oidc/callback';

/** The client_id and secret a secret page shows. */
function shownOn(page: Page): { clientId: string; secret: string | null } {
  const clientId = /<dd><code>([0-9a-f]{24})<\/code><\/dd>/.exec(page.body)?.[1];
  if (!clientId) throw new Error('no client_id on the page');
  return { clientId, secret: /data-client-secret>([^<]+)<\/code>/.exec(page.body)?.[1] ?? null };
}

async function registerInConsole(admin: TestClient, fields: Record<string, string>): Promise<Page> {
  const form = await admin.get('/admin/apps/new');
  expect(form.status).toBe(200);
  return admin.post('/admin/apps/new', { _csrf: csrfTokenIn(form.body), ...fields });
}

/** The app's row of the list page, from its name's cell to the end of the row. */
function listRowOf(body: string, clientId: string): string {
  const start = body.indexOf(`<a href="/admin/apps/${clientId}">`);
  expect(start).toBeGreaterThan(0);
  return body.slice(start, body.indexOf('</tr>', start));
}

const usernamesIn = (body: string) => [...body.matchAll(/<th scope="row"><a href="\/admin\/people\/\d+">([^<]+)<\/a><\/th>/g)].map((m) => m[1]!);
const nextLink = (body: string) => /<a href="([^"]+)" rel="next">/.exec(body)?.[1]?.replaceAll('&amp;', '&') ?? null;

describe('the Apps section', () => {
  it('lists every app: client_id, kind, first-party, requirement, how many people and the last sign-in; links to each', async () => {
    const { client: admin } = await signedInAdmin(t);
    const used = await registerApp(t.app, { name: 'Ledger', firstParty: true, requirement: 'passkey' });
    const unused = await registerApp(t.app, { name: 'Kiosk', kind: 'public', firstParty: false });
    const now = t.app.ctx.clock.now();
    const [ana, ben] = [await insertTestUser(t.app.ctx.db, { username: 'ledger-ana' }), await insertTestUser(t.app.ctx.db, { username: 'ledger-ben' })];
    await recordAppSignIn(t.app.ctx.db, ana.id, used.clientId, now - 60_000);
    await recordAppSignIn(t.app.ctx.db, ben.id, used.clientId, now - 7_200_000);

    const page = await admin.get('/admin/apps');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toMatch(/<a href="\/admin\/apps" aria-current="page">Apps<\/a>/);
    const row = listRowOf(page.body, used.clientId);
    expect(row).toContain('Ledger</a>');
    expect(row).toContain(`<code>${used.clientId}</code>`);
    expect(row).toMatch(/<td>Web<\/td>\s*<td>Yes<\/td>\s*<td>A passkey<\/td>\s*<td>2<\/td>/);
    // The last use is the latest sign-in of any of its people.
    expect(row).toContain(`datetime="${new Date(now - 60_000).toISOString()}"`);
    const other = listRowOf(page.body, unused.clientId);
    expect(other).toMatch(/<td>Public<\/td>\s*<td>No<\/td>\s*<td>The password<\/td>\s*<td>0<\/td>\s*<td>Never<\/td>/);
    // The overview counts the apps and links here.
    expect((await admin.get('/admin')).body).toMatch(/<a href="\/admin\/apps">\d+ apps?<\/a>/);
  });

  it("an app's page: its settings, and its people newest use first, a keyset page at a time, each once", async () => {
    const { client: admin } = await signedInAdmin(t);
    const app = await registerApp(t.app, {
      name: 'Roster',
      redirectUris: ['https://roster.example.test/cb', 'http://127.0.0.1:8080/cb'],
      postLogoutRedirectUris: ['https://roster.example.test/bye'],
      backchannelLogoutUri: 'https://roster.example.test/bcl',
      idTokenAlg: 'RS256',
    });
    const base = t.app.ctx.clock.now() - 1_000_000;
    const total = APP_PEOPLE_PAGE_SIZE + 5;
    const expected: string[] = [];
    for (let i = 0; i < total; i++) {
      const person = await insertTestUser(t.app.ctx.db, { username: `roster${String(i).padStart(3, '0')}` });
      // Pairs share a sign-in time: the account id breaks the tie, so no page boundary skips or repeats anyone.
      await recordAppSignIn(t.app.ctx.db, person.id, app.clientId, base + Math.floor(i / 2) * 1000);
      expected.unshift(person.username);
    }
    // A person with access to another app is not listed here.
    const elsewhere = await insertTestUser(t.app.ctx.db, { username: 'roster-elsewhere' });
    await recordAppSignIn(t.app.ctx.db, elsewhere.id, (await registerApp(t.app, { name: 'Other' })).clientId, base + 10_000_000);

    const first = await admin.get(`/admin/apps/${app.clientId}`);
    expect(first.status).toBe(200);
    expect(first.body).toContain('<h1>Roster</h1>');
    for (const shown of ['https://roster.example.test/cb', 'http://127.0.0.1:8080/cb', 'https://roster.example.test/bye', 'https://roster.example.test/bcl', 'RS256', app.clientId]) {
      expect(first.body).toContain(`${shown}`);
    }
    expect(first.body).toContain('Only its hash is kept: it is never shown again.');
    const page1 = usernamesIn(first.body);
    const second = await admin.get(nextLink(first.body)!);
    const page2 = usernamesIn(second.body);
    expect(page1).toHaveLength(APP_PEOPLE_PAGE_SIZE);
    expect([...page1, ...page2]).toEqual(expected);
    expect(nextLink(second.body)).toBeNull();
    expect(first.body).toMatch(/<a href="\/admin\/people\/\d+">roster054<\/a>/);
    // A forged cursor starts over rather than failing; an unknown app is a 404.
    expect(usernamesIn((await admin.get(`/admin/apps/${app.clientId}?after=nonsense`)).body)).toEqual(page1);
    expect((await admin.get('/admin/apps/000000000000000000000000')).status).toBe(404);
  });

  it('registers a web app as `apps add` does: the client_id and secret shown once, only the hash kept, the app signs people in', async () => {
    const { user: adminUser, client: admin } = await signedInAdmin(t);
    const done = await registerInConsole(admin, {
      name: '  Wiki  ',
      kind: 'web',
      redirect_uris: `${CALLBACK}\r\n\r\n  ${CALLBACK}  \r\n`,
      post_logout_redirect_uris: '',
      backchannel_logout_uri: '',
      first_party: 'on',
      requirement: 'none',
      id_token_alg: 'ES256',
    });
    expect(done.status).toBe(200);
    expect(done.headers['referrer-policy']).toBe('no-referrer');
    expect(done.headers['cache-control']).toBe('no-store');
    expect(done.body).toContain('Wiki is registered');
    expect(done.body).toContain('This is the only time the secret is shown');
    expect(done.body).toContain(`${OIDC_APP_URL}/oidc/.well-known/openid-configuration`);
    const { clientId, secret } = shownOn(done);
    expect(secret).toMatch(/^gh_[A-Za-z0-9_-]{43}$/);
    const stored = await findOidcApp(t.app.ctx.db, clientId);
    expect(stored).toMatchObject({ name: 'Wiki', kind: 'web', secret_hash: hashToken(secret!), redirect_uris: JSON.stringify([CALLBACK]), first_party: 1, requirement: 'none', id_token_alg: 'ES256', backchannel_logout_uri: null });

    const [entry] = await listAdminAudit(t.app.ctx.db, { action: 'app_added', actorId: adminUser.id }, { limit: 1 });
    expect(JSON.parse(entry!.detail!)).toEqual({
      client_id: clientId,
      name: 'Wiki',
      kind: 'web',
      redirect_uris: JSON.stringify([CALLBACK]),
      post_logout_redirect_uris: '[]',
      backchannel_logout_uri: '',
      first_party: 'yes',
      requirement: 'none',
    });
    expect([entry!.ip, entry!.request_id]).toEqual(['127.0.0.1', expect.any(String)]);

    // The secret works at once: a person signs in to the app and the app redeems its code with it.
    const rp = await relyingParty(t.app, { clientId, clientSecret: secret });
    const person = await createUser(t.app);
    const browser = new TestClient(t.app);
    await signIn(browser, person.username, person.password);
    const request = await authorizationRequest(rp, { redirect_uri: CALLBACK });
    const journey = await browse(browser, request.url.href);
    expect(journey.atApp?.href.startsWith(`${CALLBACK}?code=`)).toBe(true);
    expect((await redeem(rp, request, journey.atApp!)).claims()?.sub).toEqual(expect.any(String));
  });

  it('a public app has no secret; a service app no addresses; each kind as `apps add` makes it', async () => {
    const { client: admin } = await signedInAdmin(t);
    const spa = await registerInConsole(admin, { name: 'Pad', kind: 'public', redirect_uris: 'http://[::1]:5173/cb', requirement: 'two-factor', id_token_alg: 'RS256' });
    expect(spa.status).toBe(200);
    expect(spa.body).toContain('A public app has no secret');
    const pad = shownOn(spa);
    expect(pad.secret).toBeNull();
    expect(await findOidcApp(t.app.ctx.db, pad.clientId)).toMatchObject({ kind: 'public', secret_hash: null, first_party: 0, requirement: 'two-factor', id_token_alg: 'RS256' });

    const job = await registerInConsole(admin, { name: 'Nightly', kind: 'service' });
    expect(job.status).toBe(200);
    const nightly = shownOn(job);
    expect(nightly.secret).toMatch(/^gh_/);
    expect(await findOidcApp(t.app.ctx.db, nightly.clientId)).toMatchObject({ kind: 'service', redirect_uris: '[]' });
  });

  it("refuses what `apps add` refuses, beside each field, with what was typed kept (422); nothing stored or recorded", async () => {
    const { user: adminUser, client: admin } = await signedInAdmin(t);
    const before = await t.app.ctx.db.selectFrom('oidc_apps').select('client_id').execute();
    const refused = await registerInConsole(admin, {
      name: '',
      kind: 'web',
      redirect_uris: 'https://ok.example.test/cb\nhttp://notes.example.test/cb',
      post_logout_redirect_uris: 'https://ok.example.test/bye#top',
      backchannel_logout_uri: 'notes.example.test/bcl',
      requirement: 'passkey',
    });
    expect(refused.status).toBe(422);
    expect(refused.body).toContain('error-summary');
    expect(refused.body).toContain('Give the app a name of 1 to 100 characters.');
    expect(refused.body).toContain('“http://notes.example.test/cb” must start with https://');
    expect(refused.body).toContain('“https://ok.example.test/bye#top” must not have a #fragment.');
    expect(refused.body).toContain('“notes.example.test/bcl” is not a whole address');
    // What was typed stays, choices included.
    expect(refused.body).toContain('https://ok.example.test/cb\nhttp://notes.example.test/cb</textarea>');
    expect(refused.body).toMatch(/id="f-requirement-passkey" name="requirement" value="passkey" checked/);
    expect(refused.body).toContain('aria-invalid="true"');

    const noAddress = await registerInConsole(admin, { name: 'Wiki', kind: 'web' });
    expect(noAddress.status).toBe(422);
    expect(noAddress.body).toContain('Give at least one redirect URI');
    const service = await registerInConsole(admin, { name: 'Cron', kind: 'service', redirect_uris: 'https://cron.example.test/cb' });
    expect(service.status).toBe(422);
    expect(service.body).toContain('A service app signs nobody in');
    // A kind that is not one is not a form the console sent.
    expect((await registerInConsole(admin, { name: 'X', kind: 'admin', redirect_uris: CALLBACK })).status).toBe(400);

    expect(await t.app.ctx.db.selectFrom('oidc_apps').select('client_id').execute()).toEqual(before);
    expect(await listAdminAudit(t.app.ctx.db, { action: 'app_added', actorId: adminUser.id }, { limit: 1 })).toEqual([]);
  });

  it('changes an app: the settings, the audit entry naming what changed; nothing changed, nothing recorded', async () => {
    const { user: adminUser, client: admin } = await signedInAdmin(t);
    const app = await registerApp(t.app, { name: 'Board', redirectUris: ['https://board.example.test/cb'], firstParty: true });
    const form = await admin.get(`/admin/apps/${app.clientId}/edit`);
    expect(form.status).toBe(200);
    expect(form.body).toContain('https://board.example.test/cb</textarea>');
    expect(form.body).not.toContain('name="kind"');

    const same = await admin.post(`/admin/apps/${app.clientId}/edit`, { _csrf: csrfTokenIn(form.body), name: 'Board', redirect_uris: 'https://board.example.test/cb', first_party: 'on', requirement: 'none' });
    expect(same.location).toBe(`/admin/apps/${app.clientId}`);
    expect(flashIn((await admin.get(same.location!)).body)).toBe('Nothing was changed.');

    const changed = await admin.post(`/admin/apps/${app.clientId}/edit`, {
      _csrf: csrfTokenIn(form.body),
      name: 'Team board',
      redirect_uris: 'https://board.example.test/v2/cb',
      post_logout_redirect_uris: 'https://board.example.test/bye',
      backchannel_logout_uri: 'https://board.example.test/bcl',
      requirement: 'two-factor',
    });
    expect(changed.status).toBe(303);
    const after = await admin.get(changed.location!);
    expect(flashIn(after.body)).toBe('Team board is changed.');
    expect(await findOidcApp(t.app.ctx.db, app.clientId)).toMatchObject({
      name: 'Team board',
      redirect_uris: '["https://board.example.test/v2/cb"]',
      post_logout_redirect_uris: '["https://board.example.test/bye"]',
      backchannel_logout_uri: 'https://board.example.test/bcl',
      first_party: 0,
      requirement: 'two-factor',
      kind: 'web',
      secret_hash: hashToken(app.clientSecret!),
    });
    const entries = await listAdminAudit(t.app.ctx.db, { action: 'app_changed', actorId: adminUser.id }, { limit: 5 });
    // What each setting was and became: an address added or first-party turned on is in the log, not only its name.
    expect(entries.map((e) => JSON.parse(e.detail!) as unknown)).toEqual([
      {
        client_id: app.clientId,
        name: 'Team board',
        changed: 'name, redirect_uris, post_logout_redirect_uris, backchannel_logout_uri, first_party, requirement',
        was: 'Board',
        redirect_uris_was: expect.stringContaining('https://') as unknown,
        redirect_uris: '["https://board.example.test/v2/cb"]',
        post_logout_redirect_uris_was: '[]',
        post_logout_redirect_uris: '["https://board.example.test/bye"]',
        backchannel_logout_uri_was: '',
        backchannel_logout_uri: 'https://board.example.test/bcl',
        first_party_was: 'yes',
        first_party: 'no',
        requirement_was: 'none',
        requirement: 'two-factor',
      },
    ]);

    // Refused as at registration, with what was typed kept; the app stays as it was.
    const bad = await admin.post(`/admin/apps/${app.clientId}/edit`, { _csrf: csrfTokenIn(form.body), name: 'Team board', redirect_uris: 'https://board.example.test/cb#frag', requirement: 'two-factor' });
    expect(bad.status).toBe(422);
    expect(bad.body).toContain('must not have a #fragment');
    expect(bad.body).toContain('https://board.example.test/cb#frag</textarea>');
    expect((await findOidcApp(t.app.ctx.db, app.clientId))?.redirect_uris).toBe('["https://board.example.test/v2/cb"]');
  });

  it('a changed redirect URI counts in the running provider at once: the new one gets the code', async () => {
    const { client: admin } = await signedInAdmin(t);
    const app = await registerApp(t.app, { name: 'Moving', redirectUris: ['https://old.example.test/cb'] });
    const rp = await relyingParty(t.app, app);
    const person = await createUser(t.app);
    const browser = new TestClient(t.app);
    await signIn(browser, person.username, person.password);
    const before = await browse(browser, (await authorizationRequest(rp, { redirect_uri: 'https://old.example.test/cb' })).url.href);
    expect(before.atApp?.origin).toBe('https://old.example.test');

    const form = await admin.get(`/admin/apps/${app.clientId}/edit`);
    expect((await admin.post(`/admin/apps/${app.clientId}/edit`, { _csrf: csrfTokenIn(form.body), name: 'Moving', redirect_uris: 'https://new.example.test/cb', first_party: 'on', requirement: 'none' })).status).toBe(303);
    const request = await authorizationRequest(rp, { redirect_uri: 'https://new.example.test/cb' });
    const after = await browse(browser, request.url.href);
    expect(after.atApp?.href.startsWith('https://new.example.test/cb?code=')).toBe(true);
  });

  it('gives a confidential app a new secret, shown once; the old one stops working at once; a public app has none to give', async () => {
    const { user: adminUser, client: admin } = await signedInAdmin(t);
    const job = await registerApp(t.app, { name: 'Exporter', kind: 'service', redirectUris: [] });
    const old = await relyingParty(t.app, job);
    expect((await client.clientCredentialsGrant(old)).access_token).toEqual(expect.any(String));

    const page = await admin.get(`/admin/apps/${job.clientId}`);
    expect(page.body).toContain(`action="/admin/apps/${job.clientId}/rotate-secret"`);
    const rotated = await admin.post(`/admin/apps/${job.clientId}/rotate-secret`, { _csrf: csrfTokenIn(page.body) });
    expect(rotated.status).toBe(200);
    expect(rotated.headers['referrer-policy']).toBe('no-referrer');
    expect(rotated.body).toContain('A new client secret for Exporter');
    expect(rotated.body).toContain('The old secret no longer works.');
    const { secret } = shownOn(rotated);
    expect(secret).not.toBe(job.clientSecret);
    await expect(client.clientCredentialsGrant(old)).rejects.toThrow();
    expect((await client.clientCredentialsGrant(await relyingParty(t.app, { clientId: job.clientId, clientSecret: secret }))).access_token).toEqual(expect.any(String));
    const [entry] = await listAdminAudit(t.app.ctx.db, { action: 'app_secret_rotated', actorId: adminUser.id }, { limit: 1 });
    expect(JSON.parse(entry!.detail!)).toEqual({ client_id: job.clientId, name: 'Exporter' });

    const spa = await registerApp(t.app, { name: 'Pad', kind: 'public' });
    const spaPage = await admin.get(`/admin/apps/${spa.clientId}`);
    expect(spaPage.body).not.toContain('rotate-secret');
    expect(spaPage.body).toContain('None: a public app proves itself with PKCE.');
    expect((await admin.post(`/admin/apps/${spa.clientId}/rotate-secret`, { _csrf: csrfTokenIn(spaPage.body) })).status).toBe(404);
    expect((await findOidcApp(t.app.ctx.db, spa.clientId))?.secret_hash).toBeNull();
  });

  it("removes an app once its name is typed: its codes, tokens, grants and people's access go with it", async () => {
    const { user: adminUser, client: admin } = await signedInAdmin(t);
    const job = await registerApp(t.app, { name: 'Old sync', kind: 'service', redirectUris: [] });
    const rp = await relyingParty(t.app, job);
    const token = (await client.clientCredentialsGrant(rp)).access_token;
    const person = await insertTestUser(t.app.ctx.db, { username: 'sync-user' });
    await recordAppSignIn(t.app.ctx.db, person.id, job.clientId, t.app.ctx.clock.now());
    expect(await t.app.ctx.db.selectFrom('oidc_payloads').select('id').where('client_id', '=', job.clientId).execute()).not.toEqual([]);

    const page = await admin.get(`/admin/apps/${job.clientId}`);
    expect(page.body).toContain('Type the app’s name, “Old sync”, to remove it');
    const wrong = await admin.post(`/admin/apps/${job.clientId}/remove`, { _csrf: csrfTokenIn(page.body), confirm: 'old sync' });
    expect(wrong.status).toBe(422);
    expect(wrong.body).toContain('Type the app’s name exactly as it is shown.');
    expect(wrong.body).toContain('value="old sync"');
    expect(await findOidcApp(t.app.ctx.db, job.clientId)).toBeDefined();

    const removed = await admin.post(`/admin/apps/${job.clientId}/remove`, { _csrf: csrfTokenIn(page.body), confirm: 'Old sync' });
    expect(removed.status).toBe(303);
    expect(removed.location).toBe('/admin/apps');
    const list = await admin.get('/admin/apps');
    expect(flashIn(list.body)).toBe('Old sync is removed: its codes, tokens and grants no longer work.');
    expect(list.body).not.toContain(job.clientId);
    expect(await findOidcApp(t.app.ctx.db, job.clientId)).toBeUndefined();
    expect(await t.app.ctx.db.selectFrom('oidc_payloads').select('id').where('client_id', '=', job.clientId).execute()).toEqual([]);
    expect(await t.app.ctx.db.selectFrom('oidc_app_access').select('user_id').where('client_id', '=', job.clientId).execute()).toEqual([]);
    await expect(client.clientCredentialsGrant(rp)).rejects.toThrow();
    expect(token).toEqual(expect.any(String));
    const [entry] = await listAdminAudit(t.app.ctx.db, { action: 'app_removed', actorId: adminUser.id }, { limit: 1 });
    expect(JSON.parse(entry!.detail!)).toMatchObject({ client_id: job.clientId, name: 'Old sync', redirect_uris: '[]' });
    expect((await admin.get(`/admin/apps/${job.clientId}`)).status).toBe(404);
  });

  it('speaks Spanish to an admin who reads it', async () => {
    const { client: admin } = await signedInAdmin(t);
    admin.headers['accept-language'] = 'es';
    const app = await registerApp(t.app, { name: 'Diario' });
    const list = await admin.get('/admin/apps');
    expect(list.headers['content-language']).toBe('es');
    expect(list.body).toContain('Registrar una app');
    const page = await admin.get(`/admin/apps/${app.clientId}`);
    expect(page.body).toContain('Darle un secreto de cliente nuevo');
    const refused = await registerInConsole(admin, { name: 'Diario', redirect_uris: 'http://diario.example.test/cb' });
    expect(refused.status).toBe(422);
    expect(refused.body).toContain('debe empezar por https://');
  });
});
