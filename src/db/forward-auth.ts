/**
 * SQL for forward-auth's check, the hottest path of a deployment (src/forward-auth/routes.ts): the live,
 * signed-in session a cookie names, the few columns of its account a check needs, and the account's groups —
 * in one prepared query, where a page's session read (`findLiveSession`) brings every column of both rows and
 * the groups took a second query (`groupsOf`). Same conditions as `findLiveSession` (not expired, and "remember
 * me" or active within the idle timeout), plus "not waiting for its second factor", which the check refuses
 * anyway.
 *
 * On SQLite, `CheckedSubjects` keeps what it read until the database changes (`DatabaseHandle.version`: any
 * write of this process, any commit of another) or the session's time runs out, whichever comes first: a
 * sign-out or a removed group still counts at the next check, and a check that finds nothing changed costs a
 * pragma instead of the query (decision 018). On PostgreSQL every check reads.
 */
import { PostgresIntrospector, sql, type Kysely } from 'kysely';
import { prepared, type Placeholders } from './prepared.js';
import type { Database, Session, User } from './schema.js';

type Db = Kysely<Database>;

/** The session's columns a check reads: its activity (the idle timeout) and how it was signed in (the level). */
export type CheckedSession = Pick<
  Session,
  | 'id'
  | 'last_active_at'
  | 'two_factor_pending'
  | 'sign_in_methods'
  | 'second_step_skipped'
  | 'sign_in_passkey_backed_up'
  | 'created_at'
  | 'expires_at'
  | 'remember'
>;

/** The account's columns a check reads: the Remote-* headers, and whether it has or must set up a second factor. */
export type CheckedUser = Pick<
  User,
  'id' | 'username' | 'first_name' | 'last_name' | 'email' | 'email_confirmed_at' | 'two_factor_enabled' | 'phone' | 'backup_phone' | 'email_codes_enabled' | 'must_set_up_factor'
>;

export interface CheckedSubject {
  session: CheckedSession;
  user: CheckedUser;
  /** The account's groups, sorted by name as `groupsOf` gives them. */
  groups: string[];
}

interface Row {
  id: string;
  last_active_at: number;
  sign_in_methods: string | null;
  second_step_skipped: number;
  sign_in_passkey_backed_up: number | null;
  created_at: number;
  expires_at: number;
  remember: number;
  user_id: number;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  email_confirmed_at: number | null;
  two_factor_enabled: number;
  phone: string | null;
  backup_phone: string | null;
  email_codes_enabled: number;
  must_set_up_factor: number;
  /** A JSON array: text from SQLite's json_group_array, already parsed by pg from PostgreSQL's json_agg. */
  groups: string | string[] | null;
}

/** The groups as one JSON array, in the order `groupsOf` gives them; each dialect has its own aggregate. */
function groupsArray(db: Db) {
  return db.introspection instanceof PostgresIntrospector
    ? sql<Row['groups']>`coalesce(json_agg(user_groups.group_name order by user_groups.group_name), '[]'::json)`
    : sql<Row['groups']>`json_group_array(user_groups.group_name order by user_groups.group_name)`;
}

const checkQuery = prepared((db: Db, p: Placeholders<{ id: string; now: number; activeSince: number }>) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id',
      'sessions.last_active_at',
      'sessions.sign_in_methods',
      'sessions.second_step_skipped',
      'sessions.sign_in_passkey_backed_up',
      'sessions.created_at',
      'sessions.expires_at',
      'sessions.remember',
      'users.id as user_id',
      'users.username',
      'users.first_name',
      'users.last_name',
      'users.email',
      'users.email_confirmed_at',
      'users.two_factor_enabled',
      'users.phone',
      'users.backup_phone',
      'users.email_codes_enabled',
      'users.must_set_up_factor',
    ])
    .select((eb) => eb.selectFrom('user_groups').select(groupsArray(db).as('g')).whereRef('user_groups.user_id', '=', 'users.id').as('groups'))
    .where('sessions.id', '=', p.id)
    .where('sessions.two_factor_pending', '=', 0)
    .where('users.suspended_at', 'is', null)
    .where('sessions.expires_at', '>', p.now)
    .where((eb) => eb.or([eb('sessions.remember', '=', 1), eb('sessions.last_active_at', '>', p.activeSince)])),
);

/** The signed-in session `id` (the token's hash) names, its account and groups; undefined when none is live. */
export async function findCheckedSubject(db: Db, id: string, now: number, idleTimeoutMs: number): Promise<CheckedSubject | undefined> {
  const row: Row | undefined = await checkQuery.takeFirst(db, { id, now, activeSince: now - idleTimeoutMs });
  if (!row) return undefined;
  const groups = typeof row.groups === 'string' ? (JSON.parse(row.groups) as string[]) : (row.groups ?? []);
  return {
    session: {
      id: row.id,
      last_active_at: row.last_active_at,
      two_factor_pending: 0,
      sign_in_methods: row.sign_in_methods,
      second_step_skipped: row.second_step_skipped,
      sign_in_passkey_backed_up: row.sign_in_passkey_backed_up,
      created_at: row.created_at,
      expires_at: row.expires_at,
      remember: row.remember,
    },
    user: {
      id: row.user_id,
      username: row.username,
      first_name: row.first_name,
      last_name: row.last_name,
      email: row.email,
      email_confirmed_at: row.email_confirmed_at,
      two_factor_enabled: row.two_factor_enabled,
      phone: row.phone,
      backup_phone: row.backup_phone,
      email_codes_enabled: row.email_codes_enabled,
      must_set_up_factor: row.must_set_up_factor,
    },
    groups,
  };
}

/** The query's conditions on time, for a session read earlier: not expired, and remembered or active lately. */
export function stillLive(session: CheckedSession, now: number, idleTimeoutMs: number): boolean {
  return session.expires_at > now && (session.remember === 1 || session.last_active_at > now - idleTimeoutMs);
}

/** Sessions kept at most; past it the longest kept goes first. A few hundred bytes each. */
export const CHECKED_SUBJECTS_KEPT = 10_000;

/**
 * `findCheckedSubject`, keeping each answer while nothing in the database has changed. The version is read
 * before the query, so a write that lands while it runs makes the next check read again; a version change
 * drops everything kept (any write may be the one that matters: a sign-out, a group, a name, a factor). Only
 * live sessions are kept, so a flood of made-up cookies costs queries, not memory. What is returned is shared
 * between checks: read it, never change it.
 */
export class CheckedSubjects {
  readonly #kept = new Map<string, CheckedSubject>();
  #keptAt = -1;

  constructor(
    private readonly db: Db,
    /** `DatabaseHandle.version`; null: nothing is kept, every check reads. */
    private readonly version: (() => number) | null,
    private readonly limit = CHECKED_SUBJECTS_KEPT,
  ) {}

  async find(id: string, now: number, idleTimeoutMs: number): Promise<CheckedSubject | undefined> {
    if (this.version === null) return findCheckedSubject(this.db, id, now, idleTimeoutMs);
    const version = this.version();
    if (version !== this.#keptAt) {
      this.#kept.clear();
      this.#keptAt = version;
    }
    const kept = this.#kept.get(id);
    if (kept && stillLive(kept.session, now, idleTimeoutMs)) return kept;
    if (kept) this.#kept.delete(id);
    const found = await findCheckedSubject(this.db, id, now, idleTimeoutMs);
    // Kept only if no other check has seen the database change meanwhile (this one may not have seen it yet:
    // then the next check sees a new version and drops it).
    if (found && this.#keptAt === version) {
      if (this.#kept.size >= this.limit) this.#kept.delete(this.#kept.keys().next().value!);
      this.#kept.set(id, found);
    }
    return found;
  }
}
