/**
 * "Someone tried to register with your address": sent to the owner of an
 * address instead of telling the visitor that it has an account, in the
 * owner's language (not the visitor's).
 */
import type { Messages } from '../../i18n/messages.js';
import { renderMail } from '../../views/mail.js';

export function registrationAttemptMail(t: Messages, p: { to: string; firstName: string; loginLink: string; resetLink: string }) {
  const m = t.account.registrationAttemptMail;
  return renderMail(t, {
    kind: 'registration_attempt',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what, m.ifYou],
    action: { label: t.common.layout.signIn, url: p.loginLink },
    after: [{ text: m.forgotPassword, link: { label: m.chooseNew, url: p.resetLink } }, m.ifNotYou],
  });
}
