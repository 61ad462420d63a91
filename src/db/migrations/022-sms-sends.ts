import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * `sms_sends` (issue #14, decision record 020): one row per code Gatehouse tried to send by text message or voice
 * call — when, the destination's country (ISO 3166-1 alpha-2, null for numbers of no country such as +882) and its
 * calling code, the channel, and what came of it (`sent`, `refused` by Gatehouse's own limits, or `failed` at the
 * provider) with the reason. Never the number, nor the account: it answers "how many codes went where", not "who
 * got a code". The console's SMS page reads it; housekeeping deletes rows after SMS_SEND_RETENTION_MS (7 days).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('sms_sends')
    .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('country', 'text')
    .addColumn('calling_code', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .execute();
  // The page's ranges and the purge: by time.
  await db.schema.createIndex('sms_sends_created_at').on('sms_sends').column('created_at').execute();
}
