/**
 * `npm run admin -- mail list|retry`: the mail outbox as an operator sees it
 * (issue #12). A mail that could not be delivered within MAIL_RETRY_FOR is
 * marked failed (logged at error level, counted in `gatehouse_mail_failed_total`);
 * `mail list --failed` shows it and `mail retry` puts it back in the queue, where
 * a running Gatehouse's outbox worker sends it. Only what operations need is
 * shown (recipient, kind, times, attempts, last error): what a mail says is
 * sealed, and the CLI never opens it.
 */
import { findOutboxMail, listUndeliveredMail, MAIL_RECORD_RETENTION_MS, requeueFailedMail, type UndeliveredMail } from '../db/mail-outbox.js';
import { durationText } from '../lib/duration.js';
import { exactUtc } from '../lib/relative-time.js';
import type { AdminContext, Refused } from './commands.js';
import { table } from './format.js';

/** How much of an SMTP error a listing shows; the row keeps up to 1000 characters. */
const SHOWN_ERROR_CHARACTERS = 80;

const refused = (problem: string): Refused => ({ ok: false, problem });

function state(mail: UndeliveredMail): string {
  return mail.failed_at !== null ? `failed ${exactUtc(mail.failed_at)}` : `waiting, next try ${exactUtc(mail.next_attempt_at)}`;
}

function shortError(error: string | null): string {
  if (error === null) return '-';
  const line = error.replace(/\s+/g, ' ').trim();
  return line.length > SHOWN_ERROR_CHARACTERS ? `${line.slice(0, SHOWN_ERROR_CHARACTERS - 1)}…` : line;
}

// ---- mail list ----

export async function listMail(ctx: AdminContext, options: { failedOnly: boolean; limit: number }): Promise<{ ok: true }> {
  // One more than asked for tells whether there are others to mention.
  const found = await listUndeliveredMail(ctx.db, { failedOnly: options.failedOnly, limit: options.limit + 1 });
  const mails = found.slice(0, options.limit);
  if (mails.length === 0) {
    ctx.output.out(options.failedOnly ? 'No failed mail.' : 'No mail is waiting or failed: everything queued was delivered.');
    return { ok: true };
  }
  const rows = mails.map((m) => [String(m.id), m.kind, m.to_address, exactUtc(m.queued_at), String(m.attempts), state(m), shortError(m.last_error)]);
  for (const line of table(['id', 'kind', 'to', 'queued', 'tries', 'state', 'last error'], rows)) ctx.output.out(line);
  if (found.length > options.limit) ctx.output.out(`(the newest ${options.limit}; there are more: use --limit)`);
  if (mails.some((m) => m.failed_at !== null)) ctx.output.out('Send failed mail again with: npm run admin -- mail retry <id> (or --all)');
  return { ok: true };
}

// ---- mail retry ----

/**
 * Puts failed mail back in the queue: `ids`, or every failed mail when null.
 * Named ids must all be failed mail, or nothing is changed.
 */
export async function retryMail(ctx: AdminContext, ids: number[] | null): Promise<{ ok: true } | Refused> {
  if (ids !== null) {
    for (const id of ids) {
      const mail = await findOutboxMail(ctx.db, id);
      if (!mail) return refused(`No mail has id ${id} (mail sent or failed more than ${durationText(MAIL_RECORD_RETENTION_MS)} ago is deleted). Nothing was changed.`);
      if (mail.sent_at !== null) return refused(`Mail ${id} was sent on ${exactUtc(mail.sent_at)}: there is nothing to retry. Nothing was changed.`);
      if (mail.failed_at === null) return refused(`Mail ${id} has not failed: it is waiting, next try ${exactUtc(mail.next_attempt_at)}. Nothing was changed.`);
    }
  }
  const requeued = await requeueFailedMail(ctx.db, ids, ctx.clock.now());
  if (requeued.length === 0) {
    // --all with nothing failed is good news, not a refusal (a cron job may run it).
    ctx.output.out('No failed mail to retry.');
    return { ok: true };
  }
  ctx.output.out(`Queued ${requeued.length === 1 ? 'mail' : `${requeued.length} mails`} ${requeued.join(', ')} again.`);
  ctx.output.out('A running Gatehouse sends it within seconds and retries it for another MAIL_RETRY_FOR; a link or code that expired meanwhile is replaced by a notice that says so.');
  return { ok: true };
}
