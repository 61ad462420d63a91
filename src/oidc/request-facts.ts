/**
 * What Gatehouse knows about a request that oidc-provider answers: who is signed in to Gatehouse and how, the
 * reader's language, the client's address and the request's id. src/oidc/mount.ts records them for each request the
 * router hands to the provider (and to the interaction routes), and the provider's Koa app finds them by the raw
 * request.
 * The sign-in costs a query, so it is worked out only when the provider asks, and then once.
 */
import type { IncomingMessage } from 'node:http';
import type { SignInRecord } from '../auth/sign-in.js';
import type { Messages } from '../i18n/messages.js';

/** The Gatehouse sign-in of the browser, as the provider's policy compares it with its own session. */
export interface GatehouseSignIn {
  /** The account's OpenID Connect subject. */
  sub: string;
  record: SignInRecord;
  /** The Gatehouse session's id (`sessions.id`): linked to the provider's session, ended with it (src/oidc/logout.ts). */
  sessionId: string;
}

export interface RequestFacts {
  /** Null when nobody is signed in (or only the password of a two-step sign-in was given). */
  signIn(): Promise<GatehouseSignIn | null>;
  t: Messages;
  /** The client's address, as Fastify derived it under TRUST_PROXY. */
  ip: string;
  /** The request's id (X-Request-Id), as on Gatehouse's own answers. */
  id: string;
}

/**
 * The facts ride on the raw request under a symbol of this module's own, which dies with it: nothing to clean up,
 * and no WeakMap entry per request for the garbage collector (which showed on every page while every request of
 * the site had facts; docs/performance.md).
 */
const FACTS = Symbol('gatehouse.requestFacts');
type WithFacts = IncomingMessage & { [FACTS]?: RequestFacts };

export function setRequestFacts(req: IncomingMessage, facts: RequestFacts): void {
  (req as WithFacts)[FACTS] = facts;
}

export function requestFacts(req: IncomingMessage): RequestFacts | undefined {
  return (req as WithFacts)[FACTS];
}
