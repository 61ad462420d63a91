/**
 * The console's people (src/features/admin): the search, a person's page, and the actions an admin takes to help
 * someone back in — each behind step-up (guard.ts), each written to the audit log and to the person's own
 * activity.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { factorsOf } from '../../auth/factors.js';
import { accountKey, loginKey } from '../../auth/lockout.js';
import { SESSION_IDLE_TIMEOUT_MS } from '../../auth/policy.js';
import type { AppContext } from '../../context.js';
import { searchPeople } from '../../db/admin-people.js';
import { listAdminAudit, recordAdminAction, type AdminAction } from '../../db/admin-audit.js';
import { appsWithAccess } from '../../db/app-access.js';
import type { User } from '../../db/schema.js';
import { recentSecurityEvents, SECURITY_EVENT_RETENTION_MS } from '../../db/security-events.js';
import { deleteSessionsOfUser, liveSessionsOfUser } from '../../db/sessions.js';
import { trustedDevicesOfUser } from '../../db/trusted-devices.js';
import { addUserToGroup, groupsOf, isGroupName, MAX_GROUP_NAME_LENGTH, removeUserFromGroup } from '../../db/user-groups.js';
import { deleteUser, findUserById, normalizeUsername, setSuspended } from '../../db/users.js';
import { notFoundPage } from '../../views/error-pages.js';
import { logSecurityEvent } from '../../auth/events.js';
import { issueConfirmationLink } from '../../auth/email-confirmation.js';
import { resetAllFactors } from '../../auth/reset-factors.js';
import { endAppAccess, signOutEverywhere } from '../../auth/sign-out-everywhere.js';
import { issueResetLink } from '../../auth/password-reset-link.js';
import { accountDeletedByAdmin } from '../../notices/account.js';
import { notifyOwner } from '../../notices/notify.js';
import type { SecurityEventKind } from '../../db/security-events.js';
import { field, formSchema, rowId, searchText } from '../../http/form-schema.js';
import { requireStepUp, steppedUp } from './guard.js';
import { CONSOLE_STYLES } from './views.js';
import { peoplePage, personPage, type LockoutState } from './people-views.js';
import { CONSOLE_PATH } from '../../lib/paths.js';

/** People per page of the search. */
export const PEOPLE_PAGE_SIZE = 50;

const PeopleQuery = z.object({ q: searchText(320).optional(), after: z.string().max(400).optional() });
const PersonParams = z.object({ id: rowId() });
const EmptyForm = formSchema({});
const GroupForm = formSchema({ group: field(200) });
const SuspendForm = formSchema({ reason: field(500).optional() });
const DeleteForm = formSchema({ confirm_username: field(200) });

/** What an action came to: done and recorded (with what the audit keeps), or nothing done (and why). */
type ActionOutcome =
  | { recorded: true; say: string; detail?: Record<string, string | number | boolean | null>; afterCommit?: () => Promise<void> }
  | { recorded: false; say: string; kind: 'info' | 'error' };

/** A person's page: where an action's answer (and a step-up) leads back to. */
export const personPath = (id: number | string) => `${CONSOLE_PATH}/people/${id}`;

export const peopleRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const page = { styles: CONSOLE_STYLES };

  app.get<{ Querystring: z.infer<typeof PeopleQuery> }>(`${CONSOLE_PATH}/people`, { schema: { querystring: PeopleQuery } }, async (request, reply) => {
    const t = request.t;
    const q = (request.query.q ?? '').trim();
    const found = await searchPeople(ctx.db, q, request.query.after ?? null, PEOPLE_PAGE_SIZE);
    const nextHref = found.next === null ? null : `${CONSOLE_PATH}/people?${new URLSearchParams({ ...(q ? { q } : {}), after: found.next }).toString()}`;
    return reply.page(t.admin.people.title, peoplePage(t, { q, rows: found.rows, nextHref, now: ctx.clock.now() }), page);
  });

  app.get<{ Params: z.infer<typeof PersonParams> }>(`${CONSOLE_PATH}/people/:id`, { schema: { params: PersonParams } }, async (request, reply) => {
    const t = request.t;
    const user = await findUserById(ctx.db, Number(request.params.id));
    if (!user) return reply.page(t.common.errors.notFoundTitle, notFoundPage(t), { status: 404 });
    const now = ctx.clock.now();
    const [factors, sessions, devices, apps, groups, events, audit, lockout] = await Promise.all([
      factorsOf(ctx.db, user),
      liveSessionsOfUser(ctx.db, user.id, now, SESSION_IDLE_TIMEOUT_MS),
      trustedDevicesOfUser(ctx.db, user.id, now),
      appsWithAccess(ctx.db, user.id),
      groupsOf(ctx.db, user.id),
      recentSecurityEvents(ctx.db, user.id, now - SECURITY_EVENT_RETENTION_MS, 20),
      listAdminAudit(ctx.db, { targetId: user.id }, { limit: 20 }),
      lockoutOf(ctx, user),
    ]);
    return reply.page(
      t.admin.person.title(user.username),
      personPage(t, { user, factors, lockout, sessions, devices, apps, groups, events, audit, now, csrfToken: reply.csrfToken(), steppedUp: steppedUp(request, now) }),
      page,
    );
  });

  // ---- Actions: each behind step-up, recorded in the audit log and in the person's own activity ----

  const stepUp = requireStepUp(ctx, (request) => personPath((request.params as { id: string }).id));

  /**
   * One action on a person, at `POST /admin/people/:id/<name>`. `act` runs in one transaction with the audit entry
   * and the person's security event, so the change and its record commit together; what must wait for the commit
   * (telling apps their sessions ended, waking the mail worker) goes in `afterCommit`. A person deleted meanwhile is
   * a 404; an action with nothing to do records nothing and says so.
   */
  function personAction<B extends Record<string, string | undefined>>(
    name: string,
    schema: ReturnType<typeof formSchema>,
    audit: AdminAction,
    event: SecurityEventKind | null,
    act: (trx: AppContext['db'], user: User, request: FastifyRequest<{ Params: z.infer<typeof PersonParams>; Body: B }>) => Promise<ActionOutcome>,
  ) {
    app.post<{ Params: z.infer<typeof PersonParams>; Body: B }>(
      `${CONSOLE_PATH}/people/:id/${name}`,
      { schema: { params: PersonParams, body: schema }, preHandler: stepUp },
      async (request, reply: FastifyReply) => {
        const admin = request.user!;
        const result = await ctx.db.transaction().execute(async (trx) => {
          const user = await findUserById(trx, Number(request.params.id));
          if (!user) return null;
          const outcome = await act(trx, user, request);
          if (outcome.recorded) {
            await recordAdminAction(trx, {
              action: audit,
              now: ctx.clock.now(),
              actor: { id: admin.id, name: admin.username },
              target: { id: user.id, username: user.username },
              detail: outcome.detail ?? null,
              ip: request.ip,
              requestId: request.id,
            });
            if (event) await logSecurityEvent(ctx, request, user.id, event, trx);
          }
          return { user, outcome };
        });
        if (!result) return reply.page(request.t.common.errors.notFoundTitle, notFoundPage(request.t), { status: 404 });
        // Done and recorded: what follows the commit (telling apps, waking the mail worker) cannot undo it, and a
        // failure there is logged, not shown as if the action had failed.
        if (result.outcome.recorded) {
          await result.outcome.afterCommit?.().catch((error: unknown) => request.log.error({ err: error, action: audit }, 'an admin action was done, but what follows it failed'));
        }
        return reply.flash(result.outcome.recorded ? 'success' : result.outcome.kind, result.outcome.say).redirect(personPath(result.user.id), 303);
      },
    );
  }

  personAction('unlock', EmptyForm, 'lockout_cleared', 'lockout_cleared_by_admin', async (_trx, user, request) => {
    await clearLockouts(ctx, user);
    return { recorded: true, say: request.t.admin.person.flash.unlocked(user.username) };
  });

  // Every session and what apps hold through the account (they sign in again); the apps are told after the commit.
  personAction('sign-out', EmptyForm, 'sessions_ended', 'sessions_ended_by_admin', async (trx, user, request) => {
    const ended = await signOutEverywhere(trx, user);
    return {
      recorded: true,
      detail: { sessions: ended.length },
      say: request.t.admin.person.flash.signedOut(user.username, ended.length),
      afterCommit: () => ctx.identityProvider.sessionsEnded(ended, 'account-secured'),
    };
  });

  personAction('reset-factors', EmptyForm, 'factors_reset', null, async (trx, user, request) => {
    if (user.is_admin === 1) return { recorded: false, kind: 'error', say: request.t.admin.person.flash.anAdmin(user.username) };
    const userAgent = request.headers['user-agent'];
    // The person's activity says an administrator did it, from the admin's address (resetAllFactors writes it).
    const reset = await resetAllFactors(ctx, trx, user.id, ctx.clock.now(), { ip: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : null });
    const t = request.t.admin.person.flash;
    if (!reset?.done) return { recorded: false, kind: 'info', say: t.nothingToReset(user.username) };
    return {
      recorded: true,
      detail: { passkeys: reset.plan.passkeys, app: reset.plan.app, sms: reset.plan.smsPhone !== null, recovery_codes: reset.plan.unusedRecoveryCodes, sessions: reset.ended.length },
      say: t.factorsReset(user.username),
      afterCommit: async () => {
        ctx.mail.kick();
        await ctx.identityProvider.sessionsEnded(reset.ended, 'account-secured');
      },
    };
  });

  // No sign-in completes while suspended (the login and passkey pages say so, and whom to contact); every session
  // and every app's access end now. The reason is the operators' own note, kept in the audit log only.
  personAction<{ reason?: string }>('suspend', SuspendForm, 'account_suspended', 'account_suspended_by_admin', async (trx, user, request) => {
    const t = request.t.admin.person.flash;
    if (user.is_admin === 1) return { recorded: false, kind: 'error', say: t.anAdmin(user.username) };
    if (user.suspended_at !== null) return { recorded: false, kind: 'info', say: t.alreadySuspended(user.username) };
    await setSuspended(trx, user.id, ctx.clock.now());
    const ended = await signOutEverywhere(trx, user);
    const reason = request.body.reason?.trim() || null;
    return {
      recorded: true,
      detail: { reason, sessions: ended.length },
      say: t.suspended(user.username),
      afterCommit: () => ctx.identityProvider.sessionsEnded(ended, 'account-secured'),
    };
  });

  personAction('reactivate', EmptyForm, 'account_reactivated', 'account_reactivated_by_admin', async (trx, user, request) => {
    const t = request.t.admin.person.flash;
    if (user.suspended_at === null) return { recorded: false, kind: 'info', say: t.notSuspended(user.username) };
    await setSuspended(trx, user.id, null);
    return { recorded: true, say: t.reactivated(user.username) };
  });

  personAction('send-reset-link', EmptyForm, 'reset_link_sent', 'reset_link_sent_by_admin', async (trx, user, request) => {
    // A new link to the account's own address (the last one stops working): the operator never sees it.
    await issueResetLink(ctx, trx, user, ctx.clock.now());
    return { recorded: true, say: request.t.admin.person.flash.resetLinkSent(user.username), afterCommit: async () => ctx.mail.kick() };
  });

  personAction('resend-confirmation', EmptyForm, 'confirmation_resent', 'confirmation_resent_by_admin', async (trx, user, request) => {
    const t = request.t.admin.person.flash;
    if (user.email_confirmed_at !== null) return { recorded: false, kind: 'info', say: t.alreadyConfirmed(user.username) };
    await issueConfirmationLink(ctx, trx, user, ctx.clock.now(), 0);
    return { recorded: true, say: t.confirmationSent(user.username), afterCommit: async () => ctx.mail.kick() };
  });

  personAction<{ group: string }>('groups/add', GroupForm, 'group_added', 'group_added_by_admin', async (trx, user, request) => {
    const t = request.t.admin.person.flash;
    const group = request.body.group.trim();
    if (!isGroupName(group)) return { recorded: false, kind: 'error', say: t.notAGroupName(group, MAX_GROUP_NAME_LENGTH) };
    if (!(await addUserToGroup(trx, user.id, group))) return { recorded: false, kind: 'info', say: t.alreadyInGroup(user.username, group) };
    return { recorded: true, detail: { group }, say: t.groupAdded(user.username, group) };
  });

  personAction<{ group: string }>('groups/remove', GroupForm, 'group_removed', 'group_removed_by_admin', async (trx, user, request) => {
    const t = request.t.admin.person.flash;
    const group = request.body.group;
    if (!(await removeUserFromGroup(trx, user.id, group))) return { recorded: false, kind: 'info', say: t.notInGroup(user.username, group) };
    return { recorded: true, detail: { group }, say: t.groupRemoved(user.username, group) };
  });

  // Delete, with the username typed as confirmation. Not a personAction: the person's page is gone after it, and so
  // is their activity log — the audit entry (no foreign key) is what remains. The owner is mailed (the mail belongs
  // to no account, so it outlives the row), the apps are told after the commit.
  app.post<{ Params: z.infer<typeof PersonParams>; Body: z.infer<typeof DeleteForm> }>(
    `${CONSOLE_PATH}/people/:id/delete`,
    { schema: { params: PersonParams, body: DeleteForm }, preHandler: stepUp },
    async (request, reply) => {
      const t = request.t;
      const admin = request.user!;
      const now = ctx.clock.now();
      const result = await ctx.db.transaction().execute(async (trx) => {
        const user = await findUserById(trx, Number(request.params.id));
        if (!user) return null;
        if (user.is_admin === 1) return { kind: 'refused' as const, user, say: t.admin.person.flash.anAdmin(user.username) };
        if (normalizeUsername(request.body.confirm_username) !== user.username_normalized) return { kind: 'refused' as const, user, say: t.admin.person.flash.deleteMismatch(user.username) };
        await endAppAccess(trx, user); // the apps' tokens name the account by its subject, not its row
        const ended = await deleteSessionsOfUser(trx, user.id); // they would go with the row; their apps are told below
        await deleteUser(trx, user.id);
        await notifyOwner(ctx, trx, user, accountDeletedByAdmin(user.username, ctx.config.supportContact), now);
        await recordAdminAction(trx, { action: 'account_deleted', now, actor: { id: admin.id, name: admin.username }, target: { id: user.id, username: user.username }, detail: { email: user.email }, ip: request.ip, requestId: request.id });
        return { kind: 'deleted' as const, user, ended };
      });
      if (!result) return reply.page(t.common.errors.notFoundTitle, notFoundPage(t), { status: 404 });
      if (result.kind === 'refused') return reply.flash('error', result.say).redirect(personPath(result.user.id), 303);
      ctx.mail.kick();
      await ctx.identityProvider.sessionsEnded(result.ended, 'account-secured');
      request.log.info({ userId: result.user.id, by: admin.id }, 'account deleted by an admin');
      return reply.flash('success', t.admin.person.flash.deleted(result.user.username)).redirect(`${CONSOLE_PATH}/people`, 303);
    },
  );
};

/**
 * The lockout keys that stand for the person (src/auth/limits.ts): the account's, and those of its two logins —
 * the sign-in page's answer follows the typed login's key, so a person can be paused there while the account's
 * own count is low.
 */
function passwordKeysOf(user: Pick<User, 'id' | 'username_normalized' | 'email_normalized'>): string[] {
  return [accountKey(user.id), loginKey(user.username_normalized), loginKey(user.email_normalized)];
}

/** Where the person stands with the sign-in lockouts: the worst of the account's keys, wrong passwords and codes. */
async function lockoutOf(ctx: AppContext, user: User): Promise<LockoutState> {
  const passwordKeys = passwordKeysOf(user);
  const codeKey = accountKey(user.id);
  const [verdicts, passwordCounts, codeFailures] = await Promise.all([
    Promise.all([...passwordKeys.map((k) => ctx.limits.password.status(k)), ctx.limits.code.status(codeKey)]),
    Promise.all(passwordKeys.map((k) => ctx.limits.password.failureCount(k))),
    ctx.limits.code.failureCount(codeKey),
  ]);
  let locked: LockoutState['locked'] = null;
  for (const v of verdicts) {
    if (v.ok) continue;
    if (v.retryAfterMs === null) locked = 'reset';
    else if (locked !== 'reset') locked = Math.max(locked ?? 0, v.retryAfterMs);
  }
  return { passwordFailures: Math.max(...passwordCounts), codeFailures, locked };
}

/** "Unlock": every wrong-password and wrong-code count of the person, and the locks they set, forgotten. */
async function clearLockouts(ctx: AppContext, user: User): Promise<void> {
  await Promise.all([...passwordKeysOf(user).map((k) => ctx.limits.password.clear(k)), ctx.limits.code.clear(accountKey(user.id))]);
}
