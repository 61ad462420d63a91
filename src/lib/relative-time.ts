/** "3 minutes ago" for people, in their language; the catalogue says "just now" and the exact time. */
import type { Locale } from '../i18n/locales.js';

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** Under this many seconds either way, a time is "just now" (the caller's word for it). */
export const JUST_NOW_SECONDS = 45;

const formats = new Map<Locale, Intl.RelativeTimeFormat>();
/** Intl formatting is slow next to the rest of a page, and the phrases are few: keep the ones made. */
const phrases = new Map<string, string>();
const MAX_PHRASES = 2000;

function phrase(locale: Locale, value: number, unit: Intl.RelativeTimeFormatUnit): string {
  const key = `${locale} ${value} ${unit}`;
  let text = phrases.get(key);
  if (text === undefined) {
    let format = formats.get(locale);
    if (!format) formats.set(locale, (format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })));
    text = format.format(value, unit);
    if (phrases.size >= MAX_PHRASES) phrases.clear();
    phrases.set(key, text);
  }
  return text;
}

/** "3 minutes ago", "in 2 days" (or "hace 3 minutos"); null when the time is "just now". */
export function relativePhrase(at: number, now: number, locale: Locale): string | null {
  const deltaSeconds = Math.round((at - now) / 1000);
  const abs = Math.abs(deltaSeconds);
  if (abs < JUST_NOW_SECONDS) return null;
  for (const [unit, size] of UNITS) {
    if (abs >= size || unit === 'minute') return phrase(locale, Math.round(deltaSeconds / size), unit);
  }
  return null;
}

/** "2026-11-25 19:33 UTC": the machine-readable form, for tooltips and logs. */
export function exactUtc(at: number): string {
  return new Date(at).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
