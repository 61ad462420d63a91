import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * How a session was signed in, written once by the one place that completes a
 * sign-in (src/auth/sign-in.ts) and read by whatever needs to know: the
 * security page, and other apps told how someone signed in.
 *
 * - `sessions.sign_in_methods`: what the person proved, in order, comma-separated
 *   (`password,sms`, `passkey,user_verification`); null while a sign-in is pending.
 * - `sessions.second_step_skipped`: 1 when a remembered device stood in for the
 *   second factor (the password alone was proved on this sign-in).
 * - `sessions.code_sent_by`: 'sms' or 'call', how the pending sign-in's last
 *   phone code went out (a voice call is a different method from a text).
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('sign_in_methods', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('second_step_skipped', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('sessions').addColumn('code_sent_by', 'text').execute();
}
