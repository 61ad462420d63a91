/**
 * SQL for the durable mail outbox. A flow inserts its message in the same
 * transaction as the change that causes it; the worker (adapters/mail/outbox-worker.ts)
 * claims due rows and delivers them.
 */
import type { Kysely } from 'kysely';
import type { Database, OutboxMail } from './schema.js';

type Db = Kysely<Database>;

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export async function enqueueMail(db: Db, message: MailMessage, now: number): Promise<void> {
  await db
    .insertInto('mail_outbox')
    .values({
      to_address: message.to,
      subject: message.subject,
      text_body: message.text,
      html_body: message.html,
      created_at: now,
      attempts: 0,
      next_attempt_at: now,
      locked_until: null,
      sent_at: null,
      failed_at: null,
      last_error: null,
    })
    .execute();
}

/**
 * Claims up to `limit` due messages for `lockMs`. Each claim is a
 * compare-and-swap that repeats every condition of "due" (unsent, not given
 * up, retry time reached, not locked), so two workers (or two instances) never
 * deliver the same row at once. The worker bounds each send to half the claim.
 */
export async function claimDueMail(db: Db, now: number, lockMs: number, limit: number): Promise<OutboxMail[]> {
  const due = await db
    .selectFrom('mail_outbox')
    .selectAll()
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .orderBy('id')
    .limit(limit)
    .execute();
  const claimed: OutboxMail[] = [];
  for (const row of due) {
    // The swap repeats every condition of "due": between the SELECT and here another
    // worker may have claimed, failed and rescheduled (or given up on) the row, which
    // leaves locked_until null again. The row is read back from the UPDATE, so the
    // caller sees the current attempt count, not the one from before that.
    const fresh = await db
      .updateTable('mail_outbox')
      .set({ locked_until: now + lockMs })
      .where('id', '=', row.id)
      .where('sent_at', 'is', null)
      .where('failed_at', 'is', null)
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .returningAll()
      .executeTakeFirst();
    if (fresh) claimed.push(fresh);
  }
  return claimed;
}

export async function markMailSent(db: Db, id: number, now: number): Promise<void> {
  await db.updateTable('mail_outbox').set({ sent_at: now, locked_until: null, attempts: (eb) => eb('attempts', '+', 1) }).where('id', '=', id).execute();
}

export async function markMailFailed(db: Db, id: number, error: string, nextAttemptAt: number | null, now: number): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({
      attempts: (eb) => eb('attempts', '+', 1),
      last_error: error.slice(0, 1000),
      locked_until: null,
      next_attempt_at: nextAttemptAt ?? now,
      failed_at: nextAttemptAt === null ? now : null,
    })
    .where('id', '=', id)
    .execute();
}

export async function pendingMailCount(db: Db): Promise<number> {
  const row = await db
    .selectFrom('mail_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listOutbox(db: Db): Promise<OutboxMail[]> {
  return db.selectFrom('mail_outbox').selectAll().orderBy('id').execute();
}
