/**
 * The console's mail page (src/features/admin/mail.ts), on the real outbox: a real SMTP server on loopback
 * (test/support/smtp-sink.ts) refuses a password-reset mail until the outbox gives it up; the page counts and
 * lists it with the server's answer; "Send again" (one, or all) puts it back in the queue, and the running outbox
 * worker — not the test — delivers it once the server takes mail again. Each is in the audit log.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listAdminAudit } from '../../src/db/admin-audit.js';
import { listOutbox, requeueFailedMail } from '../../src/db/mail-outbox.js';
import { en } from '../../src/i18n/en/index.js';
import { ManualClock } from '../../src/lib/duration.js';
import { escapeHtml } from '../../src/views/html.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn } from '../support/client.js';
import { signedInAdmin } from '../support/console.js';
import { failedResetMail } from '../support/failed-mail.js';
import { eventually, SmtpSink } from '../support/smtp-sink.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
let sink: SmtpSink;
let t: TestApp;

beforeAll(async () => {
  sink = await SmtpSink.start();
  // The outbox worker runs as in production (kicked by the flows and the console, polling every 5 s).
  t = await startTestApp({ SMTP_URL: sink.url, MAIL_RETRY_FOR: '24h', APP_URL: 'https://gatehouse.example' }, { clock });
});
beforeEach(async () => {
  // What an earlier test left failed is sent now, so each test sees only its own failed mail.
  sink.acceptAll();
  await requeueFailedMail(t.app.ctx.db, null, clock.now());
  await t.app.outbox.deliverDue();
  sink.takeUnread();
});
afterAll(async () => {
  await t?.close();
  await sink?.stop();
});

/** The SMTP server's refusal; the page shows it as the failed mail's last answer. */
const MAILBOX_UNAVAILABLE = { code: 451, message: '4.3.0 Mailbox unavailable, try later' };

describe('the console’s mail page', () => {
  it('counts waiting, sent and failed mail, and lists failed mail with its kind, recipient, tries and the server’s answer', async () => {
    const { user, row } = await failedResetMail({ t, sink, clock }, '203.0.113.31', MAILBOX_UNAVAILABLE);
    const { client } = await signedInAdmin(t); // signed in after the clock moved: its code went out fine
    const page = await client.get('/admin/mail');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toMatch(/<a href="\/admin\/mail" aria-current="page">Mail<\/a>/);
    expect(page.body).toMatch(/\d+ mails? waiting/);
    expect(page.body).toMatch(/\d+ mails? sent in the last 30 days/);
    expect(page.body).toContain('1 mail failed');
    expect(page.body).toContain('remembered for 30 days');
    const rowHtml = page.body.slice(page.body.indexOf('<tbody>'));
    expect(rowHtml).toContain('<th scope="row">Password reset</th>');
    expect(rowHtml).toContain(`<td>${user.email}</td>`);
    expect(rowHtml).toContain(`<td>${row.attempts}</td>`);
    expect(rowHtml).toContain('Mailbox unavailable, try later');
    expect(page.body).toContain(`action="/admin/mail/${row.id}/send-again"`);
  });

  it('"Send again": the mail goes back in the queue and the outbox worker delivers it once the server takes mail; audited with its id', async () => {
    const { user, row } = await failedResetMail({ t, sink, clock }, '203.0.113.32', MAILBOX_UNAVAILABLE);
    const { user: admin, client } = await signedInAdmin(t);
    const page = await client.get('/admin/mail');
    sink.acceptAll();
    sink.takeUnread(); // the admin's own mail, if any

    const done = await client.post(`/admin/mail/${row.id}/send-again`, { _csrf: csrfTokenIn(page.body) });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/admin/mail');
    // Delivered by the running worker (the console kicked it): the test runs no delivery pass itself.
    const [mail] = await sink.waitForMessages(1);
    expect(mail!.envelopeTo).toEqual([user.email]);
    // A day later the reset link has expired: the notice that says so goes instead, never a stale link.
    expect(mail!.subject).toBe(en.reset.mail.expired.subject);
    const sent = await eventually(async () => (await listOutbox(t.app.ctx.db)).find((r) => r.id === row.id && r.sent_at !== null), 'the mail marked sent');
    expect(sent).toMatchObject({ failed_at: null, content: null });

    const after = await client.get(done.location!);
    expect(after.body).toContain(escapeHtml('The mail is queued again: it goes out within seconds.'));
    expect(after.body).not.toContain(`action="/admin/mail/${row.id}/send-again"`);
    const [entry] = await listAdminAudit(t.app.ctx.db, { action: 'mail_sent_again' }, { limit: 1 });
    expect(entry).toMatchObject({ actor_user_id: admin.id, target_user_id: null, ip: '127.0.0.1' });
    expect(JSON.parse(entry!.detail!)).toEqual({ ids: String(row.id), count: 1 });

    // Again on mail that is no longer failed: nothing happens, nothing is recorded.
    const again = await client.post(`/admin/mail/${row.id}/send-again`, { _csrf: csrfTokenIn(after.body) });
    expect((await client.get(again.location!)).body).toContain('There was no failed mail to send again: nothing changed.');
    expect(await listAdminAudit(t.app.ctx.db, { action: 'mail_sent_again' }, { limit: 5 })).toHaveLength(1);
  });

  it('"Send all again" queues every failed mail, and each is delivered once', async () => {
    const first = await failedResetMail({ t, sink, clock }, '203.0.113.33', MAILBOX_UNAVAILABLE);
    const second = await failedResetMail({ t, sink, clock }, '203.0.113.34', MAILBOX_UNAVAILABLE);
    const { client } = await signedInAdmin(t);
    const page = await client.get('/admin/mail');
    expect(page.body).toContain('Send all 2 failed mails again');
    sink.acceptAll();
    sink.takeUnread();

    const done = await client.post('/admin/mail/send-again', { _csrf: csrfTokenIn(page.body) });
    expect(done.status).toBe(303);
    const received = await sink.waitForMessages(2);
    expect(received.map((m) => m.envelopeTo[0]).sort()).toEqual([first.user.email, second.user.email].sort());
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.takeUnread()).toEqual([]); // once each
    const [entry] = await listAdminAudit(t.app.ctx.db, { action: 'mail_sent_again' }, { limit: 1 });
    expect(JSON.parse(entry!.detail!)).toEqual({ ids: [first.row.id, second.row.id].sort((a, b) => a - b).join(','), count: 2 });
    expect((await client.get('/admin/mail')).body).toContain('No failed mail.');
  });

  it('speaks Spanish to an admin who reads it', async () => {
    await failedResetMail({ t, sink, clock }, '203.0.113.35', MAILBOX_UNAVAILABLE);
    const { client } = await signedInAdmin(t);
    client.headers['accept-language'] = 'es';
    const page = await client.get('/admin/mail');
    expect(page.headers['content-language']).toBe('es');
    expect(page.body).toContain('Correo fallido');
    expect(page.body).toContain('Restablecer la contraseña');
    expect(page.body).toMatch(/enviados? en los últimos 30 días/);
  });
});
