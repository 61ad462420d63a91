/**
 * "New sign-in to your account": every browser gets a random id in a
 * long-lived HttpOnly cookie; each account remembers (as SHA-256) the ids it
 * signed in from. A completed sign-in from a browser the account has not used
 * before mails the owner what, where and when, with a "This wasn't me" link.
 * The account's very first browser is only recorded.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.js';
import { noteKnownBrowser } from '../db/known-browsers.js';
import type { Database, User } from '../db/schema.js';
import { days } from '../lib/duration.js';
import { hashToken, looksLikeToken, newToken } from '../lib/tokens.js';
import { notifyOwner } from '../notices/notify.js';
import { newBrowser } from '../notices/sign-in.js';
import { baseCookieOptions, cookieName } from './cookies.js';
import { logSecurityEvent } from './events.js';

const BROWSER_COOKIE_LIFETIME_MS = days(400); // browsers cap cookie lifetimes near this

/** Call in the transaction that completes a sign-in; queues the notice when the browser is new to the account. */
export async function noteSignInBrowser(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, user: Pick<User, 'id' | 'email' | 'first_name' | 'locale'>, db: Kysely<Database>): Promise<void> {
  const name = cookieName(ctx.config, 'browser');
  let browserId = request.cookies[name];
  if (!browserId || !looksLikeToken(browserId)) {
    browserId = newToken();
    reply.setCookie(name, browserId, { ...baseCookieOptions(ctx.config), maxAge: Math.floor(BROWSER_COOKIE_LIFETIME_MS / 1000) });
  }
  const now = ctx.clock.now();
  if ((await noteKnownBrowser(db, user.id, hashToken(browserId), now)) !== 'new') return;
  const userAgent = request.headers['user-agent'];
  // The owner reads it, in their language (the device is named in it); whoever signed in may be someone else.
  await notifyOwner(ctx, db, user, newBrowser(typeof userAgent === 'string' ? userAgent : null, request.ip), now);
  await logSecurityEvent(ctx, request, user.id, 'new_browser_sign_in', db);
}
