/**
 * The activity log on the security page says which app an app event was about (`security_events.client_id`,
 * migration 019): its first sign-in, the person allowing it, the person removing its access — by the app's name of
 * the moment, or "an app that was removed" once it is gone; in English and Spanish.
 *
 * Attack: markup in an app's name. The name is an operator's, but it is text like any other and lands in the page:
 * a name made of HTML must show as text, never run as script.
 */
import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteOidcApp } from '../../src/db/oidc-apps.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient } from '../support/client.js';
import { authorizationRequest, browse, consentAndGo, OIDC_APP_URL, redeem, registerApp, relyingParty } from '../support/oidc.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
});
afterAll(async () => t?.close());

async function newApp(name: string) {
  const registered = await registerApp(t.app, { name, firstParty: false });
  return { clientId: registered.clientId, rp: await relyingParty(t.app, registered) };
}

/** A person signed in to Gatehouse who allows the app and is signed in to it, then removes its access. */
async function allowedThenRemoved(rp: client.Configuration, clientId: string, headers: Record<string, string> = {}) {
  const user = await createUser(t.app);
  const browser = new TestClient(t.app);
  Object.assign(browser.headers, headers);
  expect((await signIn(browser, user.username, user.password)).status).toBe(302);
  const request = await authorizationRequest(rp, { scope: 'openid profile' });
  const back = await consentAndGo(browser, await browse(browser, request.url.href), 'consent');
  await redeem(rp, request, back.atApp!);
  const page = await browser.get('/security');
  expect((await browser.post('/security/apps/remove', { _csrf: csrfTokenIn(page.body), client_id: clientId })).location).toBe('/security');
  return { user, browser };
}

/** The activity table's "what" cells, as the page has them (escaped). */
async function activityOf(browser: TestClient): Promise<string[]> {
  const body = (await browser.get('/security')).body;
  const table = /<table class="activity">([\s\S]*?)<\/table>/.exec(body)![1]!;
  return [...table.matchAll(/<tr><td>([^<]*)<\/td>/g)].map((m) => m[1]!);
}

describe('the activity log names the app', () => {
  it('allowed, first sign-in and removed, by the app’s name; the events store its client_id', async () => {
    const { clientId, rp } = await newApp('Notes');
    const { user, browser } = await allowedThenRemoved(rp, clientId);
    const activity = await activityOf(browser);
    expect(activity).toEqual(
      expect.arrayContaining(['You removed access to your account for Notes', 'You allowed Notes to sign you in and see your account', 'Notes signed you in with Gatehouse for the first time']),
    );
    const stored = await t.app.ctx.db.selectFrom('security_events').select(['kind', 'client_id']).where('user_id', '=', user.id).where('kind', 'like', 'oidc_%').execute();
    expect(stored.map((e) => e.client_id)).toEqual([clientId, clientId, clientId]);
  });

  it('in Spanish for a Spanish reader', async () => {
    const { clientId, rp } = await newApp('Notas');
    const { browser } = await allowedThenRemoved(rp, clientId, { 'accept-language': 'es' });
    expect(await activityOf(browser)).toEqual(
      expect.arrayContaining(['Quitaste el acceso de Notas a tu cuenta', 'Permitiste que Notas inicie tu sesión y vea tu cuenta', 'Notas inició tu sesión con Gatehouse por primera vez']),
    );
  });

  it('by its name now after an operator renamed it, and as "an app that was removed" once it is gone', async () => {
    const { clientId, rp } = await newApp('Old Name');
    const { browser } = await allowedThenRemoved(rp, clientId);
    await t.app.ctx.db.updateTable('oidc_apps').set({ name: 'New Name' }).where('client_id', '=', clientId).execute();
    expect(await activityOf(browser)).toContain('You removed access to your account for New Name');
    expect(await deleteOidcApp(t.app.ctx.db, clientId)).toBe(true);
    expect(await activityOf(browser)).toEqual(
      expect.arrayContaining([
        'You removed access to your account for an app that was removed',
        'You allowed an app that was removed to sign you in and see your account',
        'An app that was removed signed you in with Gatehouse for the first time',
      ]),
    );
  });

  it('an app event written before the app was stored with it keeps the words without a name', async () => {
    const user = await createUser(t.app);
    await t.app.ctx.db.insertInto('security_events').values({ user_id: user.id, kind: 'oidc_consent', created_at: t.app.ctx.clock.now(), ip: null, user_agent: null, client_id: null }).execute();
    const browser = new TestClient(t.app);
    await signIn(browser, user.username, user.password);
    expect(await activityOf(browser)).toContain('You allowed an app to see your account');
  });

  it('markup in an app’s name shows as text, escaped, never as markup', async () => {
    const name = '<img src=x onerror=alert(1)> & "Co"';
    const { clientId, rp } = await newApp(name);
    const { browser } = await allowedThenRemoved(rp, clientId);
    const body = (await browser.get('/security')).body;
    expect(body).not.toContain('<img src=x onerror=alert(1)>');
    expect(await activityOf(browser)).toContain('You removed access to your account for &lt;img src=x onerror=alert(1)&gt; &amp; &quot;Co&quot;');
  });
});
