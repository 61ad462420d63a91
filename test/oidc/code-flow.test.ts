/**
 * An app signs people in with Gatehouse: openid-client 6 as the app does discovery and the authorization code
 * flow with PKCE; the person signs in on Gatehouse's own pages (password, a second step, a remembered device).
 * What the app learns — `sub`, acr, amr, auth_time, the profile — comes from Gatehouse's account and from the
 * sign-in record (decision record 016), and is checked against them.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { howSignedIn } from '../../src/auth/sign-in.js';
import { deleteSessionsOfUser } from '../../src/db/sessions.js';
import { findUserById } from '../../src/db/users.js';
import { ACR_ONE_FACTOR, ACR_TWO_FACTOR } from '../../src/oidc/claims.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { totpCode } from '../support/totp.js';
import {
  authorizationRequest,
  browse,
  giveAuthenticator,
  ISSUER,
  OIDC_APP_URL,
  redeem,
  registerApp,
  relyingParty,
  signInOnPage,
  type RegisteredApp,
} from '../support/oidc.js';

let t: TestApp;
let registered: RegisteredApp;
let rp: client.Configuration;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  registered = await registerApp(t.app);
  rp = await relyingParty(t.app, registered);
});
afterAll(async () => t.close());

/** The sign-in record of the user's one signed-in session. */
async function recordOf(userId: number) {
  const sessions = await t.app.ctx.db.selectFrom('sessions').selectAll().where('user_id', '=', userId).where('two_factor_pending', '=', 0).execute();
  expect(sessions).toHaveLength(1);
  return howSignedIn(sessions[0]!)!;
}

describe('discovery', () => {
  it('names the issuer APP_URL/oidc and offers exactly the code flow with S256 PKCE', () => {
    const md = rp.serverMetadata();
    expect(md.issuer).toBe(ISSUER);
    for (const endpoint of [md.authorization_endpoint, md.token_endpoint, md.userinfo_endpoint, md.jwks_uri, md.introspection_endpoint, md.revocation_endpoint]) {
      expect(endpoint?.startsWith(`${ISSUER}/`)).toBe(true);
    }
    expect(md.response_types_supported).toEqual(['code']);
    expect(md.code_challenge_methods_supported).toEqual(['S256']);
    expect(md.authorization_response_iss_parameter_supported).toBe(true);
    expect(md.claims_supported).toEqual(expect.arrayContaining(['sub', 'acr', 'amr', 'auth_time', 'email', 'preferred_username']));
    // No dynamic registration, no pushed requests, no implicit flow.
    expect(md.registration_endpoint).toBeUndefined();
    expect(md.pushed_authorization_request_endpoint).toBeUndefined();
    expect(md.grant_types_supported).not.toContain('implicit');
  });

  it('publishes an ES256 and an RS256 public key, and no private part', async () => {
    const jwks = (await t.app.inject({ url: '/oidc/jwks' })).json<{ keys: Record<string, unknown>[] }>();
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of jwks.keys) expect(Object.keys(key)).not.toContain('d');
  });
});

describe('signing in to an app', () => {
  it('the password alone: the sign-in page, then a code; the ID token says pwd and 1fa, userinfo the profile', async () => {
    const user = await createUser(t.app, { firstName: 'Ada', lastName: 'Lovelace' });
    const browser = new TestClient(t.app);
    const request = await authorizationRequest(rp, { scope: 'openid profile email' });

    const toSignIn = await browse(browser, request.url.href);
    expect(toSignIn.atApp).toBeNull();
    expect(toSignIn.url).toMatch(/^\/login\?next=%2Finteraction%2F[^%]+%2Fcontinue$/);
    const signedIn = await signInOnPage(browser, toSignIn, user.username, user.password);
    expect(signedIn.location).toMatch(/^\/interaction\/[^/]+\/continue$/);
    const back = await browse(browser, signedIn.location!);
    // The form's POST lands on a page that goes on by itself (CSP form-action), then the provider sends the code.
    expect(back.trail[1]).toMatch(/^\/oidc\/auth\//);
    expect(back.atApp?.origin + back.atApp!.pathname).toBe('https://app.example.test/callback');
    expect(back.atApp!.searchParams.get('iss')).toBe(ISSUER);

    const tokens = await redeem(rp, request, back.atApp!);
    const claims = tokens.claims()!;
    const stored = (await findUserById(t.app.ctx.db, user.id))!;
    const record = await recordOf(user.id);
    expect(claims.sub).toBe(stored.oidc_subject);
    expect(claims.sub).not.toContain(user.username);
    expect(claims.sub).not.toBe(String(user.id));
    expect(claims.sub).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(claims.acr).toBe(ACR_ONE_FACTOR);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.auth_time).toBe(Math.floor(record.at / 1000));

    const info = await client.fetchUserInfo(rp, tokens.access_token, claims.sub);
    expect(info).toMatchObject({
      sub: claims.sub,
      preferred_username: user.username,
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: user.email,
      email_verified: true,
    });
    expect(info.picture).toMatch(/^https:\/\/www\.gravatar\.com\/avatar\/[0-9a-f]{32}\?/);
    // acr and amr describe a sign-in, not the account: they are in the ID token only.
    expect(info).not.toHaveProperty('acr');
    expect(info).not.toHaveProperty('amr');

    // Signed in already: straight back to the app, no page on the way, the same subject.
    const again = await authorizationRequest(rp);
    const direct = await browse(browser, again.url.href);
    expect(direct.atApp).not.toBeNull();
    expect(direct.trail.filter((p) => p.startsWith('/login'))).toEqual([]);
    expect((await redeem(rp, again, direct.atApp!)).claims()!.sub).toBe(claims.sub);
  });

  it('the password and an authenticator code: pwd, otp and mfa, acr 2fa; a remembered device afterwards yields exactly pwd', async () => {
    const user = await createUser(t.app);
    const key = await giveAuthenticator(t.app, user.id);
    const browser = new TestClient(t.app);
    const request = await authorizationRequest(rp);
    const toSignIn = await browse(browser, request.url.href);
    const password = await signInOnPage(browser, toSignIn, user.username, user.password);
    expect(password.location).toBe('/login/two-factor/app');
    const code = await browser.submit('/login/two-factor/app', { code: totpCode(key, Date.now()), remember_device: 'on' });
    expect(code.location).toMatch(/^\/interaction\/[^/]+\/continue$/);
    const back = await browse(browser, code.location!);
    const claims = (await redeem(rp, request, back.atApp!)).claims()!;
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe(ACR_TWO_FACTOR);
    expect(claims.auth_time).toBe(Math.floor((await recordOf(user.id)).at / 1000));

    // Signed out, then in again with the password: the remembered browser skips the code, and the app is told so.
    await browser.submit('/security', {}, '/logout');
    const later = await authorizationRequest(rp);
    const toSignInAgain = await browse(browser, later.url.href);
    const remembered = await signInOnPage(browser, toSignInAgain, user.username, user.password);
    expect(remembered.location).toMatch(/^\/interaction\/[^/]+\/continue$/);
    expect(await recordOf(user.id)).toMatchObject({ methods: ['password'], secondStepSkipped: true });
    const backAgain = await browse(browser, remembered.location!);
    const rememberedClaims = (await redeem(rp, later, backAgain.atApp!)).claims()!;
    expect(rememberedClaims.amr).toEqual(['pwd']);
    expect(rememberedClaims.acr).toBe(ACR_ONE_FACTOR);
    expect(rememberedClaims.sub).toBe(claims.sub);
  });

  it('Gatehouse is the truth: after signing out of Gatehouse the app gets no code without a new sign-in', async () => {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    await signIn(browser, user.username, user.password);
    const first = await authorizationRequest(rp);
    expect((await browse(browser, first.url.href)).atApp?.searchParams.get('code')).toBeTruthy();

    await browser.submit('/security', {}, '/logout');
    const silent = await authorizationRequest(rp, { prompt: 'none' });
    const answer = await browse(browser, silent.url.href);
    expect(answer.atApp?.searchParams.get('error')).toBe('login_required');
    expect(answer.atApp?.searchParams.get('code')).toBeNull();
    const asking = await authorizationRequest(rp);
    expect(new URL((await browse(browser, asking.url.href)).url, OIDC_APP_URL).pathname).toBe('/login');
  });

  it('prompt=login shows the sign-in page to someone signed in, and only a new sign-in gets the code', async () => {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    await signIn(browser, user.username, user.password);
    const before = await recordOf(user.id);

    const request = await authorizationRequest(rp, { prompt: 'login' });
    const toSignIn = await browse(browser, request.url.href);
    expect(toSignIn.atApp).toBeNull();
    expect(toSignIn.url).toMatch(/^\/login\?fresh=1&next=/);
    expect(toSignIn.page.body).toContain('name="password"');
    // Going on without signing in again is sent back to the sign-in page.
    const next = new URL(toSignIn.url, OIDC_APP_URL).searchParams.get('next')!;
    expect((await browse(browser, next)).url).toMatch(/^\/login\?fresh=1&/);

    await new Promise((resolve) => setTimeout(resolve, 5)); // a later sign-in, to the millisecond
    const signedIn = await signInOnPage(browser, toSignIn, user.username, user.password);
    const back = await browse(browser, signedIn.location!);
    const claims = (await redeem(rp, request, back.atApp!)).claims()!;
    expect((await recordOf(user.id)).at).toBeGreaterThan(before.at);
    expect(claims.auth_time).toBe(Math.floor((await recordOf(user.id)).at / 1000));
  });

  it('prompt=login for someone signed out: one sign-in gets the code, not two', async () => {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    const request = await authorizationRequest(rp, { prompt: 'login' });
    const toSignIn = await browse(browser, request.url.href);
    expect(toSignIn.atApp).toBeNull();
    const signedIn = await signInOnPage(browser, toSignIn, user.username, user.password);
    const back = await browse(browser, signedIn.location!);
    expect(back.trail.filter((p) => p.startsWith('/login'))).toEqual([]);
    expect(back.atApp?.searchParams.get('code')).toBeTruthy();
    const claims = (await redeem(rp, request, back.atApp!)).claims()!;
    expect(claims.auth_time).toBe(Math.floor((await recordOf(user.id)).at / 1000));
  });

  it('max_age: a sign-in older than asked for is done again; a recent one is not', async () => {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    await signIn(browser, user.username, user.password);
    const fresh = await authorizationRequest(rp, { max_age: '600' });
    expect((await browse(browser, fresh.url.href)).atApp?.searchParams.get('code')).toBeTruthy();

    // The session signed in 20 minutes ago.
    await t.app.ctx.db.updateTable('sessions').set((eb) => ({ created_at: eb('created_at', '-', 20 * 60_000) })).where('user_id', '=', user.id).execute();
    const stale = await authorizationRequest(rp, { max_age: '600' });
    const toSignIn = await browse(browser, stale.url.href);
    expect(toSignIn.url).toMatch(/^\/login\?fresh=1&next=/);
    const signedIn = await signInOnPage(browser, toSignIn, user.username, user.password);
    const back = await browse(browser, signedIn.location!);
    const claims = (await redeem(rp, stale, back.atApp!)).claims()!;
    expect(Math.floor(Date.now() / 1000) - claims.auth_time!).toBeLessThan(60);
  });
});

describe('another person in the same browser', () => {
  it("signs in after the first signed out: the app gets the second person's code, never the first's", async () => {
    const [alice, bob] = [await createUser(t.app), await createUser(t.app)];
    const browser = new TestClient(t.app);
    await signIn(browser, alice.username, alice.password);
    const first = await authorizationRequest(rp);
    const aliceSub = (await redeem(rp, first, (await browse(browser, first.url.href)).atApp!)).claims()!.sub;

    // Signing out of Gatehouse ended the provider's session of alice too: bob's request goes straight through.
    await browser.submit('/security', {}, '/logout');
    await signIn(browser, bob.username, bob.password);
    const second = await authorizationRequest(rp);
    const journey = await browse(browser, second.url.href);
    const claims = (await redeem(rp, second, journey.atApp!)).claims()!;
    expect(claims.sub).toBe((await findUserById(t.app.ctx.db, bob.id))!.oidc_subject);
    expect(claims.sub).not.toBe(aliceSub);
  });

  it("signs in after the first one's session expired: the provider ends the first's own session by itself, and the second stays signed in to Gatehouse", async () => {
    const [alice, bob] = [await createUser(t.app), await createUser(t.app)];
    const browser = new TestClient(t.app);
    await signIn(browser, alice.username, alice.password);
    const first = await authorizationRequest(rp);
    const aliceSub = (await redeem(rp, first, (await browse(browser, first.url.href)).atApp!)).claims()!.sub;

    // Alice's Gatehouse session ends without a sign-out (as the purge deletes an expired one): the provider's stays.
    await deleteSessionsOfUser(t.app.ctx.db, alice.id);
    await signIn(browser, bob.username, bob.password);
    const second = await authorizationRequest(rp);
    let journey = await browse(browser, second.url.href);
    // The provider ends its session of the first person with a form that posts itself (its only script).
    expect(journey.atApp).toBeNull();
    {
      const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(journey.page.body);
      expect(form?.[1]).toBe(`${ISSUER}/session/end/confirm`);
      const fields = Object.fromEntries([...form![2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/?>/g)].map((m) => [m[1]!, m[2]!]));
      const posted = await browser.post(new URL(form![1]!).pathname, fields);
      journey = await browse(browser, posted.location!);
    }
    const claims = (await redeem(rp, second, journey.atApp!)).claims()!;
    expect(claims.sub).toBe((await findUserById(t.app.ctx.db, bob.id))!.oidc_subject);
    expect(claims.sub).not.toBe(aliceSub);
    // That automatic sign-out was alice's: bob's Gatehouse session is not ended with it (src/oidc/logout.ts).
    expect((await browser.get('/security')).status).toBe(200);
  });

  it('an id_token_hint naming someone else than the person signed in: login_required back at the app, never their code', async () => {
    const [alice, bob] = [await createUser(t.app), await createUser(t.app)];
    const aliceBrowser = new TestClient(t.app);
    await signIn(aliceBrowser, alice.username, alice.password);
    const first = await authorizationRequest(rp);
    const aliceTokens = await redeem(rp, first, (await browse(aliceBrowser, first.url.href)).atApp!);

    const bobBrowser = new TestClient(t.app);
    await signIn(bobBrowser, bob.username, bob.password);
    const hinted = await authorizationRequest(rp, { id_token_hint: aliceTokens.id_token! });
    const answer = await browse(bobBrowser, hinted.url.href);
    expect(answer.atApp?.searchParams.get('error')).toBe('login_required');
    expect(answer.atApp?.searchParams.get('state')).toBe(hinted.state);
    expect(answer.atApp?.searchParams.get('code')).toBeNull();

    // Alice's own browser, with her own hint, still gets a code.
    const own = await authorizationRequest(rp, { id_token_hint: aliceTokens.id_token! });
    expect((await browse(aliceBrowser, own.url.href)).atApp?.searchParams.get('code')).toBeTruthy();
  });

  it('the claims parameter naming another subject: login_required back at the app (not a code, not an endless round)', async () => {
    const [alice, bob] = [await createUser(t.app), await createUser(t.app)];
    const aliceSub = (await findUserById(t.app.ctx.db, alice.id))!.oidc_subject!;
    const bobBrowser = new TestClient(t.app);
    await signIn(bobBrowser, bob.username, bob.password);
    const claims = (sub: string) => JSON.stringify({ id_token: { sub: { value: sub } } });
    const named = await authorizationRequest(rp, { claims: claims(aliceSub) });
    const answer = await browse(bobBrowser, named.url.href);
    expect(answer.atApp?.searchParams.get('error')).toBe('login_required');
    expect(answer.atApp?.searchParams.get('code')).toBeNull();

    const own = await authorizationRequest(rp, { claims: claims((await findUserById(t.app.ctx.db, bob.id))!.oidc_subject!) });
    expect((await browse(bobBrowser, own.url.href)).atApp?.searchParams.get('code')).toBeTruthy();
  });
});
