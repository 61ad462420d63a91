/**
 * A signed-in user without a second factor reaches only the pages that set one
 * up (the security page, the authenticator and SMS set-up, step-up, sign-out,
 * and the pages of mailed links); every other page sends them to the security
 * page first. It applies to every account with ENFORCE_2FA=true, and to an
 * account whose second factors a completed recovery removed
 * (`users.must_set_up_factor`, src/auth/account-recovery.ts), until it has a
 * factor again.
 *
 * The page they were going to is kept on their session (a path on this site,
 * checked like every `next`), and the set-up's last page (the recovery codes
 * that come with a first factor) leads back to it: someone an app sent to sign
 * in (/interaction/…) goes on to the app instead of finding their way back.
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AppContext } from '../context.js';
import { setSessionNextPath } from '../db/sessions.js';
import { setMustSetUpFactor } from '../db/users.js';
import { factorsOf, hasSecondFactor } from './factors.js';
import { safeNextPath } from './redirects.js';
import { CONFIRM_EMAIL_CHANGE_PATH, CONFIRM_EMAIL_PATH, LANGUAGE_PATH, LOGOUT_PATH, REAUTHENTICATE_PATH, RECOVERY_LINK_PATH, SECURITY_PATH, SMS_SET_UP_PATH, TOTP_SET_UP_PATH, WASNT_ME_PATH } from '../lib/paths.js';

/** Paths a user without a second factor may still use: the path itself and below it. */
const SET_UP_PATHS = [SECURITY_PATH, TOTP_SET_UP_PATH, SMS_SET_UP_PATH, REAUTHENTICATE_PATH, LOGOUT_PATH, CONFIRM_EMAIL_PATH, CONFIRM_EMAIL_CHANGE_PATH, WASNT_ME_PATH, RECOVERY_LINK_PATH, LANGUAGE_PATH];

function mayPass(path: string): boolean {
  return SET_UP_PATHS.some((allowed) => path === allowed || path.startsWith(`${allowed}/`));
}

export function requireSecondFactorSetUp(ctx: AppContext): preHandlerAsyncHookHandler {
  return async function enforceTwoFactor(request: FastifyRequest, reply: FastifyReply) {
    const user = request.user;
    if (!user || request.is404) return;
    if (user.must_set_up_factor === 1) {
      // After a recovery: the mark goes at the first request that finds a factor, whichever page it is for
      // (any kind of factor counts, as factorsOf counts them).
      if (hasSecondFactor(await factorsOf(ctx.db, user))) {
        await setMustSetUpFactor(ctx.db, user.id, false);
        user.must_set_up_factor = 0; // this request's pages see the account as it now is
        return;
      }
      if (mayPass(request.url.split('?')[0]!)) return;
      await keepWhereTheyWereGoing(ctx, request);
      await reply.flash('error', request.t.codes.enforce.recovered).redirect(SECURITY_PATH);
      return;
    }
    if (!ctx.config.enforceTwoFactor) return;
    if (user.two_factor_enabled && user.phone) return; // the common case, without a query
    if (mayPass(request.url.split('?')[0]!)) return;
    if (hasSecondFactor(await factorsOf(ctx.db, user))) return;
    await keepWhereTheyWereGoing(ctx, request);
    await reply.flash('error', request.t.codes.enforce.required).redirect(SECURITY_PATH);
  };
}

/** A page the browser asked for (not a form post) is where the set-up leads back to. */
async function keepWhereTheyWereGoing(ctx: AppContext, request: FastifyRequest): Promise<void> {
  const next = request.method === 'GET' ? safeNextPath(request.url) : null;
  if (next && request.session && next !== request.session.next_path) await setSessionNextPath(ctx.db, request.session.id, next);
}

/**
 * Where the set-up's last page leads: the page kept when the person was sent to set up a factor (forgotten now,
 * so it leads there once), else the security page.
 */
export async function afterSetUp(ctx: AppContext, request: FastifyRequest): Promise<string> {
  const session = request.session;
  const next = safeNextPath(session?.next_path);
  if (!session || session.next_path === null) return SECURITY_PATH;
  await setSessionNextPath(ctx.db, session.id, null);
  session.next_path = null;
  return next ?? SECURITY_PATH;
}

