/**
 * Server-side sessions. The cookie holds a 256-bit random token; the database
 * holds only its SHA-256, so a copy of the sessions table cannot be used to
 * sign in. Every sign-in and every completed second factor gets a new token
 * (rotation), which defeats session fixation.
 */
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import { deleteSession, findLiveSession, insertSession, renewSessionRow, touchSession } from '../db/sessions.js';
import type { Session, User } from '../db/schema.js';
import { touchLastSeen } from '../db/users.js';
import {
  ACTIVITY_WRITE_INTERVAL_MS,
  PENDING_SIGN_IN_LIFETIME_MS,
  REMEMBER_ME_LIFETIME_MS,
  SESSION_IDLE_TIMEOUT_MS,
  SESSION_MAX_LIFETIME_MS,
} from './policy.js';
import { onlyCookie, sessionCookieOf } from './cookies.js';
import { newCsrfSecret, rotateCsrfSecret } from './csrf.js';
import type { SignInRecord } from './sign-in.js';
import { hashToken, looksLikeToken, newToken } from '../lib/tokens.js';
import { LOGIN_PATH } from '../lib/paths.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The browser's live session, pending or not; null for visitors. */
    session: Session | null;
    /** The signed-in user; null for visitors and for sessions still waiting for their second factor. */
    user: User | null;
    /** The session's user, signed in or still pending (the code page needs the pending one's phone). */
    sessionUser: User | null;
  }
}

export function sessionCookieName(config: Config): string {
  return sessionCookieOf(config).name;
}

/** Reads the session cookie and loads the session and user for this request. */
export function loadSession(ctx: AppContext): onRequestAsyncHookHandler {
  const cookieName = sessionCookieName(ctx.config);
  return async function loadSessionHook(request: FastifyRequest) {
    request.session = null;
    request.user = null;
    request.sessionUser = null;
    const token = onlyCookie(request.headers.cookie, cookieName, request.cookies[cookieName]);
    if (!token || !looksLikeToken(token)) return;
    const now = ctx.clock.now();
    const found = await findLiveSession(ctx.db, hashToken(token), now, SESSION_IDLE_TIMEOUT_MS);
    if (!found) return;
    request.session = found.session;
    request.sessionUser = found.user;
    if (found.session.two_factor_pending) return;
    request.user = found.user;
    if (now - found.session.last_active_at >= ACTIVITY_WRITE_INTERVAL_MS) {
      await touchSession(ctx.db, found.session.id, now, ACTIVITY_WRITE_INTERVAL_MS);
    }
    if (now - found.user.last_seen_at >= ACTIVITY_WRITE_INTERVAL_MS) {
      await touchLastSeen(ctx.db, found.user.id, now, ACTIVITY_WRITE_INTERVAL_MS);
    }
  };
}

export type StartSessionOptions = {
  userId: number;
  remember: boolean;
  nextPath: string | null;
} & (
  /** The password is checked, the second factor still to come. */
  | { twoFactorPending: true }
  /** Signed in: only `completeSignIn` (src/auth/sign-in.ts) starts one, and it must say how. */
  | { twoFactorPending: false; record: SignInRecord }
);

/**
 * Replaces whatever session the browser had with a new one (new token, new
 * id) and sets the cookie; returns the new session's id. Pass a transaction as `db` to group it with other writes.
 * A signed-in session is started only by `completeSignIn` (src/auth/sign-in.ts), which brings its record.
 */
export async function startSession(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  options: StartSessionOptions,
  db = ctx.db,
): Promise<string> {
  if (request.session) await deleteSession(db, request.session.id);
  const token = newToken();
  const now = ctx.clock.now();
  const lifetime = options.twoFactorPending ? PENDING_SIGN_IN_LIFETIME_MS : options.remember ? REMEMBER_ME_LIFETIME_MS : SESSION_MAX_LIFETIME_MS;
  const csrfSecret = newCsrfSecret();
  await insertSession(db, {
    id: hashToken(token),
    userId: options.userId,
    twoFactorPending: options.twoFactorPending,
    remember: options.remember,
    nextPath: options.nextPath,
    now,
    expiresAt: now + lifetime,
    csrfSecret,
    authenticatedAt: options.twoFactorPending ? null : now,
    ip: request.ip,
    userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null,
    signInMethods: options.twoFactorPending ? null : options.record.methods.join(','),
    secondStepSkipped: !options.twoFactorPending && options.record.secondStepSkipped,
    signInPasskeyBackedUp: options.twoFactorPending ? null : (options.record.passkeyBackedUp ?? null),
  });
  rotateCsrfSecret(reply, ctx.config, csrfSecret);
  setSessionCookie(ctx, reply, token, options.remember && !options.twoFactorPending);
  return hashToken(token);
}

function setSessionCookie(ctx: AppContext, reply: FastifyReply, token: string, persistent: boolean): void {
  const cookie = sessionCookieOf(ctx.config);
  reply.setCookie(cookie.name, token, {
    domain: cookie.domain,
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.config.secureCookies,
    // Without "remember me" the cookie ends with the browser session.
    maxAge: persistent ? Math.floor(REMEMBER_ME_LIFETIME_MS / 1000) : undefined,
  });
}

/**
 * The signed-in person just proved the password again (step-up, a change of
 * password or of a factor): the session gets a new token and a new CSRF
 * secret, so a cookie or form token copied before the re-check is worth
 * nothing after it (ASVS 5.0 V7.2.4). Everything else the session holds — how
 * it was signed in, its lifetime, "remember me" — stays. `authenticated_at`
 * becomes now. Pass a transaction as `db` to group it with the change, and
 * renew first: when it answers false nothing else should be written.
 */
export async function renewSession(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, db = ctx.db): Promise<boolean> {
  const session = request.session;
  if (!session || session.two_factor_pending) return false;
  const token = newToken();
  const csrfSecret = newCsrfSecret();
  const now = ctx.clock.now();
  // False when the session ended meanwhile (signed out elsewhere, "This wasn't me"): the caller sends to sign-in.
  if (!(await renewSessionRow(db, session.id, hashToken(token), csrfSecret, now))) return false;
  request.session = { ...session, id: hashToken(token), csrf_secret: csrfSecret, authenticated_at: now };
  rotateCsrfSecret(reply, ctx.config, csrfSecret);
  setSessionCookie(ctx, reply, token, Boolean(session.remember));
  return true;
}

/** The session a signed-in page was working on ended meanwhile (signed out from elsewhere): to sign-in. */
export async function signedOutMeanwhile(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  await endSession(ctx, request, reply);
  return reply.redirect(LOGIN_PATH);
}

/** Deletes the server-side session and tells the browser to drop the cookie. */
export async function endSession(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const ended = request.session ? await deleteSession(ctx.db, request.session.id) : undefined;
  request.session = null;
  request.user = null;
  request.sessionUser = null;
  const cookie = sessionCookieOf(ctx.config);
  reply.clearCookie(cookie.name, { domain: cookie.domain, path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.secureCookies });
  rotateCsrfSecret(reply, ctx.config);
  // The apps signed in through this session are signed out too (back-channel logout), and their tokens end.
  if (ended) await ctx.identityProvider.sessionsEnded([ended], 'signed-out');
}
