/** Profile pages (signed-in users only, as in the original) and editing one's own. */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { aboutMeRule, usernameRule } from '../../auth/account-rules.js';
import { factorsOf, hasSecondFactor } from '../../auth/factors.js';
import { requireUser } from '../../auth/guards.js';
import type { AppContext } from '../../context.js';
import { isUniqueViolation } from '../../db/database.js';
import { findUserByUsername, updateProfile, usernameTaken } from '../../db/users.js';
import { field, fieldErrors, formSchema } from '../../http/form-schema.js';
import { notFoundPage } from '../../views/error-pages.js';
import { editProfilePage, profilePage } from './views.js';
import { EDIT_PROFILE_PATH, PROFILE_ROUTE, profilePath } from '../../lib/paths.js';

const ProfileParams = z.object({ username: z.string().max(200) });
const EditForm = formSchema({ username: field(200), about_me: field(4000) });
const EditRules = z.object({ username: usernameRule, about_me: aboutMeRule });

export const profileRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get<{ Params: z.infer<typeof ProfileParams> }>(
    PROFILE_ROUTE,
    { preHandler: requireUser, schema: { params: ProfileParams } },
    async (request, reply) => {
      const t = request.t;
      const user = await findUserByUsername(ctx.db, request.params.username);
      if (!user) return reply.page(t.common.errors.notFoundTitle, notFoundPage(t), { status: 404 });
      const isOwn = user.id === request.user!.id;
      // Only the owner sees it, by the security page's rule (a passkey counts as much as SMS codes).
      const twoFactorOn = isOwn && hasSecondFactor(await factorsOf(ctx.db, user));
      return reply.page(`${user.first_name} ${user.last_name}`, profilePage(t, { user, isOwn, now: ctx.clock.now(), twoFactorOn }));
    },
  );

  app.get(EDIT_PROFILE_PATH, { preHandler: requireUser }, async (request, reply) => {
    const user = request.user!;
    const t = request.t;
    return reply.page(t.account.editProfile.title, editProfilePage(t, { csrfToken: reply.csrfToken(), username: user.username, aboutMe: user.about_me, errors: {} }));
  });

  app.post<{ Body: z.infer<typeof EditForm> }>(EDIT_PROFILE_PATH, { preHandler: requireUser, schema: { body: EditForm } }, async (request, reply) => {
    const user = request.user!;
    const t = request.t;
    const showErrors = (errors: Record<string, string>) =>
      reply.page(t.account.editProfile.title, editProfilePage(t, { csrfToken: reply.csrfToken(), username: request.body.username, aboutMe: request.body.about_me, errors }), { status: 422 });

    const parsed = EditRules.safeParse(request.body);
    if (!parsed.success) return showErrors(fieldErrors(parsed.error, t));
    const { username, about_me } = parsed.data;
    if (await usernameTaken(ctx.db, username, user.id)) return showErrors({ username: t.account.usernameTaken });
    try {
      await updateProfile(ctx.db, user.id, { username, aboutMe: about_me });
    } catch (error) {
      if (isUniqueViolation(error)) return showErrors({ username: t.account.editProfile.usernameJustTaken });
      throw error;
    }
    return reply.flash('success', t.account.editProfile.saved).redirect(profilePath(username));
  });
};
