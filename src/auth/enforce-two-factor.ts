/**
 * ENFORCE_2FA=true: a signed-in user without a second factor reaches only the
 * pages that set one up (the security page, the authenticator and SMS set-up,
 * step-up, sign-out); every other page sends them to the security page first.
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AppContext } from '../context.js';
import { findTotpFactor } from '../db/factors.js';

export const ENFORCED_MESSAGE = 'Two-factor sign-in is required for every account here. Set up an authenticator app or text-message codes to continue.';

/** Paths a user without a second factor may still use: the path itself and below it. */
const SET_UP_PATHS = ['/security', '/two-factor/app', '/two-factor/sms', '/reauthenticate', '/logout', '/confirm-email', '/confirm-email-change', '/wasnt-me'];

function mayPass(path: string): boolean {
  return SET_UP_PATHS.some((allowed) => path === allowed || path.startsWith(`${allowed}/`));
}

export function requireSecondFactorSetUp(ctx: AppContext): preHandlerAsyncHookHandler {
  return async function enforceTwoFactor(request: FastifyRequest, reply: FastifyReply) {
    const user = request.user;
    if (!user || request.is404) return;
    if (user.two_factor_enabled && user.phone) return;
    const path = request.url.split('?')[0]!;
    if (mayPass(path)) return;
    if ((await findTotpFactor(ctx.db, user.id))?.confirmed_at != null) return;
    await reply.flash('error', ENFORCED_MESSAGE).redirect('/security');
  };
}
