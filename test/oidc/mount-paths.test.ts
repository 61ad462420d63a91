/**
 * Which requests reach the provider, and with which target. The router decides (`/oidc` and `/oidc/*`, the path
 * decoded and an absolute-form target resolved, as for every route of the site); the provider's Koa app is given
 * the rest of the target as it was sent. A path that only looks like the mount (`/oidcx`, `/OIDC`, an encoded
 * slash) is the site's own not-found page, not the provider's. (Under @fastify/middie, which this replaced, `/OIDC/…`
 * reached the provider too.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetWithinMount } from '../../src/oidc/mount.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { requestOverSocket } from '../support/net.js';
import { ISSUER, OIDC_APP_URL } from '../support/oidc.js';

describe('the target the provider is given', () => {
  it.each([
    ['/oidc', '/'],
    ['/oidc/', '/'],
    ['/oidc?x=1', '/?x=1'],
    ['/oidc/.well-known/openid-configuration', '/.well-known/openid-configuration'],
    ['/%6Fidc/auth?client_id=a&next=/b/c', '/auth?client_id=a&next=/b/c'],
    ['/oidc/session/end%3Fx?y=%2F', '/session/end%3Fx?y=%2F'],
    ['/oidc//token', '//token'],
    ['http://evil.example/oidc/token', '/token'],
    ['HTTPS://evil.example:8443/oidc?x=/y', '/?x=/y'],
    ['http://evil.example/%6Fidc/jwks', '/jwks'],
  ])('%s → %s', (url, target) => {
    expect(targetWithinMount(url)).toBe(target);
  });
});

describe('requests over a socket', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({ APP_URL: OIDC_APP_URL });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as { port: number }).port;
  });
  afterAll(async () => t.close());

  it.each([
    '/oidc/.well-known/openid-configuration?x=1',
    '/oidc/.well-known/openid-configuration/',
    '/%6f%69%64%63/.well-known/openid-configuration',
    'http://127.0.0.1/oidc/.well-known/openid-configuration',
  ])('%s is the provider’s discovery', async (target) => {
    const res = await requestOverSocket(port, target);
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as { issuer: string }).issuer).toBe(ISSUER);
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it.each(['/oidc', '/oidc/nothing'])('%s is the provider’s, which knows no such endpoint', async (target) => {
    const res = await requestOverSocket(port, target);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe('Not Found');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
  });

  it.each([
    '/oidcx/.well-known/openid-configuration',
    '/OIDC/.well-known/openid-configuration',
    '/oidc%2F.well-known%2Fopenid-configuration',
    '/x/oidc/.well-known/openid-configuration',
  ])('%s is the site’s own not-found page', async (target) => {
    const res = await requestOverSocket(port, target);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).not.toContain(ISSUER);
    expect(res.body).not.toContain('invalid_request');
  });

  it('HEAD of discovery is the provider’s answer without its body', async () => {
    const res = await t.app.inject({ method: 'HEAD', url: '/oidc/.well-known/openid-configuration' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('a CORS preflight of the token endpoint is answered by the provider, with the security headers', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/oidc/token',
      headers: { origin: 'https://app.example.test', 'access-control-request-method': 'POST' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.test');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
  });

  it('a token request’s body is read by the provider, not by the site (no CSRF check, no form parser)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/oidc/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=authorization_code&code=nothing&client_id=nobody',
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client' });
  });
});
