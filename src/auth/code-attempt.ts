/**
 * One attempt at a one-time code or a passkey answer, wherever it is typed:
 * the second step of sign-in (src/features/login/gate.ts) and every set-up
 * that proves a factor works (SMS, authenticator app). Guessing a code is the
 * same attack in each place, so each gets the same defences, from here:
 *
 * 1. Per IP: wrong codes from one address, whatever the account
 *    (CODE_FAILURES_PER_IP), counted up front so parallel guesses all count.
 * 2. Per account: the consecutive-failure lockout for codes, one attempt at a
 *    time (ConsecutiveFailureLockout in src/auth/lockout.ts), across every
 *    pending sign-in and set-up of the account.
 * 3. The check itself (Verify, TOTP, a passkey signature, a hashed code).
 * 4. The verdict: a right code clears the account's count and gives the IP its
 *    point back; a check that could not be made (Twilio down) counts nothing;
 *    a wrong one counts, is logged, and (at sign-in) mails the owner when it
 *    starts a lockout (src/auth/lockout-notice.ts).
 *
 * What a flow does after a verdict (end a pending sign-in after 5 wrong codes,
 * cancel an enrolment) stays with the flow.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { User } from '../db/schema.js';
import { logSecurityEvent } from './events.js';
import { accountKey } from './lockout.js';
import { noticeOfLockout } from './lockout-notice.js';
import { codesLocked } from './two-factor.js';

/** What a check decided: right (with what it found, if the flow needs it), or why not (`message` in the request's language). */
export type CodeCheck<T = undefined> = { ok: true; value?: T } | { ok: false; reason: 'wrong' | 'unavailable'; message: string };

/** The attempt's outcome, with the status and message to show when it failed. */
export type CodeAttempt<T = undefined> =
  | { ok: true; value: T | undefined }
  /** Not checked: too many wrong codes from this IP, or the account's codes are locked. */
  | { ok: false; outcome: 'refused'; status: 429; message: string }
  /** Checked, and wrong; 429 when this failure locked the account's codes. */
  | { ok: false; outcome: 'wrong'; status: 422 | 429; message: string }
  /** Could not be checked (the provider is down): nothing counted. */
  | { ok: false; outcome: 'unavailable'; status: 503; message: string };

/**
 * Where the code is typed. At sign-in, wrong codes mean someone who knows the password is guessing, and the
 * owner is told when they lock the codes; at set-up it is the signed-in owner (a phone's clock off, a typo),
 * whom a "someone knows your password" mail would only alarm.
 */
export type CodeAttemptAt = 'sign-in' | 'set-up';

export async function attemptCode<T = undefined>(
  ctx: Pick<AppContext, 'db' | 'clock' | 'config' | 'limits' | 'mail'>,
  request: FastifyRequest,
  user: User,
  at: CodeAttemptAt,
  check: () => Promise<CodeCheck<T>>,
): Promise<CodeAttempt<T>> {
  const { limits } = ctx;
  const t = request.t;
  const key = accountKey(user.id);
  const fromIp = await limits.beginCodeCheckFrom(request.ip);
  if (!fromIp.ok) return { ok: false, outcome: 'refused', status: 429, message: t.codes.limits.tooManyWrongCodes(fromIp.retryAfterMs) };
  const attempt = await limits.code.begin(key);
  if (!attempt.ok) {
    await limits.refundCodeCheckFrom(request.ip);
    return { ok: false, outcome: 'refused', status: 429, message: codesLocked(t, attempt.retryAfterMs) };
  }

  let verdict: CodeCheck<T>;
  try {
    verdict = await check();
  } catch (error) {
    // No verdict: free the account's slot and the IP's point, so a retry is a fair try.
    await limits.code.release(key);
    await limits.refundCodeCheckFrom(request.ip);
    throw error;
  }
  if (verdict.ok) {
    await limits.code.succeed(key);
    await limits.refundCodeCheckFrom(request.ip);
    return { ok: true, value: verdict.value };
  }
  if (verdict.reason === 'unavailable') {
    await limits.code.release(key);
    await limits.refundCodeCheckFrom(request.ip);
    return { ok: false, outcome: 'unavailable', status: 503, message: verdict.message };
  }

  const failures = await limits.code.fail(key);
  await logSecurityEvent(ctx, request, user.id, 'code_failed');
  if (at === 'sign-in' && (await noticeOfLockout(ctx, request, user, 'code', failures))) ctx.mail.kick();
  const locked = await limits.code.status(key);
  if (!locked.ok) return { ok: false, outcome: 'wrong', status: 429, message: codesLocked(t, locked.retryAfterMs) };
  return { ok: false, outcome: 'wrong', status: 422, message: verdict.message };
}
