/**
 * Consent: an app not registered first-party asks the person, on a Gatehouse page that names the app and says in
 * plain words what it will see; Allow gives the app its code, Deny sends it `access_denied`. What was allowed is
 * remembered per app and scopes — in another browser and after another sign-in too — and only new scopes are asked
 * for when the app asks for more. First-party apps never show the page. The `groups` claim reaches an app only
 * with the `groups` scope. openid-client is the app (test/support/oidc.ts).
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import { removeApp } from '../../src/admin/app-commands.js';
import { addUserToGroup } from '../../src/db/user-groups.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { authorizationRequest, browse, consentAndGo, ISSUER, OIDC_APP_URL, redeem, registerApp, relyingParty, signInOnPage, type Journey } from '../support/oidc.js';
import { signedInAs } from '../support/sign-in.js';

let t: TestApp;
let rp: client.Configuration;
let clientId: string;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  const registered = await registerApp(t.app, { name: 'Photo Printer', firstParty: false });
  clientId = registered.clientId;
  rp = await relyingParty(t.app, registered);
});
afterAll(async () => t.close());

/** Starts the app's request in the browser; returns where the browser rests (the consent page) and the request. */
async function start(browser: TestClient, params: Record<string, string>) {
  const request = await authorizationRequest(rp, params);
  const journey = await browse(browser, request.url.href);
  return { request, journey };
}

function expectConsentPage(journey: Journey) {
  expect(journey.atApp).toBeNull();
  expect(journey.page.status).toBe(200);
  expect(journey.page.body).toContain('Photo Printer');
  expect(journey.page.body).toMatch(/<button type="submit" class="button primary">Allow<\/button>/);
}

const grantsOf = (sub: string) =>
  t.app.ctx.db.selectFrom('oidc_payloads').select(['id', 'payload']).where('model', '=', 'Grant').where('account_id', '=', sub).where('client_id', '=', clientId).execute();

async function eventsOf(userId: number) {
  const rows = await t.app.ctx.db.selectFrom('security_events').select('kind').where('user_id', '=', userId).orderBy('id').execute();
  return rows.map((r) => r.kind);
}

describe('the consent page', () => {
  it('names the app and what it will see; Allow gives the app its tokens, and "Apps with access" and the activity log know', async () => {
    const user = await createUser(t.app);
    const browser = await signedInAs(t.app, user);
    const { request, journey } = await start(browser, { scope: 'openid profile email' });
    expectConsentPage(journey);
    const body = journey.page.body;
    expect(body).toContain('Allow Photo Printer to see your account?');
    expect(body).toContain(`sign you in as ${user.username}`);
    expect(body).toContain('See your name, username, profile picture and language');
    expect(body).toContain('See your email address');
    expect(body).not.toContain('See the groups you are in');
    expect(body).not.toContain('Stay signed in');

    const back = await consentAndGo(browser, journey, 'consent');
    expect(back.atApp?.origin + back.atApp!.pathname).toBe('https://app.example.test/callback');
    const tokens = await redeem(rp, request, back.atApp!);
    const claims = tokens.claims()!;
    const info = await client.fetchUserInfo(rp, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ preferred_username: user.username, email: user.email });

    expect(await eventsOf(user.id)).toEqual(expect.arrayContaining(['oidc_consent', 'oidc_first_sign_in']));
    const access = await t.app.ctx.db.selectFrom('oidc_app_access').selectAll().where('user_id', '=', user.id).execute();
    expect(access.map((a) => a.client_id)).toEqual([clientId]);
    const security = await browser.get('/security');
    expect(security.body).toContain('Apps with access');
    expect(security.body).toContain('Photo Printer');
    expect(security.body).toContain('You allowed Photo Printer to sign you in and see your account');
    expect(security.body).toContain('Photo Printer signed you in with Gatehouse for the first time');
  });

  it('Deny: the app gets access_denied, never a code, and nothing is granted', async () => {
    const user = await createUser(t.app);
    const browser = await signedInAs(t.app, user);
    const { request, journey } = await start(browser, { scope: 'openid email' });
    expectConsentPage(journey);
    const back = await consentAndGo(browser, journey, 'deny');
    expect(back.atApp).not.toBeNull();
    expect(back.atApp!.searchParams.get('error')).toBe('access_denied');
    expect(back.atApp!.searchParams.get('state')).toBe(request.state);
    expect(back.atApp!.searchParams.get('iss')).toBe(ISSUER);
    expect(back.atApp!.searchParams.get('code')).toBeNull();
    expect(await grantsOf(user.oidc_subject!)).toEqual([]);
    expect(await t.app.ctx.db.selectFrom('oidc_app_access').selectAll().where('user_id', '=', user.id).execute()).toEqual([]);
  });

  it('someone signed out signs in first, then sees the page', async () => {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    const { request, journey } = await start(browser, { scope: 'openid' });
    const signedInNow = await signInOnPage(browser, journey, user.username, user.password);
    const consent = await browse(browser, signedInNow.location!);
    expectConsentPage(consent);
    const back = await consentAndGo(browser, consent, 'consent');
    expect((await redeem(rp, request, back.atApp!)).claims()!.sub).toBe(user.oidc_subject);
  });

  it('in Spanish for a Spanish reader', async () => {
    const user = await createUser(t.app);
    const browser = await signedInAs(t.app, user, { headers: { 'accept-language': 'es' } });
    const { journey } = await start(browser, { scope: 'openid email offline_access', prompt: 'consent' });
    expect(journey.page.body).toContain('¿Permitir que Photo Printer vea tu cuenta?');
    expect(journey.page.body).toContain('Ver tu dirección de correo');
    expect(journey.page.body).toContain('Mantener la sesión iniciada');
    expect(journey.page.body).toContain('>Denegar</button>');
  });
});

describe('what was allowed is remembered', () => {
  it('in another browser and after another sign-in: no page, a code at once, and with prompt=none too', async () => {
    const user = await createUser(t.app);
    const first = await signedInAs(t.app, user);
    const allowed = await start(first, { scope: 'openid profile' });
    await consentAndGo(first, allowed.journey, 'consent');

    const second = await signedInAs(t.app, user);
    const asks: Record<string, string>[] = [{ scope: 'openid profile' }, { scope: 'openid', prompt: 'none' }, { scope: 'openid profile' }];
    for (const params of asks) {
      const { request, journey } = await start(second, params);
      expect(journey.atApp?.searchParams.get('code'), JSON.stringify(params)).toBeTruthy();
      expect((await redeem(rp, request, journey.atApp!)).claims()!.sub).toBe(user.oidc_subject);
    }
    // One grant for the app, however many browsers.
    expect(await grantsOf(user.oidc_subject!)).toHaveLength(1);
  });

  it('when the app asks for more, the page names only the new scopes; Allow adds them to the same grant', async () => {
    const user = await createUser(t.app);
    const browser = await signedInAs(t.app, user);
    await consentAndGo(browser, (await start(browser, { scope: 'openid profile' })).journey, 'consent');

    const { request, journey } = await start(browser, { scope: 'openid profile email' });
    expectConsentPage(journey);
    expect(journey.page.body).toContain('Photo Printer asks to see more');
    expect(journey.page.body).toContain('See your email address');
    expect(journey.page.body).not.toContain('See your name');
    expect(journey.page.body).not.toContain('Know it is you');
    const back = await consentAndGo(browser, journey, 'consent');
    const tokens = await redeem(rp, request, back.atApp!);
    expect(await client.fetchUserInfo(rp, tokens.access_token, user.oidc_subject!)).toMatchObject({ email: user.email, preferred_username: user.username });
    const grants = await grantsOf(user.oidc_subject!);
    expect(grants).toHaveLength(1);
    expect((JSON.parse(grants[0]!.payload) as { openid: { scope: string } }).openid.scope.split(' ').sort()).toEqual(['email', 'openid', 'profile']);
  });

  it('offline_access needs prompt=consent: then the page asks for "stay signed in" and the app gets a refresh token', async () => {
    const user = await createUser(t.app);
    const browser = await signedInAs(t.app, user);
    await consentAndGo(browser, (await start(browser, { scope: 'openid' })).journey, 'consent');
    // Without prompt=consent the library drops offline_access: nothing to ask, no refresh token.
    const silent = await start(browser, { scope: 'openid offline_access' });
    expect((await redeem(rp, silent.request, silent.journey.atApp!)).refresh_token).toBeUndefined();

    const { request, journey } = await start(browser, { scope: 'openid offline_access', prompt: 'consent' });
    expectConsentPage(journey);
    expect(journey.page.body).toContain('Stay signed in: keep access to the above when you are away');
    const back = await consentAndGo(browser, journey, 'consent');
    const tokens = await redeem(rp, request, back.atApp!);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect((await client.refreshTokenGrant(rp, tokens.refresh_token!)).access_token).toEqual(expect.any(String));
  });

  it('a first-party app never shows the page', async () => {
    const wiki = await relyingParty(t.app, await registerApp(t.app, { name: 'Wiki', firstParty: true }));
    const user = await createUser(t.app);
    const browser = await signedInAs(t.app, user);
    const request = await authorizationRequest(wiki, { scope: 'openid profile email offline_access', prompt: 'consent' });
    const back = await browse(browser, request.url.href);
    expect(back.trail.filter((p) => p.startsWith('/interaction/'))).not.toEqual([]);
    expect((await redeem(wiki, request, back.atApp!)).refresh_token).toEqual(expect.any(String));
  });
});

describe('the groups claim', () => {
  it('reaches the app only with the groups scope: in the ID token and at userinfo', async () => {
    const user = await createUser(t.app);
    await addUserToGroup(t.app.ctx.db, user.id, 'staff');
    await addUserToGroup(t.app.ctx.db, user.id, 'admins');
    const browser = await signedInAs(t.app, user);

    const without = await start(browser, { scope: 'openid profile' });
    expect(without.journey.page.body).not.toContain('See the groups you are in');
    const plain = await redeem(rp, without.request, (await consentAndGo(browser, without.journey, 'consent')).atApp!);
    expect(plain.claims()).not.toHaveProperty('groups');
    expect(await client.fetchUserInfo(rp, plain.access_token, user.oidc_subject!)).not.toHaveProperty('groups');

    const withGroups = await start(browser, { scope: 'openid profile groups' });
    expect(withGroups.journey.page.body).toContain('See the groups you are in');
    const tokens = await redeem(rp, withGroups.request, (await consentAndGo(browser, withGroups.journey, 'consent')).atApp!);
    expect(tokens.claims()!.groups).toEqual(['admins', 'staff']);
    expect((await client.fetchUserInfo(rp, tokens.access_token, user.oidc_subject!)).groups).toEqual(['admins', 'staff']);
  });

  it('discovery advertises the groups scope and claim', () => {
    expect(rp.serverMetadata().scopes_supported).toContain('groups');
    expect(rp.serverMetadata().claims_supported).toContain('groups');
  });
});

describe('"Apps with access" rows', () => {
  it("go with the account when it is deleted, and with the app when `apps remove` removes it", async () => {
    const notes = await registerApp(t.app, { name: 'Notes', firstParty: false });
    const notesRp = await relyingParty(t.app, notes);
    const [alice, bob] = [await createUser(t.app), await createUser(t.app)];
    await addUserToGroup(t.app.ctx.db, alice.id, 'staff');
    const aliceBrowser = await signedInAs(t.app, alice);
    const bobBrowser = await signedInAs(t.app, bob);
    for (const browser of [aliceBrowser, bobBrowser]) {
      const request = await authorizationRequest(notesRp);
      await consentAndGo(browser, await browse(browser, request.url.href), 'consent');
    }
    const rowsOf = (table: 'oidc_app_access' | 'user_groups', userId: number) => t.app.ctx.db.selectFrom(table).select('user_id').where('user_id', '=', userId).execute();
    expect(await rowsOf('oidc_app_access', alice.id)).toHaveLength(1);

    expect((await aliceBrowser.submit('/security/delete', { confirm_username: alice.username })).location).toBe('/login');
    expect(await rowsOf('oidc_app_access', alice.id)).toEqual([]);
    expect(await rowsOf('user_groups', alice.id)).toEqual([]);

    const admin = { db: t.app.ctx.db, config: t.app.ctx.config, clock: t.app.ctx.clock, pwnedPasswords: pwnedPasswordsOff, output: { out: () => undefined } };
    expect(await removeApp(admin, notes.clientId)).toEqual({ ok: true });
    expect(await t.app.ctx.db.selectFrom('oidc_app_access').select('user_id').where('client_id', '=', notes.clientId).execute()).toEqual([]);
    expect((await bobBrowser.get('/security')).body).not.toContain('Notes');
  });
});
