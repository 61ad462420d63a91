/**
 * The SQL only the admin CLI needs, kept beside it rather than in src/db/
 * because nothing else reads users this way. Times are milliseconds, as
 * everywhere (src/db/schema.ts).
 */
import { sql, type Kysely } from 'kysely';
import { hasSecondFactorSql } from '../db/factors.js';
import type { Database } from '../db/schema.js';
import { normalizeEmail } from '../db/users.js';

type Db = Kysely<Database>;

export interface UserListing {
  id: number;
  username: string;
  email: string;
  createdAt: number;
  /** At least one second factor, by the rule every page uses (`hasSecondFactorSql`, the twin of `hasSecondFactor`). */
  twoFactor: boolean;
}

/**
 * Users, newest first, at most `limit`. `search` matches anywhere in the
 * username or the email address, ignoring case; `%` and `_` in it are literal.
 */
export async function findUsers(db: Db, options: { limit: number; search: string | null }): Promise<UserListing[]> {
  let query = db
    .selectFrom('users')
    .select(['users.id', 'users.username', 'users.email', 'users.created_at'])
    .select((eb) => hasSecondFactorSql(eb).as('two_factor'));
  if (options.search !== null) {
    // The normalized columns are NFKC and lower case on both databases, so LIKE compares the same way on both
    // (SQLite's LIKE ignores ASCII case, PostgreSQL's does not).
    const pattern = `%${escapeLike(normalizeEmail(options.search))}%`;
    query = query.where((eb) =>
      eb.or([
        sql<boolean>`${eb.ref('users.username_normalized')} like ${pattern} escape '\\'`,
        sql<boolean>`${eb.ref('users.email_normalized')} like ${pattern} escape '\\'`,
      ]),
    );
  }
  const rows = await query.orderBy('users.created_at', 'desc').orderBy('users.id', 'desc').limit(options.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    email: r.email,
    createdAt: r.created_at,
    twoFactor: Boolean(r.two_factor), // 0/1 on SQLite, a boolean on PostgreSQL
  }));
}

/** LIKE's wildcards and its escape character, escaped with `\`. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
