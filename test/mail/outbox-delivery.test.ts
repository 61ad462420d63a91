/**
 * The durable mail outbox against a real SMTP server on loopback: an outage
 * loses no mail, two workers on one database never send a message twice, and a
 * flow's change and its mail are written in one transaction. Outages of hours,
 * giving up after MAIL_RETRY_FOR and `mail retry` are in long-outage.test.ts,
 * on a clock the test moves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/lib/tokens.js';
import { OutboxWorker, type OutboxWorkerOptions } from '../../src/adapters/mail/outbox-worker.js';
import { SmtpMailTransport } from '../../src/adapters/mail/smtp.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { enqueueMail, listOutbox, MailSeal, pendingMailCount } from '../../src/db/mail-outbox.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { OutboxMail } from '../../src/db/schema.js';
import { seconds, systemClock } from '../../src/lib/duration.js';
import { createUser, plainMail, startTestApp, TEST_BACKEND, TEST_SECRET, type TestApp } from '../support/app.js';
import { askForPasswordReset, TestClient } from '../support/client.js';
import { createPostgresSchema, type PostgresSchema } from '../support/databases.js';
import { withRefusedWrites } from '../support/db-faults.js';
import { eventually, SmtpSink } from '../support/smtp-sink.js';

const FROM = 'Gatehouse <no-reply@gatehouse.example>';
/** The app's outbox: fast polling and a first retry after 50-100 ms (then 100-200, 200-400 ms…, with jitter). */
const RETRY_BASE_MS = 100;
/** Workers built here seal and open mail as the app does. */
const SEAL = new MailSeal(TEST_SECRET);
/** Long enough for several outbox passes (poll interval 50 ms) to have run. */
const QUIET_PERIOD_MS = 400;

let sink: SmtpSink;
let t: TestApp;

beforeAll(async () => {
  sink = await SmtpSink.start();
  t = await startTestApp({ SMTP_URL: sink.url, MAIL_FROM: FROM }, { outbox: { pollIntervalMs: 50, retryBaseMs: RETRY_BASE_MS } });
});
// A test that failed half-way must not leave the next one with a stopped or refusing server.
beforeEach(async () => {
  if (!sink.running) await sink.restart();
  sink.acceptAll();
  sink.takeUnread();
});
afterAll(async () => {
  await t?.close();
  await sink?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function withoutCsrf(body: string): string {
  return body.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""');
}

async function outboxRowTo(db: TestApp['app']['ctx']['db'], address: string): Promise<OutboxMail | undefined> {
  return (await listOutbox(db)).find((m) => m.to_address === address);
}

describe('the outbox over SMTP', () => {
  it('keeps a message through an SMTP outage, counting attempts, and delivers it when the server is back on the same port', async () => {
    const user = await createUser(t.app);
    const port = sink.port;
    await sink.stop();

    const answered = Date.now();
    const answer = await askForPasswordReset(new TestClient(t.app), user.email);
    expect(Date.now() - answered).toBeLessThan(seconds(2)); // the request does not wait for SMTP
    const noMailAnswer = await askForPasswordReset(new TestClient(t.app), 'nobody-at-all@example.com');
    expect(answer.status).toBe(200);
    expect(withoutCsrf(answer.body)).toBe(withoutCsrf(noMailAnswer.body));

    const waiting = await eventually(async () => {
      const row = await outboxRowTo(t.app.ctx.db, user.email);
      return row && row.attempts >= 2 ? row : undefined;
    }, 'two failed delivery attempts');
    expect(waiting.sent_at).toBeNull();
    expect(waiting.failed_at).toBeNull();
    expect(waiting.last_error).toContain('ECONNREFUSED');
    expect(waiting.next_attempt_at).toBeGreaterThan(waiting.created_at);
    expect(await pendingMailCount(t.app.ctx.db)).toBe(1);

    await sink.restart();
    expect(sink.port).toBe(port);
    const [mail] = await sink.waitForMessages(1);
    expect(mail!.envelopeTo).toEqual([user.email]);
    expect(mail!.subject).toBe('Reset your Gatehouse password');
    expect(mail!.text).toMatch(/\/reset-password\/[A-Za-z0-9_-]{40,}/);

    const sent = await eventually(async () => {
      const row = await outboxRowTo(t.app.ctx.db, user.email);
      return row?.sent_at ? row : undefined;
    }, 'the row to be marked sent');
    expect(sent.failed_at).toBeNull();
    expect(sent.attempts).toBeGreaterThan(waiting.attempts);
    expect(sent.content).toBeNull(); // delivered: nothing of what it said is kept
    expect(await pendingMailCount(t.app.ctx.db)).toBe(0);
    await sleep(QUIET_PERIOD_MS);
    expect(sink.takeUnread()).toEqual([]);
  });
});

describe('the reset token and its mail are written in one transaction', () => {
  async function withTrigger(table: 'mail_outbox' | 'password_reset_tokens', run: () => Promise<void>): Promise<void> {
    await withRefusedWrites(t.app.ctx.db, { table, on: 'INSERT' }, run);
  }

  it('stores no new token, and keeps the previous link working, when the mail cannot be queued', async () => {
    const user = await createUser(t.app);
    expect((await askForPasswordReset(new TestClient(t.app), user.email)).status).toBe(200);
    const [first] = await sink.waitForMessages(1);
    const firstLink = new URL(/https?:\/\/\S+\/reset-password\/\S+/.exec(first!.text)![0]).pathname;
    const firstToken = firstLink.split('/').pop()!;

    await withTrigger('mail_outbox', async () => {
      const answer = await askForPasswordReset(new TestClient(t.app), user.email);
      expect(answer.status).toBe(500);
    });

    const tokens = await t.app.ctx.db.selectFrom('password_reset_tokens').selectAll().where('user_id', '=', user.id).execute();
    expect(tokens.map((row) => row.token_hash)).toEqual([hashToken(firstToken)]);
    // Had the token been written without its mail, this link would have been voided by a link nobody received.
    expect((await new TestClient(t.app).open(firstLink)).status).toBe(200);
    expect((await listOutbox(t.app.ctx.db)).filter((m) => m.to_address === user.email)).toHaveLength(1);
    await sleep(QUIET_PERIOD_MS);
    expect(sink.takeUnread()).toEqual([]);
  });

  it('queues no mail when the token cannot be stored', async () => {
    const user = await createUser(t.app);
    await withTrigger('password_reset_tokens', async () => {
      const answer = await askForPasswordReset(new TestClient(t.app), user.email);
      expect(answer.status).toBe(500);
    });
    expect(await outboxRowTo(t.app.ctx.db, user.email)).toBeUndefined();
    await sleep(QUIET_PERIOD_MS);
    expect(sink.takeUnread()).toEqual([]);
  });
});

/**
 * Runs `hook` once, right after the first SELECT on mail_outbox has returned
 * its rows and before the query's caller sees them: the moment another
 * instance can act between a worker reading due rows and claiming them.
 */
class AfterFirstOutboxRead implements KyselyPlugin {
  private readonly selects = new WeakSet<object>();
  private fired = false;

  constructor(private readonly hook: () => Promise<void>) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (node.kind === 'SelectQueryNode' && JSON.stringify(node.from).includes('"mail_outbox"')) this.selects.add(args.queryId);
    return node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (!this.fired && this.selects.has(args.queryId)) {
      this.fired = true;
      await this.hook();
    }
    return args.result;
  }
}

describe(`two workers on one database (${TEST_BACKEND})`, () => {
  let dir: string;
  const handles: DatabaseHandle[] = [];
  const schemas: PostgresSchema[] = [];
  const transports: SmtpMailTransport[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-outbox-'));
  });
  afterAll(async () => {
    for (const transport of transports) transport.close();
    try {
      for (const handle of handles) await handle.destroy();
      for (const schema of schemas) await schema.drop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * A fresh database (a SQLite file, or a PostgreSQL schema on the PostgreSQL
   * run), opened twice as two app instances would, with one worker on each
   * connection. `beforeClaim(b)` runs once, after worker a has read the due
   * rows and before it claims them.
   */
  async function twoInstances(options: OutboxWorkerOptions = {}, beforeClaim?: (b: OutboxWorker) => Promise<void>) {
    let first: DatabaseHandle;
    let second: DatabaseHandle;
    if (TEST_BACKEND === 'postgres') {
      const schema = await createPostgresSchema();
      schemas.push(schema);
      first = schema.openHandle();
      second = schema.openHandle();
    } else {
      const url = `sqlite:${join(dir, `outbox-${handles.length}.db`)}`;
      first = openDatabase(url);
      second = openDatabase(url);
      handles.push(first, second);
    }
    await migrateToLatest(first);
    const worker = (db: DatabaseHandle['db']) => {
      const transport = new SmtpMailTransport({ url: sink.url });
      transports.push(transport);
      return new OutboxWorker(db, transport, SEAL, FROM, systemClock, t.app.log, { pollIntervalMs: 10, retryBaseMs: RETRY_BASE_MS, ...options });
    };
    const b = worker(second.db);
    const aDb = beforeClaim ? first.db.withPlugin(new AfterFirstOutboxRead(() => beforeClaim(b))) : first.db;
    return { db: first.db, a: worker(aDb), b };
  }

  async function enqueue(db: DatabaseHandle['db'], count: number, tag: string): Promise<void> {
    for (let i = 0; i < count; i++) {
      await enqueueMail(db, SEAL, plainMail(`${tag}-${i}@example.com`, `${tag} ${i}`), null, systemClock.now());
    }
  }

  it('deliver every message exactly once when both drain the outbox at the same time', async () => {
    const { db, a, b } = await twoInstances();
    const COUNT = 24; // more than one claim batch (20)
    await enqueue(db, COUNT, 'both');
    const firstAttempt = sink.deliveries.length;

    const drain = async (worker: OutboxWorker): Promise<number> => {
      let delivered = 0;
      while ((await pendingMailCount(db)) > 0) {
        delivered += await worker.deliverDue();
        await sleep(1);
      }
      return delivered;
    };
    const [byA, byB] = await Promise.all([drain(a), drain(b)]);
    expect(byA + byB).toBe(COUNT);

    const received = await sink.waitForMessages(COUNT);
    await sleep(QUIET_PERIOD_MS);
    expect(sink.takeUnread()).toEqual([]);
    expect(sink.deliveries.length - firstAttempt).toBe(COUNT);
    expect(new Set(received.map((m) => m.subject)).size).toBe(COUNT);
    const rows = await listOutbox(db);
    expect(rows.every((r) => r.sent_at !== null && r.attempts === 1 && r.failed_at === null)).toBe(true);
  });

  it('deliver every message exactly once when both run on their timers', async () => {
    const { db, a, b } = await twoInstances();
    const COUNT = 12;
    a.start();
    b.start();
    try {
      await enqueue(db, COUNT, 'timers');
      a.kick();
      b.kick();
      const received = await sink.waitForMessages(COUNT);
      await sleep(QUIET_PERIOD_MS);
      expect(sink.takeUnread()).toEqual([]);
      expect(new Set(received.map((m) => m.subject)).size).toBe(COUNT);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(await pendingMailCount(db)).toBe(0);
  });

  if (TEST_BACKEND === 'sqlite') {
    // Worker a reads due rows, then the other worker acts on them before a claims: the swap must notice.
    it('compare-and-swap (SQLite has no row locks): do not send a message again that the other worker delivered after this one read it', async () => {
      const { db, a } = await twoInstances({}, async (b) => {
        expect(await b.deliverDue()).toBe(1);
      });
      await enqueue(db, 1, 'delivered-meanwhile');

      expect(await a.deliverDue()).toBe(0);
      expect(await sink.waitForMessages(1)).toHaveLength(1);
      await sleep(QUIET_PERIOD_MS);
      expect(sink.takeUnread()).toEqual([]);
      const [row] = await listOutbox(db);
      expect(row?.attempts).toBe(1);
    });

    it('compare-and-swap (SQLite has no row locks): do not send a message that the other worker gave up on after this one read it', async () => {
      // retryForMs 0: the first failure is the last.
      const { db, a } = await twoInstances({ retryForMs: 0 }, async (b) => {
        sink.reject({ times: 1 });
        expect(await b.deliverDue()).toBe(0);
      });
      await enqueue(db, 1, 'given-up-meanwhile');
      const firstAttempt = sink.deliveries.length;

      expect(await a.deliverDue()).toBe(0);
      await sleep(QUIET_PERIOD_MS);
      expect(sink.takeUnread()).toEqual([]);
      expect(sink.deliveries.length - firstAttempt).toBe(1);
      const [row] = await listOutbox(db);
      expect(row?.failed_at).not.toBeNull();
      expect(row?.sent_at).toBeNull();
      expect(row?.attempts).toBe(1);
    });

    it('compare-and-swap (SQLite has no row locks): do not retry a message before its back-off when the other worker failed it after this one read it', async () => {
      const { db, a } = await twoInstances({ retryBaseMs: seconds(120) }, async (b) => {
        sink.reject({ times: 1 });
        expect(await b.deliverDue()).toBe(0);
      });
      await enqueue(db, 1, 'failed-meanwhile');
      const firstAttempt = sink.deliveries.length;

      expect(await a.deliverDue()).toBe(0);
      expect(sink.deliveries.length - firstAttempt).toBe(1);
      const [row] = await listOutbox(db);
      expect(row?.attempts).toBe(1);
      expect(row?.sent_at).toBeNull();
      expect(row?.failed_at).toBeNull();
      expect(row?.next_attempt_at).toBeGreaterThan(systemClock.now() + seconds(30));
    });
  }

  if (TEST_BACKEND === 'postgres') {
    it('row locks (PostgreSQL): while one worker is claiming a message the other skips it, and it is sent once', async () => {
      let meanwhile = -1;
      const { db, a } = await twoInstances({}, async (b) => {
        meanwhile = await b.deliverDue(); // a holds the row FOR UPDATE: b must skip it, not wait for it
      });
      await enqueue(db, 1, 'locked-meanwhile');
      const firstAttempt = sink.deliveries.length;

      expect(await a.deliverDue()).toBe(1);
      expect(meanwhile).toBe(0);
      expect(await sink.waitForMessages(1)).toHaveLength(1);
      await sleep(QUIET_PERIOD_MS);
      expect(sink.takeUnread()).toEqual([]);
      expect(sink.deliveries.length - firstAttempt).toBe(1);
      const [row] = await listOutbox(db);
      expect(row).toMatchObject({ attempts: 1, failed_at: null });
      expect(row?.sent_at).not.toBeNull();
    });
  }
});

describe('an SMTP server that accepts the connection and then never answers', () => {
  it('does not hold the message past half its claim: the send is abandoned and retried later', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket)); // no greeting, ever
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-hung-'));
    const handle = openDatabase(`sqlite:${join(dir, 'hung.db')}`);
    const transport = new SmtpMailTransport({ url: `smtp://127.0.0.1:${port}` });
    try {
      await migrateToLatest(handle);
      await enqueueMail(handle.db, SEAL, plainMail('hung@example.com', 's'), null, systemClock.now());
      const worker = new OutboxWorker(handle.db, transport, SEAL, FROM, systemClock, t.app.log, { claimMs: 400, retryBaseMs: 60_000 });
      const started = Date.now();
      expect(await worker.deliverDue()).toBe(0);
      expect(Date.now() - started).toBeLessThan(seconds(5)); // nodemailer's own greeting timeout is 10 s
      const [row] = await listOutbox(handle.db);
      expect(row!.attempts).toBe(1);
      expect(row!.last_error).toContain('took longer than 200 ms');
      expect(row!.sent_at).toBeNull();
      expect(row!.locked_until).toBeNull();
    } finally {
      transport.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
      await handle.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
