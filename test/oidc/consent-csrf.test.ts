/**
 * Attack: cross-site request forgery on the consent page. A page on another site makes the signed-in person's
 * browser post Allow for an app's request (the person never saw the consent page, or saw it and walked away). The
 * POST carries the browser's cookies but not Gatehouse's CSRF token: it is refused (403) and nothing is granted;
 * an `Origin` of another site is refused even with a token.
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

describe('a forged Allow', () => {
  it('without the CSRF token, or from another site: 403, and no grant', async () => {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    await signIn(browser, user.username, user.password);
    const journey = await browse(browser, (await authorizationRequest(rp)).url.href);
    const uid = interactionUidOf(journey);
    const action = `/interaction/${uid}/consent`;

    expect((await browser.post(action, {})).status).toBe(403);
    expect((await browser.post(action, { _csrf: 'forged' })).status).toBe(403);
    const crossSite = await browser.request('POST', action, { form: { _csrf: csrfTokenIn(journey.page.body) }, headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);

    const grants = await t.app.ctx.db.selectFrom('oidc_payloads').select('id').where('model', '=', 'Grant').where('account_id', '=', user.oidc_subject).execute();
    expect(grants).toEqual([]);
    // The person can still answer for real.
    expect((await browser.post(action, { _csrf: csrfTokenIn(journey.page.body) })).location).toBe(`/interaction/${uid}/continue`);
  });
});
