/**
 * What `npm run admin -- <command>` does, one function per command, apart from
 * argv and the process (cli.ts) so tests call them in-process on a real
 * database. Each prints through `ctx.output` and returns `{ ok: true }` or the
 * one-line reason it refused (exit code 1); exceptions are bugs or outages.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { PwnedPasswords } from '../adapters/pwned-passwords/types.js';
import { breachedPasswordProblem, newAccountFields, passwordAvoidsAccountWords } from '../auth/account-rules.js';
import { factorsOf } from '../auth/factors.js';
import { hashPassword } from '../auth/password.js';
import { nothingToReset, planReset, resetAllFactors, type ResetPlan } from '../auth/reset-factors.js';
import { maskPhone } from '../auth/two-factor.js';
import type { Config } from '../config.js';
import { isUniqueViolation } from '../db/database.js';
import { findLiveRecovery, latestRecovery } from '../db/account-recoveries.js';
import { enqueueMail, MailSeal } from '../db/mail-outbox.js';
import type { Database, User } from '../db/schema.js';
import { recentSecurityEvents, SECURITY_EVENT_RETENTION_MS, type ListedSecurityEvent } from '../db/security-events.js';
import { emailTaken, findUserByLogin, insertUser, newAccount, usernameTaken } from '../db/users.js';
import { days, type Clock } from '../lib/duration.js';
import { en } from '../i18n/en/index.js';
import { problemText } from '../i18n/messages.js';
import { exactUtc } from '../lib/relative-time.js';
import { columns, printable, table } from './format.js';
import { findUsers } from './queries.js';

/** Where a command's lines go: stdout in the CLI, an array in tests. */
export interface Output {
  out(line: string): void;
}

export interface AdminContext {
  db: Kysely<Database>;
  config: Config;
  clock: Clock;
  /** The same breached-password check registration uses (off unless PWNED_PASSWORDS_CHECK=true). */
  pwnedPasswords: PwnedPasswords;
  output: Output;
}

export interface Refused {
  ok: false;
  /** One line for the operator, printed to stderr. */
  problem: string;
}

const refused = (problem: string): Refused => ({ ok: false, problem });

/** `list-users` without --limit. */
export const DEFAULT_LIST_LIMIT = 50;
/** --limit's upper bound: more than a terminal can usefully show; narrow with --search instead. */
export const MAX_LIST_LIMIT = 1000;

/** Written into the security event of a reset, where a request's User-Agent would be. */
export const ADMIN_USER_AGENT = 'gatehouse admin CLI';

// ---- create-user ----

export interface NewUserInput {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  password: string;
}

/** Registration's rules (src/features/register/routes.ts) without the second copy of the password, which a form needs and stdin does not. */
const NewUserRules = z.object(newAccountFields).superRefine(passwordAvoidsAccountWords);

/** How each rule's field is called on the command line, so a message points at what to change. */
const FLAG_OF_FIELD: Record<string, string> = {
  first_name: '--first-name',
  last_name: '--last-name',
  username: '--username',
  email: '--email',
  password: 'password',
};

const USERNAME_TAKEN = 'That username is taken.';
const EMAIL_TAKEN = 'That email address already has an account.';

/**
 * Creates an account as registration would, minus the confirmation mail: the
 * address stays unconfirmed until its owner asks for a link from the banner.
 */
export async function createUser(ctx: AdminContext, input: NewUserInput): Promise<{ ok: true; userId: number } | Refused> {
  const parsed = NewUserRules.safeParse({
    first_name: input.firstName,
    last_name: input.lastName,
    username: input.username,
    email: input.email,
    password: input.password,
  });
  if (!parsed.success) {
    // An operator's tool: the rules' problems in English.
    const problems = parsed.error.issues.map((issue) => `${FLAG_OF_FIELD[String(issue.path[0])] ?? String(issue.path[0])}: ${problemText(en, issue.message)}`);
    return refused([...new Set(problems)].join(' '));
  }
  const v = parsed.data;
  if (await usernameTaken(ctx.db, v.username)) return refused(USERNAME_TAKEN);
  if (await emailTaken(ctx.db, v.email)) return refused(EMAIL_TAKEN);
  const breached = await breachedPasswordProblem(ctx.pwnedPasswords, v.password);
  if (breached) return refused(`password: ${en.problems[breached]}`);

  const passwordHash = await hashPassword(v.password);
  const now = ctx.clock.now();
  let user: User;
  try {
    user = await insertUser(ctx.db, newAccount(v, passwordHash, now));
  } catch (error) {
    // Someone registered the same name or address between the checks and the insert: the UNIQUE index decided.
    if (!isUniqueViolation(error)) throw error;
    return refused((await usernameTaken(ctx.db, v.username)) ? USERNAME_TAKEN : EMAIL_TAKEN);
  }
  ctx.output.out(`Created user ${printable(user.username)} with id ${user.id}.`);
  ctx.output.out('The email address is unconfirmed: after signing in, the user can ask for a confirmation link from the banner.');
  return { ok: true, userId: user.id };
}

// ---- list-users ----

export async function listUsers(ctx: AdminContext, options: { limit: number; search: string | null }): Promise<{ ok: true }> {
  // One more than asked for tells whether there are others to mention.
  const found = await findUsers(ctx.db, { limit: options.limit + 1, search: options.search });
  const users = found.slice(0, options.limit);
  if (users.length === 0) {
    ctx.output.out(options.search === null ? 'No users yet.' : `No user's username or email contains "${printable(options.search)}".`);
    return { ok: true };
  }
  const rows = users.map((u) => [String(u.id), u.username, u.email, exactUtc(u.createdAt), u.twoFactor ? 'on' : 'off']);
  for (const line of table(['id', 'username', 'email', 'created', '2FA'], rows)) ctx.output.out(line);
  if (found.length > options.limit) ctx.output.out(`(the newest ${options.limit}; there are more: use --limit or --search)`);
  return { ok: true };
}

// ---- show-user ----

export async function showUser(ctx: AdminContext, login: string): Promise<{ ok: true } | Refused> {
  const user = await findUserByLogin(ctx.db, login);
  if (!user) return refused(noSuchUser(login));
  const now = ctx.clock.now();
  const factors = await factorsOf(ctx.db, user);
  const events = await recentSecurityEvents(ctx.db, user.id, now - SECURITY_EVENT_RETENTION_MS);
  const out = (line: string) => ctx.output.out(line);

  out(`User ${user.id}: ${printable(user.username)}`);
  const basics = [
    ['name', `${user.first_name} ${user.last_name}`],
    ['email', `${user.email} (${user.email_confirmed_at === null ? 'not confirmed' : `confirmed ${exactUtc(user.email_confirmed_at)}`})`],
    ['created', exactUtc(user.created_at)],
    ['last seen', exactUtc(user.last_seen_at)],
  ];
  for (const line of columns(basics)) out(`  ${line}`);
  out('Second factors');
  const factorRows = [
    ['passkeys', `${factors.passkeys}`],
    ['authenticator app', factors.totp ? 'yes' : 'no'],
    ['text-message codes', factors.sms && user.phone ? maskPhone(user.phone) : 'off'],
    ['recovery codes', `${factors.recoveryCodes} unused`],
    ['account recovery', await recoveryState(ctx.db, user, now)],
  ];
  for (const line of columns(factorRows)) out(`  ${line}`);
  out(`Security events, last ${SECURITY_EVENT_RETENTION_MS / days(1)} days, newest first`);
  if (events.length === 0) out('  (none)');
  else for (const line of table(['time', 'event', 'IP'], events.map((e) => [exactUtc(e.created_at), eventLabel(e), e.ip ?? '-']))) out(`  ${line}`);
  if (events.length === SHOWN_EVENTS) out(`  (the newest ${SHOWN_EVENTS}; older ones are on the user's security page)`);
  return { ok: true };
}

/** The self-service recovery of the account (src/auth/account-recovery.ts), in one line. */
async function recoveryState(db: Kysely<Database>, user: User, now: number): Promise<string> {
  const live = await findLiveRecovery(db, user.id);
  if (live) {
    const when = live.completes_at <= now ? 'due: completes at the next' : `completes at the first`;
    const from = live.completes_at <= now ? '' : ` from ${exactUtc(live.completes_at)}`;
    return `in progress since ${exactUtc(live.started_at)}; ${when} sign-in with the password${from}`;
  }
  const last = await latestRecovery(db, user.id);
  if (user.must_set_up_factor === 1) {
    const when = last?.completed_at != null ? ` ${exactUtc(last.completed_at)}` : '';
    return `completed${when}; a new second factor must be set up at the next sign-in`;
  }
  if (!last) return 'none';
  return last.completed_at !== null ? `none in progress (last completed ${exactUtc(last.completed_at)})` : `none in progress (last cancelled ${exactUtc(last.cancelled_at ?? last.started_at)})`;
}

/** recentSecurityEvents' default limit: what the security page shows too. */
const SHOWN_EVENTS = 100;

/**
 * The security page's words for an event, in English (an operator's tool), naming the app of an app event; a kind
 * this version does not know (written by a newer one) as it is stored.
 */
function eventLabel(e: ListedSecurityEvent): string {
  const named = en.security.appEvents;
  if (e.client_id !== null && Object.hasOwn(named, e.kind)) return named[e.kind as keyof typeof named](e.app_name);
  const labels = en.security.events;
  return Object.hasOwn(labels, e.kind) ? labels[e.kind as keyof typeof labels] : e.kind;
}

// ---- reset-factors ----

function planLines(plan: ResetPlan, verbs: { app: string; sms: string; codes: string; sessions: string }): string[] {
  return [
    ...(plan.passkeys > 0 ? [`  ${verbs.app} ${plan.passkeys === 1 ? 'the passkey' : `the ${plan.passkeys} passkeys`}`] : []),
    ...(plan.app ? [`  ${verbs.app} the authenticator app`] : []),
    ...(plan.smsPhone !== null ? [`  ${verbs.sms} text-message codes to ${maskPhone(plan.smsPhone)}`] : []),
    ...(plan.unusedRecoveryCodes > 0 ? [`  ${verbs.codes} the recovery codes (${plan.unusedRecoveryCodes} unused)`] : []),
    `  ${verbs.sessions} ${plan.sessions} ${plan.sessions === 1 ? 'session' : 'sessions'} (every device)`,
  ];
}

/**
 * Removes every second factor of the user (passkeys, authenticator app, SMS
 * and its backup phone, recovery codes, email codes) and signs them out everywhere, for someone who lost their phone and
 * their codes. Without `confirmed` it only says what it would do. With it, the
 * removal, the security event and the notice mail are one transaction: the
 * user is always told, and never told of a reset that did not happen.
 */
export async function resetFactors(ctx: AdminContext, login: string, options: { confirmed: boolean }): Promise<{ ok: true } | Refused> {
  const found = await findUserByLogin(ctx.db, login);
  if (!found) return refused(noSuchUser(login));
  const who = `${printable(found.username)} (id ${found.id}, ${printable(found.email)})`;

  if (!options.confirmed) {
    const plan = await planReset(ctx.db, found);
    if (nothingToReset(plan)) return refused(`${who} has no second factor and no recovery code: there is nothing to reset.`);
    ctx.output.out(`reset-factors would, for ${who}:`);
    for (const line of planLines(plan, { app: 'remove', sms: 'turn off', codes: 'delete', sessions: 'sign out' })) ctx.output.out(line);
    ctx.output.out(`  record a security event and queue a notice mail to ${printable(found.email)}`);
    return refused('Nothing was changed. Run it again with --yes to do it.');
  }

  const now = ctx.clock.now();
  // Sealed under SECRET_KEY like every queued mail; the server's worker opens it.
  const seal = new MailSeal(ctx.config.secretKey);
  const result = await ctx.db.transaction().execute((trx) =>
    resetAllFactors(
      { config: ctx.config, mail: { enqueue: (db, mail, userId, at) => enqueueMail(db, seal, mail, userId, at) } },
      trx,
      found.id,
      now,
      { ip: null, userAgent: ADMIN_USER_AGENT },
    ),
  );
  if (result === null) return refused(noSuchUser(login));
  if (!result.done) return refused(`${who} has no second factor and no recovery code: there is nothing to reset.`);

  ctx.output.out(`Reset the second factors of ${who}:`);
  for (const line of planLines(result.plan, { app: 'removed', sms: 'turned off', codes: 'deleted', sessions: 'signed out' })) ctx.output.out(line);
  ctx.output.out(`  recorded the security event "${en.security.events.factors_reset_by_admin}"`);
  ctx.output.out(`Notice mail to ${printable(result.user.email)}: the notice is queued; a running Gatehouse delivers it.`);
  return { ok: true };
}

function noSuchUser(login: string): string {
  return `No user has the username or email address "${printable(login)}".`;
}
