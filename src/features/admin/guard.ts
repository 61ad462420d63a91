/**
 * Who may see the console (decision record 020), in three gates:
 *
 * 1. `hideConsole` (onRequest, before CSRF, body parsing or validation): anyone but a signed-in admin gets the
 *    404 page an unknown address gets — visitors, people signed in without the role, a sign-in still waiting for
 *    its second factor. Not a redirect to the sign-in: that would advertise the console. The site's 404/405
 *    handler hides these paths the same way (`isHiddenConsolePath`), so a wrong method is a 404 too, not a 405.
 * 2. `requireConsoleSignIn` (preValidation): an admin whose account has no second factor sees only the page that
 *    offers to set one up; an admin whose sign-in did not prove one (a remembered browser stood in for it) signs
 *    in again with it.
 * 3. `requireStepUp` (preHandler of every action that changes something): the password *and* a second factor
 *    proved within the last 10 minutes — else a fresh full sign-in (`/login?fresh=1&require=two-factor`), so
 *    every factor and "try another way" works as at any sign-in.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { factorsOf, hasSecondFactor } from '../../auth/factors.js';
import { howSignedIn, type SignInRecord } from '../../auth/sign-in.js';
import { recentlyAuthenticated, STEP_UP_WINDOW_MS } from '../../auth/step-up.js';
import type { AppContext } from '../../context.js';
import type { User } from '../../db/schema.js';
import { acrOf, ACR_ONE_FACTOR } from '../../oidc/claims.js';
import { setUpFactorPage } from './views.js';
import { CONSOLE_PATH, LOGIN_PATH } from '../../lib/paths.js';

/** True for the console's addresses: `/admin` and everything under it. */
export function isConsolePath(url: string): boolean {
  // As the router matches it: percent-decoded (`/%61dmin` is `/admin` to find-my-way) and without case tricks.
  let path = url.split('?', 1)[0]!;
  try {
    path = decodeURI(path);
  } catch {
    // malformed escapes: the router refuses the URL anyway
  }
  path = path.toLowerCase();
  return path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`);
}

export function isAdmin(user: Pick<User, 'is_admin'> | null | undefined): boolean {
  return user?.is_admin === 1;
}

/** For the site's 404/405 handler: a console address asked by anyone but an admin is a plain 404. */
export function isHiddenConsolePath(request: FastifyRequest): boolean {
  return isConsolePath(request.url) && !isAdmin(request.user);
}

/** Gate 1, as an onRequest hook of the console's routes. */
export async function hideConsole(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (isAdmin(request.user)) return;
  reply.callNotFound();
  return reply;
}

/** The sign-in proved two factors of different kinds (or a passkey), not a remembered browser standing in. */
function provedSecondFactor(record: SignInRecord | null): record is SignInRecord {
  return record !== null && acrOf(record) !== ACR_ONE_FACTOR;
}

/** Where a sign-in with both steps starts, coming back to `next`. */
export function freshSignInPath(next: string): string {
  return `${LOGIN_PATH}?fresh=1&require=two-factor&next=${encodeURIComponent(next)}`;
}

/** Gate 2. */
export function requireConsoleSignIn(ctx: AppContext) {
  return async function consoleSignIn(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const user = request.user!;
    if (!hasSecondFactor(await factorsOf(ctx.db, user))) {
      const t = request.t;
      await reply.page(t.admin.setUpFactor.title, setUpFactorPage(t), { status: 403 });
      return;
    }
    if (!provedSecondFactor(howSignedIn(request.session!))) {
      await reply.redirect(freshSignInPath(request.method === 'GET' ? request.url : CONSOLE_PATH));
    }
  };
}

/** True when this session's sign-in proved the password and a second factor within STEP_UP_WINDOW_MS. */
export function steppedUp(request: FastifyRequest, now: number): boolean {
  const session = request.session;
  if (!session) return false;
  const record = howSignedIn(session);
  return provedSecondFactor(record) && now - record.at <= STEP_UP_WINDOW_MS && recentlyAuthenticated(session, now);
}

/**
 * Gate 3, on every console action that changes something: a POST whose sign-in is older than STEP_UP_WINDOW_MS
 * goes through a fresh sign-in with both steps and then to `formPage` (its answers are not carried across the
 * sign-in), where the action is one click again.
 */
export function requireStepUp(ctx: AppContext, formPage: (request: FastifyRequest) => string) {
  return async function stepUp(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (steppedUp(request, ctx.clock.now())) return;
    await reply.redirect(freshSignInPath(request.method === 'GET' ? request.url : formPage(request)), 303);
  };
}
