/**
 * Ports and client addresses for tests: a port to listen on, and a new
 * remote address for each simulated visitor (rate limits are kept per IP, so
 * a test that must not share a bucket with the one before it takes its own).
 */
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';

/** A port nobody listens on right now (the OS picks it; we release it and listen on it again). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Returns a function that hands out a new IPv4 address at each call, each
 * module its own sequence:
 * - a three-part prefix (`'198.51.100'`) counts the last part: `198.51.100.1`,
 *   `198.51.100.2`, … (at most 255 addresses);
 * - a two-part prefix (`'100.66'`) counts over the last two parts, 250 to a
 *   block: `100.66.0.2` … `100.66.0.250`, `100.66.1.1`, ….
 */
export function ipAddresses(prefix: string): () => string {
  let n = 0;
  if (prefix.split('.').length === 3) return () => `${prefix}.${++n}`;
  return () => `${prefix}.${Math.floor(++n / 250)}.${(n % 250) + 1}`;
}

/**
 * One request over a real socket, its request-target sent exactly as given: `app.inject` would normalise a
 * percent-encoded path or an absolute-form target (`http://host/path`) before the router sees it.
 */
export function requestOverSocket(
  port: number,
  target: string,
  headers: OutgoingHttpHeaders = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: target, headers: { ...headers, connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
