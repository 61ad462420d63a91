/**
 * The identity provider scaled out: two instances on ONE PostgreSQL schema and ONE Redis prefix, started at the
 * same moment on an empty schema. They make one set of signing keys between them (both publish the same JWKS),
 * a code issued by one is redeemed at the other, its token works at the first, and a replay of the code at
 * either instance is refused and ends what the code gave — the provider keeps no state of its own in a process.
 *
 * Always PostgreSQL + Redis, whatever the pass's backend (like two-instances.test.ts).
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, deleteRedisKeys, postgresUrlForSchema, startTestApp, TEST_REDIS_URL, uniqueRedisPrefix, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { createPostgresSchema, TEST_POSTGRES_URL, type PostgresSchema } from '../support/databases.js';
import { authorizationRequest, browse, OIDC_APP_URL, oauthError, redeem, registerApp, relyingParty, type RegisteredApp } from '../support/oidc.js';

let schema: PostgresSchema;
let prefix: string;
let a: TestApp;
let b: TestApp;
let registered: RegisteredApp;
beforeAll(async () => {
  schema = await createPostgresSchema(TEST_POSTGRES_URL);
  prefix = uniqueRedisPrefix();
  const env = { APP_URL: OIDC_APP_URL, DATABASE_URL: postgresUrlForSchema(TEST_POSTGRES_URL, schema.name), REDIS_URL: TEST_REDIS_URL, RATE_LIMIT_KEY_PREFIX: prefix };
  [a, b] = await Promise.all([startTestApp(env), startTestApp(env)]);
  registered = await registerApp(a.app);
});
afterAll(async () => {
  await Promise.allSettled([a?.close(), b?.close()]);
  await deleteRedisKeys(TEST_REDIS_URL, prefix);
  await schema?.drop();
});

describe('two instances, one database', () => {
  it('started together on an empty schema, they sign with the same keys', async () => {
    const [jwksA, jwksB] = await Promise.all([a.app.inject({ url: '/oidc/jwks' }), b.app.inject({ url: '/oidc/jwks' })]);
    expect(jwksA.json<{ keys: { kid: string }[] }>().keys.map((k) => k.kid).sort()).toEqual(['gatehouse-es256-1', 'gatehouse-rs256-1']);
    expect(jwksB.body).toBe(jwksA.body);
  });

  it('a code issued by A is redeemed at B; its token works at A; a replay at A ends it', async () => {
    const user = await createUser(a.app);
    const browser = new TestClient(a.app);
    await signIn(browser, user.username, user.password);
    const atA = await relyingParty(a.app, registered);
    const request = await authorizationRequest(atA);
    const back = await browse(browser, request.url.href);
    expect(back.atApp?.searchParams.get('code')).toBeTruthy();

    const atB = await relyingParty(b.app, registered);
    const tokens = await redeem(atB, request, back.atApp!);
    expect(tokens.claims()!.sub).toEqual(expect.any(String));
    expect((await client.fetchUserInfo(atA, tokens.access_token, tokens.claims()!.sub)).sub).toBe(tokens.claims()!.sub);

    expect(await oauthError(redeem(atA, request, back.atApp!))).toBe('invalid_grant');
    expect(await oauthError(client.fetchUserInfo(atB, tokens.access_token, client.skipSubjectCheck))).toBe('invalid_token');
  });
});
