/**
 * What registration and the email-confirmation feature share: the numbers, the
 * confirmation mail, and issuing a link (token + mail, written together).
 *
 * The link's token is 256 random bits (tokens.ts), stored only as a SHA-256
 * hash, valid 24 hours, usable once; a newer link voids older ones.
 */
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.js';
import { replaceConfirmationToken } from '../db/email-confirmations.js';
import { enqueueMail } from '../db/mail-outbox.js';
import type { Database } from '../db/schema.js';
import { hours, minutes } from '../lib/duration.js';
import { html } from '../views/html.js';
import { hashToken, newToken } from './tokens.js';

/** A confirmation link works this long, once (the issue: "valid 24 h"). */
export const EMAIL_CONFIRMATION_LIFETIME_MS = hours(24);
/** "Resend the confirmation mail" works once per account in this interval, so the button cannot be used to flood an inbox. */
export const CONFIRMATION_RESEND_INTERVAL_MS = minutes(1);
/** The owner of an address hears about registration attempts with it at most this often (no mail flood by re-registering). */
export const REGISTRATION_NOTICE_INTERVAL_MS = hours(1);

/** The path of a confirmation link; `[redacted]` in logs, like reset links. */
export const CONFIRM_EMAIL_PATH = '/confirm-email';

export function confirmationMail(p: { to: string; firstName: string; link: string }) {
  const hoursValid = EMAIL_CONFIRMATION_LIFETIME_MS / hours(1);
  const text = `Hi ${p.firstName},

Please confirm that this is your email address for Gatehouse by opening this link:

${p.link}

The link works once, for ${hoursValid} hours. If you did not create a Gatehouse account, ignore this message.

— Gatehouse`;
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Confirm your email address</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1d2433">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;padding:32px">
<tr><td>
<h1 style="font-size:20px;margin:0 0 16px">Confirm your email address</h1>
<p style="margin:0 0 16px">Hi ${p.firstName},</p>
<p style="margin:0 0 24px">Please confirm that this is your email address for Gatehouse. The link works once, for ${hoursValid} hours.</p>
<p style="margin:0 0 24px"><a href="${p.link}" style="display:inline-block;background:#2451c6;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600">Confirm my email address</a></p>
<p style="margin:0 0 16px;font-size:14px;color:#4a5568">Or paste this link into your browser:<br><a href="${p.link}" style="color:#2451c6;word-break:break-all">${p.link}</a></p>
<p style="margin:0;font-size:14px;color:#4a5568">If you did not create a Gatehouse account, ignore this message.</p>
</td></tr></table>
</td></tr></table>
</body></html>`;
  return { to: p.to, subject: 'Confirm your email address for Gatehouse', text, html: body.value };
}

/**
 * Issues a new confirmation link for the user and queues its mail, in `trx`
 * (so the token and the mail are written together, both or neither). With
 * `minIntervalMs` > 0 nothing happens when the last link is younger than that;
 * returns whether a link was issued. Call `ctx.mail.kick()` after the commit.
 */
export async function issueConfirmationLink(
  ctx: Pick<AppContext, 'config'>,
  trx: Kysely<Database>,
  user: { id: number; email: string; first_name: string },
  now: number,
  minIntervalMs: number,
): Promise<boolean> {
  const token = newToken();
  const stored = await replaceConfirmationToken(trx, user.id, hashToken(token), now, now + EMAIL_CONFIRMATION_LIFETIME_MS, minIntervalMs);
  if (!stored) return false;
  // The link's host comes from APP_URL, never from the request's Host header.
  const link = `${ctx.config.appUrl}${CONFIRM_EMAIL_PATH}/${token}`;
  await enqueueMail(trx, confirmationMail({ to: user.email, firstName: user.first_name, link }), now);
  return true;
}
