/** SQL for server-side sessions. Ids are SHA-256 hashes of the cookie token. */
import { sql, type Kysely } from 'kysely';
import { allColumns, prepared, recordMaker, type Placeholders } from './prepared.js';
import { USER_COLUMNS } from './users.js';
import type { Database, Session, User } from './schema.js';

type Db = Kysely<Database>;

export interface NewSession {
  id: string;
  userId: number;
  twoFactorPending: boolean;
  remember: boolean;
  nextPath: string | null;
  now: number;
  expiresAt: number;
  csrfSecret: string;
  /** When the password (and second factor, if any) was just proved; null for a pending sign-in. */
  authenticatedAt: number | null;
  ip?: string | null;
  userAgent?: string | null;
  /** How the session was signed in: methods, comma-separated (src/auth/sign-in.ts); null while pending. */
  signInMethods?: string | null;
  secondStepSkipped?: boolean;
  /** Whether the passkey used to sign in is synced (backed up); null when none was used or it is not known. */
  signInPasskeyBackedUp?: boolean | null;
}

/** User-Agent strings are chosen by the client: stored bounded. */
export const MAX_USER_AGENT_LENGTH = 300;

export async function insertSession(db: Db, s: NewSession): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: s.id,
      user_id: s.userId,
      two_factor_pending: s.twoFactorPending ? 1 : 0,
      remember: s.remember ? 1 : 0,
      next_path: s.nextPath,
      failed_code_attempts: 0,
      code_sent_at: null,
      created_at: s.now,
      last_active_at: s.now,
      expires_at: s.expiresAt,
      csrf_secret: s.csrfSecret,
      authenticated_at: s.authenticatedAt,
      ip: s.ip ?? null,
      user_agent: s.userAgent?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
      sign_in_methods: s.signInMethods ?? null,
      second_step_skipped: s.secondStepSkipped ? 1 : 0,
      sign_in_passkey_backed_up: s.signInPasskeyBackedUp === undefined || s.signInPasskeyBackedUp === null ? null : s.signInPasskeyBackedUp ? 1 : 0,
    })
    .execute();
}

/** Every column of `sessions`; listing one too few or too many is a compile error. */
const SESSION_COLUMNS = allColumns<Session>({
  id: true,
  user_id: true,
  two_factor_pending: true,
  remember: true,
  next_path: true,
  failed_code_attempts: true,
  code_sent_at: true,
  created_at: true,
  last_active_at: true,
  expires_at: true,
  csrf_secret: true,
  authenticated_at: true,
  ip: true,
  user_agent: true,
  code_sent_to: true,
  code_sent_by: true,
  sign_in_methods: true,
  second_step_skipped: true,
  oidc_session_uid: true,
  sign_in_passkey_backed_up: true,
});
const SESSION_PREFIX = 'session_';
/** The lookup's row split in two, by the column lists (a test of every key's prefix was a third of its time). */
const sessionOfRow = recordMaker<Record<string, unknown>>(SESSION_COLUMNS.map((column) => [`${SESSION_PREFIX}${column}`, column]));
const userOfRow = recordMaker<Record<string, unknown>>(USER_COLUMNS.map((column) => [column, column]));

export interface SessionWithUser {
  session: Session;
  user: User;
}

/**
 * The session and its user, when the session has not reached its absolute end
 * and, unless "remember me" was chosen, has been active within `idleTimeoutMs`
 * — and the account is not suspended (suspending ends its sessions; this is
 * the backstop for one that began during the suspension).
 */
const liveSessionQuery = prepared((db: Db, p: Placeholders<{ id: string; now: number; activeSince: number }>) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(USER_COLUMNS.map((column) => `users.${column}` as const))
    .select(SESSION_COLUMNS.map((column) => sql.ref(`sessions.${column}`).as(`${SESSION_PREFIX}${column}`)))
    .where('sessions.id', '=', p.id)
    .where('sessions.expires_at', '>', p.now)
    .where('users.suspended_at', 'is', null)
    .where((eb) => eb.or([eb('sessions.remember', '=', 1), eb('sessions.last_active_at', '>', p.activeSince)])),
);

export async function findLiveSession(db: Db, id: string, now: number, idleTimeoutMs: number): Promise<SessionWithUser | undefined> {
  // One query, by the session's primary key and then the user's: the user's columns come as they are,
  // the session's under a `session_` prefix.
  const row = (await liveSessionQuery.takeFirst(db, { id, now, activeSince: now - idleTimeoutMs })) as Record<string, unknown> | undefined;
  if (!row) return undefined;
  return { session: sessionOfRow(row) as unknown as Session, user: userOfRow(row) as unknown as User };
}

/** The user's signed-in sessions that are still live, most recently active first. */
export async function liveSessionsOfUser(db: Db, userId: number, now: number, idleTimeoutMs: number): Promise<Session[]> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('two_factor_pending', '=', 0)
    .where('expires_at', '>', now)
    .where((eb) => eb.or([eb('remember', '=', 1), eb('last_active_at', '>', now - idleTimeoutMs)]))
    .orderBy('last_active_at', 'desc')
    .execute();
}

/**
 * What is left of a deleted session that matters afterwards: the identity provider's session that stood for it,
 * whose apps are told it ended (`AppContext.identityProvider.sessionsEnded`).
 */
export type EndedSession = Pick<Session, 'oidc_session_uid'>;

/** Ends one of the user's sessions (only theirs: the id comes from a form); undefined when there was none. */
export async function deleteSessionOfUser(db: Db, userId: number, id: string): Promise<EndedSession | undefined> {
  return db.deleteFrom('sessions').where('id', '=', id).where('user_id', '=', userId).returning('oidc_session_uid').executeTakeFirst();
}

/** "Sign out everywhere else": every session of the user but `keepId`. */
export async function deleteOtherSessionsOfUser(db: Db, userId: number, keepId: string): Promise<EndedSession[]> {
  return db.deleteFrom('sessions').where('user_id', '=', userId).where('id', '<>', keepId).returning('oidc_session_uid').execute();
}

/**
 * The provider sessions that stand for the user's Gatehouse sessions (`oidc_session_uid`), each once: where an app
 * that loses its access (src/features/security, "Remove access") may still be signed in.
 */
export async function providerSessionUidsOfUser(db: Db, userId: number): Promise<string[]> {
  const rows = await db.selectFrom('sessions').select('oidc_session_uid').distinct().where('user_id', '=', userId).where('oidc_session_uid', 'is not', null).execute();
  return rows.map((r) => r.oidc_session_uid).filter((uid): uid is string => uid !== null);
}

/**
 * An app got a code in the browser of this session: the provider's session `uid` stands for it from now on (the
 * last one wins: it is the provider session the browser holds now).
 */
export async function linkProviderSession(db: Db, id: string, uid: string): Promise<void> {
  await db.updateTable('sessions').set({ oidc_session_uid: uid }).where('id', '=', id).where('two_factor_pending', '=', 0).execute();
}

/**
 * The session's user just proved the password again (step-up, a change of password or factor): the row
 * takes a new id (the hash of a new cookie token) and CSRF secret and keeps everything else. False when the
 * session is gone or still pending. Changing the key in place is safe because the one table that refers to
 * `sessions.id` (`email_sign_in_codes`, migration 011) holds rows of pending sessions only, never renewed.
 */
export async function renewSessionRow(db: Db, id: string, newId: string, csrfSecret: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({ id: newId, csrf_secret: csrfSecret, authenticated_at: now })
    .where('id', '=', id)
    .where('two_factor_pending', '=', 0)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Where a signed-in session goes once its owner has set up a second factor (src/auth/enforce-two-factor.ts); null
 * to forget it. A pending session's `next_path` is where its sign-in goes; a signed-in one starts with none.
 */
export async function setSessionNextPath(db: Db, id: string, nextPath: string | null): Promise<void> {
  await db.updateTable('sessions').set({ next_path: nextPath }).where('id', '=', id).where('two_factor_pending', '=', 0).execute();
}

/** Slides the idle window; written at most once per `minIntervalMs`. */
export async function touchSession(db: Db, id: string, now: number, minIntervalMs: number): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_active_at: now })
    .where('id', '=', id)
    .where('last_active_at', '<=', now - minIntervalMs)
    .execute();
}

export async function deleteSession(db: Db, id: string): Promise<EndedSession | undefined> {
  return db.deleteFrom('sessions').where('id', '=', id).returning('oidc_session_uid').executeTakeFirst();
}

/**
 * Ends a pending (password-only) session if and only if it is still pending.
 * Returns false when another request got there first: compare-and-swap, so two
 * concurrent correct codes cannot both turn into a signed-in session.
 */
export async function consumePendingSession(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('sessions').where('id', '=', id).where('two_factor_pending', '=', 1).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

export async function deleteSessionsOfUser(db: Db, userId: number): Promise<EndedSession[]> {
  return db.deleteFrom('sessions').where('user_id', '=', userId).returning('oidc_session_uid').execute();
}

/** Counts a wrong code and returns the new count (one atomic UPDATE, so concurrent guesses all count). */
export async function recordFailedCode(db: Db, id: string): Promise<number> {
  const row = await db
    .updateTable('sessions')
    .set((eb) => ({ failed_code_attempts: eb('failed_code_attempts', '+', 1) }))
    .where('id', '=', id)
    .returning('failed_code_attempts')
    .executeTakeFirst();
  return row?.failed_code_attempts ?? Number.POSITIVE_INFINITY;
}

/** Where a pending sign-in's last code went: one of the user's phones, or their mailbox. */
export type CodeDestination = 'main' | 'backup' | 'email';

/**
 * Claims the pending sign-in's next code: true for the one request that may
 * send it now (no code yet, or the last one `minGapMs` ago or more), false for
 * a request that came too soon — also when two arrive together.
 */
export async function claimCodeSend(db: Db, id: string, now: number, minGapMs: number, to: CodeDestination): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({ code_sent_at: now, code_sent_to: to })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('code_sent_at', 'is', null), eb('code_sent_at', '<=', now - minGapMs)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A phone code went out for a pending sign-in: when, to which of the user's phones, and by text or call. */
export async function setSessionCodeSentAt(db: Db, id: string, at: number, to: 'main' | 'backup', by: 'sms' | 'call'): Promise<void> {
  await db.updateTable('sessions').set({ code_sent_at: at, code_sent_to: to, code_sent_by: by }).where('id', '=', id).execute();
}

/** Sessions of the user, live or not yet purged, pending ones included: what "sign out everywhere" ends. */
export async function countSessionsOfUser(db: Db, userId: number): Promise<number> {
  const row = await db
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
