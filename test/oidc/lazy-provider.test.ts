/**
 * The OpenID Connect library is loaded, and the provider built, when a request first needs it (decision record 025,
 * src/oidc/live-provider.ts): a start and `GET /login` do not even load the library (a child process watches every
 * import); the site's pages, a sign-in and a sign-out build nothing; the first request to /oidc/* builds it once,
 * however many arrive together; a build that fails is tried again by the next request; keys rotated before that
 * first request are the ones it publishes, and a look at the keys during the first build waits for it.
 */
import { spawnSync } from 'node:child_process';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateKeys } from '../../src/admin/key-commands.js';
import { zodValidatorCompiler } from '../../src/http/form-schema.js';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import type { SigningJwk } from '../../src/oidc/keys.js';
import { LiveProvider } from '../../src/oidc/live-provider.js';
import { mountIdentityProvider } from '../../src/oidc/mount.js';
import { buildProvider } from '../../src/oidc/provider.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { OIDC_APP_URL } from '../support/oidc.js';
import { signedInAs } from '../support/sign-in.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
});
afterAll(async () => {
  await t?.close();
});

const publishedKids = async (): Promise<string[]> => {
  const res = await t.app.inject({ url: '/oidc/jwks' });
  expect(res.statusCode).toBe(200);
  return res
    .json<{ keys: { kid: string }[] }>()
    .keys.map((k) => k.kid)
    .sort();
};

/**
 * A provider of the test app's own context whose builds are counted (the first `failures` of them fail), with the
 * keys each build was given; a build waits for `hold` when one is set.
 */
async function countedProvider(failures = 0) {
  const { ctx, log } = t.app;
  const counts = { builds: 0, kids: [] as string[][], hold: null as Promise<void> | null };
  const live = await LiveProvider.start(
    ctx,
    async (keys: SigningJwk[]) => {
      counts.builds++;
      counts.kids.push(keys.map((k) => k.kid).sort());
      if (counts.hold) await counts.hold;
      if (counts.builds <= failures) throw new Error('the provider could not be built');
      return buildProvider(ctx, keys, log);
    },
    log,
  );
  return { live, counts };
}

async function rotate(): Promise<void> {
  const lines: string[] = [];
  const ctx = { db: t.app.ctx.db, config: t.config, clock: t.app.ctx.clock, pwnedPasswords: pwnedPasswordsOff, output: { out: (line: string) => lines.push(line) } };
  expect(await rotateKeys(ctx, { json: true })).toEqual({ ok: true });
}

describe('the OpenID Connect provider is built when a request first needs it', () => {
  it('a start and GET /login do not load the library; the first /oidc request does', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/oidc-library-at-start.ts'], { encoding: 'utf8', timeout: 60_000 });
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout.trim().split('\n').at(-1)!)).toEqual({ login: 200, afterStart: false, jwks: 200, afterJwks: true });
  });

  it('a start, the pages, a sign-in and a sign-out build none', async () => {
    expect(t.app.oidcProvider.isBuilt).toBe(false);
    expect((await t.app.inject({ url: '/login' })).statusCode).toBe(200);
    const user = await createUser(t.app);
    const browser = await signedInAs(t.app, user);
    expect((await browser.get('/')).status).toBe(200);
    await browser.submit('/', {}, '/logout');
    expect(t.app.oidcProvider.isBuilt).toBe(false);
  });

  it('keys rotated before the first request are the ones the first build publishes', async () => {
    const before = await t.app.ctx.db.selectFrom('oidc_signing_keys').select('kid').execute();
    await rotate();
    // The look at the keys sees the new order, and has nothing to rebuild.
    expect(await t.app.oidcProvider.check()).toBe(true);
    expect(t.app.oidcProvider.isBuilt).toBe(false);

    const published = await publishedKids();
    expect(t.app.oidcProvider.isBuilt).toBe(true);
    expect(published).toHaveLength(before.length * 2);
    for (const { kid } of before) expect(published).toContain(kid);
  });

  it('the first /oidc request builds it, and it answers from then on', async () => {
    const discovery = await t.app.inject({ url: '/oidc/.well-known/openid-configuration' });
    expect(discovery.statusCode).toBe(200);
    expect(discovery.json<{ issuer: string }>().issuer).toBe(`${OIDC_APP_URL}/oidc`);
  });

  it('requests that arrive before it is built wait together for one build', async () => {
    const { live, counts } = await countedProvider();
    const providers = await Promise.all([live.provider(), live.provider(), live.provider()]);
    expect(counts.builds).toBe(1);
    expect(new Set(providers).size).toBe(1);
    expect(await live.provider()).toBe(providers[0]);
    expect(counts.builds).toBe(1);
  });

  it('a build that fails is the error page of that request, and the next request builds again', async () => {
    const { live, counts } = await countedProvider(1);
    // The mount as the site has it, on a bare Fastify whose error handler stands for the site's error page.
    const site = Fastify();
    site.setValidatorCompiler(zodValidatorCompiler);
    site.setErrorHandler((error: Error, _request, reply) => reply.code(500).send({ page: 'error', message: error.message }));
    await mountIdentityProvider(site, t.app.ctx, live);
    try {
      const failed = await site.inject({ url: '/oidc/jwks' });
      expect(failed.statusCode).toBe(500);
      expect(failed.json()).toEqual({ page: 'error', message: 'the provider could not be built' });
      expect(live.isBuilt).toBe(false);

      const jwks = await site.inject({ url: '/oidc/jwks' });
      expect(jwks.statusCode).toBe(200);
      expect(jwks.json<{ keys: unknown[] }>().keys.length).toBeGreaterThan(0);
      expect(counts.builds).toBe(2);
      expect(live.isBuilt).toBe(true);
    } finally {
      await site.close();
    }
  });

  it('a look at the keys during the first build waits for it, then builds once more with the new keys', async () => {
    const { live, counts } = await countedProvider();
    let release!: () => void;
    counts.hold = new Promise((resolve) => (release = resolve));
    const first = live.provider();
    await rotate();
    const looked = live.check();
    // The look has read the new keys and now waits: no second build while the first runs.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(counts.builds).toBe(1);
    counts.hold = null;
    release();
    await first;
    expect(await looked).toBe(true);
    expect(counts.builds).toBe(2);
    // The first build had the keys from before the rotation, the second every key published after it.
    expect(counts.kids[1]!.length).toBeGreaterThan(counts.kids[0]!.length);
    for (const kid of counts.kids[0]!) expect(counts.kids[1]).toContain(kid);
    await live.provider();
    expect(counts.builds).toBe(2);
  });
});
