/**
 * Scale-out (issue #4): several stateless instances behind a load balancer share
 * all state through PostgreSQL and Redis. Two app instances listen on two real
 * ports with one configuration: ONE PostgreSQL schema (a throw-away
 * `gh_test_<random>`), ONE Redis key prefix, one SMTP relay (a real SMTP sink).
 * A browser whose requests land on either instance must see one application:
 * a session from A works on B, a lockout counted on A holds on B, a reset link
 * mailed by A works on B, and the mail outbox, drained by both workers at once,
 * delivers every message exactly once (`FOR UPDATE SKIP LOCKED`).
 *
 * This runs in every pass of `npm test`, on PostgreSQL and Redis whatever the
 * pass's backend. When either cannot be reached every test here FAILS with a
 * message that says so (never skips: CI provides both).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { SmtpMailTransport } from '../../src/adapters/mail/smtp.js';
import type { MailTransport } from '../../src/adapters/mail/types.js';
import { buildApp, type GatehouseApp } from '../../src/app.js';
import { accountKey } from '../../src/auth/lockout.js';
import { FREE_CONSECUTIVE_FAILURES } from '../../src/auth/policy.js';
import { loadConfig } from '../../src/config.js';
import { listOutbox, pendingMailCount } from '../../src/db/mail-outbox.js';
import { createUser, deleteRedisKeys, plainMail, postgresUrlForSchema, TEST_REDIS_URL, TEST_SECRET, uniqueRedisPrefix } from '../support/app.js';
import { csrfTokenIn } from '../support/client.js';
import { createPostgresSchema, TEST_POSTGRES_URL, type PostgresSchema } from '../support/databases.js';
import { eventually, SmtpSink } from '../support/smtp-sink.js';

/** The public origin both instances share (the load balancer's); links in mail point here. */
const APP_URL = 'http://gatehouse.test';
const NEW_PASSWORD = 'a brand new passphrase for both doors';

interface Instance {
  name: 'A' | 'B';
  app: GatehouseApp;
  /** http://127.0.0.1:<port> */
  base: string;
  /** Messages this instance's outbox worker handed to the SMTP relay. */
  sent: string[];
}

interface Cluster {
  a: Instance;
  b: Instance;
  schema: PostgresSchema;
  prefix: string;
  sink: SmtpSink;
}

let cluster: Cluster | undefined;
let setupError: unknown;
const cleanups: (() => Promise<unknown>)[] = [];

async function redisAnswers(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3000, retryStrategy: () => null });
  redis.on('error', () => undefined); // the connect() rejection below carries it
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${url} (${error instanceof Error ? error.message : String(error)}). The two-instance test needs it ` +
        '(CI provides it; locally: redis-server --daemonize yes --bind 127.0.0.1, or set TEST_REDIS_URL).',
      { cause: error },
    );
  } finally {
    redis.disconnect();
  }
}

beforeAll(async () => {
  try {
    await redisAnswers(TEST_REDIS_URL);
    // Throws "PostgreSQL is not reachable at …" with the way to start it.
    const schema = await createPostgresSchema(TEST_POSTGRES_URL);
    cleanups.push(() => schema.drop());
    const prefix = uniqueRedisPrefix();
    cleanups.push(() => deleteRedisKeys(TEST_REDIS_URL, prefix));
    const sink = await SmtpSink.start();
    cleanups.push(() => sink.stop());
    // One configuration for both, as a deployment would give every instance the same environment.
    const config = loadConfig(
      {
        NODE_ENV: 'test',
        SECRET_KEY: TEST_SECRET,
        LOG_LEVEL: 'silent',
        APP_URL,
        DATABASE_URL: postgresUrlForSchema(TEST_POSTGRES_URL, schema.name),
        REDIS_URL: TEST_REDIS_URL,
        RATE_LIMIT_KEY_PREFIX: prefix,
        SMTP_URL: sink.url,
      },
      { envFile: null },
    );
    const start = async (name: Instance['name']): Promise<Instance> => {
      // Each instance opens its own pool, its own Redis connection and runs its own outbox worker.
      // The real SMTP transport, counted, so the test can see both workers at work.
      const smtp = new SmtpMailTransport(config.mail.smtp!);
      const sent: string[] = [];
      const mailTransport: MailTransport = {
        send: async (message) => {
          await smtp.send(message);
          sent.push(message.subject);
        },
        close: () => smtp.close(),
      };
      const app = await buildApp(config, { logger: false, mailTransport, outbox: { pollIntervalMs: 25 } });
      cleanups.push(() => app.close());
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      if (!address || typeof address !== 'object') throw new Error('no port');
      return { name, app, base: `http://127.0.0.1:${address.port}`, sent };
    };
    // Started one after the other: the first migrates the schema, the second finds it up to date.
    const a = await start('A');
    const b = await start('B');
    cluster = { a, b, schema, prefix, sink };
  } catch (error) {
    setupError = error;
  }
}, 60_000);

afterAll(async () => {
  const errors: unknown[] = [];
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => errors.push(error));
  if (errors.length > 0) throw errors[0];
});

/** Rows in the shared sessions table for a user, read through one instance's pool. */
async function sessionCount(app: GatehouseApp, userId: number): Promise<number> {
  const rows = await app.ctx.db.selectFrom('sessions').select('user_id').where('user_id', '=', userId).execute();
  return rows.length;
}

/** Every Redis key under the shared prefix that starts with `kind`. */
async function redisKeys(prefix: string, kind: string): Promise<string[]> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:${kind}*`, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  } finally {
    await redis.quit();
  }
}

/** The next mail the sink receives for `address` (other mail arriving meanwhile is passed over). */
async function nextMailTo(sink: SmtpSink, address: string) {
  for (let i = 0; i < 10; i++) {
    const [mail] = await sink.waitForMessages(1);
    if (mail?.envelopeTo.includes(address)) return mail;
  }
  throw new Error(`no mail reached ${address}`);
}

/** The two instances, or the reason they could not be started (each test then fails with it). */
function instances(): Cluster {
  if (!cluster) throw setupError instanceof Error ? setupError : new Error(`the two instances did not start: ${String(setupError)}`);
  return cluster;
}

interface Response {
  status: number;
  body: string;
  location: string | undefined;
}

/**
 * One browser (one cookie jar) whose every request names the instance it lands
 * on, as a load balancer without sticky sessions would choose.
 */
class Browser {
  private readonly cookies = new Map<string, string>();

  async request(to: Instance, method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (form) {
      body = new URLSearchParams(form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(`${to.base}${path}`, { method, headers, body, redirect: 'manual' });
    for (const raw of res.headers.getSetCookie()) {
      const [pair, ...attrs] = raw.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*(max-age=0|expires=Thu, 01 Jan 1970)/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, body: await res.text(), location: res.headers.get('location') ?? undefined };
  }

  get(to: Instance, path: string): Promise<Response> {
    return this.request(to, 'GET', path);
  }

  /** GET the form on `formFrom`, then POST it (with its CSRF token) to `postTo`: the two requests may land on different instances. */
  async submit(formFrom: Instance, postTo: Instance, path: string, fields: Record<string, string>): Promise<Response> {
    const page = await this.get(formFrom, path);
    return this.request(postTo, 'POST', path, { _csrf: csrfTokenIn(page.body), ...fields });
  }
}

describe('two instances on one PostgreSQL schema and one Redis prefix', () => {
  it('a session started on A works on B, and signing out on B ends it on A', async () => {
    const { a, b } = instances();
    const user = await createUser(a.app, { firstName: 'Grace' });
    const browser = new Browser();
    const signedIn = await browser.submit(a, a, '/login', { login: user.username, password: user.password });
    expect(signedIn.status).toBe(302);
    expect(await sessionCount(b.app, user.id)).toBe(1); // B's pool sees the row A wrote

    const onB = await browser.get(b, '/');
    expect(onB.status).toBe(200);
    expect(onB.body).toContain('Hi, Grace!');
    expect(onB.body).toContain('Sign out');

    // The sign-out form comes from B and is posted to A (CSRF secret and session are both shared).
    const home = await browser.get(b, '/');
    const out = await browser.request(a, 'POST', '/logout', { _csrf: csrfTokenIn(home.body) });
    expect(out.status).toBe(302);
    expect(await sessionCount(a.app, user.id)).toBe(0);
    const afterOnB = await browser.get(b, '/');
    expect(afterOnB.body).not.toContain('Hi, Grace!');
  });

  it('a lockout counted on A holds on B: the right password is refused there, and the pause is told', async () => {
    const { a, b, prefix } = instances();
    const user = await createUser(b.app);
    const attacker = new Browser();
    for (let i = 1; i <= FREE_CONSECUTIVE_FAILURES; i++) {
      // The fifth starts the lockout and says so.
      expect((await attacker.submit(a, a, '/login', { login: user.username, password: `wrong guess ${i}` })).status).toBe(i < FREE_CONSECUTIVE_FAILURES ? 401 : 429);
    }
    // The count lives in Redis under the shared prefix, not in A's memory.
    expect(await b.app.ctx.limits.password.failureCount(accountKey(user.id))).toBe(FREE_CONSECUTIVE_FAILURES);
    const status = await b.app.ctx.limits.password.status(accountKey(user.id));
    expect(status.ok).toBe(false);
    const owner = new Browser();
    const refused = await owner.submit(b, b, '/login', { login: user.username, password: user.password });
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('Sign-in to this account is paused for');
    expect(refused.body).not.toContain('Sign out');
    expect(await sessionCount(b.app, user.id)).toBe(0);
    expect(await redisKeys(prefix, 'password-failures:')).not.toEqual([]);
  });

  it('a reset link mailed by A works on B, once, and the new password signs in on A', async () => {
    const { a, b, sink } = instances();
    const user = await createUser(a.app);
    sink.takeUnread();
    const asked = await new Browser().submit(a, a, '/reset-password', { email: user.email });
    expect(asked.status).toBe(200);
    // Whichever instance's worker sent it, the mail arrives.
    const mail = await nextMailTo(sink, user.email);
    const link = new URL(/https?:\/\/\S+\/reset-password\/\S+/.exec(mail.text)![0]);
    expect(link.origin).toBe(APP_URL);

    const browser = new Browser();
    const opened = await browser.get(b, link.pathname);
    expect(opened.status).toBe(303);
    expect(opened.location).toBe('/reset-password/new');
    const changed = await browser.submit(b, a, '/reset-password/new', { password: NEW_PASSWORD, confirm_password: NEW_PASSWORD });
    expect(changed.status).toBe(302);
    expect(changed.location).toBe('/login');
    // The link worked once: opening it again on A is refused.
    expect((await new Browser().get(a, link.pathname)).status).toBe(410);
    expect((await new Browser().submit(a, a, '/login', { login: user.username, password: NEW_PASSWORD })).status).toBe(302);
    expect((await new Browser().submit(b, b, '/login', { login: user.username, password: user.password })).status).toBe(401);
  });

  it('mail queued on both instances is delivered exactly once while both outbox workers run', async () => {
    const { a, b, sink } = instances();
    await eventually(async () => ((await pendingMailCount(a.app.ctx.db)) === 0 ? true : undefined), 'earlier mail to be delivered');
    sink.takeUnread();
    const before = sink.deliveries.length;
    const N = 60; // three claim batches (20): the workers compete for rows over several passes
    const queued = Array.from({ length: N }, (_, i) => ({ from: i % 2 ? b : a, to: `bulk-${i}@example.com`, subject: `bulk ${i}` }));
    await Promise.all(
      queued.map(async (m) => {
        await m.from.app.outbox.enqueue(m.from.app.ctx.db, plainMail(m.to, m.subject), null, Date.now());
        m.from.app.outbox.kick();
      }),
    );
    const received = await sink.waitForMessages(N, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a duplicate would arrive in this time
    const extra = sink.takeUnread();
    expect(extra).toEqual([]);
    expect(sink.deliveries.length - before).toBe(N);
    expect(new Set(received.map((m) => m.subject)).size).toBe(N);
    // Both workers took part (or this would not test two claimers), and together sent each message once.
    const bulkBy = (i: Instance) => i.sent.filter((subject) => subject.startsWith('bulk '));
    expect(bulkBy(a).length).toBeGreaterThan(0);
    expect(bulkBy(b).length).toBeGreaterThan(0);
    expect(bulkBy(a).length + bulkBy(b).length).toBe(N);
    const rows = (await listOutbox(b.app.ctx.db)).filter((r) => r.to_address.startsWith('bulk-'));
    expect(rows).toHaveLength(N);
    expect(rows.every((r) => r.sent_at !== null && r.attempts === 1 && r.failed_at === null)).toBe(true);
  });
});
