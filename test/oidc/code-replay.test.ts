/**
 * Attack: authorization code replay. A code that leaked (a log, a Referer, a browser history) is redeemed a
 * second time, or redeemed by the attacker at the same moment as the app. Exactly one redemption may yield
 * tokens, and a second attempt must end the grant, so the tokens the first one got die too (RFC 6749 §4.1.2).
 * The parallel case needs the adapter's atomic consume: the library alone checks "used?" before it marks the
 * code used, and two requests can both pass the check.
 */
import * as client from 'openid-client';
import { hashToken } from '../../src/lib/tokens.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { authorizationRequest, browse, OIDC_APP_URL, oauthError, oauthErrorOf, redeem, registerApp, relyingParty } from '../support/oidc.js';

let t: TestApp;
let rp: client.Configuration;
let browser: TestClient;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  rp = await relyingParty(t.app, await registerApp(t.app));
  const user = await createUser(t.app);
  browser = new TestClient(t.app);
  await signIn(browser, user.username, user.password);
});
afterAll(async () => t.close());

async function freshCode() {
  const request = await authorizationRequest(rp, { scope: 'openid offline_access', prompt: 'consent' });
  const back = await browse(browser, request.url.href);
  expect(back.atApp?.searchParams.get('code')).toBeTruthy();
  return { request, callback: back.atApp! };
}

/** The grant a code was issued under (its row is keyed by the code's hash). */
async function grantOf(code: string): Promise<string> {
  const row = await t.app.ctx.db.selectFrom('oidc_payloads').select('grant_id').where('model', '=', 'AuthorizationCode').where('id', '=', hashToken(code)).executeTakeFirstOrThrow();
  return row.grant_id!;
}

/** Every stored row of the grant: the Grant itself and whatever was issued under it. */
async function rowsOfGrant(grantId: string) {
  return t.app.ctx.db
    .selectFrom('oidc_payloads')
    .select(['model'])
    .where((eb) => eb.or([eb('grant_id', '=', grantId), eb.and([eb('model', '=', 'Grant'), eb('id', '=', grantId)])]))
    .execute();
}

describe('authorization code replay', () => {
  it('a code redeemed twice: the second is refused and the first token set stops working', async () => {
    const { request, callback } = await freshCode();
    const grantId = await grantOf(callback.searchParams.get('code')!);
    const tokens = await redeem(rp, request, callback);
    expect(await oauthError(redeem(rp, request, callback))).toBe('invalid_grant');
    expect(await oauthError(client.fetchUserInfo(rp, tokens.access_token, client.skipSubjectCheck))).toBe('invalid_token');
    expect(await oauthError(client.refreshTokenGrant(rp, tokens.refresh_token!))).toBe('invalid_grant');
    expect(await rowsOfGrant(grantId)).toEqual([]);
  });

  // The requests interleave only on PostgreSQL, where each runs on a connection of its own (the second pass of
  // `npm test`); SQLite's one connection runs their queries one at a time, so there the race is a sequence.
  it('a code redeemed five times at once: one token set at most, every other attempt invalid_grant, and none survives the race', async () => {
    const { request, callback } = await freshCode();
    const grantId = await grantOf(callback.searchParams.get('code')!);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => redeem(rp, request, callback)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won.length).toBeLessThanOrEqual(1);
    const lost = results.filter((r) => r.status === 'rejected');
    expect(lost.length).toBeGreaterThanOrEqual(4);
    for (const r of lost) expect(oauthErrorOf(r.reason)).toBe('invalid_grant');
    // The losers were replays: the grant is gone, and with it whatever the winner got.
    for (const r of won) {
      expect(await oauthError(client.fetchUserInfo(rp, r.value.access_token, client.skipSubjectCheck))).toBe('invalid_token');
      expect(await oauthError(client.refreshTokenGrant(rp, r.value.refresh_token!))).toBe('invalid_grant');
    }
    expect(await rowsOfGrant(grantId)).toEqual([]);
  });
});
