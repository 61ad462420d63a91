/**
 * The message catalogues: the compiler already makes Spanish match English's
 * shape; these check what it cannot — that nothing is left untranslated or
 * empty, placeholders survive translation, and a request's language is
 * negotiated as RFC 9110 says.
 */
import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en/index.js';
import { es } from '../../src/i18n/es/index.js';
import { negotiateLocale } from '../../src/i18n/locales.js';
import { SafeHtml } from '../../src/views/html.js';

type Leaf = { path: string; value: unknown };

function leaves(node: unknown, path = ''): Leaf[] {
  if (typeof node === 'string' || typeof node === 'function' || node instanceof SafeHtml) return [{ path, value: node }];
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  return [{ path, value: node }];
}

const text = (v: unknown) => (v instanceof SafeHtml ? v.value : String(v));

/** The same in both languages, rightly: names, codes and symbols. */
const SAME_IN_BOTH = new Set([
  'common.appName',
  'common.layout.title',
  'common.errors.errorTitle',
  'common.devOutbox.kinds.sms',
  'mail.signOff',
  // The console's Apps section: "app(s)" is the Spanish word the site uses; "Web" and "No" are Spanish too;
  // client_id is the protocol's name for it, which operators look up.
  'admin.nav.apps',
  'admin.apps.title',
  'admin.apps.heading',
  'admin.apps.columns.clientId',
  'admin.apps.fields.clientId',
  'admin.apps.kinds.web',
  'admin.apps.no',
]);

describe('catalogues', () => {
  const english = new Map(leaves(en).map((l) => [l.path, l.value]));
  const spanish = new Map(leaves(es).map((l) => [l.path, l.value]));

  it('have the same keys, each a message of the same kind and arity', () => {
    expect([...spanish.keys()].sort()).toEqual([...english.keys()].sort());
    for (const [path, value] of english) {
      const other = spanish.get(path);
      expect(typeof other, path).toBe(typeof value);
      if (typeof value === 'function') expect((other as (...a: unknown[]) => unknown).length, path).toBe(value.length);
      expect(other instanceof SafeHtml, path).toBe(value instanceof SafeHtml);
    }
  });

  it('leave nothing empty or untranslated', () => {
    const untranslated: string[] = [];
    for (const [path, value] of spanish) {
      if (path === 'common.locale') continue;
      if (typeof value === 'function') continue; // compared by their output in the HTTP and browser tests
      expect(text(value).trim(), path).not.toBe('');
      if (text(value) === text(english.get(path)) && !SAME_IN_BOTH.has(path)) untranslated.push(path);
    }
    expect(untranslated).toEqual([]);
  });

  it('keep the placeholders that scripts fill in', () => {
    for (const [path, value] of english) {
      if (typeof value !== 'string') continue;
      for (const placeholder of value.match(/\{[a-z]+\}/g) ?? []) expect(text(spanish.get(path)), path).toContain(placeholder);
    }
  });

  it('say their own language', () => {
    expect(en.common.locale).toBe('en');
    expect(es.common.locale).toBe('es');
  });

  it('write exact times in UTC, in each language', () => {
    const at = Date.UTC(2026, 10, 25, 9, 3);
    expect(en.common.time.exact(at)).toBe('2026-11-25 09:03 UTC');
    expect(es.common.time.exact(at)).toBe('25 de noviembre de 2026 a las 09:03 UTC');
  });

  it('count in the singular for one', () => {
    expect(en.codes.codeEntry.waitNote(1)).toBe(en.codes.codeEntry.waitNoteTemplate.one);
    expect(es.codes.codeEntry.waitNote(1)).toBe(es.codes.codeEntry.waitNoteTemplate.one);
    expect(es.codes.codeEntry.waitNote(30)).toBe(es.codes.codeEntry.waitNoteTemplate.other.replace('{seconds}', '30'));
    expect(es.codes.resendTooSoon(1)).toBe('Espera 1 segundo antes de pedir otro código.');
    expect(es.codes.recoveryCodes.low(1)).toContain('Te queda 1 código');
    expect(es.login.mail.recoveryCodeUsed.what('hoy', 0)).toContain('no te queda ninguno');
    expect(en.login.mail.recoveryCodeUsed.what('today', 0)).toContain('you have none left');
  });
});

describe('negotiateLocale (Accept-Language, RFC 9110 §12.5.4)', () => {
  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['es', 'es'],
    ['es-MX', 'es'],
    ['ES-es', 'es'],
    ['en-US,en;q=0.9,es;q=0.8', 'en'],
    ['es-ES,es;q=0.9,en;q=0.8', 'es'],
    ['fr-FR,fr;q=0.9,es;q=0.5,en;q=0.4', 'es'],
    ['fr-FR,de;q=0.9', 'en'],
    ['en;q=0.2, es;q=0.9', 'es'],
    ['es;q=0', 'en'],
    ['es;q=2', 'en'],
    ['es;q=abc, en', 'en'],
    ['*', 'en'],
    [';;;,,,==', 'en'],
  ] as const)('%s → %s', (header, locale) => {
    expect(negotiateLocale(header)).toBe(locale);
  });

  it('reads a bounded part of a huge header', () => {
    expect(negotiateLocale(`${'x-y;q=0.1,'.repeat(10_000)}es`)).toBe('en');
    expect(negotiateLocale(`es,${'x'.repeat(100_000)}`)).toBe('es');
  });
});
