/**
 * Attack: dodging per-IP limits by sending a forged X-Forwarded-For (a new
 * "client IP" with every request), or by claiming to be the proxy.
 * Requirements: OWASP ASVS 5.0 V6.3.1 (throttling cannot be bypassed) and
 * V14 / OWASP Cheat Sheet "don't trust client-supplied headers"; issue #3: the
 * client IP comes from the socket unless TRUST_PROXY names the proxies.
 * The cheapest per-IP limit (forgot-password requests) is the probe here; every
 * per-IP limit uses the same `request.ip`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESET_REQUESTS_PER_IP } from '../../src/auth/policy.js';
import { ConfigError } from '../../src/config.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, TestClient, type Page } from '../support/client.js';

let direct: TestApp;
let proxied: TestApp;
let hops: TestApp;
beforeAll(async () => {
  direct = await startTestApp();
  proxied = await startTestApp({ TRUST_PROXY: '10.0.0.1, 10.1.0.0/16' });
  hops = await startTestApp({ TRUST_PROXY: '1' });
});
afterAll(async () => {
  await Promise.all([direct.close(), proxied.close(), hops.close()]);
});

let n = 0;
const randomIp = () => `${1 + Math.floor(Math.random() * 222)}.${++n % 250}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

/** A "forgot password" request from socket `socketIp`, claiming `forwardedFor`. */
async function resetRequest(t: TestApp, socketIp: string, forwardedFor?: string): Promise<Page> {
  const client = new TestClient(t.app, socketIp);
  const headers = forwardedFor ? { 'x-forwarded-for': forwardedFor } : undefined;
  const form = await client.get('/reset-password', headers);
  return client.request('POST', '/reset-password', { form: { _csrf: csrfTokenIn(form.body), email: 'someone@example.com' }, headers });
}

describe('client IP and X-Forwarded-For', () => {
  it('without TRUST_PROXY a new forged X-Forwarded-For on every request changes nothing: the socket address is limited', async () => {
    const attacker = '203.0.113.66';
    const statuses: number[] = [];
    for (let i = 0; i <= RESET_REQUESTS_PER_IP.points; i++) statuses.push((await resetRequest(direct, attacker, randomIp())).status);
    expect(statuses.slice(0, RESET_REQUESTS_PER_IP.points).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // Someone else is not affected.
    expect((await resetRequest(direct, '203.0.113.67')).status).toBe(200);
  });

  it('behind a trusted proxy, each forwarded client has its own budget', async () => {
    const victim = '198.51.100.20';
    for (let i = 0; i < RESET_REQUESTS_PER_IP.points; i++) expect((await resetRequest(proxied, '10.0.0.1', victim)).status).toBe(200);
    expect((await resetRequest(proxied, '10.1.2.3', victim)).status).toBe(429); // the same client through the other proxy range
    expect((await resetRequest(proxied, '10.0.0.1', '198.51.100.21')).status).toBe(200);
  });

  it('a client that is not one of the named proxies cannot choose its IP by sending the header itself', async () => {
    const attacker = '203.0.113.99';
    let last: Page | undefined;
    for (let i = 0; i <= RESET_REQUESTS_PER_IP.points; i++) last = await resetRequest(proxied, attacker, `10.0.0.1, ${randomIp()}`);
    expect(last?.status).toBe(429);
  });

  it('with a hop count, only the address the trusted hop saw counts; entries the client prepended are ignored', async () => {
    const client = '192.0.2.44';
    let last: Page | undefined;
    // The client forges a left-most entry each time; the proxy appends the real address it saw.
    for (let i = 0; i <= RESET_REQUESTS_PER_IP.points; i++) last = await resetRequest(hops, '10.9.9.9', `${randomIp()}, ${client}`);
    expect(last?.status).toBe(429);
  });

  it('TRUST_PROXY=true (trust anyone) and malformed entries are refused at start', async () => {
    await expect(startTestApp({ TRUST_PROXY: 'true' })).rejects.toThrow(ConfigError);
    await expect(startTestApp({ TRUST_PROXY: 'true' })).rejects.toThrow(/TRUST_PROXY/);
    await expect(startTestApp({ TRUST_PROXY: '10.0.0.1/99' })).rejects.toThrow(/TRUST_PROXY/);
    await expect(startTestApp({ TRUST_PROXY: 'proxy.example.com' })).rejects.toThrow(/TRUST_PROXY/);
  });
});
