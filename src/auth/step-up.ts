/**
 * Step-up: viewing recovery codes and adding or removing a factor need the
 * password entered within the last STEP_UP_WINDOW_MS in this session (at
 * sign-in, or again at /reauthenticate). A session that is older, or was
 * stolen, must prove the password again first.
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Session } from '../db/schema.js';
import type { Clock } from '../lib/duration.js';
import { minutes } from '../lib/duration.js';
import { REAUTHENTICATE_PATH } from '../lib/paths.js';

export const STEP_UP_WINDOW_MS = minutes(10);

export function recentlyAuthenticated(session: Pick<Session, 'authenticated_at'>, now: number): boolean {
  return session.authenticated_at !== null && now - session.authenticated_at <= STEP_UP_WINDOW_MS;
}

/**
 * A preHandler after `requireUser`: without a recent password, a GET goes to
 * the password page and comes back; a POST goes there and then to `formPage`.
 */
export function requireRecentAuthentication(clock: Clock, formPage: string): preHandlerAsyncHookHandler {
  return async function stepUp(request: FastifyRequest, reply: FastifyReply) {
    if (request.session && recentlyAuthenticated(request.session, clock.now())) return;
    const back = request.method === 'GET' ? request.url : formPage;
    await reply.redirect(`${REAUTHENTICATE_PATH}?next=${encodeURIComponent(back)}`);
  };
}
