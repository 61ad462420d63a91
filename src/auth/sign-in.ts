/**
 * The one place a sign-in completes, whichever way it went: the password alone
 * (no second factor, or a remembered device standing in for it), the password
 * and a second step (src/features/login/gate.ts), or a passkey on its own
 * (src/features/login/passkey-sign-in.ts). It starts the signed-in session and
 * writes on it how the person signed in — which methods, and whether a
 * remembered device skipped the second step — so everything that later asks
 * "how strongly is this person signed in?" reads one record instead of
 * guessing from the path they took.
 *
 * Call it inside the transaction that decided the sign-in (the pending
 * session consumed, the passkey challenge used), so the record, the session
 * and the notices commit together or not at all.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.js';
import type { Database, Session, TrustedDevice, User } from '../db/schema.js';
import type { SecurityEventKind } from '../db/security-events.js';
import { isSuspended, setLastFactor } from '../db/users.js';
import { cancelRecoveryAfterSignIn } from './account-recovery.js';
import { logSecurityEvent } from './events.js';
import type { SecondFactor } from './factors.js';
import { noteSignInBrowser } from './new-browser-notice.js';
import { startSession } from './session.js';
import { noteTrustedDeviceUse, trustThisDevice } from './trusted-devices.js';

/**
 * What a person can prove at sign-in. `user_verification` accompanies `passkey`
 * when the authenticator checked its owner (PIN, fingerprint, face), which
 * passwordless sign-in requires.
 */
export const SIGN_IN_METHODS = ['password', 'passkey', 'user_verification', 'totp', 'sms', 'call', 'email_code', 'recovery_code'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

/** What a second step proved, as the record names it: a way of signing in (SignInWay) by what it proved (a code by call is `call`). */
export type SecondStepMethod = Exclude<SignInMethod, 'password' | 'user_verification'>;

/** How a session was signed in: the record `completeSignIn` writes and `howSignedIn` reads back. */
export interface SignInRecord {
  /** What the person proved, in the order they proved it. */
  methods: readonly SignInMethod[];
  /** A remembered device stood in for the second factor: only the password was proved on this sign-in. */
  secondStepSkipped: boolean;
  /** When the sign-in completed (ms since the epoch). */
  at: number;
  /**
   * Whether the passkey used (if any) is synced to other devices (WebAuthn's backup state at this sign-in):
   * false for a device-bound key, true for a synced one, null or absent when no passkey was used or it is not
   * known (sessions older than migration 016).
   */
  passkeyBackedUp?: boolean | null;
}

/** How the sign-in went, as the path that decided it knows it. */
export type SignInPath =
  /** The password, and the account has no second factor. */
  | { kind: 'password' }
  /** The password, and a browser remembered after a second factor skipped it. */
  | { kind: 'remembered-device'; device: TrustedDevice }
  /** The password, then a second step. */
  | {
      kind: 'second-step';
      /** The factor proved; recovery and email codes are fallbacks, not remembered as the factor to offer first. */
      step: Exclude<SignInMethod, 'password' | 'user_verification'>;
      /** The extra methods the step proved (a passkey's user verification). */
      alsoProved?: readonly SignInMethod[];
      /** "Remember this device for 30 days" was ticked. */
      rememberDevice: boolean;
      /** With `step: 'passkey'`: whether that passkey is synced (its backup state as it answered). */
      passkeyBackedUp?: boolean;
    }
  /** A passkey alone, which verified its user ("Sign in with a passkey"); `backedUp`: it is synced. */
  | { kind: 'passkey'; backedUp: boolean };

export interface CompleteSignIn {
  user: User;
  path: SignInPath;
  /** "Remember me": the session lasts 30 days instead of ending with the browser. */
  remember: boolean;
}

/** The sign-in's record (which methods, and whether a device skipped the second step). */
export function signInRecordOf(path: SignInPath, at: number): SignInRecord {
  switch (path.kind) {
    case 'password':
      return { methods: ['password'], secondStepSkipped: false, at };
    case 'remembered-device':
      return { methods: ['password'], secondStepSkipped: true, at };
    case 'second-step':
      return {
        methods: ['password', path.step, ...(path.alsoProved ?? [])],
        secondStepSkipped: false,
        at,
        passkeyBackedUp: path.step === 'passkey' ? (path.passkeyBackedUp ?? null) : null,
      };
    case 'passkey':
      return { methods: ['passkey', 'user_verification'], secondStepSkipped: false, at, passkeyBackedUp: path.backedUp };
  }
}

/** The record on a signed-in session; null for a pending one (or one signed in before the record existed). */
export function howSignedIn(
  session: Pick<Session, 'sign_in_methods' | 'second_step_skipped' | 'sign_in_passkey_backed_up' | 'created_at' | 'two_factor_pending'>,
): SignInRecord | null {
  if (session.two_factor_pending || session.sign_in_methods === null) return null;
  const methods = session.sign_in_methods.split(',').filter((m): m is SignInMethod => (SIGN_IN_METHODS as readonly string[]).includes(m));
  const backedUp = session.sign_in_passkey_backed_up;
  return {
    methods,
    secondStepSkipped: Boolean(session.second_step_skipped),
    at: session.created_at,
    passkeyBackedUp: backedUp === null ? null : backedUp === 1,
  };
}

/** The security event each path writes. */
function eventOf(path: SignInPath): SecurityEventKind {
  switch (path.kind) {
    case 'password':
      return 'sign_in';
    case 'remembered-device':
      return 'sign_in_trusted_device';
    case 'passkey':
      return 'sign_in_passkey';
    case 'second-step':
      return path.step === 'recovery_code' ? 'recovery_code_used' : path.step === 'email_code' ? 'sign_in_email_code' : 'sign_in';
  }
}

/** The factor a later sign-in offers first: the one just used, when it is a factor (not a fallback). */
function factorUsed(path: SignInPath): SecondFactor | null {
  if (path.kind === 'passkey') return 'passkey';
  if (path.kind !== 'second-step') return null;
  switch (path.step) {
    case 'passkey':
    case 'totp':
    case 'sms':
      return path.step;
    case 'call':
      return 'sms';
    default:
      return null;
  }
}

/**
 * Signs the browser in: a new session (new token, new CSRF secret; whatever
 * session the browser had is deleted) that carries the sign-in's record, then
 * everything a completed sign-in does — the security event, the factor to
 * offer first next time, a remembered device noted or trusted, a waiting
 * recovery cancelled when a factor was proved, and the new-browser notice.
 * Returns the new session's id — or null, with nothing done, when an operator
 * suspended the account since the sign-in began (its pages checked before a
 * slow password hash or a second step: this is read in the transaction).
 */
export async function completeSignIn(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, c: CompleteSignIn, trx: Kysely<Database>): Promise<string | null> {
  const { user, path } = c;
  if (await isSuspended(trx, user.id)) return null;
  const record = signInRecordOf(path, ctx.clock.now());
  const sessionId = await startSession(ctx, request, reply, { userId: user.id, remember: c.remember, twoFactorPending: false, nextPath: null, record }, trx);
  await logSecurityEvent(ctx, request, user.id, eventOf(path), trx);
  const factor = factorUsed(path);
  if (factor) await setLastFactor(trx, user.id, factor);
  if (path.kind === 'remembered-device') await noteTrustedDeviceUse(ctx, request, path.device, trx);
  if (path.kind === 'second-step' && path.rememberDevice) {
    await trustThisDevice(ctx, request, reply, user.id, trx);
    await logSecurityEvent(ctx, request, user.id, 'trusted_device_added', trx);
  }
  // Whoever proved a factor evidently has one: a recovery waiting to remove them is cancelled
  // (src/auth/account-recovery.ts). A remembered device skipped the factor rather than proving it.
  if (path.kind === 'second-step' || path.kind === 'passkey') await cancelRecoveryAfterSignIn(ctx, request, reply, user, trx);
  await noteSignInBrowser(ctx, request, reply, user, trx);
  return sessionId;
}
