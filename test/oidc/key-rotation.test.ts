/**
 * Rotating the keys that sign ID tokens (`npm run admin -- keys rotate`, decision record 019) while apps sign
 * people in, on two running instances of one database, with the clock moved by a fake `Date`:
 *
 * - after the rotation the new keys are published at once, but the old ones go on signing;
 * - once the new keys' time comes, each instance switches at its next look at the keys (no restart) — and an
 *   instance that has not looked yet still signs with the old key, which every app can still check;
 * - the old keys stay published for the grace, during which an old ID token is still taken as `id_token_hint`;
 *   then they are gone.
 *
 * The apps are openid-client with its non-repudiation checks on: it verifies every ID token's signature against
 * the JWKS it fetched from Gatehouse, so a key missing from the JWKS fails the sign-in.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateKeys } from '../../src/admin/key-commands.js';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import { buildApp, type GatehouseApp } from '../../src/app.js';
import { purgeExpired } from '../../src/db/housekeeping.js';
import { allSigningKeyTimes } from '../../src/db/oidc-keys.js';
import { days, seconds } from '../../src/lib/duration.js';
import { KEY_PUBLISH_LEAD_MS, RETIRED_KEY_GRACE_MS, signingKeyBox } from '../../src/oidc/keys.js';
import { createUser, MEMORY_RATE_LIMITS, startTestApp, type TestApp } from '../support/app.js';
import type { TestClient } from '../support/client.js';
import { authorizationRequest, browse, injectFetch, ISSUER, OIDC_APP_URL, redeem, registerApp, type RegisteredApp } from '../support/oidc.js';
import { fakeDate, type FakeTime } from '../support/time.js';
import { signedInAs } from '../support/sign-in.js';

const T0 = Date.UTC(2026, 11, 5, 12, 0);

let time: FakeTime;
let a: TestApp;
/** A second instance on the same database: it looks at the keys only when the test says so. */
let b: GatehouseApp;
let es: RegisteredApp;
let rs: RegisteredApp;
let user: Awaited<ReturnType<typeof createUser>>;
beforeAll(async () => {
  time = fakeDate(T0);
  // Rate limits in memory: Redis TTLs ignore a fake Date.
  a = await startTestApp({ APP_URL: OIDC_APP_URL, ...MEMORY_RATE_LIMITS });
  b = await buildApp(a.config, { database: a.openSharedDatabase(), logger: false });
  await b.ready();
  es = await registerApp(a.app);
  rs = await registerApp(a.app, { idTokenAlg: 'RS256' });
  user = await createUser(a.app);
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  time.restore();
});

const kidOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid;

async function publishedKids(app: GatehouseApp): Promise<string[]> {
  const res = await app.inject({ url: '/oidc/jwks' });
  return res
    .json<{ keys: { kid: string }[] }>()
    .keys.map((k) => k.kid)
    .sort();
}

/**
 * The app's view of Gatehouse, verifying ID token signatures: discovery and the JWKS from `keysFrom`, the token
 * endpoint at `tokensAt` (another instance, or the same).
 */
async function relyingParty(registered: RegisteredApp, alg: 'ES256' | 'RS256', keysFrom: GatehouseApp, tokensAt = keysFrom) {
  const fromKeys = injectFetch(keysFrom);
  const fromTokens = injectFetch(tokensAt);
  const fetch: client.CustomFetch = (url, options) => (new URL(url).pathname === '/oidc/token' ? fromTokens(url, options) : fromKeys(url, options));
  const config = await client.discovery(new URL(ISSUER), registered.clientId, { id_token_signed_response_alg: alg }, client.ClientSecretBasic(registered.clientSecret!), {
    [client.customFetch]: fetch,
    execute: [client.enableNonRepudiationChecks],
  });
  config[client.customFetch] = fetch;
  return config;
}

/** One sign-in to the app through the browser; the ID token, verified by openid-client, and the kid it was signed with. */
async function idToken(browser: TestClient, rp: client.Configuration, params: Record<string, string> = {}) {
  const request = await authorizationRequest(rp, params);
  const back = await browse(browser, request.url.href);
  expect(back.atApp?.searchParams.get('code'), back.trail.join(' → ')).toBeTruthy();
  const tokens = await redeem(rp, request, back.atApp!);
  return { jwt: tokens.id_token!, kid: kidOf(tokens.id_token!) };
}

async function rotate() {
  const lines: string[] = [];
  const ctx = { db: a.app.ctx.db, config: a.config, clock: a.app.ctx.clock, pwnedPasswords: pwnedPasswordsOff, output: { out: (line: string) => lines.push(line) } };
  expect(await rotateKeys(ctx, { json: true })).toEqual({ ok: true });
  return JSON.parse(lines[0]!) as { added: { kid: string }[]; retired: string[] };
}

describe('keys rotate, with apps signing people in', () => {
  let browser: TestClient;
  /** An ID token the first ES256 key signed, kept by the app as it keeps them for id_token_hint. */
  let oldToken: string;

  it('before any rotation, ES256 and RS256 apps get ID tokens from the first keys', async () => {
    // Signed in at instance A: what sessions are is in the database, so either instance knows it.
    browser = await signedInAs(a.app, user);
    expect((await idToken(browser, await relyingParty(es, 'ES256', a.app))).kid).toBe('gatehouse-es256-1');
    expect((await idToken(browser, await relyingParty(rs, 'RS256', a.app))).kid).toBe('gatehouse-rs256-1');
    expect(await publishedKids(a.app)).toEqual(['gatehouse-es256-1', 'gatehouse-rs256-1']);
  });

  it('after keys rotate, every instance publishes the new keys at its next look, and the old ones still sign', async () => {
    const rotation = await rotate();
    expect(rotation.added.map((k) => k.kid).sort()).toEqual(['gatehouse-es256-2', 'gatehouse-rs256-2']);
    expect(rotation.retired.sort()).toEqual(['gatehouse-es256-1', 'gatehouse-rs256-1']);

    // Until it looks, an instance publishes what it started with; the look swaps in a provider with all four.
    expect(await publishedKids(b)).toEqual(['gatehouse-es256-1', 'gatehouse-rs256-1']);
    expect(await a.app.oidcProvider.check()).toBe(true);
    expect(await b.oidcProvider.check()).toBe(true);
    const all = ['gatehouse-es256-1', 'gatehouse-es256-2', 'gatehouse-rs256-1', 'gatehouse-rs256-2'];
    expect(await publishedKids(a.app)).toEqual(all);
    expect(await publishedKids(b)).toEqual(all);
    // Nothing changed since: the next look builds nothing.
    expect(await a.app.oidcProvider.check()).toBe(false);

    const fromEs = await idToken(browser, await relyingParty(es, 'ES256', a.app));
    expect(fromEs.kid).toBe('gatehouse-es256-1');
    expect((await idToken(browser, await relyingParty(rs, 'RS256', b, b))).kid).toBe('gatehouse-rs256-1');
    oldToken = fromEs.jwt;
  });

  it('once the new keys\' time has come, an instance signs with them after its next look; the old keys stay published', async () => {
    time.advance(KEY_PUBLISH_LEAD_MS + seconds(1));
    browser = await signedInAs(a.app, user);
    expect(await a.app.oidcProvider.check()).toBe(true);
    expect((await idToken(browser, await relyingParty(es, 'ES256', a.app))).kid).toBe('gatehouse-es256-2');
    expect((await idToken(browser, await relyingParty(rs, 'RS256', a.app))).kid).toBe('gatehouse-rs256-2');
    expect(await publishedKids(a.app)).toEqual(['gatehouse-es256-1', 'gatehouse-es256-2', 'gatehouse-rs256-1', 'gatehouse-rs256-2']);
  });

  it('an instance that has not looked yet still signs with the old key, and an app that fetched the keys since checks it', async () => {
    // The app's keys come from A (switched); its code is redeemed at B (not yet): openid-client verifies B's
    // old-key ID token against A's JWKS.
    expect((await idToken(browser, await relyingParty(es, 'ES256', a.app, b))).kid).toBe('gatehouse-es256-1');
    expect((await idToken(browser, await relyingParty(rs, 'RS256', a.app, b))).kid).toBe('gatehouse-rs256-1');
    expect(await b.oidcProvider.check()).toBe(true);
    expect((await idToken(browser, await relyingParty(es, 'ES256', a.app, b))).kid).toBe('gatehouse-es256-2');
  });

  it('a day on, long after the old ID token expired, it is still taken as id_token_hint (the grace is for that)', async () => {
    time.advance(days(1));
    browser = await signedInAs(a.app, user);
    expect(await a.app.oidcProvider.check()).toBe(false);
    const rp = await relyingParty(es, 'ES256', a.app);
    expect((await idToken(browser, rp, { id_token_hint: oldToken })).kid).toBe('gatehouse-es256-2');
  });

  it('after the grace the old keys are gone: no longer published, refused as a hint, deleted by housekeeping', async () => {
    time.advance(RETIRED_KEY_GRACE_MS - days(1));
    expect(await a.app.oidcProvider.check()).toBe(true);
    expect(await publishedKids(a.app)).toEqual(['gatehouse-es256-2', 'gatehouse-rs256-2']);

    browser = await signedInAs(a.app, user);
    const rp = await relyingParty(es, 'ES256', a.app);
    expect((await idToken(browser, rp)).kid).toBe('gatehouse-es256-2');
    const request = await authorizationRequest(rp, { id_token_hint: oldToken });
    const back = await browse(browser, request.url.href);
    expect(back.atApp?.searchParams.get('code')).toBeNull();
    expect(back.atApp?.searchParams.get('error')).toBe('invalid_request');
    expect(back.atApp?.searchParams.get('error_description')).toContain('id_token_hint');

    await purgeExpired(a.app.ctx.db, Date.now());
    expect((await allSigningKeyTimes(a.app.ctx.db)).map((k) => k.kid).sort()).toEqual(['gatehouse-es256-2', 'gatehouse-rs256-2']);
  });

  it('a key that does not open (sealed under another SECRET_KEY) leaves the running provider as it was', async () => {
    const other = signingKeyBox('another-secret-key-that-is-long-enough-too');
    const now = Date.now();
    await a.app.ctx.db
      .insertInto('oidc_signing_keys')
      .values({ kid: 'gatehouse-es256-9', alg: 'ES256', private_jwk_sealed: other.seal(Buffer.from('{}')), public_jwk: '{}', created_at: now, signs_from: now, published_until: null })
      .execute();
    expect(await a.app.oidcProvider.check()).toBe(false);
    expect(await publishedKids(a.app)).toEqual(['gatehouse-es256-2', 'gatehouse-rs256-2']);
    expect((await idToken(browser, await relyingParty(es, 'ES256', a.app))).kid).toBe('gatehouse-es256-2');
  });
});
