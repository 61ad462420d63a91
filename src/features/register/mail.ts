/**
 * "Someone tried to register with your address": sent to the owner of an
 * address instead of telling the visitor that it has an account.
 */
import { html } from '../../views/html.js';

export function registrationAttemptMail(p: { to: string; firstName: string; loginLink: string; resetLink: string }) {
  const text = `Hi ${p.firstName},

Someone just tried to create a new Gatehouse account with this email address. It already belongs to your account, so no new account was created.

If it was you, you do not need a second account: sign in here:

${p.loginLink}

Forgot your password? Choose a new one here:

${p.resetLink}

If it was not you, you can ignore this message: nothing about your account has changed.

— Gatehouse`;
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Someone tried to register with your address</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1d2433">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;padding:32px">
<tr><td>
<h1 style="font-size:20px;margin:0 0 16px">Someone tried to register with your address</h1>
<p style="margin:0 0 16px">Hi ${p.firstName},</p>
<p style="margin:0 0 16px">Someone just tried to create a new Gatehouse account with this email address. It already belongs to your account, so no new account was created.</p>
<p style="margin:0 0 24px">If it was you, you do not need a second account:</p>
<p style="margin:0 0 24px"><a href="${p.loginLink}" style="display:inline-block;background:#2451c6;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600">Sign in</a></p>
<p style="margin:0 0 16px">Forgot your password? <a href="${p.resetLink}" style="color:#2451c6">Choose a new one</a>.</p>
<p style="margin:0;font-size:14px;color:#4a5568">If it was not you, you can ignore this message: nothing about your account has changed.</p>
</td></tr></table>
</td></tr></table>
</body></html>`;
  return { to: p.to, subject: 'Someone tried to register with your Gatehouse address', text, html: body.value };
}
