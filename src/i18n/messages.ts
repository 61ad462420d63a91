/**
 * The message catalogue: every word a person reads on a page or in a mail
 * comes from here, in their language. A catalogue is a typed object: English
 * (src/i18n/en) is the source, and each other language must have the same
 * keys with the same parameters, so a missing or misnamed translation is a
 * compile error, not an English word on a Spanish page. Messages are strings,
 * SafeHtml where they carry markup, or functions of their parameters (each
 * language owns its own plurals and word order). See docs/decisions/014-languages.md.
 */
import { en } from './en/index.js';
import { es } from './es/index.js';
import type { Problem } from '../lib/problems.js';
import { DEFAULT_LOCALE, isLocale, type Locale } from './locales.js';

export type Messages = typeof en;

/** A rule's complaint about a field's value (src/auth/account-rules.ts): a key, shown in the reader's language. */
export type { Problem } from '../lib/problems.js';

const catalogs: Record<Locale, Messages> = { en, es };

export function messagesFor(locale: Locale): Messages {
  return catalogs[locale];
}

/**
 * The catalogue for a recipient who is not the one making the request (mail to
 * an account's owner): the language stored on the account, else English.
 */
export function messagesForAccount(account: { locale?: string | null }): Messages {
  return catalogs[isLocale(account.locale) ? account.locale : DEFAULT_LOCALE];
}

/** The message of a problem key, or the text itself when a rule was given plain text (a bug, shown rather than hidden). */
export function problemText(t: Messages, key: string): string {
  return key in t.problems ? t.problems[key as Problem] : key;
}
