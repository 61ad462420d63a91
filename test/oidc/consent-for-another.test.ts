/**
 * Attack: a consent answered for an interaction that is not yours, or by another person than the one it is for.
 *
 * - Mallory starts a request of an app in her own browser and gets Alice (signed in to Gatehouse, with her own valid
 *   CSRF token) to post Allow to Mallory's interaction: Alice's browser holds no cookie for it, so it is refused and
 *   nothing is granted to anyone.
 * - Alice reaches the consent page, then Bob signs in in the same browser (another tab) and the page's Allow is
 *   pressed: the provider session the consent is for is Alice's, the person signed in is Bob — nothing is granted
 *   to either, and the browser is sent to sign in again rather than to the app.
 */
import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient } from '../support/client.js';
import { authorizationRequest, browse, interactionUidOf, OIDC_APP_URL, registerApp, relyingParty } from '../support/oidc.js';

let t: TestApp;
let rp: client.Configuration;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  rp = await relyingParty(t.app, await registerApp(t.app, { name: 'Photo Printer', firstParty: false }));
});
afterAll(async () => t.close());

const grants = () => t.app.ctx.db.selectFrom('oidc_payloads').select('account_id').where('model', '=', 'Grant').execute();

async function onConsentPage(user: Awaited<ReturnType<typeof createUser>>) {
  const browser = new TestClient(t.app);
  await signIn(browser, user.username, user.password);
  const journey = await browse(browser, (await authorizationRequest(rp)).url.href);
  expect(journey.page.body).toContain('Allow Photo Printer');
  return { browser, journey };
}

describe('consent for an interaction that is not yours', () => {
  it("Alice's browser posting Allow to Mallory's interaction: refused, nothing granted", async () => {
    const mallory = await onConsentPage(await createUser(t.app));
    const alice = await onConsentPage(await createUser(t.app));
    const before = await grants();

    for (const answer of ['consent', 'deny']) {
      const forged = await alice.browser.post(`/interaction/${interactionUidOf(mallory.journey)}/${answer}`, { _csrf: csrfTokenIn(alice.journey.page.body) });
      expect(forged.status).toBe(400);
      expect(forged.body).toContain('This sign-in request has expired');
    }
    expect(await grants()).toEqual(before);
  });

  it('another person signed in since the page was shown: nothing granted, and the browser is asked to sign in', async () => {
    const [alice, bob] = [await createUser(t.app), await createUser(t.app)];
    const { browser, journey } = await onConsentPage(alice);
    // Bob signs in in another tab of the same browser.
    await browser.post('/logout', { _csrf: csrfTokenIn(journey.page.body) });
    const fresh = await browser.get('/login');
    expect((await browser.post('/login', { _csrf: csrfTokenIn(fresh.body), login: bob.username, password: bob.password })).status).toBe(302);

    const answered = await browser.post(`/interaction/${interactionUidOf(journey)}/consent`, { _csrf: csrfTokenIn((await browser.get('/security')).body) });
    expect(answered.location).toBe(`/interaction/${interactionUidOf(journey)}/continue`);
    const next = await browse(browser, answered.location!);
    expect(next.atApp).toBeNull();
    expect(next.url).toMatch(/^\/login\?fresh=1&next=/);
    const accounts = (await grants()).map((g) => g.account_id);
    expect(accounts).not.toContain(alice.oidc_subject);
    expect(accounts).not.toContain(bob.oidc_subject);
  });

  it('signed out since the page was shown: nothing granted', async () => {
    const alice = await createUser(t.app);
    const { browser, journey } = await onConsentPage(alice);
    await browser.post('/logout', { _csrf: csrfTokenIn(journey.page.body) });
    // A valid token of the signed-out browser, so that only the binding to the person can refuse it.
    const answered = await browser.post(`/interaction/${interactionUidOf(journey)}/consent`, { _csrf: csrfTokenIn((await browser.get('/login')).body) });
    expect(answered.location).toBe(`/interaction/${interactionUidOf(journey)}/continue`);
    expect((await browse(browser, answered.location!)).url).toMatch(/^\/login\?/);
    expect((await grants()).map((g) => g.account_id)).not.toContain(alice.oidc_subject);
  });
});
