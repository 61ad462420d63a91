/**
 * TRUST_PROXY as one trust function (src/lib/trusted-proxies.ts), shared by the client IP and the request id:
 * it must trust exactly the listed proxies, in either address family and in IPv4-mapped form, as proxy-addr
 * (Fastify's own) does, and nothing when unset.
 */
import { describe, expect, it } from 'vitest';
import { trustedProxies } from '../../src/lib/trusted-proxies.js';

describe('trustedProxies', () => {
  it('trusts nobody when TRUST_PROXY is unset', () => {
    expect(trustedProxies(false)).toBeNull();
  });

  it('with a hop count, trusts that many hops nearest to us, whoever they are', () => {
    const trust = trustedProxies(2)!;
    expect([0, 1, 2].map((hop) => trust('203.0.113.9', hop))).toEqual([true, true, false]);
  });

  it('with a list, trusts its addresses and ranges only, IPv4-mapped IPv6 included', () => {
    const trust = trustedProxies(['10.0.0.1', '10.1.0.0/16', '2001:db8::/32'])!;
    const trusted = ['10.0.0.1', '::ffff:10.0.0.1', '10.1.255.7', '::ffff:10.1.0.1', '2001:db8::5'];
    const untrusted = ['10.0.0.2', '10.2.0.1', '::ffff:10.0.0.2', '2001:db9::1', '127.0.0.1', '', 'not-an-ip', 'fe80::1%eth0'];
    for (const address of trusted) expect(trust(address, 0), address).toBe(true);
    for (const address of untrusted) expect(trust(address, 0), address).toBe(false);
  });

  it("understands proxy-addr's names", () => {
    const trust = trustedProxies(['loopback', 'uniquelocal'])!;
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '10.9.9.9', '172.16.0.1', '192.168.1.1', 'fd12::1']) expect(trust(address, 0), address).toBe(true);
    for (const address of ['169.254.1.1', '172.32.0.1', '8.8.8.8', '2001:db8::1']) expect(trust(address, 0), address).toBe(false);
    expect(trustedProxies(['linklocal'])!('169.254.1.1', 0)).toBe(true);
  });
});
