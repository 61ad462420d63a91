/**
 * Attack: a mail's secret shown in the console. A password-reset mail carries a link that lets whoever holds it
 * set the account's password; a sign-in code mail, a code. While such a mail waits or after it failed, the outbox
 * keeps it sealed (src/db/mail-outbox.ts). If the console's mail page showed what a failed mail says — its
 * subject, its text, its link — anyone who reads the console over an admin's shoulder, or a stolen admin
 * session, would hold a live reset link for someone else's account.
 * Requirement (issue #14): the console shows a mail's metadata only (kind, recipient, times, tries, last error).
 *
 * Also: mail sent again from a stale sign-in — an admin's browser left signed in is used later to send failed mail
 * again (to an address that has since changed hands, say). "Send again" needs step-up like every console action.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAdminAudit } from '../../src/db/admin-audit.js';
import { listOutbox, MailSeal } from '../../src/db/mail-outbox.js';
import { ManualClock, minutes } from '../../src/lib/duration.js';
import { startTestApp, TEST_SECRET, type TestApp } from '../support/app.js';
import { csrfTokenIn } from '../support/client.js';
import { signedInAdmin } from '../support/console.js';
import { failedResetMail } from '../support/failed-mail.js';
import { SmtpSink } from '../support/smtp-sink.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
let sink: SmtpSink;
let t: TestApp;

beforeAll(async () => {
  sink = await SmtpSink.start();
  t = await startTestApp({ SMTP_URL: sink.url, MAIL_RETRY_FOR: '24h', APP_URL: 'https://gatehouse.example' }, { clock });
});
afterAll(async () => {
  await t?.close();
  await sink?.stop();
});

/** The SMTP server's refusal (the outbox retries any refusal until MAIL_RETRY_FOR, then gives the mail up). */
const MAILBOX_FULL = { code: 550, message: '5.1.1 Mailbox full' };

describe('a mail’s secret shown in the console', () => {
  it('the failed mail list never contains the reset link, the subject or the text the sealed mail carried', async () => {
    const { user: victim, row } = await failedResetMail({ t, sink, clock }, '203.0.113.77', MAILBOX_FULL);

    // What the sealed mail says, as only the outbox worker may read it: the link, and the words around it.
    const sealed = new MailSeal(TEST_SECRET).open(row.content!);
    const link = /https:\/\/gatehouse\.example\/reset-password\/([A-Za-z0-9_-]{20,})/.exec(sealed!.message.text);
    expect(link, 'the reset mail carries a link').not.toBeNull();
    const token = link![1]!;

    sink.acceptAll();
    const { client: admin } = await signedInAdmin(t);
    for (const language of ['en', 'es']) {
      admin.headers['accept-language'] = language;
      const page = await admin.get('/admin/mail');
      expect(page.status).toBe(200);
      expect(page.body).toContain(victim.email); // the metadata is there…
      expect(page.body).not.toContain(token); // …the secret is not
      expect(page.body).not.toContain('/reset-password/');
      expect(page.body).not.toContain(sealed!.message.subject);
      expect(page.body).not.toContain(sealed!.expiry!.instead.subject);
      expect(page.body).not.toContain(row.content!.slice(0, 40));
    }
  });
});

describe('mail sent again from a stale sign-in', () => {
  it('is sent through a fresh two-step sign-in, back to the mail page, and nothing is queued or recorded until then', async () => {
    const { row } = await failedResetMail({ t, sink, clock }, '203.0.113.78', MAILBOX_FULL);
    const { client } = await signedInAdmin(t);
    clock.advance(minutes(11));
    const page = await client.get('/admin/mail');
    expect(page.body).toContain('Sending again first asks you to sign in again');
    for (const action of [`/admin/mail/${row.id}/send-again`, '/admin/mail/send-again']) {
      const refused = await client.post(action, { _csrf: csrfTokenIn(page.body) });
      expect(refused.status).toBe(303);
      expect(refused.location).toBe(`/login?fresh=1&require=two-factor&next=${encodeURIComponent('/admin/mail')}`);
    }
    expect((await listOutbox(t.app.ctx.db)).find((r) => r.id === row.id)?.failed_at).not.toBeNull();
    expect(await listAdminAudit(t.app.ctx.db, { action: 'mail_sent_again' }, { limit: 5 })).toEqual([]);
  });
});
