/** Error pages, and requests that are malformed rather than wrong: none may produce a 500 or a stack trace. */
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { createUser, startTestApp, TEST_SECRET, type TestApp } from '../support/app.js';
import { csrfTokenIn, TestClient } from '../support/client.js';
import { withRefusedWrites } from '../support/db-faults.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

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
