/**
 * Attack: an app nobody vouched for reads a person's identity without asking them. An app registered without
 * `--first-party` needs the person's consent, and consent pages come with the next step of issue #13; until then
 * such an app gets `consent_required` back — never a code — whether the person is signed out, signed in to
 * Gatehouse, or already signed in to another (first-party) app in the same browser, and with `prompt=none` too.
 */
import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { authorizationRequest, browse, ISSUER, registerApp, relyingParty } from '../support/oidc.js';

let t: TestApp;
let firstParty: client.Configuration;
let thirdParty: client.Configuration;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: 'https://auth.example.test' });
  firstParty = await relyingParty(t.app, await registerApp(t.app, { name: 'Wiki', firstParty: true }));
  thirdParty = await relyingParty(t.app, await registerApp(t.app, { name: 'Someone else', firstParty: false }));
});
afterAll(async () => t.close());

/** Where the browser ends for an authorization request of `config`: the app's callback parameters. */
async function answerTo(config: client.Configuration, browser: TestClient, params: Record<string, string> = {}) {
  const request = await authorizationRequest(config, params);
  const journey = await browse(browser, request.url.href);
  expect(journey.atApp).not.toBeNull();
  expect(journey.atApp!.searchParams.get('state')).toBe(request.state);
  expect(journey.atApp!.searchParams.get('iss')).toBe(ISSUER);
  return { params: journey.atApp!.searchParams, trail: journey.trail };
}

describe('an app not registered first-party', () => {
  it('signed out: consent_required at once, without a sign-in page', async () => {
    const { params, trail } = await answerTo(thirdParty, new TestClient(t.app));
    expect(params.get('error')).toBe('consent_required');
    expect(params.get('code')).toBeNull();
    expect(trail.filter((p) => p.startsWith('/login'))).toEqual([]);
  });

  it('signed in to Gatehouse, and to a first-party app in the same browser: consent_required, also with prompt=none', async () => {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    await signIn(browser, user.username, user.password);
    const wiki = await answerTo(firstParty, browser);
    expect(wiki.params.get('code')).toBeTruthy();

    const asks: Record<string, string>[] = [{}, { prompt: 'none' }, { scope: 'openid offline_access', prompt: 'consent' }];
    for (const params of asks) {
      const answer = await answerTo(thirdParty, browser, params);
      expect(answer.params.get('error')).toBe('consent_required');
      expect(answer.params.get('code')).toBeNull();
    }
    // Nothing was granted to it on the way.
    const grants = await t.app.ctx.db.selectFrom('oidc_payloads').select('client_id').where('model', '=', 'Grant').execute();
    expect(grants.map((g) => g.client_id)).not.toContain(thirdParty.clientMetadata().client_id);
  });
});
