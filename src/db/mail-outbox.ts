/**
 * SQL for the durable mail outbox. A flow inserts its message in the same
 * transaction as the change that causes it; the worker (adapters/mail/outbox-worker.ts)
 * claims due rows and delivers them. See docs/decisions/005-mail-outbox.md.
 *
 * What a row keeps at rest (issue #12): the recipient, the kind of mail, the
 * account it is about, times, attempts and the last error, in clear, because
 * operations need them. What the mail says (subject, bodies: reset links,
 * sign-in codes, "This wasn't me" links) is sealed with AES-256-GCM under a key
 * derived from SECRET_KEY (`MailSeal`) while it waits, and set to null the
 * moment it is delivered. A copy of the database therefore holds no live link
 * or code, sent or not.
 */
import { PostgresIntrospector, type DeleteResult, type Kysely } from 'kysely';
import { days } from '../lib/duration.js';
import { SecretBox } from '../lib/secret-box.js';
import type { Database, OutboxMail } from './schema.js';

type Db = Kysely<Database>;

/** A message as the transport sends it. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * Every kind of mail Gatehouse sends: stored in clear beside the sealed
 * message, so an operator sees what a waiting or failed mail is without
 * opening it, and counted by kind when one is given up on.
 */
export const MAIL_KINDS = [
  'password_reset',
  'email_confirmation',
  'registration_attempt',
  'email_code',
  'new_browser',
  'recovery_code_used',
  'password_changed',
  'sms_turned_on',
  'sms_phone_changed',
  'sms_turned_off',
  'backup_phone_changed',
  'factor_changed',
  'email_change_confirmation',
  'email_change_requested',
  'email_changed',
  'account_deleted',
  'recovery_link',
  'recovery_started',
  'recovery_cancelled',
  'recovery_completed',
  'factors_reset',
  'password_reset_done',
  'sign_in_paused',
] as const;

export type MailKind = (typeof MAIL_KINDS)[number];

export function isMailKind(value: string): value is MailKind {
  return (MAIL_KINDS as readonly string[]).includes(value);
}

/** The kind of rows queued before migration 013, which did not record one. */
export const UNKNOWN_MAIL_KIND = 'unknown';

/**
 * A mail as the notices build it (src/notices/, in the frame of src/views/mail.ts `renderMail`): its kind, the
 * message, and — when the message carries a link or code that stops working —
 * when that happens and the message to send instead if it could not be
 * delivered before then. `instead` carries no link or code of its own.
 */
export interface Mail {
  kind: MailKind;
  message: MailMessage;
  expiry: { at: number; instead: MailMessage } | null;
}

/** What is sealed in `mail_outbox.content`: the mail without its kind (which is a column). */
export type SealedMail = Omit<Mail, 'kind'>;

/**
 * Sent and failed rows (recipient, kind, times, attempts, last error; never a
 * body) are kept this long after they were sent or given up on, then deleted
 * (src/db/housekeeping.ts): long enough to answer "did my reset mail go out?"
 * and to `mail retry` a failed one after an outage noticed late; short enough
 * that the table is not a lasting record of who was mailed what.
 */
export const MAIL_RECORD_RETENTION_MS = days(30);

/**
 * Seals what a waiting mail says, under its own key derived from SECRET_KEY
 * (src/lib/secret-box.ts, purpose `mail-outbox`): a database copy or backup
 * shows no reset link or code. Changing SECRET_KEY makes mail still waiting
 * unreadable; the worker then gives it up (logged, counted) rather than send
 * garbage.
 */
export class MailSeal {
  private readonly box: SecretBox;

  constructor(secretKey: string) {
    this.box = new SecretBox(secretKey, 'mail-outbox');
  }

  seal(mail: SealedMail): string {
    return this.box.seal(Buffer.from(JSON.stringify({ message: mail.message, expiry: mail.expiry })));
  }

  /** The mail, or null when the value was sealed under another key or damaged (the tag does not match). */
  open(sealed: string): SealedMail | null {
    const plain = this.box.open(sealed);
    // Authenticated: only this code, holding the key, can have written it.
    return plain ? (JSON.parse(plain.toString('utf8')) as SealedMail) : null;
  }
}

/**
 * Queues `mail` in `db` (the flow's transaction), sealed. `userId` is the
 * account it is about: deleting the account deletes its rows (ON DELETE
 * CASCADE), so mail not yet sent to a deleted account never goes. null for
 * mail that must outlive the account (the notice that it was deleted).
 */
export async function enqueueMail(db: Db, seal: MailSeal, mail: Mail, userId: number | null, now: number): Promise<void> {
  await db
    .insertInto('mail_outbox')
    .values({
      kind: mail.kind,
      user_id: userId,
      to_address: mail.message.to,
      content: seal.seal(mail),
      created_at: now,
      queued_at: now,
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
  const due = await selectDue(db, now).select('id').orderBy('id').limit(limit).execute();
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

/** Delivered: the sealed content goes at once; what operations need stays (MAIL_RECORD_RETENTION_MS). */
export async function markMailSent(db: Db, id: number, now: number): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({ sent_at: now, content: null, locked_until: null, attempts: (eb) => eb('attempts', '+', 1) })
    .where('id', '=', id)
    .execute();
}

/**
 * An attempt failed: retried at `nextAttemptAt`, or given up on (`failed_at`)
 * when that is null. A failed row keeps its sealed content, so `mail retry`
 * can send it later.
 */
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

/** Mail waiting to be delivered (neither sent nor given up on). */
export async function pendingMailCount(db: Db): Promise<number> {
  const row = await db
    .selectFrom('mail_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Mail given up on and not retried (nor purged) since. */
export async function failedMailCount(db: Db): Promise<number> {
  const row = await db
    .selectFrom('mail_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('failed_at', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Mail delivered since `since` (the console's "sent" count; rows go MAIL_RECORD_RETENTION_MS after sending). */
export async function sentMailCountSince(db: Db, since: number): Promise<number> {
  const row = await db
    .selectFrom('mail_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('sent_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listOutbox(db: Db): Promise<OutboxMail[]> {
  return db.selectFrom('mail_outbox').selectAll().orderBy('id').execute();
}

/** A row as `mail list` shows it: everything but the sealed content. */
export type UndeliveredMail = Omit<OutboxMail, 'content' | 'locked_until'>;

/** Mail not delivered (waiting and failed, or failed only), newest first, at most `limit`. */
export async function listUndeliveredMail(db: Db, options: { failedOnly: boolean; limit: number }): Promise<UndeliveredMail[]> {
  let query = db
    .selectFrom('mail_outbox')
    .select(['id', 'kind', 'user_id', 'to_address', 'created_at', 'queued_at', 'attempts', 'next_attempt_at', 'sent_at', 'failed_at', 'last_error'])
    .where('sent_at', 'is', null);
  if (options.failedOnly) query = query.where('failed_at', 'is not', null);
  return query.orderBy('id', 'desc').limit(options.limit).execute();
}

export async function findOutboxMail(db: Db, id: number): Promise<UndeliveredMail | undefined> {
  return db
    .selectFrom('mail_outbox')
    .select(['id', 'kind', 'user_id', 'to_address', 'created_at', 'queued_at', 'attempts', 'next_attempt_at', 'sent_at', 'failed_at', 'last_error'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Puts failed mail back in the queue (`mail retry`): due at once, and retried
 * for another MAIL_RETRY_FOR from now (`queued_at`). `ids` null: every failed
 * row. Returns the ids requeued; a row that is not failed (waiting, sent,
 * gone) is left alone.
 */
export async function requeueFailedMail(db: Db, ids: number[] | null, now: number): Promise<number[]> {
  if (ids !== null && ids.length === 0) return [];
  let query = db
    .updateTable('mail_outbox')
    .set({ failed_at: null, next_attempt_at: now, queued_at: now, locked_until: null })
    .where('failed_at', 'is not', null)
    .where('sent_at', 'is', null);
  if (ids !== null) query = query.where('id', 'in', ids);
  const rows = await query.returning('id').execute();
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

/** Sent or failed rows older than MAIL_RECORD_RETENTION_MS (waiting mail is never purged). */
export async function purgeOldMail(db: Db, now: number): Promise<DeleteResult> {
  const before = now - MAIL_RECORD_RETENTION_MS;
  return db
    .deleteFrom('mail_outbox')
    .where((eb) => eb.or([eb('sent_at', '<', before), eb('failed_at', '<', before)]))
    .executeTakeFirst();
}

/** Marks what migration 013 carried over unsealed (see there); `sealCarriedOverMail` seals it. */
export const UNSEALED_PREFIX = 'unsealed:';

/**
 * Seals the unsent mail migration 013 carried over from before sealing
 * existed (it ran without SECRET_KEY, so it could only mark them). Run at
 * start, after the migrations; a compare-and-swap per row, so two instances
 * starting together seal each row once. Returns how many it sealed.
 */
export async function sealCarriedOverMail(db: Db, seal: MailSeal): Promise<number> {
  const rows = await db.selectFrom('mail_outbox').select(['id', 'content']).where('content', 'like', `${UNSEALED_PREFIX}%`).execute();
  let sealed = 0;
  for (const row of rows) {
    const carried = JSON.parse(row.content!.slice(UNSEALED_PREFIX.length)) as SealedMail;
    const result = await db.updateTable('mail_outbox').set({ content: seal.seal(carried) }).where('id', '=', row.id).where('content', '=', row.content).executeTakeFirst();
    sealed += Number(result.numUpdatedRows);
  }
  return sealed;
}
