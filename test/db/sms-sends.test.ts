/**
 * The record of code sends (src/db/sms-sends.ts, migration 022), on both databases: counted per UTC hour or day,
 * country, channel and outcome; deleted by housekeeping once older than SMS_SEND_RETENTION_MS.
 */
import { describe, expect, it } from 'vitest';
import { purgeExpired } from '../../src/db/housekeeping.js';
import { countSmsSends, recordSmsSend, SMS_SEND_RETENTION_MS, type SmsSendRecord } from '../../src/db/sms-sends.js';
import { days, hours, minutes } from '../../src/lib/duration.js';
import { forEachDatabase, useDatabase } from '../support/databases.js';

const DAY0 = Date.UTC(2026, 10, 20);

const send = (at: number, over: Partial<SmsSendRecord> = {}): SmsSendRecord => ({ at, country: 'US', callingCode: '1', channel: 'sms', outcome: 'sent', reason: null, ...over });

describe.each(forEachDatabase())('code send record on $name', (target) => {
  const handle = useDatabase(target);

  it('counts per bucket, country, channel and outcome, from a time on', async () => {
    const { db } = handle();
    await recordSmsSend(db, send(DAY0 + hours(1)));
    await recordSmsSend(db, send(DAY0 + hours(1) + minutes(59)));
    await recordSmsSend(db, send(DAY0 + hours(2), { channel: 'call' }));
    await recordSmsSend(db, send(DAY0 + hours(2), { country: 'GB', callingCode: '44', outcome: 'failed', reason: 'unavailable' }));
    await recordSmsSend(db, send(DAY0 + days(1), { country: null, callingCode: '882', outcome: 'refused', reason: 'country' }));
    await recordSmsSend(db, send(DAY0 - minutes(1))); // before the range

    const perHour = await countSmsSends(db, DAY0, hours(1));
    const sorted = perHour.sort((a, b) => a.bucket - b.bucket || (a.country ?? '').localeCompare(b.country ?? '') || a.channel.localeCompare(b.channel));
    expect(sorted).toEqual([
      { bucket: DAY0 + hours(1), country: 'US', calling_code: '1', channel: 'sms', outcome: 'sent', n: 2 },
      { bucket: DAY0 + hours(2), country: 'GB', calling_code: '44', channel: 'sms', outcome: 'failed', n: 1 },
      { bucket: DAY0 + hours(2), country: 'US', calling_code: '1', channel: 'call', outcome: 'sent', n: 1 },
      { bucket: DAY0 + days(1), country: null, calling_code: '882', channel: 'sms', outcome: 'refused', n: 1 },
    ]);
    const perDay = await countSmsSends(db, DAY0, days(1));
    expect(perDay.filter((r) => r.bucket === DAY0).reduce((sum, r) => sum + r.n, 0)).toBe(4);
    expect(perDay.filter((r) => r.bucket === DAY0 + days(1)).reduce((sum, r) => sum + r.n, 0)).toBe(1);
  });

  it('housekeeping deletes sends older than SMS_SEND_RETENTION_MS, and only those', async () => {
    const { db } = handle();
    const now = DAY0 + days(10);
    await recordSmsSend(db, send(now - SMS_SEND_RETENTION_MS - 1));
    await recordSmsSend(db, send(now - SMS_SEND_RETENTION_MS + 1));
    expect(await purgeExpired(db, now)).toBe(1);
    const left = await countSmsSends(db, 0, days(1));
    expect(left.reduce((sum, r) => sum + r.n, 0)).toBe(1);
  });
});
