/**
 * The console's people search (src/features/admin): accounts whose username, email address or name starts with
 * what the operator typed, a page at a time. Each list is a range scan of an index, in the index's order, and each
 * page starts after the last row of the previous one (keyset), so the hundredth page of a million accounts costs
 * what the first does.
 *
 * A prefix is a range: `column >= prefix and column < prefix + U+10FFFF`, compared byte by byte — SQLite's
 * BINARY collation; on PostgreSQL the comparison and the index are `COLLATE "C"` (migrations 020 and 024), since
 * the database's own collation may order "a-b" and "ab" by other rules than bytes.
 */
import { PostgresIntrospector, sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';
import { isRowId } from '../lib/row-id.js';
import { normalizeEmail, normalizeNameQuery, normalizeUsername } from './users.js';

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

type KeyColumn = 'username_normalized' | 'email_normalized' | 'name_key' | 'surname_key';

/** The column, compared by bytes on both databases. */
function byBytes(db: Db, column: KeyColumn): RawBuilder<string> {
  return db.introspection instanceof PostgresIntrospector ? sql<string>`(${sql.ref(column)} collate "C")` : sql<string>`${sql.ref(column)}`;
}

/** Where the last page ended: the key it was listed by, and the account (two people may share a name). */
interface Cursor {
  key: string;
  id: number;
}

function encodeCursor(c: Cursor): PeopleCursor {
  return Buffer.from(JSON.stringify([c.key, c.id])).toString('base64url');
}

/** A cursor as the previous page wrote it; anything else (an edited address) starts over. */
function decodeCursor(text: string | null): Cursor | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const key: unknown = value[0];
    const id: unknown = value[1];
    if (typeof key === 'string' && typeof id === 'number' && isRowId(String(id))) return { key, id };
  } catch {
    // not ours: start over
  }
  return null;
}

type KeyedRow = PersonRow & { sort_key: string };

/** The accounts whose `column` starts with `prefix`, after `after`, in (key, id) order: one index range scan. */
async function byPrefix(db: Db, column: KeyColumn, prefix: string, after: Cursor | null, limit: number): Promise<KeyedRow[]> {
  const key = byBytes(db, column);
  let builder = db
    .selectFrom('users')
    .select(COLUMNS)
    .select(sql<string>`${sql.ref(column)}`.as('sort_key'))
    .where(key, '>=', prefix)
    .where(key, '<', prefix + HIGHEST);
  if (after !== null) builder = builder.where((eb) => eb.or([eb(key, '>', after.key), eb.and([eb(key, '=', after.key), eb('id', '>', after.id)])]));
  return builder.orderBy(key).orderBy('id').limit(limit).execute();
}

const compareBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * One page of accounts: newest first when `query` is empty; else by email address when the query has an `@`, and
 * otherwise by username and by name ("first last" or "last first"), each starting with what was typed. The name
 * and username lists are merged in key order (a k-way merge of index range scans, each cut short), so a page reads
 * a few pages' worth of rows at most. Someone found twice on one page (their username and their name both match)
 * is listed once, and the page is still full.
 */
export async function searchPeople(db: Db, query: string, after: PeopleCursor | null, limit: number): Promise<{ rows: PersonRow[]; next: PeopleCursor | null }> {
  const q = query.trim();
  if (q === '') {
    const afterId = after !== null && isRowId(after) ? Number(after) : null;
    let builder = db.selectFrom('users').select(COLUMNS);
    if (afterId !== null) builder = builder.where('id', '<', afterId);
    const rows = await builder.orderBy('id', 'desc').limit(limit + 1).execute();
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    return { rows: shown.map(personOf), next: more ? String(shown[shown.length - 1]!.id) : null };
  }
  const cursor = decodeCursor(after);
  const searches: [KeyColumn, string][] = q.includes('@')
    ? [['email_normalized', normalizeEmail(q)]]
    : [
        ['username_normalized', normalizeUsername(q)],
        ['name_key', normalizeNameQuery(q)],
        ['surname_key', normalizeNameQuery(q)],
      ];
  // One person can be in all three lists (username "ada", name "ada byron", surname "ada …"), next to each other in
  // key order: reading limit × lists + 1 rows of each makes the first that many of the merge exact, and among them
  // at least limit + 1 different people whenever there are that many.
  const read = limit * searches.length + 1;
  const found = (await Promise.all(searches.map(([column, prefix]) => byPrefix(db, column, prefix, cursor, read)))).flat();
  found.sort((a, b) => compareBytes(a.sort_key, b.sort_key) || a.id - b.id);
  const seen = new Set<number>();
  const rows: PersonRow[] = [];
  let last: KeyedRow | undefined;
  for (const row of found.slice(0, read)) {
    // Past a full page, a person already on it (their other key) is passed over too, so the next page does not
    // start with them again.
    if (!seen.has(row.id)) {
      if (rows.length === limit) break;
      seen.add(row.id);
      rows.push(personOf(row));
    }
    last = row;
  }
  const more = last !== undefined && found.indexOf(last) < found.length - 1;
  return { rows, next: rows.length === limit && more && last ? encodeCursor({ key: last.sort_key, id: last.id }) : null };
}

function personOf(r: PersonRow): PersonRow {
  return {
    id: r.id,
    username: r.username,
    first_name: r.first_name,
    last_name: r.last_name,
    email: r.email,
    email_confirmed_at: r.email_confirmed_at,
    created_at: r.created_at,
    is_admin: r.is_admin,
    suspended_at: r.suspended_at,
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
