/**
 * Signing out between Gatehouse and its apps (src/oidc/logout.ts), with openid-client as the app:
 *
 * - an app signs the person out (RP-initiated logout): Gatehouse's question, in the person's language; "Sign out
 *   of Gatehouse and <app>" ends the Gatehouse session, the provider's session and the app's tokens and goes back
 *   to the app's registered address with `state`; "Stay signed in" ends only the app's part;
 * - the person signs out of Gatehouse: the provider's session ends too, the app's tokens stop working (but an
 *   `offline_access` grant's), and an app that does not answer its back-channel address never stops the sign-out.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renewSessionRow } from '../../src/db/sessions.js';
import { findUserById } from '../../src/db/users.js';
import { hashToken } from '../../src/lib/tokens.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { closedLoopbackOrigin, startBackchannelReceiver, type BackchannelReceiver } from '../support/backchannel-receiver.js';
import { signIn, TestClient } from '../support/client.js';
import { authorizationRequest, browse, oauthError, OIDC_APP_URL, redeem, registerApp, relyingParty, type Journey } from '../support/oidc.js';
import { hasLiveSession } from '../support/sign-in.js';

const SIGNED_OUT_URI = 'https://app.example.test/signed-out';

let t: TestApp;
let receiver: BackchannelReceiver;
let rp: client.Configuration;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  receiver = await startBackchannelReceiver();
  rp = await relyingParty(t.app, await registerApp(t.app, { name: 'Wiki', postLogoutRedirectUris: [SIGNED_OUT_URI], backchannelLogoutUri: `${receiver.origin}/backchannel-logout` }));
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

/** A person signed in to Gatehouse and, through it, to the app; `scope` adds e.g. `offline_access`. */
async function signedInToApp(scope = 'openid', config = rp) {
  const user = await createUser(t.app);
  const browser = new TestClient(t.app);
  expect((await signIn(browser, user.username, user.password)).status).toBe(302);
  const request = await authorizationRequest(config, scope === 'openid' ? {} : { scope, prompt: 'consent' });
  const tokens = await redeem(config, request, (await browse(browser, request.url.href)).atApp!);
  const sub = (await findUserById(t.app.ctx.db, user.id))!.oidc_subject!;
  return { user, browser, tokens, sub };
}

async function providerSessionsOf(sub: string): Promise<number> {
  const rows = await t.app.ctx.db.selectFrom('oidc_payloads').select('id').where('model', '=', 'Session').where('account_id', '=', sub).execute();
  return rows.length;
}

async function active(accessToken: string): Promise<boolean> {
  return (await client.tokenIntrospection(rp, accessToken)).active;
}

/** The library's form on the confirmation page: where it posts, and its xsrf secret. */
function logoutFormOf(journey: Journey): { action: string; xsrf: string } {
  const form = /<form id="op.logoutForm" method="post" action="([^"]+)"><input type="hidden" name="xsrf" value="([^"]+)"\/><\/form>/.exec(journey.page.body);
  expect(form).not.toBeNull();
  return { action: new URL(form![1]!).pathname, xsrf: form![2]! };
}

describe('an app signs the person out (RP-initiated logout)', () => {
  it("asks on Gatehouse's own page; \"Sign out of Gatehouse and Wiki\" ends both sessions and the app's tokens, then goes back to the app with state", async () => {
    const { browser, tokens, sub } = await signedInToApp();
    const before = receiver.logoutTokens().length;
    const state = client.randomState();
    const url = client.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: SIGNED_OUT_URI, state });

    const question = await browse(browser, url.href);
    expect(question.atApp).toBeNull();
    expect(question.page.status).toBe(200);
    expect(question.page.body).toContain('<h1>Sign out of Gatehouse too?</h1>');
    expect(question.page.body).toContain('Wiki asked to sign you out.');
    expect(question.page.body).toMatch(/<button type="submit" form="op.logoutForm" name="logout" value="yes" class="button primary">Sign out of Gatehouse and Wiki<\/button>/);
    expect(question.page.body).toContain('Stay signed in to Gatehouse</button>');
    // Gatehouse's frame and headers, and a CSP that lets the form's redirect chain end at the app.
    expect(question.page.body).toContain('<link rel="stylesheet" href="/static/css/app.css">');
    const csp = String(question.page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('form-action');

    const form = logoutFormOf(question);
    const confirmed = await browser.post(form.action, { xsrf: form.xsrf, logout: 'yes' });
    expect(confirmed.status).toBe(303);
    const back = new URL(confirmed.location!);
    expect(back.origin + back.pathname).toBe(SIGNED_OUT_URI);
    expect(back.searchParams.get('state')).toBe(state);

    expect(await hasLiveSession(browser, '/security')).toBe(false);
    expect(await providerSessionsOf(sub)).toBe(0);
    expect(await active(tokens.access_token)).toBe(false);
    expect(await oauthError(client.fetchUserInfo(rp, tokens.access_token, client.skipSubjectCheck))).toBe('invalid_token');
    // The app was told through its back-channel address too (the token itself: backchannel-logout-token.test.ts).
    expect(receiver.logoutTokens().length).toBe(before + 1);
  });

  it('asks in Spanish to a Spanish reader', async () => {
    const { browser, tokens } = await signedInToApp();
    browser.headers['accept-language'] = 'es';
    const question = await browse(browser, client.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: SIGNED_OUT_URI }).href);
    expect(question.page.body).toContain('<html lang="es"');
    expect(question.page.body).toContain('¿Cerrar también la sesión de Gatehouse?');
    expect(question.page.body).toContain('Cerrar sesión en Gatehouse y en Wiki');
  });

  it('"Stay signed in to Gatehouse" ends only the app\'s part: the Gatehouse session lives on', async () => {
    const { browser, tokens } = await signedInToApp();
    const state = client.randomState();
    const question = await browse(browser, client.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: SIGNED_OUT_URI, state }).href);
    const form = logoutFormOf(question);
    const confirmed = await browser.post(form.action, { xsrf: form.xsrf });
    expect(confirmed.status).toBe(303);
    expect(new URL(confirmed.location!).searchParams.get('state')).toBe(state);
    expect(await hasLiveSession(browser, '/security')).toBe(true);
    expect(await active(tokens.access_token)).toBe(false);
  });

  it("without an address to go back to: Gatehouse's signed-out page", async () => {
    const { browser, tokens } = await signedInToApp();
    const question = await browse(browser, client.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token! }).href);
    const form = logoutFormOf(question);
    const confirmed = await browser.post(form.action, { xsrf: form.xsrf, logout: 'yes' });
    expect(confirmed.location).toBe(`${OIDC_APP_URL}/oidc/session/end/success`);
    const done = await browser.get(new URL(confirmed.location!).pathname);
    expect(done.status).toBe(200);
    expect(done.body).toContain('<h1>You are signed out</h1>');
    expect(done.body).toContain('href="/login"');
  });

  it('a confirmation with a body the provider cannot read is refused with 400, never a 500', async () => {
    for (const [type, body] of [['application/json', '{"logout":"yes"}'], ['application/xml', '<logout/>'], [';;;', 'logout=yes']]) {
      const response = await t.app.inject({ method: 'POST', url: '/oidc/session/end/confirm', headers: { 'content-type': type }, payload: body });
      expect(response.statusCode, type).toBe(400);
    }
  });

  it('a forged confirmation (no xsrf secret of this browser) ends nothing', async () => {
    const { browser, tokens } = await signedInToApp();
    const question = await browse(browser, client.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token! }).href);
    const form = logoutFormOf(question);
    const forged = await browser.post(form.action, { xsrf: 'a'.repeat(48), logout: 'yes' });
    expect(forged.status).toBe(400);
    expect(await hasLiveSession(browser, '/security')).toBe(true);
    expect(await active(tokens.access_token)).toBe(true);
  });
});

describe('signing out of Gatehouse signs out of the apps', () => {
  it("ends the provider's session and the app's tokens; a grant for offline_access lives on", async () => {
    const plain = await signedInToApp();
    const offline = await signedInToApp('openid offline_access');
    for (const { browser } of [plain, offline]) expect((await browser.submit('/security', {}, '/logout')).location).toBe('/login');

    expect(await providerSessionsOf(plain.sub)).toBe(0);
    expect(await active(plain.tokens.access_token)).toBe(false);
    expect(await oauthError(client.fetchUserInfo(rp, plain.tokens.access_token, client.skipSubjectCheck))).toBe('invalid_token');
    // What the app was given to work without the person keeps working: that is what offline_access asks for.
    expect(await providerSessionsOf(offline.sub)).toBe(0);
    expect((await client.refreshTokenGrant(rp, offline.tokens.refresh_token!)).access_token).toEqual(expect.any(String));
  });

  it('ending another session on the security page ends its apps too', async () => {
    const { user, tokens, sub } = await signedInToApp();
    const other = new TestClient(t.app);
    await signIn(other, user.username, user.password);
    const page = await other.get('/security');
    const ids = [...page.body.matchAll(/name="id" value="([0-9a-f]{64})"/g)].map((m) => m[1]!);
    const own = (await t.app.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).where('oidc_session_uid', 'is', null).executeTakeFirst())!.id;
    const target = ids.find((id) => id !== own)!;
    expect((await other.submit('/security', { id: target }, '/security/sessions/end')).location).toBe('/security');
    expect(await providerSessionsOf(sub)).toBe(0);
    expect(await active(tokens.access_token)).toBe(false);
  });

  it('the link between the two sessions survives a renewed Gatehouse session (a new id after re-entering the password)', async () => {
    const { user } = await signedInToApp();
    const row = (await t.app.ctx.db.selectFrom('sessions').select(['id', 'oidc_session_uid']).where('user_id', '=', user.id).executeTakeFirst())!;
    expect(row.oidc_session_uid).toEqual(expect.any(String));
    const renewedId = hashToken('renewed session token for the test');
    expect(await renewSessionRow(t.app.ctx.db, row.id, renewedId, 'csrf', t.app.ctx.clock.now())).toBe(true);
    const renewed = await t.app.ctx.db.selectFrom('sessions').select('oidc_session_uid').where('id', '=', renewedId).executeTakeFirst();
    expect(renewed?.oidc_session_uid).toBe(row.oidc_session_uid);
  });

  it('an app whose back-channel address does not answer, or fails, never stops the sign-out', async () => {
    const failing = await startBackchannelReceiver();
    failing.status = 500;
    try {
      const unreachable = await relyingParty(t.app, await registerApp(t.app, { backchannelLogoutUri: `${await closedLoopbackOrigin()}/backchannel-logout` }));
      const refusing = await relyingParty(t.app, await registerApp(t.app, { backchannelLogoutUri: `${failing.origin}/backchannel-logout` }));
      for (const config of [unreachable, refusing]) {
        const { browser, sub } = await signedInToApp('openid', config);
        const signedOut = await browser.submit('/security', {}, '/logout');
        expect(signedOut.status).toBe(302);
        expect(signedOut.location).toBe('/login');
        expect(await hasLiveSession(browser, '/security')).toBe(false);
        expect(await providerSessionsOf(sub)).toBe(0);
      }
      expect(failing.logoutTokens()).toHaveLength(1);
    } finally {
      await failing.close();
    }
  });
});
