/** "3 minutes ago" for people, with the exact UTC time for a tooltip. */
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

export function relativeTime(at: number, now: number): string {
  const deltaSeconds = Math.round((at - now) / 1000);
  const abs = Math.abs(deltaSeconds);
  if (abs < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    if (abs >= size || unit === 'minute') return format.format(Math.round(deltaSeconds / size), unit);
  }
  return 'just now';
}

/** "2026-11-25 19:33 UTC" */
export function exactUtc(at: number): string {
  return new Date(at).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
