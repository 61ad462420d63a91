/**
 * Change password, from the user's own profile. It needs the current password
 * (a borrowed or stolen session alone cannot lock the owner out), applies the
 * same rules as registration and reset, and then, in one transaction: gives
 * this browser's session a new id (ASVS 5.0 V7.2.4, re-authentication), sets
 * the new hash, ends every other session of the user, and queues a notice
 * mail with a reset link for the case that it was not the owner.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import { breachedPasswordProblem, newPasswordFormRules } from '../../auth/account-rules.js';
import { cancelRecovery } from '../../auth/account-recovery.js';
import { requireUser } from '../../auth/guards.js';
import { hashPassword, normalizePassword } from '../../auth/password.js';
import { checkCurrentPassword } from '../../auth/reauthenticate.js';
import { renewSession, signedOutMeanwhile } from '../../auth/session.js';
import { signOutEverywhereElse } from '../../auth/sign-out-everywhere.js';
import type { AppContext } from '../../context.js';
import { setPasswordHash } from '../../db/users.js';
import type { EndedSession } from '../../db/sessions.js';
import { field, fieldErrors, formSchema } from '../../http/form-schema.js';
import { passwordChanged } from '../../notices/account.js';
import { notifyOwner } from '../../notices/notify.js';
import type { FieldErrors } from '../../views/forms.js';
import { changePasswordPage } from './views.js';
import { deleteTrustedDevicesOfUser } from '../../db/trusted-devices.js';
import { deleteEmailChangesOfUser } from '../../db/email-changes.js';
import { CHANGE_PASSWORD_PATH, profilePath } from '../../lib/paths.js';

const ChangePasswordForm = formSchema({ current_password: field(4096), password: field(4096), confirm_password: field(4096) });

export const changePasswordRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(CHANGE_PASSWORD_PATH, { preHandler: requireUser }, async (request, reply) => {
    const t = request.t;
    return reply.page(t.account.changePassword.title, changePasswordPage(t, { csrfToken: reply.csrfToken(), username: request.user!.username, errors: {} }));
  });

  app.post<{ Body: z.infer<typeof ChangePasswordForm> }>(
    CHANGE_PASSWORD_PATH,
    { preHandler: requireUser, schema: { body: ChangePasswordForm } },
    async (request, reply) => {
      const user = request.user!;
      const form = request.body;
      const t = request.t;
      const showErrors = (errors: FieldErrors) =>
        reply.page(t.account.changePassword.title, changePasswordPage(t, { csrfToken: reply.csrfToken(), username: user.username, errors }), { status: 422 });

      // Every problem at once: the current password is checked even when the new one breaks a rule.
      const rules = newPasswordFormRules(user).safeParse(form);
      const current = await checkCurrentPassword(ctx, user, form.current_password, t);
      const currentOk = current.ok;
      const errors: FieldErrors = {
        ...(current.ok ? {} : { current_password: current.message }),
        ...(rules.success ? {} : fieldErrors(rules.error, t)),
      };
      if (currentOk && errors.password === undefined && normalizePassword(form.password) === normalizePassword(form.current_password)) {
        errors.password = t.account.changePassword.sameAsCurrent;
      }
      if (Object.keys(errors).length > 0) return showErrors(errors);

      const breached = await breachedPasswordProblem(ctx.pwnedPasswords, form.password);
      if (breached) return showErrors({ password: t.problems[breached] });

      const passwordHash = await hashPassword(form.password);
      const now = ctx.clock.now();
      let ended: EndedSession[] = [];
      const changed = await ctx.db.transaction().execute(async (trx) => {
        // This browser stays signed in, under a new session id (how it signed in is kept); first, so that a
        // session ended meanwhile changes nothing.
        if (!(await renewSession(ctx, request, reply, trx))) return false;
        await setPasswordHash(trx, user.id, passwordHash);
        // Whoever else had a session (a stolen cookie, a forgotten shared computer) is signed out, with their apps.
        ended = await signOutEverywhereElse(trx, user, request.session!.id);
        await deleteTrustedDevicesOfUser(trx, user.id);
        await deleteEmailChangesOfUser(trx, user.id);
        // A recovery waiting on the old password ends with it (src/auth/account-recovery.ts).
        await cancelRecovery(ctx, request, user, 'password-changed', trx);
        // The notice speaks the owner's language (stored on the account), not this page's.
        await notifyOwner(ctx, trx, user, passwordChanged, now);
        return true;
      });
      if (!changed) return signedOutMeanwhile(ctx, request, reply);
      ctx.mail.kick();
      await ctx.identityProvider.sessionsEnded(ended, 'account-secured');
      return reply.flash('success', t.account.changePassword.changed).redirect(profilePath(user.username));
    },
  );
};
