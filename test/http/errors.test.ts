/**
 * Error pages, and requests that are malformed rather than wrong: none may produce a 500 or a stack trace.
 * Every status the server answers itself (400, 404, 405, 413, 414, 415, 431, 500, 503) is Gatehouse's own page
 * in the request's language, or a short plain-text answer where Node's HTTP parser refused the request before
 * there was one; each carries the security headers and X-Request-Id.
 */
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { MAX_HEADER_BYTES, MAX_URL_LENGTH } from '../../src/http/errors.js';
import { es } from '../../src/i18n/es/index.js';
import { createUser, startTestApp, TEST_SECRET, type TestApp } from '../support/app.js';
import { csrfTokenIn, TestClient, type Page } from '../support/client.js';
import { withRefusedWrites } from '../support/db-faults.js';

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as { port: number }).port;
});
afterAll(async () => t.close());

/** A response read off a real socket. */
interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses every response in `data` (one connection's bytes, pipelined responses included; no chunked bodies). */
function parseResponses(data: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = data;
  while (rest.length > 0) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) throw new Error(`an incomplete response: ${JSON.stringify(rest.slice(0, 200))}`);
    const [statusLine = '', ...lines] = rest.slice(0, headEnd).split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.slice(headEnd + 4, headEnd + 4 + length) });
    rest = rest.slice(headEnd + 4 + length);
  }
  return responses;
}

/**
 * Writes `chunks` to a new connection to `to`, one after the other, calling `between` halfway through each `2 × gapMs`
 * gap, and reads every response until the connection closes.
 */
function overSocket(to: number, chunks: (string | Buffer)[], gapMs = 0, between?: () => void): Promise<RawResponse[]> {
  return new Promise((resolve, reject) => {
    let data = '';
    const writeAll = async () => {
      for (const [i, chunk] of chunks.entries()) {
        if (i > 0) {
          await new Promise((r) => setTimeout(r, gapMs));
          between?.();
          await new Promise((r) => setTimeout(r, gapMs));
        }
        if (!socket.destroyed) socket.write(chunk);
      }
    };
    const socket = connect(to, '127.0.0.1', () => void writeAll());
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('close', () => {
      try {
        resolve(parseResponses(data));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on('error', () => undefined); // the server may reset the connection after its answer: what it sent is what counts
  });
}

const SPANISH = { 'accept-language': 'es-ES,es;q=0.9' };

/** The headers every answer of the server carries, whichever way it was produced. */
function expectSecurityHeadersAndRequestId(headers: Record<string, unknown>): void {
  expect(String(headers['content-security-policy'])).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('SAMEORIGIN');
  expect(headers['referrer-policy']).toBeDefined();
  expect(String(headers['x-request-id'])).toMatch(/^[0-9a-f]{16}$/);
}

/** Gatehouse's own page, in Spanish, with the status it was asked for, and nothing of Fastify's default answer. */
function expectSpanishPage(page: Pick<Page, 'status' | 'body' | 'headers'>, status: number, heading: string): void {
  expect(page.status).toBe(status);
  expect(String(page.headers['content-type'])).toBe('text/html; charset=utf-8');
  expect(page.headers['cache-control']).toBe('no-store');
  expect(page.body).toContain('<html lang="es"');
  expect(page.body).toContain('class="site-header"');
  expect(page.body).toContain(`<h1>${heading}</h1>`);
  expect(page.body).not.toMatch(/"statusCode"|FST_|\bat \S+ \(/);
  expectSecurityHeadersAndRequestId(page.headers);
}

describe('error pages', () => {
  it('404 in the site layout', async () => {
    const page = await new TestClient(t.app).get('/no/such/page');
    expect(page.status).toBe(404);
    expect(page.body).toContain('<title>Not found · Gatehouse</title>');
    expect(page.body).toContain('class="site-header"');
  });

  it('405 with an Allow header for a known address and the wrong method', async () => {
    const page = await new TestClient(t.app).request('DELETE', '/login');
    expect(page.status).toBe(405);
    expect(page.headers.allow).toBe('GET, HEAD, POST');
    expect(page.body).toContain('That action is not available here');
  });

  it('missing static files are a 404 too', async () => {
    expect((await new TestClient(t.app).get('/static/nope.css')).status).toBe(404);
  });
});

describe('malformed forms get a 4xx page, never a crash', () => {
  it('a field sent twice is a 400 page', async () => {
    const client = new TestClient(t.app);
    const page = await client.get('/login');
    const res = await client.post('/login', { _csrf: csrfTokenIn(page.body), login: ['a', 'b'], password: 'x' });
    expect(res.status).toBe(400);
    expect(res.body).toContain('We could not read what your browser sent');
  });

  it('a missing field is a 400 page', async () => {
    const client = new TestClient(t.app);
    const page = await client.get('/register');
    const res = await client.post('/register', { _csrf: csrfTokenIn(page.body), username: 'x' });
    expect(res.status).toBe(400);
  });

  it('a body over 64 KB is refused with 413', async () => {
    const client = new TestClient(t.app);
    const page = await client.get('/login');
    const res = await client.post('/login', { _csrf: csrfTokenIn(page.body), login: 'a', password: 'x'.repeat(100 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body).toContain('too large');
  });

  it('a body of an unsupported type is refused with 415', async () => {
    const res = await new TestClient(t.app).request('POST', '/login', { payload: '<login/>', headers: { 'content-type': 'application/xml' } });
    expect(res.status).toBe(415);
  });

  it('JSON or text where a form is expected is a 415, and a body with bad percent-encoding a 403, never a 500', async () => {
    const client = new TestClient(t.app);
    const json = await client.request('POST', '/login', { payload: '{"login":{"$ne":1}}', headers: { 'content-type': 'application/json' } });
    expect(json.status).toBe(415);
    const text = await client.request('POST', '/login', { payload: 'login=a', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    const encoding = await client.request('POST', '/login', { payload: 'login=%E0%A4%A&_csrf=%', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(encoding.status).toBe(403);
  });

  it('an over-long or odd URL parameter is a 4xx', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await client.submit('/login', { login: user.username, password: user.password });
    const long = await client.get(`/user/${'x'.repeat(500)}`);
    expect(long.status).toBe(414);
    expect(long.body).toContain('class="site-header"');
    expect((await client.get('/user/%E0%A4%A')).status).toBe(400);
    expect((await client.get('/reset-password/%00')).status).toBe(410);
  });
});

describe('every status the server answers itself', () => {
  const e = es.common.errors;
  const spanish = () => {
    const client = new TestClient(t.app);
    Object.assign(client.headers, SPANISH);
    return client;
  };

  it('400: a body shorter than its Content-Length, a badly encoded address, a field sent twice, a missing Host', async () => {
    const client = spanish();
    const form = await client.get('/login');
    const short = await client.request('POST', '/login', { payload: 'login=a', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '100' } });
    expectSpanishPage(short, 400, e.badRequestHeading);
    expect(short.body).toContain(e.client[400]);
    expectSpanishPage(await client.get('/user/%E0%A4%A'), 400, e.badRequestHeading); // before routing
    expectSpanishPage(await client.post('/login', { _csrf: csrfTokenIn(form.body), login: ['a', 'b'], password: 'x' }), 400, e.badRequestHeading);
    // HTTP/1.1 without Host (RFC 9112 §3.2): Node's own answer would be an empty 400 without our headers.
    const [noHost] = await overSocket(port, ['GET /login HTTP/1.1\r\nAccept-Language: es\r\nConnection: close\r\n\r\n']);
    expectSpanishPage(noHost!, 400, e.badRequestHeading);
  });

  it('400: a request line or header the HTTP parser cannot read gets a short plain-text answer, with the headers and a request id', async () => {
    for (const request of ['GARBAGE\r\n\r\n', 'GET /login HTTP/1.1\r\nHost: localhost\r\nX-Bad: \u001b]0;owned\u0007\r\n\r\n']) {
      const [answer, ...more] = await overSocket(port, [request]);
      expect(more).toEqual([]);
      expect(answer!.status).toBe(400);
      expect(answer!.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(answer!.headers.connection).toBe('close');
      expectSecurityHeadersAndRequestId(answer!.headers);
      expect(answer!.body).toContain('We could not read what your browser sent');
      expect(answer!.body).toContain(answer!.headers['x-request-id']);
      expect(answer!.body).not.toMatch(/"statusCode"|HPE_|Parse Error/);
    }
  });

  it('404 and 405', async () => {
    expectSpanishPage(await spanish().get('/no/such/page'), 404, e.notFoundHeading);
    expectSpanishPage(await spanish().get('/static/nope.css'), 404, e.notFoundHeading);
    const wrongMethod = await spanish().request('DELETE', '/login');
    expectSpanishPage(wrongMethod, 405, e.notAllowedHeading);
    expect(wrongMethod.headers.allow).toBe('GET, HEAD, POST');
  });

  it('413: a body over the limit, sent or only announced', async () => {
    const client = spanish();
    const form = await client.get('/login');
    const sent = await client.post('/login', { _csrf: csrfTokenIn(form.body), login: 'a', password: 'x'.repeat(100 * 1024) });
    expectSpanishPage(sent, 413, e.badRequestHeading);
    expect(sent.body).toContain(e.client[413]);
    const [announced] = await overSocket(port, [
      'POST /login HTTP/1.1\r\nHost: localhost\r\nAccept-Language: es\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000000\r\nConnection: close\r\n\r\nlogin=a',
    ]);
    expectSpanishPage(announced!, 413, e.badRequestHeading);
  });

  it('414: an address over the limit, or a path segment over the router\'s', async () => {
    const long = await spanish().get(`/login?next=${'a'.repeat(MAX_URL_LENGTH)}`);
    expectSpanishPage(long, 414, e.badRequestHeading);
    expect(long.body).toContain(e.client[414]);
    expectSpanishPage(await spanish().get(`/user/${'x'.repeat(500)}`), 414, e.badRequestHeading); // before routing
    const [overSocketToo] = await overSocket(port, [`GET /login?next=${'a'.repeat(MAX_URL_LENGTH)} HTTP/1.1\r\nHost: localhost\r\nAccept-Language: es\r\nConnection: close\r\n\r\n`]);
    expectSpanishPage(overSocketToo!, 414, e.badRequestHeading);
    // Just under the limit is an address like any other.
    expect((await spanish().get(`/login?x=${'a'.repeat(MAX_URL_LENGTH - '/login?x='.length)}`)).status).toBe(200);
  });

  it('415: JSON, text or XML where a form is expected', async () => {
    for (const type of ['application/json', 'text/plain', 'application/xml']) {
      const res = await spanish().request('POST', '/login', { payload: '{"login":{"$ne":1}}', headers: { 'content-type': type } });
      expectSpanishPage(res, 415, e.badRequestHeading);
      expect(res.body).toContain(e.client[415]);
    }
  });

  it('431: headers over the limit (too many cookies) get a short plain-text answer, before any page could be chosen', async () => {
    const cookies = Array.from({ length: 40 }, (_, i) => `tracker${i}=${'v'.repeat(500)}`).join('; ');
    expect(cookies.length).toBeGreaterThan(MAX_HEADER_BYTES);
    const [answer, ...more] = await overSocket(port, [`GET /login HTTP/1.1\r\nHost: localhost\r\nAccept-Language: es\r\nCookie: ${cookies}\r\n\r\n`]);
    expect(more).toEqual([]);
    expect(answer!.status).toBe(431);
    expect(answer!.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(answer!.headers['cache-control']).toBe('no-store');
    expectSecurityHeadersAndRequestId(answer!.headers);
    expect(answer!.body).toContain("Clear this site's cookies");
    expect(answer!.body).toContain(`tell us this reference: ${answer!.headers['x-request-id']}`);
    expect(answer!.body).not.toMatch(/"statusCode"|Exceeded maximum/);
    // An address too long for the parser is the same answer: the request line is part of the head.
    const [uri] = await overSocket(port, [`GET /login?x=${'a'.repeat(MAX_HEADER_BYTES)} HTTP/1.1\r\nHost: localhost\r\n\r\n`]);
    expect(uri!.status).toBe(431);
    expectSecurityHeadersAndRequestId(uri!.headers);
    // The server goes on serving.
    expect((await spanish().get('/login')).status).toBe(200);
  });

  it('500: a bug shows the page with the request id and nothing of the error, outside production too', async () => {
    const user = await createUser(t.app);
    await withRefusedWrites(t.app.ctx.db, { table: 'mail_outbox', on: 'INSERT', message: 'disk full at /var/lib/secret' }, async () => {
      const res = await spanish().submit('/reset-password', { email: user.email });
      expectSpanishPage(res, 500, e.serverErrorHeading);
      expect(res.body).toContain(`<code class="request-id">${String(res.headers['x-request-id'])}</code>`);
      expect(res.body).not.toMatch(/disk full|secret|mail_outbox|error-detail|Error:/);
      expect(res.setCookies).toEqual([]);
    });
  });

  it('503 while shutting down: a request arriving on an open connection gets the page and Connection: close', async () => {
    const closing = await startTestApp();
    try {
      await closing.app.listen({ port: 0, host: '127.0.0.1' });
      const closingPort = (closing.app.server.address() as { port: number }).port;
      let closed: Promise<unknown> = Promise.resolve();
      // A sign-in in flight (half its body sent) keeps the connection open; the server is told to stop; the rest
      // of the body and a second request follow on the same connection.
      const body = 'login=someone&password=whatever';
      const [first, second, ...more] = await overSocket(
        closingPort,
        [
          `POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
          `${body.slice(10)}GET /login HTTP/1.1\r\nHost: localhost\r\nAccept-Language: es\r\n\r\n`,
        ],
        200,
        () => {
          closed = closing.app.close();
        },
      );
      await closed;
      expect(more).toEqual([]);
      expect(first!.status).toBe(403); // the request in flight was served (refused for its missing CSRF token, as always)
      expectSpanishPage(second!, 503, e.unavailableTitle);
      expect(second!.body).toContain(e.unavailableText);
      expect(second!.headers['retry-after']).toBe('5');
      expect(second!.headers.connection).toBe('close');
    } finally {
      await closing.close();
    }
  });
});

describe('server errors', () => {
  /** Builds a production app whose database can be broken underneath it. */
  async function productionApp() {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-errors-'));
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const config = loadConfig(
      {
        NODE_ENV: 'production',
        APP_URL: 'https://gatehouse.example',
        SECRET_KEY: TEST_SECRET,
        DATABASE_URL: `sqlite:${join(dir, 'prod.db')}`,
        TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
        TWILIO_AUTH_TOKEN: 'unused',
        TWILIO_VERIFY_SERVICE_SID: 'VA00000000000000000000000000000000',
        TWILIO_API_BASE_URL: 'https://127.0.0.1:9',
        SMTP_URL: 'smtp://127.0.0.1:9',
        MAIL_FROM: 'Gatehouse <no-reply@gatehouse.example>',
      },
      { envFile: null, dataDir: dir },
    );
    const database = openDatabase(config.databaseUrl);
    const app = await buildApp(config, { database, logger: { level: 'info', stream } });
    await app.ready();
    return { app, database, lines, close: async () => (await app.close(), await database.destroy().catch(() => undefined), rmSync(dir, { recursive: true, force: true })) };
  }

  it('in production, a failure shows a 500 page with a request id that is in the log, and no stack trace', async () => {
    const p = await productionApp();
    try {
      const client = new TestClient(p.app);
      const page = await client.get('/login');
      await p.database.destroy(); // the database goes away under a running app
      const res = await client.post('/login', { _csrf: csrfTokenIn(page.body), login: 'someone', password: 'whatever' });
      expect(res.status).toBe(500);
      const requestId = /<code class="request-id">([0-9a-f]+)<\/code>/.exec(res.body)?.[1];
      expect(requestId).toMatch(/^[0-9a-f]{16}$/);
      expect(res.body).not.toContain('at ');
      expect(res.body).not.toMatch(/error-detail|Kysely|driver/i);
      const logged = p.lines.map((l) => JSON.parse(l) as { reqId?: string; level: number; err?: { stack?: string } });
      const errorLine = logged.find((l) => l.reqId === requestId && l.level >= 50);
      expect(errorLine?.err?.stack).toBeDefined();
    } finally {
      await p.close();
    }
  });

  it('reset-link tokens never reach the request log', async () => {
    const p = await productionApp();
    try {
      await new TestClient(p.app).get('/reset-password/SECRETTOKENSECRETTOKENSECRETTOKEN?x=1');
      const logged = p.lines.join('\n');
      expect(logged).toContain('/reset-password/[redacted]');
      expect(logged).not.toContain('SECRETTOKEN');
    } finally {
      await p.close();
    }
  });

  it('the production app has no dev outbox', async () => {
    const p = await productionApp();
    try {
      expect((await new TestClient(p.app).get('/dev/outbox')).status).toBe(404);
    } finally {
      await p.close();
    }
  });

  it('a request that fails half-way leaves nothing half-written (its transaction is rolled back)', async () => {
    const user = await createUser(t.app);
    // Make the mail insert fail inside the reset flow's transaction, after the token was written.
    await withRefusedWrites(t.app.ctx.db, { table: 'mail_outbox', on: 'INSERT', message: 'disk full' }, async () => {
      const res = await new TestClient(t.app).submit('/reset-password', { email: user.email });
      expect(res.status).toBe(500);
      const tokens = await t.app.ctx.db.selectFrom('password_reset_tokens').selectAll().where('user_id', '=', user.id).execute();
      expect(tokens).toEqual([]);
    });
  });
});
