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
/** Intl formatting is slow next to the rest of a page, and the phrases are few: keep the ones made. */
const phrases = new Map<string, string>();
const MAX_PHRASES = 2000;

function phrase(value: number, unit: Intl.RelativeTimeFormatUnit): string {
  const key = `${value} ${unit}`;
  let text = phrases.get(key);
  if (text === undefined) {
    text = format.format(value, unit);
    if (phrases.size >= MAX_PHRASES) phrases.clear();
    phrases.set(key, text);
  }
  return text;
}

export function relativeTime(at: number, now: number): string {
  const deltaSeconds = Math.round((at - now) / 1000);
  const abs = Math.abs(deltaSeconds);
  if (abs < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    if (abs >= size || unit === 'minute') return phrase(Math.round(deltaSeconds / size), unit);
  }
  return 'just now';
}

/** "2026-11-25 19:33 UTC" */
export function exactUtc(at: number): string {
  return new Date(at).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
