import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * The console's overview charts (issue #14, decision record 020): sign-ins, failed sign-ins and lockouts per hour
 * and per day are counts of `security_events` of a few kinds since a time (src/db/security-events.ts
 * `countSecurityEvents`). An index on (kind, created_at) answers that with one range per kind, reading only the
 * index (it covers both columns) and only the rows of those kinds — not every event of the window, most of which are
 * other kinds, nor the whole table. Migration 004's (user_id, created_at) serves a person's own activity only.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.createIndex('security_events_kind_created').on('security_events').columns(['kind', 'created_at']).execute();
}
