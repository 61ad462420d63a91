/**
 * What Gatehouse knows about a request that oidc-provider answers: who is signed in to Gatehouse and how, and
 * the reader's language. Fastify's hooks work it out (src/oidc/mount.ts) before the request reaches the
 * provider's Koa app, which finds it by the raw request.
 */
import type { IncomingMessage } from 'node:http';
import type { SignInRecord } from '../auth/sign-in.js';
import type { Messages } from '../i18n/messages.js';

/** The Gatehouse sign-in of the browser, as the provider's policy compares it with its own session. */
export interface GatehouseSignIn {
  /** The account's OpenID Connect subject. */
  sub: string;
  record: SignInRecord;
}

export interface RequestFacts {
  /** Null when nobody is signed in (or only the password of a two-step sign-in was given). */
  signIn: GatehouseSignIn | null;
  t: Messages;
}

const factsOfRequest = new WeakMap<IncomingMessage, RequestFacts>();

export function setRequestFacts(req: IncomingMessage, facts: RequestFacts): void {
  factsOfRequest.set(req, facts);
}

export function requestFacts(req: IncomingMessage): RequestFacts | undefined {
  return factsOfRequest.get(req);
}
