/**
 * Fault: the database becomes unreachable under a running app (PostgreSQL
 * stopped, the network to it cut, a connection pointed at a closed port).
 * Requirement (issue 3, "Faults: clear errors, nothing lost"): every request
 * gets a 503 "Service unavailable, try again in a moment" page within 5 s,
 * with no stack trace and no cookie set or cleared (an outage signs nobody in
 * or out), and the app recovers by itself when the database returns — the
 * process must not die when pooled connections break.
 *
 * The app runs on PostgreSQL (127.0.0.1:5432) through a TCP proxy on loopback
 * that the test closes (connections reset, port refused), blackholes (accepted,
 * never answered) and reopens.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type GatehouseApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { createUser, TEST_SECRET } from '../support/app.js';
import { csrfTokenIn, TestClient, type Page } from '../support/client.js';
import { createPostgresSchema, TEST_POSTGRES_URL, type PostgresSchema } from '../support/databases.js';
import { TcpProxy } from './tcp-proxy.js';

const OUTAGE_ANSWER_WITHIN_MS = 5000;

let proxy: TcpProxy;
let schema: PostgresSchema;
let app: GatehouseApp;

beforeAll(async () => {
  const target = new URL(TEST_POSTGRES_URL);
  proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
  schema = await createPostgresSchema();
  const viaProxy = new URL(TEST_POSTGRES_URL);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  const config = loadConfig(
    { NODE_ENV: 'test', SECRET_KEY: TEST_SECRET, DATABASE_URL: viaProxy.toString(), LOG_LEVEL: 'silent' },
    { envFile: null, dataDir: '/nonexistent-gatehouse-data' },
  );
  // The app's own pool goes through the proxy; migrations run through it too.
  const database = openDatabase(viaProxy.toString(), { schema: schema.name, poolSize: 4 });
  app = await buildApp(config, { database, logger: false, outbox: { pollIntervalMs: 60_000 } });
  await app.ready();
}, 30_000);

// A failed test must not leave the next one without its database.
afterEach(async () => proxy?.up());

afterAll(async () => {
  await proxy?.up();
  await app?.close();
  await app?.ctx.db.destroy().catch(() => undefined);
  await schema?.drop();
  await proxy?.close();
});

/** Runs a request and returns its page and how long it took. */
async function timed(request: () => Promise<Page>): Promise<{ page: Page; ms: number }> {
  const began = performance.now();
  const page = await request();
  return { page, ms: performance.now() - began };
}

function expectOutagePage({ page, ms }: { page: Page; ms: number }): void {
  expect(page.status).toBe(503);
  expect(ms).toBeLessThan(OUTAGE_ANSWER_WITHIN_MS);
  expect(page.body).toContain('Service unavailable, try again in a moment');
  expect(page.headers['retry-after']).toBe('5');
  // No stack trace and no driver detail, even outside production.
  expect(page.body).not.toMatch(/error-detail|ECONNREFUSED|node_modules|\bat \S+ \(|pg-pool|Kysely/);
  // An outage neither signs anyone in nor out, and mints no CSRF secret.
  expect(page.setCookies).toEqual([]);
}

async function signedInClient(): Promise<{ client: TestClient; username: string }> {
  const user = await createUser(app);
  const client = new TestClient(app);
  const res = await client.submit('/login', { login: user.username, password: user.password });
  expect(res.location).toBe('/');
  return { client, username: user.username };
}

describe('PostgreSQL unreachable (connection refused), then back', () => {
  it('answers 503 within 5 s without cookies, and recovers when the database returns', async () => {
    const { client, username } = await signedInClient();
    const visitor = new TestClient(app);
    const loginForm = await visitor.get('/login');
    const registerForm = await visitor.get('/register');
    expect((await client.get('/')).body).toContain(username);
    const cookiesBefore = client.cookieHeader();

    await proxy.down(); // pooled connections are reset; new ones are refused

    // The session hook's read fails: the signed-in page is a 503, the session cookie is neither replaced nor cleared.
    expectOutagePage(await timed(() => client.get('/')));
    expectOutagePage(await timed(() => client.get('/profile/edit')));
    expect(client.cookieHeader()).toBe(cookiesBefore);
    // A visitor signing in or registering gets the same page, and no session.
    expectOutagePage(await timed(() => visitor.post('/login', { _csrf: csrfTokenIn(loginForm.body), login: username, password: 'correct horse battery staple' })));
    expectOutagePage(
      await timed(() =>
        visitor.post('/register', {
          _csrf: csrfTokenIn(registerForm.body),
          first_name: 'Ada',
          last_name: 'Outage',
          username: 'ada_outage',
          email: 'ada.outage@example.com',
          password: 'violet harbour quietly 87 lanterns',
          confirm_password: 'violet harbour quietly 87 lanterns',
        }),
      ),
    );
    expect(visitor.cookies.has('gatehouse_session')).toBe(false);
    // Pages that need no database still work during the outage.
    expect((await new TestClient(app).get('/static/css/app.css')).status).toBe(200);

    await proxy.up();

    // No restart, no operator: the next request opens a new connection, and the same cookie still signs in.
    const back = await client.get('/');
    expect(back.status).toBe(200);
    expect(back.body).toContain(username);
    expect((await client.get('/profile/edit')).status).toBe(200);
    const again = await signedInClient();
    expect((await again.client.get('/')).body).toContain(again.username);
  });
});

describe('PostgreSQL not answering (connections accepted, nothing comes back), then back', () => {
  it('gives up waiting for a connection and answers 503 within 5 s, then recovers', async () => {
    const { client, username } = await signedInClient();
    await proxy.blackhole();

    // Several at once: they wait for the pool together and each still gets its answer in time.
    const results = await Promise.all([1, 2, 3].map(() => timed(() => client.get('/'))));
    for (const result of results) expectOutagePage(result);
    const visitor = new TestClient(app);
    const form = await visitor.get('/login');
    expectOutagePage(await timed(() => visitor.post('/login', { _csrf: csrfTokenIn(form.body), login: username, password: 'whatever it is' })));

    await proxy.up();
    const back = await client.get('/');
    expect(back.status).toBe(200);
    expect(back.body).toContain(username);
  }, 30_000);
});
