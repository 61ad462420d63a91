/**
 * Attack: open redirect through post_logout_redirect_uri. An attacker builds a sign-out link of a registered app
 * (its id_token_hint or client_id are no secret to whoever used it) that names the attacker's site, or a near
 * miss of the app's registered address, hoping Gatehouse's trusted origin sends the browser there. Only an
 * address registered exactly (`apps add --post-logout-redirect-uri`) is ever followed: any other is refused
 * before a page, and an address with no app to check it against is ignored.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TestClient } from '../support/client.js';
import { authorizationRequest, browse, ISSUER, OIDC_APP_URL, redeem, registerApp, relyingParty } from '../support/oidc.js';
import { signedIn } from '../support/sign-in.js';

const REGISTERED = 'https://app.example.test/signed-out';

let t: TestApp;
let rp: client.Configuration;
let clientId: string;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  const registered = await registerApp(t.app, { postLogoutRedirectUris: [REGISTERED] });
  clientId = registered.clientId;
  rp = await relyingParty(t.app, registered);
});
afterAll(async () => t?.close());

async function signedInToApp() {
  const { client: browser } = await signedIn(t.app);
  const request = await authorizationRequest(rp);
  const tokens = await redeem(rp, request, (await browse(browser, request.url.href)).atApp!);
  return { browser, idToken: tokens.id_token! };
}

/** Every address the browser is sent to from the sign-out link on, through the confirmation if one is shown. */
async function destinations(browser: TestClient, url: string): Promise<string[]> {
  const seen: string[] = [];
  let page = await browser.get(url);
  for (let hop = 0; hop < 6; hop++) {
    if (page.location) {
      seen.push(page.location);
      if (!page.location.startsWith(OIDC_APP_URL) && !page.location.startsWith('/')) break;
      page = await browser.get(new URL(page.location, OIDC_APP_URL).pathname + new URL(page.location, OIDC_APP_URL).search);
      continue;
    }
    const form = /<form id="op.logoutForm" method="post" action="([^"]+)"><input type="hidden" name="xsrf" value="([^"]+)"\/>/.exec(page.body);
    if (!form) break;
    page = await browser.post(new URL(form[1]!).pathname, { xsrf: form[2]!, logout: 'yes' });
  }
  // Whatever page the browser rests on must not link or refresh to the address either.
  seen.push(...[...page.body.matchAll(/(?:href|url)=["']?([^"'> ]+)/g)].map((m) => m[1]!.replace(/&amp;/g, '&')));
  return seen;
}

const tricks: [string, string][] = [
  ['another site', 'https://evil.example/signed-out'],
  ['a longer path', `${REGISTERED}/../../evil`],
  ['a suffix on the path', `${REGISTERED}-evil`],
  ['a suffix on the host', 'https://app.example.test.evil.example/signed-out'],
  ['a query added', `${REGISTERED}?next=https://evil.example/`],
  ['a fragment added', `${REGISTERED}#https://evil.example/`],
  ['plain http', REGISTERED.replace('https:', 'http:')],
  ['another port', 'https://app.example.test:8443/signed-out'],
  ['user info before the host', 'https://app.example.test@evil.example/signed-out'],
  ['a trailing slash', `${REGISTERED}/`],
  ['a different case', REGISTERED.toUpperCase()],
];

describe('open redirect through post_logout_redirect_uri', () => {
  it.each(tricks)('%s: refused with a page, never followed', async (_name, uri) => {
    const { browser, idToken } = await signedInToApp();
    const url = client.buildEndSessionUrl(rp, { id_token_hint: idToken, post_logout_redirect_uri: uri, state: 'xyz' });
    const answer = await browser.get(url.pathname + url.search);
    expect(answer.status).toBe(400);
    expect(answer.location).toBeUndefined();
    expect(answer.body).toContain('post_logout_redirect_uri not registered');
    expect(await destinations(browser, url.pathname + url.search)).not.toContain(uri);
    // Nothing was ended by a refused request.
    expect((await browser.get('/security')).status).toBe(200);
  });

  it('with client_id instead of id_token_hint, the same', async () => {
    const { browser } = await signedInToApp();
    const url = `/oidc/session/end?client_id=${clientId}&post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`;
    const answer = await browser.get(url);
    expect(answer.status).toBe(400);
    expect(answer.location).toBeUndefined();
  });

  it('with no app named, the address is ignored: the person ends on Gatehouse\'s own signed-out page', async () => {
    const { browser } = await signedInToApp();
    const evil = 'https://evil.example/';
    const seen = await destinations(browser, `/oidc/session/end?post_logout_redirect_uri=${encodeURIComponent(evil)}`);
    expect(seen).not.toContain(evil);
    expect(seen).toContain(`${ISSUER}/session/end/success`);
  });

  it('the registered address itself is followed, with state (the control)', async () => {
    const { browser, idToken } = await signedInToApp();
    const url = client.buildEndSessionUrl(rp, { id_token_hint: idToken, post_logout_redirect_uri: REGISTERED, state: 'xyz' });
    expect(await destinations(browser, url.pathname + url.search)).toContain(`${REGISTERED}?state=xyz`);
  });
});
