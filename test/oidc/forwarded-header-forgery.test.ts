/**
 * Attack: forged X-Forwarded-Host / X-Forwarded-Proto / Host. The provider builds every address it advertises
 * (discovery, the interaction redirect) from the request; a client that could choose the host would make it
 * advertise its own token endpoint, or send people to its own pages. The scheme and host are APP_URL's,
 * whatever a client or even a trusted proxy sends; only the client address follows TRUST_PROXY. Also when the
 * path is spelled so that a string test on the raw URL misses it, but the router still reaches the
 * provider: a percent-encoded letter (`/%6Fidc/…`) or an absolute-form request line (`GET http://x/oidc/…`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { requestOverSocket } from '../support/net.js';
import { ISSUER, OIDC_APP_URL, REDIRECT_URI, registerApp } from '../support/oidc.js';

const forged = { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', host: 'evil.example' };

const overSocket = (port: number, target: string) => requestOverSocket(port, target, forged);

describe.each([
  ['from an untrusted address', {}, '203.0.113.9'],
  ['from the trusted proxy', { TRUST_PROXY: '127.0.0.1' }, '127.0.0.1'],
])('forged forwarding headers %s', (_name, env: Record<string, string>, remoteAddress) => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({ APP_URL: OIDC_APP_URL, ...env });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as { port: number }).port;
  });
  afterAll(async () => t.close());

  it('discovery still names APP_URL, over https, for every endpoint', async () => {
    const res = await t.app.inject({ url: '/oidc/.well-known/openid-configuration', headers: forged, remoteAddress });
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).not.toContain('evil.example');
    expect(body).not.toContain('http:');
    const md = res.json<Record<string, unknown>>();
    expect(md.issuer).toBe(ISSUER);
    expect(md.token_endpoint).toBe(`${ISSUER}/token`);
  });

  it.each([
    ['a percent-encoded letter in the path', '/%6Fidc/.well-known/openid-configuration'],
    ['an absolute-form request line', 'http://evil.example/oidc/.well-known/openid-configuration'],
  ])('discovery asked for with %s still names APP_URL, with the security headers', async (_how, target) => {
    const res = await overSocket(port, target);
    expect(res.status).toBe(200);
    expect(res.body).not.toContain('evil.example');
    expect(res.body).not.toContain('http:');
    const md = JSON.parse(res.body) as Record<string, unknown>;
    expect(md.issuer).toBe(ISSUER);
    expect(md.authorization_endpoint).toBe(`${ISSUER}/auth`);
    expect(md.token_endpoint).toBe(`${ISSUER}/token`);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('an authorization request spelled /%6Fidc/auth is sent to the interaction on APP_URL, with Secure cookies', async () => {
    const app = await registerApp(t.app);
    const query = new URLSearchParams({ client_id: app.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' });
    const res = await overSocket(port, `/%6Fidc/auth?${query.toString()}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(new RegExp(`^${OIDC_APP_URL}/interaction/[^/]+$`));
    const cookies = res.headers['set-cookie'] ?? [];
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).toMatch(/; secure/i);
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('an authorization request is sent to the interaction on APP_URL, with Secure cookies and the security headers', async () => {
    const app = await registerApp(t.app);
    const query = new URLSearchParams({ client_id: app.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' });
    const res = await t.app.inject({ url: `/oidc/auth?${query.toString()}`, headers: forged, remoteAddress });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(new RegExp(`^${OIDC_APP_URL}/interaction/[^/]+$`));
    const cookies = [res.headers['set-cookie'] ?? []].flat();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).toMatch(/; secure/i);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it("an unknown app is refused on Gatehouse's own page, with its security headers", async () => {
    const res = await t.app.inject({ url: '/oidc/auth?client_id=nobody&response_type=code&scope=openid', headers: forged, remoteAddress });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.body).toContain('<html lang="en"');
    expect(res.body).toContain('invalid_client');
    expect(res.body).not.toContain('evil.example');
  });
});
