/** Mail sent during sign-in, in the account owner's language: the notice of a recovery code used, and a sign-in code by email. */
import type { Messages } from '../../i18n/messages.js';
import { renderMail, type WasntMeLink } from '../../views/mail.js';

export function recoveryCodeUsedMail(t: Messages, p: { to: string; firstName: string; usedAt: number; left: number; wasntMeLink: WasntMeLink }) {
  const m = t.login.mail.recoveryCodeUsed;
  return renderMail(t, {
    kind: 'recovery_code_used',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.usedAt), p.left), m.ifYou],
    wasntMe: p.wasntMeLink,
  });
}

/**
 * A sign-in code by email (the fallback factor); whoever asked for it knows the password, so the owner can act.
 * The code is in the body only, never the subject (lock screens, inbox lists and mail logs show subjects).
 * Delivered after the code expired, the mail still says that someone typed the password, without the code.
 */
export function emailSignInCodeMail(t: Messages, p: { to: string; firstName: string; code: string; at: number; expiresAt: number; wasntMeLink: WasntMeLink }) {
  const m = t.login.mail.emailCode;
  const at = t.common.time.exact(p.at);
  return renderMail(t, {
    kind: 'email_code',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(p.code), m.askedFor(at)],
    wasntMe: p.wasntMeLink,
    expires: {
      at: p.expiresAt,
      instead: {
        subject: m.expired.subject,
        heading: m.expired.heading,
        paragraphs: [m.expired.what(at), m.expired.ifYou, m.expired.ifNotYou],
        action: { label: t.mail.chooseNewPassword, url: p.wasntMeLink.resetPasswordUrl },
      },
    },
  });
}
