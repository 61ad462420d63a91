/**
 * What Gatehouse knows about a request that oidc-provider answers: who is signed in to Gatehouse and how, the
 * reader's language, the client's address and the request's id. src/oidc/mount.ts records them for every request
 * of the site, before middie decides which ones reach the provider's Koa app, which finds them by the raw request.
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
 * The facts ride on the raw request under a symbol of this module's own. Not a WeakMap: every request of the site
 * gets its facts, and a WeakMap entry per request made the garbage collector's work visible on every page (`GET
 * /login` 67–73 → 62 µs of CPU per request with the symbol, in interleaved runs; docs/performance.md).
 */
const FACTS = Symbol('gatehouse.requestFacts');
type WithFacts = IncomingMessage & { [FACTS]?: RequestFacts };

export function setRequestFacts(req: IncomingMessage, facts: RequestFacts): void {
  (req as WithFacts)[FACTS] = facts;
}

export function requestFacts(req: IncomingMessage): RequestFacts | undefined {
  return (req as WithFacts)[FACTS];
}
