/**
 * The record of code sends by text message and voice call (migration 022): one row per send tried, written where
 * every code goes out (src/auth/two-factor.ts `sendCode`), read by the console's SMS page, deleted after
 * SMS_SEND_RETENTION_MS by housekeeping. It keeps the destination's country, never its number, and no account: the
 * table answers "how many codes went where and did they go", which is what toll fraud and an outage change.
 */
import { sql, type Kysely } from 'kysely';
import { days } from '../lib/duration.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** How long a send is kept: the console shows the last 7 days. */
export const SMS_SEND_RETENTION_MS = days(7);

export type SmsSendOutcome = 'sent' | 'refused' | 'failed';

export interface SmsSendRecord {
  at: number;
  country: string | null;
  callingCode: string | null;
  channel: 'sms' | 'call';
  outcome: SmsSendOutcome;
  reason: string | null;
}

export async function recordSmsSend(db: Db, send: SmsSendRecord): Promise<void> {
  await db
    .insertInto('sms_sends')
    .values({ created_at: send.at, country: send.country, calling_code: send.callingCode, channel: send.channel, outcome: send.outcome, reason: send.reason })
    .execute();
}

/** Sends counted by time bucket (its start), country, channel and outcome. */
export interface SmsSendCount {
  bucket: number;
  country: string | null;
  calling_code: string | null;
  channel: string;
  outcome: string;
  n: number;
}

/**
 * Sends since `since`, counted per `bucketMs` (an hour, a day: UTC, as the buckets start at multiples of it),
 * country, channel and outcome — a few hundred rows at most however many sends there were.
 */
export async function countSmsSends(db: Db, since: number, bucketMs: number): Promise<SmsSendCount[]> {
  // Integer division on both databases: created_at is an integer (SQLite) or bigint (PostgreSQL).
  const bucket = sql<number>`(created_at / ${sql.lit(bucketMs)}) * ${sql.lit(bucketMs)}`;
  const rows = await db
    .selectFrom('sms_sends')
    .select([bucket.as('bucket'), 'country', 'calling_code', 'channel', 'outcome', (eb) => eb.fn.countAll<number>().as('n')])
    .where('created_at', '>=', since)
    .groupBy([bucket, 'country', 'calling_code', 'channel', 'outcome'])
    .execute();
  return rows.map((r) => ({ ...r, bucket: Number(r.bucket), n: Number(r.n) }));
}

export async function purgeOldSmsSends(db: Db, now: number) {
  return db.deleteFrom('sms_sends').where('created_at', '<', now - SMS_SEND_RETENTION_MS).executeTakeFirst();
}
