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
import { messagesForAccount, type Messages } from '../i18n/messages.js';
import { days } from '../lib/duration.js';
import { deviceName } from '../lib/user-agent.js';
import { renderMail, type WasntMeLink } from '../views/mail.js';
import { baseCookieOptions, cookieName } from './cookies.js';
import { logSecurityEvent } from './events.js';
import { hashToken, looksLikeToken, newToken } from '../lib/tokens.js';
import { wasntMeLink } from './wasnt-me.js';

const BROWSER_COOKIE_LIFETIME_MS = days(400); // browsers cap cookie lifetimes near this

/** The notice, in the owner's language (`t`): `device` is already named in it. */
export function newBrowserMail(t: Messages, p: { to: string; firstName: string; device: string; ip: string; at: number; wasntMeLink: WasntMeLink }) {
  const m = t.login.mail.newBrowser;
  return renderMail(t, {
    kind: 'new_browser',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(p.device, p.ip, t.common.time.exact(p.at)), m.ifYou],
    wasntMe: p.wasntMeLink,
  });
}

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
  const wasntMe = await wasntMeLink(db, ctx.config.appUrl, user, now);
  // The owner reads it, in their language; whoever signed in may be someone else.
  const t = messagesForAccount(user);
  const device = deviceName(t, typeof userAgent === 'string' ? userAgent : null);
  await ctx.mail.enqueue(db, newBrowserMail(t, { to: user.email, firstName: user.first_name, device, ip: request.ip, at: now, wasntMeLink: wasntMe }), user.id, now);
  await logSecurityEvent(ctx, request, user.id, 'new_browser_sign_in', db);
}
