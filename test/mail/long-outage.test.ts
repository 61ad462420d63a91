/**
 * Fault: the SMTP server is down for hours (issue #12, "Mail is lost after
 * ~7.5 minutes of SMTP outage": the worker gave up after 5 tries, silently).
 * Requirement: retry with exponential back-off and jitter, at most an hour
 * apart, for MAIL_RETRY_FOR; then mark the mail failed, at error level and in
 * the metrics, for `mail list --failed` and `mail retry`; a link that expired
 * while its mail waited is not sent stale.
 *
 * A real SMTP server on loopback, the app's real SMTP transport, and a clock
 * the test moves a minute at a time, running one delivery pass per minute as
 * the worker's timer would.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import type { AdminContext } from '../../src/admin/commands.js';
import { listMail, retryMail } from '../../src/admin/mail-commands.js';
import { enqueueMail, listOutbox, MailSeal, pendingMailCount } from '../../src/db/mail-outbox.js';
import { en } from '../../src/i18n/en/index.js';
import { es } from '../../src/i18n/es/index.js';
import { hours, ManualClock, minutes, seconds } from '../../src/lib/duration.js';
import { createUser, MEMORY_RATE_LIMITS, plainMail, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient } from '../support/client.js';
import { SmtpSink, type ReceivedMail } from '../support/smtp-sink.js';

const FROM = 'Gatehouse <no-reply@gatehouse.example>';
const APP_URL = 'https://gatehouse.example';
/** The schedule under test: the first retry after 15-30 s, doubling, never more than an hour apart. */
const RETRY_BASE_MS = seconds(30);
const RETRY_CAP_MS = hours(1);
const STEP_MS = minutes(1);

const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
const logLines: string[] = [];
let sink: SmtpSink;
let t: TestApp;

beforeAll(async () => {
  sink = await SmtpSink.start();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  t = await startTestApp(
    { SMTP_URL: sink.url, MAIL_FROM: FROM, APP_URL, METRICS_ENABLED: 'true', MAIL_RETRY_FOR: '24h', ...MEMORY_RATE_LIMITS },
    { clock, logger: { level: 'warn', stream } },
  );
  // The test runs each delivery pass itself, on its clock; flows' kicks do nothing.
  await t.app.outbox.stop();
});
beforeEach(async () => {
  if (!sink.running) await sink.restart();
  sink.acceptAll();
  sink.takeUnread();
  // Whatever an earlier test left is delivered now, so each test counts only its own mail.
  await t.app.outbox.deliverDue();
  sink.takeUnread();
});
afterAll(async () => {
  await t?.close();
  await sink?.stop();
});

/** Moves the clock a minute at a time for `ms`, running one delivery pass each minute; `each` sees every step. */
async function runFor(ms: number, each: () => Promise<void> = async () => undefined): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += STEP_MS) {
    clock.advance(STEP_MS);
    await t.app.outbox.deliverDue();
    await each();
  }
}

async function askForReset(email: string, ip: string): Promise<void> {
  const client = new TestClient(t.app, ip);
  const form = await client.get('/reset-password');
  expect((await client.post('/reset-password', { _csrf: csrfTokenIn(form.body), email })).status).toBe(200);
}

async function register(i: number): Promise<string> {
  const email = `outage-new-${i}@example.com`;
  const page = await new TestClient(t.app, `198.51.100.${i + 1}`).submit('/register', {
    first_name: 'New',
    last_name: `Person ${i}`,
    username: `outage_new_${i}`,
    email,
    password: 'marble orchard lantern 2291',
    confirm_password: 'marble orchard lantern 2291',
  });
  expect(page.location).toBe('/login');
  return email;
}

async function scrape(): Promise<string> {
  return (await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' })).body;
}

function sample(body: string, series: string): number {
  const line = body.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const linkIn = (mail: ReceivedMail, path: string) => new RegExp(`${APP_URL}(${path}/[A-Za-z0-9_-]{43})`).exec(mail.text)?.[1];

describe('an SMTP outage of two hours', () => {
  it('loses no mail: every mail of every kind is retried with growing, jittered waits and delivered exactly once when the server is back', async () => {
    // Mail of several kinds, through the real flows, while the server is down.
    await sink.stop();
    const resetUsers = await Promise.all([0, 1, 2].map(() => createUser(t.app)));
    const spanish = await createUser(t.app);
    await t.app.ctx.db.updateTable('users').set({ locale: 'es' }).where('id', '=', spanish.id).execute();
    for (const [i, user] of [...resetUsers, spanish].entries()) await askForReset(user.email, `203.0.113.${i + 1}`);
    const registered = await Promise.all([0, 1, 2].map((i) => register(i)));
    const traveller = await createUser(t.app);
    await signIn(new TestClient(t.app, '192.0.2.1'), traveller.username, traveller.password);
    await signIn(new TestClient(t.app, '192.0.2.2'), traveller.username, traveller.password); // a new browser: a notice
    for (let i = 0; i < 25; i++) await t.app.outbox.enqueue(t.app.ctx.db, plainMail(`bulk-${i}@example.com`, `bulk ${i}`), null, clock.now());

    const rows = await listOutbox(t.app.ctx.db);
    const kinds = rows.map((r) => r.kind);
    expect(kinds.filter((k) => k === 'password_reset')).toHaveLength(4);
    expect(kinds.filter((k) => k === 'email_confirmation')).toHaveLength(3);
    expect(kinds).toContain('new_browser');
    const total = rows.length;
    expect(total).toBeGreaterThan(20); // more than one claim batch

    // When each mail was tried, on the test's clock.
    const tries = new Map<number, number[]>(rows.map((r) => [r.id, []]));
    const seen = new Map<number, number>(rows.map((r) => [r.id, 0]));
    const noteTries = async () => {
      for (const row of await listOutbox(t.app.ctx.db)) {
        if (row.attempts > (seen.get(row.id) ?? 0)) tries.get(row.id)?.push(clock.now());
        seen.set(row.id, row.attempts);
      }
    };
    const start = clock.now();
    await t.app.outbox.deliverDue(); // the first try, at once
    await noteTries();

    // First hour: nothing listens (connection refused). Second hour: the server answers every message with 451.
    await runFor(hours(1), noteTries);
    await sink.restart();
    sink.reject({ code: 451, message: '4.3.0 Try again later' });
    await runFor(hours(1), noteTries);
    expect(sink.messages).toHaveLength(0);
    const during = await listOutbox(t.app.ctx.db);
    expect(during.every((r) => r.sent_at === null && r.failed_at === null && r.content !== null)).toBe(true);
    expect(await pendingMailCount(t.app.ctx.db)).toBe(total);

    // Back: within the longest wait (an hour) every mail has gone out.
    sink.acceptAll();
    const back = clock.now();
    while ((await pendingMailCount(t.app.ctx.db)) > 0 && clock.now() - back <= RETRY_CAP_MS + STEP_MS) await runFor(STEP_MS, noteTries);
    expect(await pendingMailCount(t.app.ctx.db)).toBe(0);

    // Exactly once: as many accepted transmissions as mails, none after, every row sent and emptied.
    await runFor(hours(3));
    const received = sink.takeUnread();
    expect(received).toHaveLength(total);
    expect(sink.deliveries.filter((d) => d.accepted)).toHaveLength(total);
    const after = await listOutbox(t.app.ctx.db);
    expect(after.every((r) => r.sent_at !== null && r.failed_at === null && r.content === null)).toBe(true);
    expect(new Set(received.filter((m) => m.subject.startsWith('bulk ')).map((m) => m.subject)).size).toBe(25);

    // The back-off: each wait between half and all of min(30 s × 2^(n-1), 1 h), to the minute the test steps by.
    for (const [id, times] of tries) {
      const outage = times.filter((at) => at < back);
      expect(outage.length, `mail ${id} tried ${outage.length} times in two hours`).toBeGreaterThanOrEqual(6);
      expect(outage.length).toBeLessThanOrEqual(14);
      expect(times[0]).toBe(start);
      for (let n = 1; n < times.length; n++) {
        const full = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (n - 1));
        const gap = times[n]! - times[n - 1]!;
        expect(gap, `mail ${id}, wait ${n}`).toBeGreaterThanOrEqual(full / 2);
        expect(gap, `mail ${id}, wait ${n}`).toBeLessThanOrEqual(full + STEP_MS);
      }
    }
    // Jitter: the mails of one outage do not all come back at the same moments.
    expect(new Set([...tries.values()].map((times) => times.join())).size).toBeGreaterThan(total / 2);
    expect(logLines.some((line) => line.includes('mail given up on'))).toBe(false);

    // The reset links (30 minutes) expired while they waited: each owner is told so, in their language, with no link.
    for (const user of resetUsers) {
      const [mail] = received.filter((m) => m.envelopeTo[0] === user.email);
      expect(mail?.subject).toBe(en.reset.mail.expired.subject);
      expect(mail!.text).not.toMatch(/\/reset-password\/[A-Za-z0-9_-]{20,}/);
      expect(mail!.text).toContain(`${en.reset.mail.expired.action}: ${APP_URL}/reset-password`);
    }
    const [late] = received.filter((m) => m.envelopeTo[0] === spanish.email);
    expect(late?.subject).toBe(es.reset.mail.expired.subject);
    expect(late!.html).toContain('lang="es"');
    // The confirmation links (24 hours) had not: they come as they were, and work.
    for (const email of registered) {
      const [mail] = received.filter((m) => m.envelopeTo[0] === email);
      expect(mail?.subject).toBe(en.account.confirmationMail.subject);
      const link = linkIn(mail!, '/confirm-email');
      expect(link).toBeDefined();
      expect((await new TestClient(t.app).get(link!)).status).toBe(200);
    }
    expect(received.some((m) => m.envelopeTo[0] === traveller.email && m.subject === en.login.mail.newBrowser.subject)).toBe(true);
  }, 120_000);
});

describe('an outage longer than MAIL_RETRY_FOR', () => {
  it('gives the mail up at MAIL_RETRY_FOR, at error level and in the metrics; `mail retry` sends it once, without the expired link', async () => {
    const user = await createUser(t.app);
    sink.reject({ code: 451, message: '4.3.0 Mailbox unavailable' });
    await askForReset(user.email, '203.0.113.50');
    const [row] = (await listOutbox(t.app.ctx.db)).filter((r) => r.to_address === user.email);
    const failedBefore = sample(await scrape(), 'gatehouse_mail_failed_total{kind="password_reset"}');

    await t.app.outbox.deliverDue();
    await runFor(hours(23) + minutes(58));
    let now = (await listOutbox(t.app.ctx.db)).find((r) => r.id === row!.id)!;
    expect(now.failed_at).toBeNull(); // still trying, just before the day is over
    await runFor(minutes(3));
    now = (await listOutbox(t.app.ctx.db)).find((r) => r.id === row!.id)!;
    expect(now.failed_at).not.toBeNull();
    // The last try was at the deadline itself: retried for the whole of MAIL_RETRY_FOR, no longer.
    expect(now.failed_at! - row!.queued_at).toBeGreaterThanOrEqual(hours(24));
    expect(now.failed_at! - row!.queued_at).toBeLessThanOrEqual(hours(24) + STEP_MS);
    expect(now.last_error).toContain('Mailbox unavailable');
    expect(now.attempts).toBeLessThanOrEqual(60); // 30 to 60 minutes apart after the first few: ~35, not 1,440
    expect(now.content).not.toBeNull(); // kept, sealed, for a retry

    const errors = logLines.map((line) => JSON.parse(line) as { level: number; msg: string; mailId?: number; kind?: string }).filter((l) => l.level >= 50);
    const gaveUp = errors.find((l) => l.mailId === row!.id);
    expect(gaveUp?.msg).toContain('mail given up on');
    expect(gaveUp?.kind).toBe('password_reset');
    expect(logLines.join('\n')).not.toMatch(/reset-password\/[A-Za-z0-9_-]{20,}/);
    const metrics = await scrape();
    expect(sample(metrics, 'gatehouse_mail_failed_total{kind="password_reset"}')).toBe(failedBefore + 1);
    expect(sample(metrics, 'gatehouse_mail_outbox_failed')).toBe(1);

    // The operator lists it and sends it again; the worker delivers it once. Its link expired a day ago: not sent.
    const lines: string[] = [];
    const admin: AdminContext = { db: t.app.ctx.db, config: t.config, clock, pwnedPasswords: pwnedPasswordsOff, output: { out: (line) => lines.push(line) } };
    expect(await listMail(admin, { failedOnly: true, limit: 50 })).toEqual({ ok: true });
    expect(lines.join('\n')).toMatch(new RegExp(`^${row!.id} +password_reset +${user.email.replace(/[.]/g, '\\.')} .* failed .*Mailbox unavailable`, 'm'));
    sink.acceptAll();
    expect(await retryMail(admin, [row!.id])).toEqual({ ok: true });
    expect(sample(await scrape(), 'gatehouse_mail_outbox_failed')).toBe(0);
    await runFor(minutes(5));
    const received = sink.takeUnread();
    expect(received).toHaveLength(1);
    expect(received[0]!.subject).toBe(en.reset.mail.expired.subject);
    expect(received[0]!.text).not.toMatch(/\/reset-password\/[A-Za-z0-9_-]{20,}/);
    expect((await listOutbox(t.app.ctx.db)).find((r) => r.id === row!.id)).toMatchObject({ failed_at: null, content: null });
  }, 120_000);

  it('gives up at once, at error level, on mail sealed under another SECRET_KEY (the key was changed), rather than send garbage', async () => {
    await enqueueMail(t.app.ctx.db, new MailSeal('the-secret-key-before-it-was-changed-0123'), plainMail('rotated@example.com', 'sealed before'), null, clock.now());
    await t.app.outbox.deliverDue();
    const row = (await listOutbox(t.app.ctx.db)).find((r) => r.to_address === 'rotated@example.com')!;
    expect(row.failed_at).not.toBeNull();
    expect(row.last_error).toContain('SECRET_KEY');
    expect(sink.takeUnread()).toEqual([]);
    expect(logLines.some((line) => line.includes('mail given up on') && line.includes(`"mailId":${row.id}`))).toBe(true);
  });
});
