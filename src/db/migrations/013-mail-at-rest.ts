import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/** Must equal UNSEALED_PREFIX in src/db/mail-outbox.ts (a migration does not import the code that changes after it). */
const UNSEALED_PREFIX = 'unsealed:';

/**
 * No secret at rest in the mail outbox (issue #12). Until now a row kept its
 * subject and bodies for ever, sent or not: live reset links, sign-in codes
 * (in the subject too), "This wasn't me" links. From here on:
 *
 * - `content` holds the subject and bodies sealed with AES-256-GCM under a key
 *   derived from SECRET_KEY, and is set to null when the mail is sent;
 *   `subject`, `text_body` and `html_body` are dropped.
 * - `kind` says what the mail is, `user_id` whose account it is about (ON
 *   DELETE CASCADE: deleting the account deletes its mail), and `queued_at`
 *   when it was last queued (retries stop MAIL_RETRY_FOR after it).
 *
 * Rows already there: the bodies of sent ones are dropped; unsent ones (waiting
 * or given up on) are carried over marked `unsealed:`, since a migration has no
 * SECRET_KEY, and the app seals them when it starts (`sealCarriedOverMail`).
 * Their account is found by their address where one has it. The old bodies may
 * survive in the database's free space until a VACUUM (SQLite) or VACUUM FULL
 * (PostgreSQL), and in backups taken before: see docs/decisions/005-mail-outbox.md.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  const time = 'bigint';
  await db.schema.alterTable('mail_outbox').addColumn('kind', 'text', (c) => c.notNull().defaultTo('unknown')).execute();
  await db.schema.alterTable('mail_outbox').addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade')).execute();
  await db.schema.alterTable('mail_outbox').addColumn('content', 'text').execute();
  await db.schema.alterTable('mail_outbox').addColumn('queued_at', time, (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('mail_outbox_user').on('mail_outbox').column('user_id').execute();

  await sql`update mail_outbox set queued_at = created_at, user_id = (select u.id from users u where u.email = mail_outbox.to_address)`.execute(db);
  const unsent = await sql<{ id: number; to_address: string; subject: string; text_body: string; html_body: string }>`
    select id, to_address, subject, text_body, html_body from mail_outbox where sent_at is null`.execute(db);
  for (const row of unsent.rows) {
    const carried = { message: { to: row.to_address, subject: row.subject, text: row.text_body, html: row.html_body }, expiry: null };
    await sql`update mail_outbox set content = ${UNSEALED_PREFIX + JSON.stringify(carried)} where id = ${row.id}`.execute(db);
  }
  for (const column of ['subject', 'text_body', 'html_body']) await db.schema.alterTable('mail_outbox').dropColumn(column).execute();
}
