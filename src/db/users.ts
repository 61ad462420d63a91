/** SQL for the users table. The only module that writes it. */
import type { Kysely } from 'kysely';
import type { Locale } from '../i18n/locales.js';
import { newOidcSubject } from '../lib/oidc-subject.js';
import { allColumns, prepared, type Placeholders } from './prepared.js';
import type { Database, NewUser, User } from './schema.js';

type Db = Kysely<Database>;

export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

/** What a new account is made of: the names as typed (with normalized copies for uniqueness), no second factor, an unconfirmed email. */
export function newAccount(
  a: { username: string; email: string; first_name: string; last_name: string },
  passwordHash: string,
  now: number,
  /** The language of the account's mail (the page it was made from); null = English. */
  locale: Locale | null = null,
): Omit<NewUser, 'id'> {
  return {
    username: a.username,
    username_normalized: normalizeUsername(a.username),
    email: a.email,
    email_normalized: normalizeEmail(a.email),
    first_name: a.first_name,
    last_name: a.last_name,
    password_hash: passwordHash,
    about_me: '',
    phone: null,
    two_factor_enabled: 0,
    created_at: now,
    last_seen_at: now,
    email_confirmed_at: null,
    locale,
  };
}

/** The owner chose another language: their mail follows it from now on. */
export async function setUserLocale(db: Db, userId: number, locale: Locale): Promise<void> {
  await db.updateTable('users').set({ locale }).where('id', '=', userId).execute();
}

/** Every new account gets its OpenID Connect subject here, whichever way it was made (registration, the admin CLI). */
/** One space between words, NFKC, lower case: how a typed name is compared (the console's search). */
function normalizeName(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The console's search keys of a name (migration 024): "first last" and "last first". */
export function nameKeysOf(firstName: string, lastName: string): { name_key: string; surname_key: string } {
  const first = normalizeName(firstName);
  const last = normalizeName(lastName);
  return { name_key: `${first} ${last}`.trim(), surname_key: `${last} ${first}`.trim() };
}

/** A typed name as the search compares it with the keys. */
export function normalizeNameQuery(query: string): string {
  return normalizeName(query);
}

export async function insertUser(db: Db, user: Omit<NewUser, 'id' | 'oidc_subject' | 'name_key' | 'surname_key'>): Promise<User> {
  return db
    .insertInto('users')
    .values({ ...user, ...nameKeysOf(user.first_name, user.last_name), oidc_subject: newOidcSubject() })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The account's OpenID Connect subject. An account made by an older Gatehouse after migration 015 ran (a rolling
 * upgrade) has none yet: it gets one now, once — the WHERE keeps the first one written when two requests race.
 */
export async function oidcSubjectOf(db: Db, user: Pick<User, 'id' | 'oidc_subject'>): Promise<string> {
  if (user.oidc_subject !== null) return user.oidc_subject;
  await db.updateTable('users').set({ oidc_subject: newOidcSubject() }).where('id', '=', user.id).where('oidc_subject', 'is', null).execute();
  const row = await db.selectFrom('users').select('oidc_subject').where('id', '=', user.id).executeTakeFirstOrThrow();
  return row.oidc_subject!;
}

/** The account another app names by its `sub`. */
export async function findUserByOidcSubject(db: Db, subject: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('oidc_subject', '=', subject).executeTakeFirst();
}

export async function findUserById(db: Db, id: number): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

// Profiles and sign-ins look users up on every request: prepared once (src/db/prepared.ts).
/** Every column of `users` (the profile and sign-in lookups below, and the session lookup's join). */
export const USER_COLUMNS = allColumns<User>({
  id: true,
  username: true,
  username_normalized: true,
  email: true,
  email_normalized: true,
  first_name: true,
  last_name: true,
  password_hash: true,
  about_me: true,
  phone: true,
  two_factor_enabled: true,
  created_at: true,
  last_seen_at: true,
  email_confirmed_at: true,
  registration_notice_sent_at: true,
  last_factor: true,
  must_set_up_factor: true,
  webauthn_user_handle: true,
  backup_phone: true,
  email_codes_enabled: true,
  locale: true,
  oidc_subject: true,
  is_admin: true,
  suspended_at: true,
  name_key: true,
  surname_key: true,
});

const userByUsername = prepared((db: Db, p: Placeholders<{ name: string }>) => db.selectFrom('users').select(USER_COLUMNS).where('username_normalized', '=', p.name));
const userByEmail = prepared((db: Db, p: Placeholders<{ email: string }>) => db.selectFrom('users').select(USER_COLUMNS).where('email_normalized', '=', p.email));

export async function findUserByUsername(db: Db, username: string): Promise<User | undefined> {
  return userByUsername.takeFirst(db, { name: normalizeUsername(username) });
}

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  return userByEmail.takeFirst(db, { email: normalizeEmail(email) });
}

/** Sign-in accepts either; an "@" can never be part of a username, so the two cannot be confused. */
export async function findUserByLogin(db: Db, login: string): Promise<User | undefined> {
  return login.includes('@') ? findUserByEmail(db, login) : findUserByUsername(db, login);
}

/** Whether an operator suspended the account (read afresh, e.g. in the transaction that completes a sign-in). */
export async function isSuspended(db: Db, userId: number): Promise<boolean> {
  const row = await db.selectFrom('users').select('suspended_at').where('id', '=', userId).executeTakeFirst();
  return row !== undefined && row.suspended_at !== null;
}

/** Suspends the account (`at`) or reactivates it (null); the console is the only caller. */
export async function setSuspended(db: Db, userId: number, at: number | null): Promise<void> {
  await db.updateTable('users').set({ suspended_at: at }).where('id', '=', userId).execute();
}

/** Grants (true) or takes away (false) the console (`users.is_admin`); the admin CLI is the only caller. */
export async function setAdmin(db: Db, userId: number, admin: boolean): Promise<void> {
  await db.updateTable('users').set({ is_admin: admin ? 1 : 0 }).where('id', '=', userId).execute();
}

export async function usernameTaken(db: Db, username: string, exceptUserId?: number): Promise<boolean> {
  let q = db.selectFrom('users').select('id').where('username_normalized', '=', normalizeUsername(username));
  if (exceptUserId !== undefined) q = q.where('id', '<>', exceptUserId);
  return (await q.executeTakeFirst()) !== undefined;
}

export async function emailTaken(db: Db, email: string): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('email_normalized', '=', normalizeEmail(email)).executeTakeFirst();
  return row !== undefined;
}

export async function updateProfile(db: Db, userId: number, profile: { username: string; aboutMe: string }): Promise<void> {
  await db
    .updateTable('users')
    .set({ username: profile.username, username_normalized: normalizeUsername(profile.username), about_me: profile.aboutMe })
    .where('id', '=', userId)
    .execute();
}

export async function setPasswordHash(db: Db, userId: number, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}

export async function enableTwoFactor(db: Db, userId: number, phone: string): Promise<void> {
  await db.updateTable('users').set({ phone, two_factor_enabled: 1 }).where('id', '=', userId).execute();
}

/**
 * Takes the user's row lock for the rest of the transaction (a write that
 * changes nothing): two transactions that each remove a factor then see each
 * other's removal before deciding whether any factor is left (PostgreSQL's
 * READ COMMITTED re-reads after the wait; SQLite has one writer anyway).
 */
export async function lockUserRow(db: Db, userId: number): Promise<void> {
  await db.updateTable('users').set((eb) => ({ email_codes_enabled: eb.ref('email_codes_enabled') })).where('id', '=', userId).execute();
}

/** Sets or clears the backup phone; true when it changed. A backup phone exists only next to SMS codes on a main phone. */
export async function setBackupPhone(db: Db, userId: number, phone: string | null): Promise<boolean> {
  let query = db.updateTable('users').set({ backup_phone: phone }).where('id', '=', userId);
  query = phone === null ? query.where('backup_phone', 'is not', null) : query.where('two_factor_enabled', '=', 1).where('phone', 'is not', null);
  const result = await query.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function disableTwoFactor(db: Db, userId: number): Promise<void> {
  await db.updateTable('users').set({ phone: null, two_factor_enabled: 0, backup_phone: null }).where('id', '=', userId).execute();
}

/**
 * Records activity, but writes only when the stored value is older than
 * `minIntervalMs`: the WHERE clause makes the "at most once a minute" rule hold
 * even with many concurrent requests.
 */
/** Deletes the account; its sessions, factors, codes, devices, links and events go with it (ON DELETE CASCADE). */
export async function deleteUser(db: Db, userId: number): Promise<boolean> {
  const result = await db.deleteFrom('users').where('id', '=', userId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * After an account recovery removed the second factors (true), the user must set one up before reaching
 * other pages; false once they have one again (src/auth/enforce-two-factor.ts).
 */
export async function setMustSetUpFactor(db: Db, userId: number, value: boolean): Promise<void> {
  await db.updateTable('users').set({ must_set_up_factor: value ? 1 : 0 }).where('id', '=', userId).execute();
}

/** Remembers the factor a sign-in was completed with, to offer it first next time. */
export async function setLastFactor(db: Db, userId: number, factor: string): Promise<void> {
  await db.updateTable('users').set({ last_factor: factor }).where('id', '=', userId).execute();
}

export async function touchLastSeen(db: Db, userId: number, now: number, minIntervalMs: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ last_seen_at: now })
    .where('id', '=', userId)
    .where('last_seen_at', '<=', now - minIntervalMs)
    .execute();
}
