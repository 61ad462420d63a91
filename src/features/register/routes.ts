/**
 * Register: first/last name, username, email, password twice. Errors are shown
 * beside each field with the input kept (never the password). A taken username
 * is an error; an address that already has an account is not: it gets the same
 * answer as a new account ("check your email"), nothing is created, and its
 * owner is told by mail — so the form cannot be used to find out who has an
 * account. A new account gets a confirmation link by mail.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { breachedPasswordProblem, newAccountFields, passwordAvoidsAccountWords, passwordsMatch } from '../../auth/account-rules.js';
import { issueConfirmationLink, REGISTRATION_NOTICE_INTERVAL_MS } from '../../auth/email-confirmation.js';
import { hashPassword } from '../../auth/password.js';
import type { AppContext } from '../../context.js';
import { isUniqueViolation } from '../../db/database.js';
import { claimRegistrationNotice } from '../../db/email-confirmations.js';
import type { User } from '../../db/schema.js';
import { findUserByEmail, insertUser, newAccount, usernameTaken } from '../../db/users.js';
import { field, fieldErrors, formSchema } from '../../http/form-schema.js';
import type { Locale } from '../../i18n/locales.js';
import { registrationAttempt } from '../../notices/account.js';
import { notifyOwner } from '../../notices/notify.js';
import { registerPage, type RegisterValues } from './views.js';
import { HOME_PATH, LOGIN_PATH, REGISTER_PATH } from '../../lib/paths.js';

const RegisterForm = formSchema({
  first_name: field(200),
  last_name: field(200),
  username: field(200),
  email: field(500),
  password: field(4096),
  confirm_password: field(4096),
});

const RegisterRules = z
  .object({ ...newAccountFields, confirm_password: z.string() })
  .superRefine(passwordAvoidsAccountWords)
  .superRefine(passwordsMatch);

export const registerRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(REGISTER_PATH, async (request, reply) => {
    if (request.user) return reply.redirect(HOME_PATH);
    const t = request.t;
    return reply.sharedPage((csrfToken) => ({ title: t.account.register.title, body: registerPage(t, { csrfToken, values: {}, errors: {} }) }));
  });

  app.post<{ Body: z.infer<typeof RegisterForm> }>(REGISTER_PATH, { schema: { body: RegisterForm } }, async (request, reply) => {
    const t = request.t;
    const form = request.body;
    const values: RegisterValues = { first_name: form.first_name, last_name: form.last_name, username: form.username, email: form.email };
    const showErrors = (errors: Record<string, string>) =>
      reply.page(t.account.register.title, registerPage(t, { csrfToken: reply.csrfToken(), values, errors }), { status: 422 });

    const parsed = RegisterRules.safeParse(form);
    if (!parsed.success) return showErrors(fieldErrors(parsed.error, t));
    const input = parsed.data;

    // The form may say a username is taken (people choose it and must see it);
    // it never says an email address has an account (account enumeration, ASVS 5.0 V6.3.8).
    if (await usernameTaken(ctx.db, input.username)) return showErrors({ username: t.account.usernameTaken });
    const breached = await breachedPasswordProblem(ctx.pwnedPasswords, input.password);
    if (breached) return showErrors({ password: t.problems[breached] });

    // Each registration costs a hash and may send a mail: a per-IP limit before either.
    const fromIp = await ctx.limits.registrationFrom(request.ip);
    if (!fromIp.ok) {
      return reply.page(
        t.account.register.title,
        registerPage(t, { csrfToken: reply.csrfToken(), values, errors: { username: t.codes.limits.tooManyRegistrations(fromIp.retryAfterMs) } }),
        { status: 429 },
      );
    }
    // Hashed in both cases below, so a known address answers as slowly as a new one.
    const passwordHash = await hashPassword(input.password);
    const now = ctx.clock.now();
    const existing = await findUserByEmail(ctx.db, input.email);
    let outcome: 'created' | 'address_in_use' | 'username_taken';
    if (existing) {
      await tellOwnerAboutAttempt(existing, now);
      outcome = 'address_in_use';
    } else {
      outcome = await createAccount(input, passwordHash, now, request.locale);
      if (outcome === 'address_in_use') {
        // A concurrent registration took the address between the check and the insert.
        const owner = await findUserByEmail(ctx.db, input.email);
        if (owner) await tellOwnerAboutAttempt(owner, now);
      }
    }
    if (outcome === 'username_taken') return showErrors({ username: t.account.usernameTaken });
    ctx.mail.kick();
    // The same answer whether the account was created or the address already had one.
    return reply.flash('success', t.account.register.registered).redirect(LOGIN_PATH);
  });

  /**
   * The account, its confirmation link and the link's mail: one transaction, all or nothing.
   * The account keeps the language of the page it was made from: its mail (the confirmation first) speaks it.
   */
  async function createAccount(input: z.infer<typeof RegisterRules>, passwordHash: string, now: number, locale: Locale) {
    try {
      await ctx.db.transaction().execute(async (trx) => {
        const user = await insertUser(trx, newAccount(input, passwordHash, now, locale));
        await issueConfirmationLink(ctx, trx, user, now, 0);
      });
      return 'created' as const;
    } catch (error) {
      // Two registrations raced for the same name or address: the UNIQUE index decided.
      if (!isUniqueViolation(error)) throw error;
      return (await usernameTaken(ctx.db, input.username)) ? ('username_taken' as const) : ('address_in_use' as const);
    }
  }

  /**
   * Mails the owner of an address someone tried to register with (at most once an hour), instead of
   * telling the visitor; in the owner's language, not the visitor's.
   */
  async function tellOwnerAboutAttempt(owner: User, now: number): Promise<void> {
    await ctx.db.transaction().execute(async (trx) => {
      if (!(await claimRegistrationNotice(trx, owner.id, now, REGISTRATION_NOTICE_INTERVAL_MS))) return;
      await notifyOwner(ctx, trx, owner, registrationAttempt, now);
    });
  }
};
