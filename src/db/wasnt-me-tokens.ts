/** SQL for "This wasn't me" links (src/notices/wasnt-me.ts). Tokens are stored as SHA-256 only. */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export async function insertWasntMeToken(db: Db, tokenHash: string, userId: number, sentTo: string, now: number, expiresAt: number): Promise<void> {
  await db.insertInto('wasnt_me_tokens').values({ token_hash: tokenHash, user_id: userId, sent_to: sentTo, created_at: now, expires_at: expiresAt }).execute();
}

export async function findLiveWasntMeToken(db: Db, tokenHash: string, now: number): Promise<number | undefined> {
  const row = await db.selectFrom('wasnt_me_tokens').select('user_id').where('token_hash', '=', tokenHash).where('expires_at', '>', now).executeTakeFirst();
  return row?.user_id;
}

/**
 * Uses a link: its account id for the one request that deletes it while live; undefined otherwise.
 * Every other link of the account goes too: the account is being secured, one report is enough.
 */
export async function consumeWasntMeToken(
  db: Db,
  tokenHash: string,
  now: number,
): Promise<{ userId: number; sentTo: string | null; createdAt: number; earliestLiveLinkAt: number } | undefined> {
  const row = await db
    .selectFrom('wasnt_me_tokens')
    .select(['user_id', 'sent_to', 'created_at'])
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (!row) return undefined;
  const result = await db.deleteFrom('wasnt_me_tokens').where('token_hash', '=', tokenHash).executeTakeFirst();
  if (result.numDeletedRows === 0n) return undefined; // another request used it first
  // The oldest notice still open: whatever happened since may be the intruder's, whichever notice was clicked.
  const oldest = await db
    .selectFrom('wasnt_me_tokens')
    .select((eb) => eb.fn.min('created_at').as('at'))
    .where('user_id', '=', row.user_id)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  await db.deleteFrom('wasnt_me_tokens').where('user_id', '=', row.user_id).execute();
  const createdAt = Number(row.created_at);
  const earliestLiveLinkAt = oldest?.at == null ? createdAt : Math.min(createdAt, Number(oldest.at));
  return { userId: row.user_id, sentTo: row.sent_to, createdAt, earliestLiveLinkAt };
}
