/**
 * "This wasn't me": what an intruder may have added to keep a way in is taken
 * out again. Everything added since the oldest notice still open (7 days at
 * most) is suspect, whichever notice the owner clicked — the intruder controls
 * which one is newest:
 * - passkeys and an authenticator app added since are removed;
 * - a backup phone added since is removed, and SMS codes turned on or moved
 *   since are turned off (we cannot know the number before, and a code to the
 *   intruder's phone is worse than none: the owner sets SMS up again);
 * - email codes are turned off (whoever reads the mailbox could use them).
 * Recovery codes made since cannot be brought back; the owner makes a new set.
 * Call it in the transaction that ends the sessions.
 */
import type { Kysely } from 'kysely';
import { setEmailCodesEnabled } from '../db/email-codes.js';
import { removeFactorsAddedSince } from '../db/factors.js';
import type { Database } from '../db/schema.js';
import { recentSecurityEvents } from '../db/security-events.js';
import { disableTwoFactor, setBackupPhone } from '../db/users.js';
import { dropFallbacksWithoutFactor } from './factors.js';

export async function undoFactorChangesSince(db: Kysely<Database>, userId: number, since: number): Promise<void> {
  await removeFactorsAddedSince(db, userId, since);
  const kinds = new Set((await recentSecurityEvents(db, userId, since, 1000)).map((e) => e.kind));
  if (kinds.has('sms_enabled')) await disableTwoFactor(db, userId);
  else if (kinds.has('backup_phone_added')) await setBackupPhone(db, userId, null);
  await setEmailCodesEnabled(db, userId, false);
  await dropFallbacksWithoutFactor(db, userId);
}
