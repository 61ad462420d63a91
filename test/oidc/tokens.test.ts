/**
 * What an app does with tokens, through openid-client 6: refresh tokens (asked for with `offline_access`,
 * rotated at every use; a used one coming back ends the whole grant — refresh-token theft), client credentials
 * for a service, introspection and revocation limited to the app's own tokens, and what is stored: codes and
 * tokens only as hashes, client secrets only as hashes.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { authorizationRequest, browse, OIDC_APP_URL, oauthError, redeem, registerApp, relyingParty, type RegisteredApp } from '../support/oidc.js';

let t: TestApp;
let web: RegisteredApp;
let rp: client.Configuration;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  web = await registerApp(t.app, { name: 'Web App' });
  rp = await relyingParty(t.app, web);
});
afterAll(async () => t.close());

/** A signed-in person's tokens for `config` (scope and prompt as given). */
async function tokensFor(config: client.Configuration, params: Record<string, string> = {}) {
  const user = await createUser(t.app);
  const browser = new TestClient(t.app);
  await signIn(browser, user.username, user.password);
  const request = await authorizationRequest(config, params);
  const back = await browse(browser, request.url.href);
  expect(back.atApp?.searchParams.get('code')).toBeTruthy();
  return redeem(config, request, back.atApp!);
}

describe('refresh tokens', () => {
  it('only with offline_access (and prompt=consent, OpenID Connect Core §11)', async () => {
    expect((await tokensFor(rp)).refresh_token).toBeUndefined();
    expect((await tokensFor(rp, { scope: 'openid offline_access', prompt: 'consent' })).refresh_token).toEqual(expect.any(String));
  });

  it('rotate at every use; the ID token keeps sub, acr, amr and auth_time', async () => {
    const first = await tokensFor(rp, { scope: 'openid offline_access', prompt: 'consent' });
    const second = await client.refreshTokenGrant(rp, first.refresh_token!);
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const [a, b] = [first.claims()!, second.claims()!];
    expect({ sub: b.sub, acr: b.acr, amr: b.amr, auth_time: b.auth_time }).toEqual({ sub: a.sub, acr: a.acr, amr: a.amr, auth_time: a.auth_time });
    expect((await client.fetchUserInfo(rp, second.access_token, b.sub)).sub).toBe(a.sub);
  });

  it('refresh-token theft: a used refresh token coming back ends the grant, the newest token and its access token too', async () => {
    const first = await tokensFor(rp, { scope: 'openid offline_access', prompt: 'consent' });
    const second = await client.refreshTokenGrant(rp, first.refresh_token!);
    expect(await oauthError(client.refreshTokenGrant(rp, first.refresh_token!))).toBe('invalid_grant');
    expect(await oauthError(client.refreshTokenGrant(rp, second.refresh_token!))).toBe('invalid_grant');
    expect(await oauthError(client.fetchUserInfo(rp, second.access_token, client.skipSubjectCheck))).toBe('invalid_token');
  });
});

describe('client credentials', () => {
  it('a service app gets an access token and nothing else; an app that signs people in cannot use the grant', async () => {
    const service = await relyingParty(t.app, await registerApp(t.app, { name: 'Nightly job', kind: 'service', redirectUris: [] }));
    const tokens = await client.clientCredentialsGrant(service);
    expect(tokens.access_token).toEqual(expect.any(String));
    expect(tokens.id_token).toBeUndefined();
    expect(tokens.refresh_token).toBeUndefined();
    expect((await client.tokenIntrospection(service, tokens.access_token)).active).toBe(true);
    // oidc-provider answers invalid_request ("requested grant type is not allowed for this client").
    expect(await oauthError(client.clientCredentialsGrant(rp))).toBe('invalid_request');
  });

  it('a wrong client secret is refused', async () => {
    const service = await registerApp(t.app, { name: 'Cron', kind: 'service', redirectUris: [] });
    const wrong = await relyingParty(t.app, { clientId: service.clientId, clientSecret: `${service.clientSecret!}x` });
    expect(await oauthError(client.clientCredentialsGrant(wrong))).toBe('invalid_client');
  });
});

describe('introspection and revocation', () => {
  it("an app sees and revokes only its own tokens: another app's token introspects as inactive and survives its revocation", async () => {
    const tokens = await tokensFor(rp);
    expect(await client.tokenIntrospection(rp, tokens.access_token)).toMatchObject({ active: true, client_id: web.clientId, sub: tokens.claims()!.sub });

    const other = await relyingParty(t.app, await registerApp(t.app, { name: 'Other App' }));
    expect((await client.tokenIntrospection(other, tokens.access_token)).active).toBe(false);
    await client.tokenRevocation(other, tokens.access_token).catch(() => undefined);
    expect((await client.tokenIntrospection(rp, tokens.access_token)).active).toBe(true);

    await client.tokenRevocation(rp, tokens.access_token);
    expect((await client.tokenIntrospection(rp, tokens.access_token)).active).toBe(false);
  });
});

describe('what is stored', () => {
  it('codes, access and refresh tokens are not in the database, only their hashes; nor is the client secret', async () => {
    const tokens = await tokensFor(rp, { scope: 'openid offline_access', prompt: 'consent' });
    const rows = await t.app.ctx.db.selectFrom('oidc_payloads').selectAll().execute();
    const apps = await t.app.ctx.db.selectFrom('oidc_apps').selectAll().execute();
    const everything = JSON.stringify([rows, apps]);
    expect(everything).not.toContain(tokens.access_token);
    expect(everything).not.toContain(tokens.refresh_token);
    expect(everything).not.toContain(web.clientSecret);
    expect(rows.filter((r) => r.model === 'AccessToken').every((r) => /^[0-9a-f]{64}$/.test(r.id))).toBe(true);
  });
});
