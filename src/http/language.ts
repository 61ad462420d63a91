/**
 * Which language each request is answered in: `request.locale` and
 * `request.t` (its message catalogue). The language switcher's cookie wins,
 * then the browser's Accept-Language, then English (src/i18n/locales.ts).
 * Both are getters: a static file or a probe never pays for them, and an
 * error page rendered before any hook ran still gets the right language.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { cookieName } from '../auth/cookies.js';
import type { Config } from '../config.js';
import { isLocale, negotiateLocale, type Locale } from '../i18n/locales.js';
import { messagesFor, type Messages } from '../i18n/messages.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The language this request is answered in. */
    readonly locale: Locale;
    /** The message catalogue of `locale`. */
    readonly t: Messages;
  }
}

/** The switcher's cookie: a preference, not a secret (readable by no script all the same). */
export const languageCookie = (config: Pick<Config, 'secureCookies'>) => cookieName(config, 'lang');

/** A year: a language choice should outlive any session. */
export const LANGUAGE_COOKIE_MAX_AGE_S = 365 * 24 * 3600;

export const languagePlugin = fp(async function language(app: FastifyInstance, opts: { config: Config }) {
  const COOKIE = languageCookie(opts.config);
  function localeOf(request: FastifyRequest): Locale {
    // `cookies` is missing on a request that failed before the cookie plugin parsed it.
    const chosen = request.cookies?.[COOKIE];
    if (isLocale(chosen)) return chosen;
    return negotiateLocale(request.headers['accept-language']);
  }
  app.decorateRequest('locale', {
    getter(this: FastifyRequest) {
      return localeOf(this);
    },
  });
  app.decorateRequest('t', {
    getter(this: FastifyRequest) {
      return messagesFor(localeOf(this));
    },
  });
});
