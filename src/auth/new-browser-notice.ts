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
import { enqueueMail } from '../db/mail-outbox.js';
import type { Database, User } from '../db/schema.js';
import { days } from '../lib/duration.js';
import { exactUtc } from '../lib/relative-time.js';
import { deviceName } from '../lib/user-agent.js';
import { renderMail } from '../views/mail.js';
import { baseCookieOptions, cookieName } from './cookies.js';
import { logSecurityEvent } from './events.js';
import { hashToken, looksLikeToken, newToken } from './tokens.js';
import { wasntMeLink } from './wasnt-me.js';

const BROWSER_COOKIE_LIFETIME_MS = days(400); // browsers cap cookie lifetimes near this

export function newBrowserMail(p: { to: string; firstName: string; device: string; ip: string; at: number; wasntMeLink: string }) {
  return renderMail({
    to: p.to,
    subject: 'New sign-in to your Gatehouse account',
    heading: 'New sign-in to your account',
    firstName: p.firstName,
    paragraphs: [`Your Gatehouse account was signed in to from ${p.device} (address ${p.ip}) on ${exactUtc(p.at)}, a browser it had not been used from before.`, 'If this was you, there is nothing to do.'],
    action: { label: "This wasn't me: secure my account", url: p.wasntMeLink },
  });
}

/** Call in the transaction that completes a sign-in; queues the notice when the browser is new to the account. */
export async function noteSignInBrowser(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, user: Pick<User, 'id' | 'email' | 'first_name'>, db: Kysely<Database>): Promise<void> {
  const name = cookieName(ctx.config, 'browser');
  let browserId = request.cookies[name];
  if (!browserId || !looksLikeToken(browserId)) {
    browserId = newToken();
    reply.setCookie(name, browserId, { ...baseCookieOptions(ctx.config), maxAge: Math.floor(BROWSER_COOKIE_LIFETIME_MS / 1000) });
  }
  const now = ctx.clock.now();
  if ((await noteKnownBrowser(db, user.id, hashToken(browserId), now)) !== 'new') return;
  const userAgent = request.headers['user-agent'];
  const wasntMe = await wasntMeLink(db, ctx.config.appUrl, user, now);
  await enqueueMail(db, newBrowserMail({ to: user.email, firstName: user.first_name, device: deviceName(typeof userAgent === 'string' ? userAgent : null), ip: request.ip, at: now, wasntMeLink: wasntMe }), now);
  await logSecurityEvent(ctx, request, user.id, 'new_browser_sign_in', db);
}
