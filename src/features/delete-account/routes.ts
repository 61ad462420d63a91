/**
 * Deleting one's own account, after step-up and the username typed: the apps' access, sessions and the row go in
 * one transaction, the apps are told, and the (former) address gets a confirmation.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import { requireUser } from '../../auth/guards.js';
import { endSession } from '../../auth/session.js';
import { endAppAccess } from '../../auth/sign-out-everywhere.js';
import { requireRecentAuthentication } from '../../auth/step-up.js';
import type { AppContext } from '../../context.js';
import { deleteSessionsOfUser, type EndedSession } from '../../db/sessions.js';
import { deleteUser, normalizeUsername } from '../../db/users.js';
import { field, formSchema } from '../../http/form-schema.js';
import { DELETE_ACCOUNT_PATH, LOGIN_PATH } from '../../lib/paths.js';
import { accountDeleted } from '../../notices/account.js';
import { notifyOwner } from '../../notices/notify.js';
import { deleteAccountPage } from './views.js';

const DeleteForm = formSchema({ confirm_username: field(200) });

export const deleteAccountRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const stepUp = (formPage: string) => requireRecentAuthentication(ctx.clock, formPage);

  app.get(DELETE_ACCOUNT_PATH, { preHandler: [requireUser, stepUp(DELETE_ACCOUNT_PATH)] }, async (request, reply) =>
    reply.page(request.t.security.deleteAccount.title, deleteAccountPage(request.t, { csrfToken: reply.csrfToken(), username: request.user!.username }), { noReferrer: true }),
  );

  app.post<{ Body: z.infer<typeof DeleteForm> }>(
    DELETE_ACCOUNT_PATH,
    { preHandler: [requireUser, stepUp(DELETE_ACCOUNT_PATH)], schema: { body: DeleteForm } },
    async (request, reply) => {
      const user = request.user!;
      const t = request.t;
      if (normalizeUsername(request.body.confirm_username) !== user.username_normalized) {
        return reply.page(t.security.deleteAccount.title, deleteAccountPage(t, { csrfToken: reply.csrfToken(), username: user.username, error: t.security.deleteAccount.mismatch }), {
          status: 422,
          noReferrer: true,
        });
      }
      const now = ctx.clock.now();
      let ended: EndedSession[] = [];
      await ctx.db.transaction().execute(async (trx) => {
        // Deleting the account deletes its mail, sent or not (ON DELETE CASCADE): a reset link or code still
        // waiting must not reach a mailbox after the account is gone. This confirmation belongs to no account
        // (`accountGone`), so it survives the delete.
        await endAppAccess(trx, user); // the apps' tokens name the account by its subject, not its row
        ended = await deleteSessionsOfUser(trx, user.id); // they would go with the row; their apps are told below
        await deleteUser(trx, user.id);
        await notifyOwner(ctx, trx, user, accountDeleted(user.username), now);
      });
      ctx.mail.kick();
      await ctx.identityProvider.sessionsEnded(ended, 'account-secured');
      request.log.info({ userId: user.id }, 'account deleted by its owner');
      await endSession(ctx, request, reply); // its row is gone already; this clears the cookies
      return reply.flash('info', t.security.flash.deleted).redirect(LOGIN_PATH);
    },
  );
};
