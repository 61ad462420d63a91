import { describe, expect, it } from 'vitest';
import { rateLimitKeyForIp } from '../../src/lib/ip.js';

describe('per-IP limit keys', () => {
  it('IPv4 counts per address, IPv4-mapped IPv6 as the IPv4 address', () => {
    expect(rateLimitKeyForIp('203.0.113.9')).toBe('203.0.113.9');
    expect(rateLimitKeyForIp('::ffff:203.0.113.9')).toBe('203.0.113.9');
  });

  it('IPv6 counts per /64: every address of one subscriber shares a key', () => {
    const a = rateLimitKeyForIp('2001:db8:1:2:aaaa::1');
    expect(a).toBe('2001:db8:1:2::/64');
    expect(rateLimitKeyForIp('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe(a);
    expect(rateLimitKeyForIp('2001:db8:1:3::1')).not.toBe(a);
    expect(rateLimitKeyForIp('::1')).toBe('0:0:0:0::/64');
    expect(rateLimitKeyForIp('2001:db8::')).toBe('2001:db8:0:0::/64');
  });
});
