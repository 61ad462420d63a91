/**
 * The language switcher (POST /language, from the footer of every page):
 * remembers the choice in a cookie for this browser and, for a signed-in
 * owner, on the account, so the mail Gatehouse sends them follows it too.
 * Then back to the page it was chosen on: only a path on this site
 * (`safeNextPath`), so it cannot be used as an open redirect.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import { baseCookieOptions } from '../../auth/cookies.js';
import { safeNextPath } from '../../auth/redirects.js';
import type { AppContext } from '../../context.js';
import { setUserLocale } from '../../db/users.js';
import { field, formSchema } from '../../http/form-schema.js';
import { LANGUAGE_COOKIE_MAX_AGE_S, languageCookie } from '../../http/language.js';
import { isLocale } from '../../i18n/locales.js';
import { HOME_PATH, LANGUAGE_PATH } from '../../lib/paths.js';

const LanguageForm = formSchema({ lang: field(10), next: field(2000).optional() });

export const languageRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const COOKIE = languageCookie(ctx.config);
  const cookieOptions = { ...baseCookieOptions(ctx.config), maxAge: LANGUAGE_COOKIE_MAX_AGE_S };

  app.post<{ Body: z.infer<typeof LanguageForm> }>(LANGUAGE_PATH, { schema: { body: LanguageForm } }, async (request, reply) => {
    const { lang, next } = request.body;
    const back = safeNextPath(next) ?? HOME_PATH;
    // Not a language we speak: nothing to remember; the page stays as it was.
    if (!isLocale(lang)) return reply.redirect(back, 303);
    // The signed-in owner only: a pending sign-in has not proved it is them.
    if (request.user) await setUserLocale(ctx.db, request.user.id, lang);
    return reply.setCookie(COOKIE, lang, cookieOptions).redirect(back, 303);
  });
};
