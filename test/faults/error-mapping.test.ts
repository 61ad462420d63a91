/**
 * Fault: an outage shown as a bug, or a bug shown as an outage. Requirement
 * (issue 3, "Faults: clear errors, nothing lost"): "database unavailable"
 * errors of either driver — connection refused, reset or timed out, the pg
 * pool's connect timeout, PostgreSQL shutting down, SQLITE_BUSY, SQLITE_CANTOPEN
 * — are recognised in one place and answered 503 "Service unavailable, try
 * again in a moment" without a stack trace; every other failure stays a 500.
 * Either way a failed request sets and clears no cookie, so a failure after a
 * handler had already set a session cookie cannot sign anyone in (or out).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type GatehouseApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { isDatabaseUnavailable } from '../../src/db/database.js';
import { serverErrorStatus } from '../../src/http/errors.js';
import { es } from '../../src/i18n/es/index.js';
import { createUser, TEST_SECRET } from '../support/app.js';
import { TestClient } from '../support/client.js';

const coded = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['connection refused', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', coded('ECONNRESET', 'read ECONNRESET')],
    ['connect timed out', coded('ETIMEDOUT')],
    ['host unreachable', coded('EHOSTUNREACH')],
    ['DNS failure', coded('ENOTFOUND', 'getaddrinfo ENOTFOUND db')],
    ['pg pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['pg connection lost', new Error('Connection terminated unexpectedly')],
    ['pg client connect timeout', new Error('Connection terminated due to connection timeout')],
    ['pg client broken', new Error('Client has encountered a connection error and is not queryable')],
    ['PostgreSQL shutting down (57P01)', coded('57P01', 'terminating connection due to administrator command')],
    ['PostgreSQL starting up (57P03)', coded('57P03', 'the database system is starting up')],
    ['connection failure (08006)', coded('08006')],
    ['too many connections (53300)', coded('53300')],
    ['SQLITE_BUSY', coded('SQLITE_BUSY', 'database is locked')],
    ['SQLITE_BUSY_SNAPSHOT', coded('SQLITE_BUSY_SNAPSHOT')],
    ['SQLITE_LOCKED', coded('SQLITE_LOCKED')],
    ['SQLITE_CANTOPEN', coded('SQLITE_CANTOPEN', 'unable to open database file')],
    ['SQLITE_IOERR_READ', coded('SQLITE_IOERR_READ')],
    ['SQLITE_FULL', coded('SQLITE_FULL', 'database or disk is full')],
    ['wrapped in a cause', new Error('query failed', { cause: coded('ECONNREFUSED') })],
    ['inside an AggregateError (happy eyeballs)', Object.assign(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]), { code: 'ECONNREFUSED' })],
    ['an AggregateError without its own code', new AggregateError([new Error('x'), coded('ETIMEDOUT')])],
  ])('recognises %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(serverErrorStatus(error)).toBe(503);
  });

  it.each([
    ['a UNIQUE violation (PostgreSQL)', coded('23505', 'duplicate key value violates unique constraint')],
    ['a UNIQUE violation (SQLite)', coded('SQLITE_CONSTRAINT_UNIQUE')],
    ['a trigger abort', coded('SQLITE_CONSTRAINT_TRIGGER', 'disk full')],
    ['an SQL syntax error', coded('42601', 'syntax error at or near "FORM"')],
    ['SQLITE_ERROR', coded('SQLITE_ERROR', 'no such table: users')],
    ['a destroyed Kysely instance (a bug, not an outage)', new Error('driver has already been destroyed')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
    ['a self-referencing cause', (() => { const e = new Error('loop') as Error & { cause?: unknown }; e.cause = e; return e; })()],
  ])('does not mistake %s for an outage', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(serverErrorStatus(error)).toBe(500);
  });

  it('keeps a 5xx an error already carries', () => {
    expect(serverErrorStatus(Object.assign(new Error('gateway'), { statusCode: 502 }))).toBe(502);
  });
});

describe('the error handler', () => {
  let app: GatehouseApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-faults-'));
    const config = loadConfig(
      { NODE_ENV: 'test', SECRET_KEY: TEST_SECRET, DATABASE_URL: `sqlite:${join(dir, 'test.db')}`, LOG_LEVEL: 'silent' },
      { envFile: null, dataDir: dir },
    );
    app = await buildApp(config, { logger: false });
    // Routes that fail the way a handler can: after setting a session cookie and clearing another.
    app.get<{ Params: { kind: string } }>('/fault/:kind', async (request, reply) => {
      reply.setCookie('gatehouse_session', 'a-session-whose-transaction-never-committed', { path: '/', httpOnly: true });
      reply.clearCookie('gatehouse_flash', { path: '/' });
      if (request.params.kind === 'busy') throw coded('SQLITE_BUSY', 'database is locked');
      if (request.params.kind === 'cantopen') throw coded('SQLITE_CANTOPEN', 'unable to open database file');
      if (request.params.kind === 'refused') throw new Error('query failed', { cause: coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432') });
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['busy', 'cantopen', 'refused'])('answers a database outage (%s) with the 503 page, no stack and no cookie', async (kind) => {
    const res = await new TestClient(app).get(`/fault/${kind}`, { cookie: 'gatehouse_flash=x' });
    expect(res.status).toBe(503);
    expect(res.body).toContain('<title>Service unavailable · Gatehouse</title>');
    expect(res.body).toContain('Service unavailable, try again in a moment');
    expect(res.body).toContain(`<code class="request-id">${String(res.headers['x-request-id'])}</code>`);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{16}$/);
    expect(res.body).not.toMatch(/error-detail|SQLITE_|ECONNREFUSED|\bat \S+ \(/);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.setCookies).toEqual([]);
  });

  it('answers any other failure with a 500 and no trace of the error (outside production too), and still sets no cookie', async () => {
    const res = await new TestClient(app).get('/fault/bug');
    expect(res.status).toBe(500);
    expect(res.body).toContain('Something went wrong on our side');
    expect(res.body).toContain(`<code class="request-id">${String(res.headers['x-request-id'])}</code>`);
    expect(res.body).not.toContain('Service unavailable');
    expect(res.body).not.toMatch(/TypeError|reading 'id'|error-detail|\bat \S+ \(/);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.setCookies).toEqual([]);
  });

  it('shows both pages in the language of the request', async () => {
    const spanish = { 'accept-language': 'es' };
    const outage = await new TestClient(app).get('/fault/busy', spanish);
    expect(outage.status).toBe(503);
    expect(outage.body).toContain('<html lang="es"');
    expect(outage.body).toContain(es.common.errors.unavailableText);
    const bug = await new TestClient(app).get('/fault/bug', spanish);
    expect(bug.status).toBe(500);
    expect(bug.body).toContain('<html lang="es"');
    expect(bug.body).toContain(es.common.errors.serverErrorText);
  });

  it('a failure after sign-in has set its cookie leaves the browser signed out (the 2FA user\'s pending session)', async () => {
    // A 2FA user's password step starts a pending session (cookie set), then records the code's send time:
    // make that write fail, as a database failing mid-request would.
    const user = await createUser(app, { phone: '+12015550188' });
    await sql`CREATE TRIGGER fail_code_sent BEFORE UPDATE OF code_sent_at ON sessions BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`.execute(app.ctx.db);
    try {
      const client = new TestClient(app);
      const res = await client.submit('/login', { login: user.username, password: user.password });
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.setCookies.filter((c) => /session/i.test(c))).toEqual([]);
      expect(client.cookies.has('gatehouse_session')).toBe(false);
    } finally {
      await sql`DROP TRIGGER fail_code_sent`.execute(app.ctx.db);
    }
  });

  it('client errors still get their 4xx page', async () => {
    expect((await new TestClient(app).get('/no/such/page')).status).toBe(404);
    expect((await new TestClient(app).request('POST', '/login', { form: { login: 'x' } })).status).toBe(403);
  });
});
