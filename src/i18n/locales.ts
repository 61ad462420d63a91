/**
 * The languages Gatehouse speaks and how a request picks one: the visitor's
 * own choice (the language switcher's cookie) first, then the browser's
 * Accept-Language, then English. See docs/decisions/014-languages.md.
 */
export const LOCALES = ['en', 'es'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Each language named in itself, as the switcher shows it (WCAG 3.1.2: marked with its own `lang`). */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', es: 'Español' };

export function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'es';
}

/** Accept-Language longer than this is not read past it (a header is attacker-controlled input). */
const MAX_ACCEPT_LANGUAGE_LENGTH = 512;

/**
 * The best supported locale for an Accept-Language header (RFC 9110 §12.5.4):
 * ranges by descending q, the first whose primary subtag we speak wins
 * ("es-MX" → es). No header, q=0 only, or nothing we speak → English.
 */
export function negotiateLocale(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return DEFAULT_LOCALE;
  let best: Locale = DEFAULT_LOCALE;
  let bestQ = 0;
  for (const part of acceptLanguage.slice(0, MAX_ACCEPT_LANGUAGE_LENGTH).split(',')) {
    const [range = '', ...params] = part.trim().split(';');
    let q = 1;
    for (const param of params) {
      const [key, value] = param.trim().split('=');
      if (key === 'q' && value !== undefined) {
        const parsed = Number(value);
        q = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
      }
    }
    const primary = range.trim().toLowerCase().split('-')[0];
    // Strictly greater: among equal weights the header's own order decides.
    if (q > bestQ && isLocale(primary)) {
      best = primary;
      bestQ = q;
    }
  }
  return best;
}
