/**
 * Re-authentication: a signed-in user types the current password before a
 * sensitive change (new password, new or no second factor). Wrong guesses
 * count against the same per-account lockout as sign-in, so a stolen session
 * cannot be used to guess the password (OWASP ASVS 5.0 V6.3.1).
 */
import type { AppContext } from '../context.js';
import type { User } from '../db/schema.js';
import type { Messages } from '../i18n/messages.js';
import { accountKey } from './lockout.js';
import { verifyPassword } from './password.js';

/** What a refused password check says, in the reader's language. */
export function reauthLockedMessage(t: Messages, retryAfterMs: number | null): string {
  return retryAfterMs === null ? t.codes.reauth.lockedUntilReset : t.codes.reauth.locked(retryAfterMs);
}

export async function checkCurrentPassword(
  ctx: Pick<AppContext, 'limits'>,
  user: Pick<User, 'id' | 'password_hash'>,
  password: string,
  t: Messages,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const key = accountKey(user.id);
  const attempt = await ctx.limits.password.begin(key);
  if (!attempt.ok) return { ok: false, message: reauthLockedMessage(t, attempt.retryAfterMs) };
  let passwordOk: boolean;
  try {
    passwordOk = await verifyPassword(user.password_hash, password);
  } catch (error) {
    await ctx.limits.password.release(key); // no verdict (hashing busy → 503): a retry must not find the slot taken
    throw error;
  }
  if (passwordOk) {
    await ctx.limits.password.succeed(key);
    return { ok: true };
  }
  await ctx.limits.password.fail(key);
  return { ok: false, message: t.codes.reauth.wrong };
}
