/**
 * Attack: SSRF through back-channel logout. Back-channel logout makes Gatehouse's server send requests; to reach
 * apps on the operator's own network, Gatehouse lifts oidc-provider's guard against special-use addresses
 * (loopback, RFC 1918, link-local…) — and must lift it only for an address an operator registered as an app's
 * `backchannel_logout_uri`, compared whole. A near miss of a registered address (another path, a query, the bare
 * origin, another port) or an address from anywhere else (a client the library might build from metadata Gatehouse
 * did not register: dynamic registration, client metadata documents) is still refused before any request is made.
 * Here the library itself sends the logout token (`Client#backchannelLogout`), to real servers on 127.0.0.1.
 */
import type { ClientMetadata } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOidcApp } from '../../src/db/oidc-apps.js';
import { clientMetadataOf } from '../../src/oidc/adapter.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startBackchannelReceiver, type BackchannelReceiver } from '../support/backchannel-receiver.js';
import { OIDC_APP_URL, registerApp } from '../support/oidc.js';

let t: TestApp;
let registeredReceiver: BackchannelReceiver;
let otherReceiver: BackchannelReceiver;
let metadata: ClientMetadata;
let registeredUri: string;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  registeredReceiver = await startBackchannelReceiver();
  otherReceiver = await startBackchannelReceiver();
  registeredUri = `${registeredReceiver.origin}/backchannel-logout`;
  const { clientId } = await registerApp(t.app, { backchannelLogoutUri: registeredUri });
  metadata = clientMetadataOf((await findOidcApp(t.app.ctx.db, clientId))!);
});
afterAll(async () => {
  await registeredReceiver?.close();
  await otherReceiver?.close();
  await t?.close();
});

/** The library's own back-channel logout, for a client with this metadata (as it would build one it was given). */
async function logoutThrough(backchannelLogoutUri: string): Promise<void> {
  const app = new (await t.app.oidcProvider.provider()).Client({ ...metadata, backchannel_logout_uri: backchannelLogoutUri });
  return app.backchannelLogout('some-subject', 'some-sid');
}

/** The library's guard refused the address: no connection was kept, so no request was sent. */
async function expectRefused(attempt: Promise<void>): Promise<void> {
  const error = await attempt.then(() => null, (e: unknown) => e as Error & { cause?: Error });
  expect(error).not.toBeNull();
  expect(String(error!.cause?.message)).toContain('special-use IP address');
}

describe('SSRF through back-channel logout', () => {
  it('the registered private address is reached (the control)', async () => {
    const before = registeredReceiver.received.length;
    await logoutThrough(registeredUri);
    expect(registeredReceiver.received.slice(before).map((r) => r.path)).toEqual(['/backchannel-logout']);
  });

  it('a private address no operator registered is never fetched', async () => {
    await expectRefused(logoutThrough(`${otherReceiver.origin}/backchannel-logout`));
    expect(otherReceiver.received).toHaveLength(0);
  });

  it.each([
    ['another path on the registered server', '/admin'],
    ['a longer path', '/backchannel-logout/../admin'],
    ['a suffix on the path', '/backchannel-logout-admin'],
    ['a query added', '/backchannel-logout?x=1'],
    ['the bare origin', '/'],
  ])('%s is never fetched', async (_name, path) => {
    const before = registeredReceiver.received.length;
    await expectRefused(logoutThrough(`${registeredReceiver.origin}${path}`));
    expect(registeredReceiver.received.slice(before)).toHaveLength(0);
  });

  it('the same path on another private address (another port) is never fetched', async () => {
    await expectRefused(logoutThrough(`${otherReceiver.origin}/backchannel-logout`));
    expect(otherReceiver.received).toHaveLength(0);
  });
});
