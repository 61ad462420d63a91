/**
 * Attack: an app keeps a signed-in session after "Remove access". A person removes an app's access because they
 * stopped trusting it; its tokens already fail (test/oidc/refresh-after-remove-access.test.ts), but the app's own
 * session cookie for the person lives on at the app unless Gatehouse tells it. So the app is told: for each of the
 * person's provider sessions it was signed in through, a back-channel logout token naming that session's `sid` (the
 * one in the app's ID token) reaches the app's registered address — here a real HTTP server on 127.0.0.1 — and the
 * provider session forgets the app. The person stays signed in to Gatehouse and to their other apps, whose sessions
 * are left alone; an app whose address fails does not stop the removal.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { startBackchannelReceiver, type BackchannelReceiver } from '../support/backchannel-receiver.js';
import { csrfTokenIn, flashIn, type TestClient } from '../support/client.js';
import { authorizationRequest, browse, consentAndGo, OIDC_APP_URL, redeem, registerApp, relyingParty, type RegisteredApp } from '../support/oidc.js';
import { signedInAs } from '../support/sign-in.js';

let t: TestApp;
let receiver: BackchannelReceiver;
let printer: RegisteredApp;
let printerRp: client.Configuration;
let notesRp: client.Configuration;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL, METRICS_ENABLED: 'true' });
  receiver = await startBackchannelReceiver();
  printer = await registerApp(t.app, { name: 'Photo Printer', firstParty: false, backchannelLogoutUri: `${receiver.origin}/printer` });
  printerRp = await relyingParty(t.app, printer);
  notesRp = await relyingParty(t.app, await registerApp(t.app, { name: 'Notes', firstParty: false, backchannelLogoutUri: `${receiver.origin}/notes` }));
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

/** The person allows the app (a consent page the first time in this browser's session) and the app redeems its code. */
async function signInToApp(browser: TestClient, rp: client.Configuration) {
  const request = await authorizationRequest(rp, { scope: 'openid profile' });
  let journey = await browse(browser, request.url.href);
  if (journey.atApp === null) journey = await consentAndGo(browser, journey, 'consent');
  return redeem(rp, request, journey.atApp!);
}

async function removeAccess(browser: TestClient, clientId: string) {
  const page = await browser.get('/security');
  return browser.post('/security/apps/remove', { _csrf: csrfTokenIn(page.body), client_id: clientId });
}

/** The provider sessions the person's Gatehouse sessions stand for, as stored. */
async function providerSessionsOf(userId: number) {
  const rows = await t.app.ctx.db.selectFrom('sessions').select('oidc_session_uid').where('user_id', '=', userId).where('oidc_session_uid', 'is not', null).execute();
  return Promise.all(rows.map(async (r) => ({ uid: r.oidc_session_uid!, session: await (await t.app.oidcProvider.provider()).Session.findByUid(r.oidc_session_uid!) })));
}

/** How many back-channel logouts ended so (`delivered` or `failed`), as Prometheus reads it. */
async function backchannelCount(outcome: 'delivered' | 'failed'): Promise<number> {
  const body = (await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' })).body;
  const series = `gatehouse_oidc_backchannel_logouts_total{outcome="${outcome}"}`;
  const line = body.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('Remove access tells the app (back-channel logout)', () => {
  it("each of the person's sessions in the app gets a logout token with its ID token's sid; other apps and people are untouched", async () => {
    const [alice, bob] = [await createUser(t.app), await createUser(t.app)];
    const laptop = await signedInAs(t.app, alice);
    const printerOnLaptop = (await signInToApp(laptop, printerRp)).claims()!;
    const notesOnLaptop = await signInToApp(laptop, notesRp);
    const phone = await signedInAs(t.app, alice);
    const printerOnPhone = (await signInToApp(phone, printerRp)).claims()!;
    await signInToApp(await signedInAs(t.app, bob), printerRp);
    expect(printerOnLaptop.sid).not.toBe(printerOnPhone.sid);
    const before = receiver.received.length;

    const removed = await removeAccess(laptop, printer.clientId);
    expect(removed.location).toBe('/security');

    const requests = receiver.received.slice(before);
    expect(requests.map((r) => r.path)).toEqual(['/printer', '/printer']);
    const told = requests.map((r) => claimsOf(new URLSearchParams(r.body).get('logout_token')!));
    expect(told.map((c) => c.sid).sort()).toEqual([printerOnLaptop.sid, printerOnPhone.sid].sort());
    for (const claims of told) {
      expect(claims.sub).toBe(alice.oidc_subject);
      expect(claims.aud).toBe(printer.clientId);
    }

    // The provider sessions no longer list the app; the laptop's still lists Notes, under the same sid.
    const sessions = await providerSessionsOf(alice.id);
    expect(sessions).toHaveLength(2);
    for (const { session } of sessions) {
      expect(session).toBeDefined();
      expect(Object.keys(session!.authorizations ?? {})).not.toContain(printer.clientId);
    }
    const notesClientId = notesRp.clientMetadata().client_id;
    const laptopSession = sessions.find(({ session }) => session!.authorizations?.[notesClientId] !== undefined)!.session!;
    expect(laptopSession.authorizations![notesClientId]!.sid).toBe(notesOnLaptop.claims()!.sid);

    // Alice is still signed in to Gatehouse in both browsers, and Notes still works for her.
    expect((await laptop.get('/security')).status).toBe(200);
    expect((await phone.get('/security')).status).toBe(200);
    expect((await client.fetchUserInfo(notesRp, notesOnLaptop.access_token, alice.oidc_subject!)).sub).toBe(alice.oidc_subject);
    // Bob's session in the app was not ended: nothing was sent about him.
    expect(told.map((c) => c.sub)).not.toContain(bob.oidc_subject);

    // The app signs Alice in again only after asking again (its access is gone, so is its place in the session).
    const again = await browse(laptop, (await authorizationRequest(printerRp, { scope: 'openid profile' })).url.href);
    expect(again.atApp).toBeNull();
    expect(again.page.body).toContain('Photo Printer');
  });

  it("an app whose address fails does not stop the removal: its access is gone and the person is told so", async () => {
    const alice = await createUser(t.app);
    const browser = await signedInAs(t.app, alice);
    const claims = (await signInToApp(browser, printerRp)).claims()!;
    const before = receiver.received.length;
    const failedBefore = await backchannelCount('failed');
    receiver.status = 500;
    try {
      const removed = await removeAccess(browser, printer.clientId);
      expect(removed.location).toBe('/security');
    } finally {
      receiver.status = 200;
    }
    expect(receiver.logoutTokens().slice(before).map((token) => claimsOf(token).sid)).toEqual([claims.sid]);
    expect(await backchannelCount('failed')).toBe(failedBefore + 1);
    const after = await browser.get('/security');
    expect(flashIn(after.body)).toContain('Photo Printer no longer has access to your account');
    expect(await t.app.ctx.db.selectFrom('oidc_app_access').selectAll().where('user_id', '=', alice.id).execute()).toEqual([]);
    const [only] = await providerSessionsOf(alice.id);
    expect(Object.keys(only!.session!.authorizations ?? {})).not.toContain(printer.clientId);
  });
});
