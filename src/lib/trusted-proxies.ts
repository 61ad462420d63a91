/**
 * TRUST_PROXY as one function, `(address, hop) => trusted`, the form
 * Fastify's `trustProxy` takes: the client IP (X-Forwarded-For) and the
 * request id (X-Request-Id, src/http/request-id.ts) believe a header only
 * when this function trusts the peer that sent it, so the two can never
 * disagree about who is a proxy.
 */
import { BlockList, isIP } from 'node:net';

export type TrustProxy = (address: string, hop: number) => boolean;

/** The names proxy-addr (and so Fastify) accepts in a list, as the ranges they stand for. */
const NAMED_RANGES: Record<string, readonly string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/**
 * The trust function of a parsed TRUST_PROXY (src/config.ts): null when no proxy is trusted; for a hop count n,
 * the n proxies nearest to us (hop 0 is the socket's peer); for a list of IPs, CIDRs and names, an address in
 * one of them (an IPv4-mapped IPv6 address matches its IPv4 range, as with proxy-addr).
 */
export function trustedProxies(setting: false | number | readonly string[]): TrustProxy | null {
  if (setting === false) return null;
  if (typeof setting === 'number') {
    const hops = setting;
    return (_address, hop) => hop < hops;
  }
  const list = new BlockList();
  for (const entry of setting.flatMap((e) => NAMED_RANGES[e] ?? [e])) {
    const [ip = '', bits] = entry.split('/');
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip, family);
    else list.addSubnet(ip, Number(bits), family);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}
