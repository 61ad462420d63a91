/**
 * Attack: an intruder keeps the account through an app after the owner took it back. Signed in with the stolen
 * password (or a stolen session), the intruder signs in to an app that asks for `offline_access`, and keeps its
 * refresh token. Every action that says the account was in someone else's hands — a password reset, "This wasn't
 * me", a password change, "sign out everywhere else", an admin's reset of the second factors, the account's
 * deletion — must end the apps' access with the sessions: the refresh token is refused (`invalid_grant`), the
 * access token fails at userinfo and introspects as inactive. Another account's tokens live on.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import { resetFactors } from '../../src/admin/commands.js';
import { createUser, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { authorizationRequest, browse, giveAuthenticator, oauthError, redeem, registerApp, relyingParty, OIDC_APP_URL } from '../support/oidc.js';
import { signedInAs } from '../support/sign-in.js';

let t: TestApp;
let rp: client.Configuration;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL }, { outbox: { pollIntervalMs: 20 } });
  rp = await relyingParty(t.app, await registerApp(t.app));
});
afterAll(async () => t.close());

/** Signs `browser` in to the app with a refresh token, as the intruder's app does. */
async function appTokens(browser: TestClient) {
  const request = await authorizationRequest(rp, { scope: 'openid offline_access', prompt: 'consent' });
  const back = await browse(browser, request.url.href);
  const tokens = await redeem(rp, request, back.atApp!);
  expect(tokens.refresh_token).toEqual(expect.any(String));
  expect((await client.tokenIntrospection(rp, tokens.access_token)).active).toBe(true);
  return tokens;
}

async function expectEnded(tokens: client.TokenEndpointResponse) {
  expect(await oauthError(client.refreshTokenGrant(rp, tokens.refresh_token!))).toBe('invalid_grant');
  expect(await oauthError(client.fetchUserInfo(rp, tokens.access_token, client.skipSubjectCheck))).toBe('invalid_token');
  expect((await client.tokenIntrospection(rp, tokens.access_token)).active).toBe(false);
}

const linkIn = (text: string, path: string) => new RegExp(`${OIDC_APP_URL}(/${path}/[A-Za-z0-9_-]+)`).exec(text)?.[1];
const newPassword = 'a brand new passphrase 2026';

describe("the intruder's app loses its access", () => {
  it('at a password reset, and another account keeps its own', async () => {
    const [owner, bystander] = [await createUser(t.app), await createUser(t.app)];
    const intruderTokens = await appTokens(await signedInAs(t.app, owner));
    const bystanderTokens = await appTokens(await signedInAs(t.app, bystander));

    await new TestClient(t.app).submit('/reset-password', { email: owner.email });
    const link = linkIn((await waitForDevMail(t.app, owner.email, 'Reset your Gatehouse password')).text_body, 'reset-password');
    expect((await new TestClient(t.app).submit(link!, { password: newPassword, confirm_password: newPassword })).location).toBe('/login');

    await expectEnded(intruderTokens);
    expect((await client.refreshTokenGrant(rp, bystanderTokens.refresh_token!)).access_token).toEqual(expect.any(String));
  });

  it('at "This wasn\'t me"', async () => {
    const owner = await createUser(t.app);
    const intruder = await signedInAs(t.app, owner);
    await intruder.submit('/profile/password', { current_password: owner.password, password: newPassword, confirm_password: newPassword });
    const link = linkIn((await waitForDevMail(t.app, owner.email, 'Your Gatehouse password was changed')).text_body, 'wasnt-me');
    const tokens = await appTokens(intruder);

    const done = await new TestClient(t.app).submit(link!, { token: link!.split('/').pop()! }, '/wasnt-me');
    expect(done.body).toContain('Your account is secured');
    await expectEnded(tokens);
  });

  it("at the owner's password change and at their \"sign out everywhere else\"", async () => {
    const owner = await createUser(t.app);
    const first = await appTokens(await signedInAs(t.app, owner));
    const ownBrowser = await signedInAs(t.app, owner);
    await ownBrowser.submit('/profile/password', { current_password: owner.password, password: newPassword, confirm_password: newPassword });
    await expectEnded(first);

    const second = await appTokens(await signedInAs(t.app, owner, { password: newPassword }));
    expect((await ownBrowser.submit('/security', {}, '/security/sessions/end-others')).location).toBe('/security');
    await expectEnded(second);
    // The owner's own browser signs in to the app again, without a page.
    const again = await authorizationRequest(rp);
    expect((await browse(ownBrowser, again.url.href)).atApp?.searchParams.get('code')).toBeTruthy();
  });

  it("at an admin's reset of the second factors", async () => {
    const owner = await createUser(t.app);
    const tokens = await appTokens(await signedInAs(t.app, owner));
    await giveAuthenticator(t.app, owner.id);
    const admin = { db: t.app.ctx.db, config: t.app.ctx.config, clock: t.app.ctx.clock, pwnedPasswords: pwnedPasswordsOff, output: { out: () => undefined } };
    expect(await resetFactors(admin, owner.username, { confirmed: true })).toEqual({ ok: true });
    await expectEnded(tokens);
  });

  it("at the account's deletion: nothing of it is left in the provider's storage", async () => {
    const owner = await createUser(t.app);
    const browser = await signedInAs(t.app, owner);
    const tokens = await appTokens(browser);
    const sub = tokens.claims()!.sub;
    expect((await browser.submit('/security/delete', { confirm_username: owner.username })).location).toBe('/login');
    await expectEnded(tokens);
    expect(await t.app.ctx.db.selectFrom('oidc_payloads').select('model').where('account_id', '=', sub).execute()).toEqual([]);
  });
});
