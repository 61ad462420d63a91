/**
 * Attack: a refresh token after "Remove access". A person lets an app stay signed in (`offline_access`), then
 * removes its access on the security page — because they stopped trusting it, or its server was breached. The
 * app (or whoever holds its tokens) must be cut off at once: the refresh token is refused (`invalid_grant`), the
 * access token fails at userinfo and introspects as inactive, and nothing of the grant stays in storage. The same
 * person's other apps, and another person's access to this app, live on; the app's next sign-in asks again.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, flashIn, type TestClient } from '../support/client.js';
import { authorizationRequest, browse, consentAndGo, oauthError, OIDC_APP_URL, redeem, registerApp, relyingParty, type RegisteredApp } from '../support/oidc.js';
import { signedInAs } from '../support/sign-in.js';

let t: TestApp;
let printer: RegisteredApp;
let rp: client.Configuration;
let other: client.Configuration;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  printer = await registerApp(t.app, { name: 'Photo Printer', firstParty: false });
  rp = await relyingParty(t.app, printer);
  other = await relyingParty(t.app, await registerApp(t.app, { name: 'Notes', firstParty: false }));
});
afterAll(async () => t.close());

/** The person allows the app to stay signed in; the app redeems its code. */
async function allowOffline(browser: TestClient, config: client.Configuration) {
  const request = await authorizationRequest(config, { scope: 'openid profile offline_access', prompt: 'consent' });
  const back = await consentAndGo(browser, await browse(browser, request.url.href), 'consent');
  const tokens = await redeem(config, request, back.atApp!);
  expect(tokens.refresh_token).toEqual(expect.any(String));
  return tokens;
}

async function removeAccess(browser: TestClient, clientId: string) {
  const page = await browser.get('/security');
  return browser.post('/security/apps/remove', { _csrf: csrfTokenIn(page.body), client_id: clientId });
}

describe('Remove access', () => {
  it("cuts the app off at once: refresh invalid_grant, userinfo and introspection inactive; other apps and people keep theirs", async () => {
    const [alice, bob] = [await createUser(t.app), await createUser(t.app)];
    const browser = await signedInAs(t.app, alice);
    const tokens = await allowOffline(browser, rp);
    // A refresh before the removal works: the test can fail for the right reason only.
    const refreshed = await client.refreshTokenGrant(rp, tokens.refresh_token!);
    const otherApp = await allowOffline(browser, other);
    const bobs = await allowOffline(await signedInAs(t.app, bob), rp);

    const security = await browser.get('/security');
    expect(security.body).toContain('Photo Printer');
    expect(security.body).toContain('Remove access<span class="visually-hidden"> for Photo Printer</span>');
    const removed = await removeAccess(browser, printer.clientId);
    expect(removed.location).toBe('/security');
    const after = await browser.get('/security');
    expect(flashIn(after.body)).toContain('Photo Printer no longer has access to your account');
    expect(after.body).not.toContain('Remove access<span class="visually-hidden"> for Photo Printer</span>');
    expect(after.body).toContain('You removed access to your account for Photo Printer');

    // The live refresh token (the first one was rotated away: using it again would end the grant by itself).
    expect(await oauthError(client.refreshTokenGrant(rp, refreshed.refresh_token!))).toBe('invalid_grant');
    for (const accessToken of [refreshed.access_token, tokens.access_token]) {
      expect(await oauthError(client.fetchUserInfo(rp, accessToken, client.skipSubjectCheck))).toBe('invalid_token');
      expect((await client.tokenIntrospection(rp, accessToken)).active).toBe(false);
    }
    const left = await t.app.ctx.db.selectFrom('oidc_payloads').select('model').where('account_id', '=', alice.oidc_subject).where('client_id', '=', printer.clientId).where('model', '!=', 'Session').execute();
    expect(left).toEqual([]);
    expect(await t.app.ctx.db.selectFrom('oidc_app_access').selectAll().where('user_id', '=', alice.id).where('client_id', '=', printer.clientId).execute()).toEqual([]);

    // Alice's other app and Bob's access to this one are untouched.
    expect((await client.refreshTokenGrant(other, otherApp.refresh_token!)).access_token).toEqual(expect.any(String));
    expect((await client.refreshTokenGrant(rp, bobs.refresh_token!)).access_token).toEqual(expect.any(String));

    // The app's next sign-in asks again.
    const again = await browse(browser, (await authorizationRequest(rp)).url.href);
    expect(again.atApp).toBeNull();
    expect(again.page.body).toContain('Allow Photo Printer to see your account?');
  });

  it("only the account's own: another app id or someone else's app changes nothing", async () => {
    const [alice, bob] = [await createUser(t.app), await createUser(t.app)];
    const bobs = await allowOffline(await signedInAs(t.app, bob), rp);
    const aliceBrowser = await signedInAs(t.app, alice);
    for (const clientId of [printer.clientId, 'no-such-app', '']) {
      const answer = await removeAccess(aliceBrowser, clientId);
      expect(answer.status).toBeLessThan(500);
    }
    expect((await client.refreshTokenGrant(rp, bobs.refresh_token!)).access_token).toEqual(expect.any(String));
  });
});
