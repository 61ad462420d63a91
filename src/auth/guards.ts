/** Route guards: who may see a page. Used as `preHandler`s. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HOME_PATH, LOGIN_PATH, TWO_FACTOR_SIGN_IN_PATH } from '../lib/paths.js';

/**
 * Signed-in users only. A visitor goes to the login page (coming back here
 * afterwards); a password-only session goes to the code page: it reaches
 * nothing else until the second factor is done.
 */
export async function requireUser(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.user) return;
  if (request.session?.two_factor_pending) {
    await reply.redirect(TWO_FACTOR_SIGN_IN_PATH);
    return;
  }
  const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
  await reply.redirect(`${LOGIN_PATH}${next}`);
}

/** The second step of sign-in: only a session waiting for its code. */
export async function requirePendingSignIn(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.session?.two_factor_pending) return;
  await reply.redirect(request.user ? HOME_PATH : LOGIN_PATH);
}
