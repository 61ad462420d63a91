/**
 * SQL for the durable mail outbox. A flow inserts its message in the same
 * transaction as the change that causes it; the worker (adapters/mail/outbox-worker.ts)
 * claims due rows and delivers them. See docs/decisions/005-mail-outbox.md.
 */
import { PostgresIntrospector, type Kysely } from 'kysely';
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
 * Claims up to `limit` due messages for `lockMs`, oldest first, so that two
 * workers (or two instances) never deliver the same row at once. The worker
 * bounds each send to half the claim.
 *
 * - PostgreSQL: one transaction selects the due rows `FOR UPDATE SKIP LOCKED`
 *   and stamps `locked_until` on them. A row another worker is claiming at that
 *   moment is skipped rather than waited for, so concurrent workers take
 *   disjoint batches without blocking each other.
 * - SQLite (no row locks): a compare-and-swap per row that repeats every
 *   condition of "due"; SQLite serializes the writes.
 */
export async function claimDueMail(db: Db, now: number, lockMs: number, limit: number): Promise<OutboxMail[]> {
  return isPostgres(db) ? claimWithRowLocks(db, now, lockMs, limit) : claimWithCompareAndSwap(db, now, lockMs, limit);
}

/**
 * True for a PostgreSQL database. Asked of the Kysely instance (its public
 * introspector), so every caller of this module, with or without plugins or
 * inside a transaction, gets the right claim without passing the dialect.
 */
function isPostgres(db: Db): boolean {
  return db.introspection instanceof PostgresIntrospector;
}

/** "Due": unsent, not given up, retry time reached, and not claimed (or the claim expired). */
function selectDue(db: Db, now: number) {
  return db
    .selectFrom('mail_outbox')
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]));
}

async function claimWithRowLocks(db: Db, now: number, lockMs: number, limit: number): Promise<OutboxMail[]> {
  return db.transaction().execute(async (trx) => {
    // The locks last until the transaction commits, right after the UPDATE; from then on the claim
    // (locked_until) keeps other workers off the rows. In READ COMMITTED, FOR UPDATE re-checks the
    // WHERE on a row that changed meanwhile, so a locked row is still due.
    const due = await selectDue(trx, now).select('id').orderBy('id').limit(limit).forUpdate().skipLocked().execute();
    if (due.length === 0) return [];
    const claimed = await trx
      .updateTable('mail_outbox')
      .set({ locked_until: now + lockMs })
      .where('id', 'in', due.map((r) => r.id))
      .returningAll()
      .execute();
    return claimed.sort((a, b) => a.id - b.id);
  });
}

async function claimWithCompareAndSwap(db: Db, now: number, lockMs: number, limit: number): Promise<OutboxMail[]> {
  const due = await selectDue(db, now).selectAll().orderBy('id').limit(limit).execute();
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
