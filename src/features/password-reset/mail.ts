/** The reset mail, as HTML and plain text. */
import { PASSWORD_RESET_LIFETIME_MS } from '../../auth/policy.js';
import { html } from '../../views/html.js';

export function resetPasswordMail(p: { to: string; firstName: string; link: string }) {
  const minutes = PASSWORD_RESET_LIFETIME_MS / 60_000;
  const text = `Hi ${p.firstName},

To choose a new Gatehouse password, open this link:

${p.link}

The link works once, for ${minutes} minutes. If you did not ask to reset your password, ignore this message: your password stays as it is.

— Gatehouse`;
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Reset your password</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1d2433">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;padding:32px">
<tr><td>
<h1 style="font-size:20px;margin:0 0 16px">Reset your password</h1>
<p style="margin:0 0 16px">Hi ${p.firstName},</p>
<p style="margin:0 0 24px">To choose a new Gatehouse password, use the button below. The link works once, for ${minutes} minutes.</p>
<p style="margin:0 0 24px"><a href="${p.link}" style="display:inline-block;background:#2451c6;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600">Choose a new password</a></p>
<p style="margin:0 0 16px;font-size:14px;color:#4a5568">Or paste this link into your browser:<br><a href="${p.link}" style="color:#2451c6;word-break:break-all">${p.link}</a></p>
<p style="margin:0;font-size:14px;color:#4a5568">If you did not ask to reset your password, ignore this message: your password stays as it is.</p>
</td></tr></table>
</td></tr></table>
</body></html>`;
  return { to: p.to, subject: 'Reset your Gatehouse password', text, html: body.value };
}
