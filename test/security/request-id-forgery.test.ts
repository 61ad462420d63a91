/**
 * Attack: choosing the request id under which one's requests are logged. A
 * client that sends its own `X-Request-Id` could file its requests under an id
 * it chose — another user's, to muddle an investigation — and an id carrying a
 * newline, terminal escapes or kilobytes of text could forge or bury log lines
 * (log injection, OWASP ASVS 5.0 V16.4.1: log entries are encoded against
 * injection) or split a response header (CRLF injection).
 * Defence (issue #12, item 10): the id of a request is the one a trusted proxy
 * (TRUST_PROXY, the same decision that lets it set the client IP) sent, if it
 * is at most 128 plain characters; otherwise a fresh one. It is on every log
 * line of the request (`reqId`) and on every response (`X-Request-Id`).
 */
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_ID_LENGTH } from '../../src/http/request-id.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';

const PROXY = '10.0.0.1';
const FRESH_ID = /^[0-9a-f]{16}$/;

/** Log lines as parsed JSON, as a pino destination stream receives them. */
function logCapture() {
  const lines: { reqId?: string; msg?: string; req?: { url?: string } }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  return { lines, stream };
}

let direct: TestApp;
let proxied: TestApp;
const directLog = logCapture();
const proxiedLog = logCapture();
const loopbackLog = logCapture();
beforeAll(async () => {
  direct = await startTestApp({}, { logger: { level: 'info', stream: directLog.stream } });
  proxied = await startTestApp({ TRUST_PROXY: PROXY }, { logger: { level: 'info', stream: proxiedLog.stream } });
});
afterAll(async () => {
  await Promise.all([direct.close(), proxied.close()]);
});

/** The ids the log lines of `url` carry. */
const loggedIds = (log: ReturnType<typeof logCapture>, url: string) => [...new Set(log.lines.filter((l) => l.req?.url === url).map((l) => l.reqId))];

describe('X-Request-Id', () => {
  it('a client that is not a trusted proxy cannot choose its id: its X-Request-Id is ignored and a fresh id is logged and returned', async () => {
    for (const [t, log, from] of [
      [direct, directLog, '203.0.113.9'],
      [proxied, proxiedLog, '203.0.113.9'], // TRUST_PROXY set, but this peer is not the proxy
    ] as const) {
      const url = `/login?probe=${Math.random()}`;
      const res = await new TestClient(t.app, from).get(url, { 'x-request-id': 'victims-request-id', 'x-forwarded-for': PROXY });
      expect(res.status).toBe(200);
      const id = String(res.headers['x-request-id']);
      expect(id).toMatch(FRESH_ID);
      expect(loggedIds(log, url)).toEqual([id]);
    }
  });

  it("a trusted proxy's id is echoed and is on the request's log lines", async () => {
    const url = `/login?probe=${Math.random()}`;
    const id = 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6';
    const res = await new TestClient(proxied.app, PROXY).get(url, { 'x-request-id': id, 'x-forwarded-for': '198.51.100.7' });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe(id);
    const lines = proxiedLog.lines.filter((l) => l.req?.url === url || (l.reqId === id && l.msg === 'request completed'));
    expect(lines.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
    expect(lines.every((l) => l.reqId === id)).toBe(true);
  });

  it("even a trusted proxy's id is replaced when it carries a newline, other control or non-ASCII characters, or is too long", async () => {
    const injected = [
      'abc\n{"level":50,"msg":"forged log line"}',
      'abc\r\nset-cookie: session=attacker',
      'abc\u001b[2J\u001b[31mfake',
      'id with spaces',
      'caf\u00e9',
      'x'.repeat(MAX_REQUEST_ID_LENGTH + 1),
      '',
    ];
    for (const id of injected) {
      const url = `/login?probe=${Math.random()}`;
      const res = await new TestClient(proxied.app, PROXY).get(url, { 'x-request-id': id });
      expect(res.status, JSON.stringify(id)).toBe(200);
      const sent = String(res.headers['x-request-id']);
      expect(sent, JSON.stringify(id)).toMatch(FRESH_ID);
      expect(res.headers['set-cookie'] ?? []).not.toContainEqual(expect.stringContaining('attacker'));
      expect(loggedIds(proxiedLog, url)).toEqual([sent]);
    }
    expect(proxiedLog.lines.some((l) => l.msg === 'forged log line')).toBe(false);
    // The longest acceptable id is kept whole.
    const longest = 'a'.repeat(MAX_REQUEST_ID_LENGTH);
    expect((await new TestClient(proxied.app, PROXY).get('/login', { 'x-request-id': longest })).headers['x-request-id']).toBe(longest);
  });

  it('over a real socket from a proxy on loopback: its id is kept, and one with bytes outside the safe set is replaced', async () => {
    const t = await startTestApp({ TRUST_PROXY: '127.0.0.1' }, { logger: { level: 'info', stream: loopbackLog.stream } });
    try {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.app.server.address() as { port: number };
      /** The X-Request-Id answered to a GET of `url` sent with `id` (latin1 bytes) by a client on 127.0.0.1. */
      const idAnswered = (url: string, id: string) =>
        new Promise<string | undefined>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.from(`GET ${url} HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n`, 'latin1')));
          let data = '';
          socket.setEncoding('latin1');
          socket.on('data', (chunk: string) => (data += chunk));
          socket.on('end', () => resolve(/^x-request-id: (.*)\r$/m.exec(data)?.[1]));
          socket.on('error', reject);
        });
      const kept = '/healthz?probe=kept';
      expect(await idAnswered(kept, 'Root=1-67891233-abcdef012345678912345678')).toBe('Root=1-67891233-abcdef012345678912345678');
      expect(loggedIds(loopbackLog, kept)).toEqual(['Root=1-67891233-abcdef012345678912345678']);

      const replaced = '/healthz?probe=replaced';
      const id = await idAnswered(replaced, 'caf\u00e9"; level=50 \u00ff');
      expect(id).toMatch(FRESH_ID);
      expect(loggedIds(loopbackLog, replaced)).toEqual([id]);
      expect(JSON.stringify(loopbackLog.lines)).not.toContain('level=50');
    } finally {
      await t.close();
    }
  });
});

describe('every response carries its request id', () => {
  it('pages, redirects, 404 and 405 pages, static files, probes and refused forms', async () => {
    const client = new TestClient(direct.app);
    const responses = {
      page: await client.get('/login'),
      redirect: await client.get('/profile/edit'),
      notFound: await client.get('/no/such/page'),
      notAllowed: await client.request('DELETE', '/login'),
      staticFile: await client.get('/static/css/app.css'),
      missingStaticFile: await client.get('/static/nope.css'),
      vendorFile: await client.get('/vendor/simplewebauthn/index.umd.min.js'),
      healthz: await client.get('/healthz'),
      readyz: await client.get('/readyz'),
      refusedForm: await client.post('/login', { login: 'x', password: 'y' }),
      badUrl: await client.get('/user/%E0%A4%A'),
    };
    expect(Object.fromEntries(Object.entries(responses).map(([name, r]) => [name, r.status]))).toEqual({
      page: 200,
      redirect: 302,
      notFound: 404,
      notAllowed: 405,
      staticFile: 200,
      missingStaticFile: 404,
      vendorFile: 200,
      healthz: 200,
      readyz: 200,
      refusedForm: 403,
      badUrl: 400,
    });
    const ids = Object.values(responses).map((r) => String(r.headers['x-request-id']));
    for (const id of ids) expect(id).toMatch(FRESH_ID);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
