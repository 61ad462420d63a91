/**
 * The console's people search (src/features/admin): accounts whose username or email address starts with what
 * the operator typed, a page at a time. Each search is one range scan of a unique index, in the index's order,
 * and each page starts after the last row of the previous one (keyset), so the hundredth page of a million
 * accounts costs what the first does.
 *
 * A prefix is a range: `column >= prefix and column < prefix + U+10FFFF`, compared byte by byte — SQLite's
 * BINARY collation; on PostgreSQL the comparison and the index are `COLLATE "C"` (migration 020), since the
 * database's own collation may order "a-b" and "ab" by other rules than bytes.
 */
import { PostgresIntrospector, sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';
import { normalizeEmail, normalizeUsername } from './users.js';

type Db = Kysely<Database>;

export interface PersonRow {
  id: number;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  email_confirmed_at: number | null;
  created_at: number;
  is_admin: number;
  suspended_at: number | null;
}

/** Where a page ends: the next page starts after it. Opaque to the operator; a malformed one starts over. */
export type PeopleCursor = string;

/** Above any character a username or address can hold after the prefix (the last code point). */
const HIGHEST = '\u{10FFFF}';

const COLUMNS = ['id', 'username', 'first_name', 'last_name', 'email', 'email_confirmed_at', 'created_at', 'is_admin', 'suspended_at'] as const;

/** The column, compared by bytes on both databases. */
function byBytes(db: Db, column: 'username_normalized' | 'email_normalized'): RawBuilder<string> {
  return db.introspection instanceof PostgresIntrospector ? sql<string>`(${sql.ref(column)} collate "C")` : sql<string>`${sql.ref(column)}`;
}

/**
 * One page of accounts: newest first when `query` is empty; else by username (or, when the query has an `@`, by
 * email address) starting with it. `after` is the cursor the previous page returned.
 */
export async function searchPeople(
  db: Db,
  query: string,
  after: PeopleCursor | null,
  limit: number,
): Promise<{ rows: PersonRow[]; next: PeopleCursor | null }> {
  const q = query.trim();
  if (q === '') {
    const afterId = after !== null && /^[0-9]{1,15}$/.test(after) ? Number(after) : null;
    let builder = db.selectFrom('users').select(COLUMNS);
    if (afterId !== null) builder = builder.where('id', '<', afterId);
    const rows = await builder.orderBy('id', 'desc').limit(limit + 1).execute();
    return page(rows, limit, (last) => String(last.id));
  }
  const byEmail = q.includes('@');
  const column = byEmail ? 'email_normalized' : 'username_normalized';
  const prefix = byEmail ? normalizeEmail(q) : normalizeUsername(q);
  const key = byBytes(db, column);
  let builder = db
    .selectFrom('users')
    .select(COLUMNS)
    .select(sql<string>`${sql.ref(column)}`.as('sort_key'))
    .where(key, '>=', prefix)
    .where(key, '<', prefix + HIGHEST);
  // The cursor is the last row's key; keys are unique (the column's unique index), so nothing is skipped or repeated.
  if (after !== null && after.startsWith(prefix)) builder = builder.where(key, '>', after);
  const rows = await builder.orderBy(key).limit(limit + 1).execute();
  return page(rows, limit, (last) => last.sort_key);
}

function page<R extends PersonRow>(rows: R[], limit: number, cursorOf: (last: R) => string): { rows: PersonRow[]; next: PeopleCursor | null } {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return {
    rows: shown.map((r) => ({
      id: r.id,
      username: r.username,
      first_name: r.first_name,
      last_name: r.last_name,
      email: r.email,
      email_confirmed_at: r.email_confirmed_at,
      created_at: r.created_at,
      is_admin: r.is_admin,
      suspended_at: r.suspended_at,
    })),
    next: more ? cursorOf(shown[shown.length - 1]!) : null,
  };
}

/** The overview's figures. */
export async function consoleCounts(db: Db): Promise<{ people: number; admins: number; apps: number }> {
  const [people, admins, apps] = await Promise.all([
    db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('is_admin', '=', 1).executeTakeFirstOrThrow(),
    db.selectFrom('oidc_apps').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { people: Number(people.n), admins: Number(admins.n), apps: Number(apps.n) };
}
