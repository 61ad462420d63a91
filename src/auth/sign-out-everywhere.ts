/**
 * Ending every way into an account, after something that says it may be in someone else's hands: a password
 * reset or change, "This wasn't me", a completed recovery, an admin's reset of the factors, "sign out everywhere
 * else", the account's deletion. Gatehouse's sessions end, and so does everything apps hold through the account
 * (its grants, codes, access and refresh tokens, the provider's own sessions): an intruder's app would otherwise
 * keep a refresh token, and with it the account's data, for up to a year. Apps the owner uses sign in again at
 * their next request, without a page when the owner is still signed in to Gatehouse. Call these in the
 * transaction of the flow, so the sessions and the apps' access end together; after the commit, hand the ended
 * sessions they return to `ctx.identityProvider.sessionsEnded(…, 'account-secured')`, which tells the apps signed
 * in through them (back-channel logout) and ends the provider's sessions.
 */
import type { Kysely } from 'kysely';
import { deleteOidcPayloadsOfAccount } from '../db/oidc-payloads.js';
import type { Database, User } from '../db/schema.js';
import { deleteOtherSessionsOfUser, deleteSessionsOfUser, type EndedSession } from '../db/sessions.js';

type Db = Kysely<Database>;
type Account = Pick<User, 'id' | 'oidc_subject'>;

/** What apps hold through the account. Alone only for the account's deletion, whose sessions go with its row. */
export async function endAppAccess(db: Db, user: Account): Promise<void> {
  // No subject yet (an account an older instance made): no app was ever given anything for it.
  if (user.oidc_subject !== null) await deleteOidcPayloadsOfAccount(db, user.oidc_subject);
}

/** Every session of the account, and the apps' access; returns the sessions that ended. */
export async function signOutEverywhere(db: Db, user: Account): Promise<EndedSession[]> {
  const ended = await deleteSessionsOfUser(db, user.id);
  await endAppAccess(db, user);
  return ended;
}

/**
 * Every session but this browser's, and the apps' access — this browser's apps too: a token does not say which
 * browser it was issued in. Returns the sessions that ended.
 */
export async function signOutEverywhereElse(db: Db, user: Account, keepSessionId: string): Promise<EndedSession[]> {
  const ended = await deleteOtherSessionsOfUser(db, user.id, keepSessionId);
  await endAppAccess(db, user);
  return ended;
}
