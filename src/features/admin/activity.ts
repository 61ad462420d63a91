/**
 * What the console's overview draws (issue #14): sign-ins, failed sign-ins, lockouts and codes sent by text or
 * call, per hour for the last 24 hours and per day for the last 7, in UTC. The databases count per bucket
 * (src/db/security-events.ts, src/db/sms-sends.ts) and return only buckets that had something; the empty ones are
 * filled in here with 0, so every chart has all its bars.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { countSecurityEvents, SIGN_IN_EVENT_KINDS, type SecurityEventKind } from '../../db/security-events.js';
import { countSmsSends } from '../../db/sms-sends.js';
import { days, hours } from '../../lib/duration.js';

export const ACTIVITY_METRICS = ['signIns', 'failedSignIns', 'lockouts', 'codesSent'] as const;
export type ActivityMetric = (typeof ACTIVITY_METRICS)[number];

/** Which security events each metric counts; codes sent come from `sms_sends`. */
const EVENT_KINDS: Record<Exclude<ActivityMetric, 'codesSent'>, readonly SecurityEventKind[]> = {
  // One event per completed sign-in, whichever way (SIGN_IN_EVENT_KINDS).
  signIns: SIGN_IN_EVENT_KINDS,
  // A wrong password for an existing account; a login that matches no one has no account to record it against.
  failedSignIns: ['sign_in_failed'],
  // Once per lockout, when it starts (src/auth/lockout-notice.ts).
  lockouts: ['sign_in_locked'],
};

/** One range of the overview: `count` buckets of `sizeMs` from `first` (a UTC hour or midnight), each metric's counts. */
export interface ActivityRange {
  first: number;
  sizeMs: number;
  count: number;
  series: Record<ActivityMetric, number[]>;
}

export interface Activity {
  perHour: ActivityRange;
  perDay: ActivityRange;
}

/** The counts per bucket, 0 where the database had no row; rows outside the range are left out. */
export function fillBuckets(rows: readonly { bucket: number; n: number }[], first: number, sizeMs: number, count: number): number[] {
  const values = new Array<number>(count).fill(0);
  for (const row of rows) {
    const i = (row.bucket - first) / sizeMs;
    if (Number.isInteger(i) && i >= 0 && i < count) values[i]! += row.n;
  }
  return values;
}

async function rangeOf(db: Kysely<Database>, first: number, sizeMs: number, count: number): Promise<ActivityRange> {
  const kinds = Object.values(EVENT_KINDS).flat();
  const [events, sends] = await Promise.all([countSecurityEvents(db, kinds, first, sizeMs), countSmsSends(db, first, sizeMs)]);
  const eventsOf = (metric: keyof typeof EVENT_KINDS) =>
    fillBuckets(
      events.filter((e) => EVENT_KINDS[metric].includes(e.kind)),
      first,
      sizeMs,
      count,
    );
  return {
    first,
    sizeMs,
    count,
    series: {
      signIns: eventsOf('signIns'),
      failedSignIns: eventsOf('failedSignIns'),
      lockouts: eventsOf('lockouts'),
      // Codes that went out, by text or call; those Gatehouse refused or the provider failed are on the SMS page.
      codesSent: fillBuckets(
        sends.filter((s) => s.outcome === 'sent'),
        first,
        sizeMs,
        count,
      ),
    },
  };
}

/** Whole UTC hours (this one and the 23 before it) and whole UTC days (today and the 6 before), as the SMS page. */
export async function consoleActivity(db: Kysely<Database>, now: number): Promise<Activity> {
  const firstHour = Math.floor(now / hours(1)) * hours(1) - hours(23);
  const firstDay = Math.floor(now / days(1)) * days(1) - days(6);
  const [perHour, perDay] = await Promise.all([rangeOf(db, firstHour, hours(1), 24), rangeOf(db, firstDay, days(1), 7)]);
  return { perHour, perDay };
}
