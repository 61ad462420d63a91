/** Mail sent during sign-in, in the account owner's language: the notice of a recovery code used, and a sign-in code by email. */
import type { Messages } from '../../i18n/messages.js';
import { renderMail } from '../../views/mail.js';

export function recoveryCodeUsedMail(t: Messages, p: { to: string; firstName: string; usedAt: number; left: number; wasntMeLink: string }) {
  const m = t.login.mail.recoveryCodeUsed;
  return renderMail(t, {
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.usedAt), p.left), m.ifYou],
    wasntMeLink: p.wasntMeLink,
  });
}

/** A sign-in code by email (the fallback factor); whoever asked for it knows the password, so the owner can act. */
export function emailSignInCodeMail(t: Messages, p: { to: string; firstName: string; code: string; at: number; wasntMeLink: string }) {
  const m = t.login.mail.emailCode;
  return renderMail(t, {
    to: p.to,
    subject: m.subject(p.code),
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(p.code), m.askedFor(t.common.time.exact(p.at))],
    wasntMeLink: p.wasntMeLink,
  });
}
