/**
 * Security events counted for the console's overview (src/db/security-events.ts `countSecurityEvents`), on both
 * databases: per UTC hour or day and kind, only the kinds asked for, from a time on — and through migration 025's
 * index on (kind, created_at), so the count never reads the whole table.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { countSecurityEvents, recordSecurityEvent, SIGN_IN_EVENT_KINDS, type SecurityEventKind } from '../../src/db/security-events.js';
import { insertUser } from '../../src/db/users.js';
import { days, hours, minutes } from '../../src/lib/duration.js';
import { forEachDatabase, useDatabase } from '../support/databases.js';

const DAY0 = Date.UTC(2026, 10, 20);

describe.each(forEachDatabase())('security events counted on $name', (target) => {
  const handle = useDatabase(target);

  it('counts per bucket and kind, only the kinds asked for, from a time on', async () => {
    const { db } = handle();
    const user = await insertUser(db, { username: 'ev', username_normalized: 'ev', email: 'ev@example.com', email_normalized: 'ev@example.com', first_name: 'E', last_name: 'V', password_hash: 'x', about_me: '', phone: null, two_factor_enabled: 0, created_at: DAY0, last_seen_at: DAY0 });
    const event = (kind: SecurityEventKind, at: number) => recordSecurityEvent(db, { userId: user.id, kind, now: at, ip: null, userAgent: null });
    await event('sign_in', DAY0 + hours(1));
    await event('sign_in', DAY0 + hours(1) + minutes(59) + 59_999);
    await event('sign_in_passkey', DAY0 + hours(2));
    await event('sign_in_failed', DAY0 + hours(2));
    await event('password_changed', DAY0 + hours(2)); // not asked for
    await event('sign_in_locked', DAY0 + days(1));
    await event('sign_in', DAY0 - 1); // before the range

    const kinds = [...SIGN_IN_EVENT_KINDS, 'sign_in_failed', 'sign_in_locked'] as const;
    const perHour = (await countSecurityEvents(db, kinds, DAY0, hours(1))).sort((a, b) => a.bucket - b.bucket || a.kind.localeCompare(b.kind));
    expect(perHour).toEqual([
      { bucket: DAY0 + hours(1), kind: 'sign_in', n: 2 },
      { bucket: DAY0 + hours(2), kind: 'sign_in_failed', n: 1 },
      { bucket: DAY0 + hours(2), kind: 'sign_in_passkey', n: 1 },
      { bucket: DAY0 + days(1), kind: 'sign_in_locked', n: 1 },
    ]);
    const perDay = (await countSecurityEvents(db, ['sign_in', 'sign_in_passkey'], DAY0 - days(1), days(1))).sort((a, b) => a.bucket - b.bucket || a.kind.localeCompare(b.kind));
    expect(perDay).toEqual([
      { bucket: DAY0 - days(1), kind: 'sign_in', n: 1 },
      { bucket: DAY0, kind: 'sign_in', n: 2 },
      { bucket: DAY0, kind: 'sign_in_passkey', n: 1 },
    ]);
    expect(await countSecurityEvents(db, [], 0, hours(1))).toEqual([]);
  });

  it('the count is answered by the (kind, created_at) index of migration 025', async () => {
    const { db, dialect } = handle();
    const query = sql`select (created_at / 3600000) * 3600000 as bucket, kind, count(*) as n from security_events where kind in ('sign_in', 'sign_in_failed') and created_at >= ${DAY0} group by 1, 2`;
    if (dialect === 'sqlite') {
      const plan = await sql<{ detail: string }>`explain query plan ${query}`.execute(db);
      expect(plan.rows.map((r) => r.detail).join('\n')).toContain('USING COVERING INDEX security_events_kind_created (kind=? AND created_at>?)');
    } else {
      // A table this small is read whole whatever the indexes; forbidding that shows which index the count can use.
      const plan = await db.connection().execute(async (conn) => {
        await sql`set enable_seqscan = off`.execute(conn);
        try {
          return await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(conn);
        } finally {
          await sql`reset enable_seqscan`.execute(conn);
        }
      });
      const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(text).toMatch(/Index.* Scan.* on security_events_kind_created/);
      // Conditions are listed in the index's column order: the kinds first, then the time.
      expect(text).toMatch(/Index Cond: \(\(kind = ANY .*\) AND \(created_at >= /);
    }
  });
});
