/**
 * Register: first/last name, username, email, password twice. Errors are shown
 * beside each field with the input kept (never the password); success goes to
 * the sign-in page with a message.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { emailRule, nameRule, newPasswordRule, passwordsMatch, usernameRule } from '../../auth/account-rules.js';
import { hashPassword } from '../../auth/password.js';
import type { AppContext } from '../../context.js';
import { isUniqueViolation } from '../../db/database.js';
import { emailTaken, insertUser, normalizeEmail, normalizeUsername, usernameTaken } from '../../db/users.js';
import { field, fieldErrors, formSchema } from '../../http/form-schema.js';
import { registerPage, type RegisterValues } from './views.js';

const RegisterForm = formSchema({
  first_name: field(200),
  last_name: field(200),
  username: field(200),
  email: field(500),
  password: field(4096),
  confirm_password: field(4096),
});

const RegisterRules = z
  .object({
    first_name: nameRule('first name'),
    last_name: nameRule('last name'),
    username: usernameRule,
    email: emailRule,
    password: newPasswordRule,
    confirm_password: z.string(),
  })
  .superRefine(passwordsMatch);

export const registerRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/register', async (request, reply) => {
    if (request.user) return reply.redirect('/');
    return reply.page('Register', registerPage({ csrfToken: reply.csrfToken(), values: {}, errors: {} }));
  });

  app.post<{ Body: z.infer<typeof RegisterForm> }>('/register', { schema: { body: RegisterForm } }, async (request, reply) => {
    const form = request.body;
    const values: RegisterValues = { first_name: form.first_name, last_name: form.last_name, username: form.username, email: form.email };
    const showErrors = (errors: Record<string, string>) =>
      reply.page('Register', registerPage({ csrfToken: reply.csrfToken(), values, errors }), { status: 422 });

    const parsed = RegisterRules.safeParse(form);
    if (!parsed.success) return showErrors(fieldErrors(parsed.error));
    const input = parsed.data;

    const taken: Record<string, string> = {};
    if (await usernameTaken(ctx.db, input.username)) taken.username = 'That username is taken. Try another.';
    if (await emailTaken(ctx.db, input.email)) taken.email = 'An account already uses this email address. Sign in, or reset your password.';
    if (Object.keys(taken).length > 0) return showErrors(taken);

    const now = ctx.clock.now();
    try {
      await insertUser(ctx.db, {
        username: input.username,
        username_normalized: normalizeUsername(input.username),
        email: input.email,
        email_normalized: normalizeEmail(input.email),
        first_name: input.first_name,
        last_name: input.last_name,
        password_hash: await hashPassword(input.password),
        about_me: '',
        phone: null,
        two_factor_enabled: 0,
        created_at: now,
        last_seen_at: now,
      });
    } catch (error) {
      // Two registrations raced for the same name or address: the UNIQUE index decided.
      if (isUniqueViolation(error)) return showErrors({ username: 'That username or email was just taken. Try another.' });
      throw error;
    }
    return reply.flash('success', 'Your account is ready. Sign in to continue.').redirect('/login');
  });
};
