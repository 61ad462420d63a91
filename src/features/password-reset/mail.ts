/** The notice of a completed reset, as HTML and plain text, in the recipient's language (`messagesForAccount(user)`); the reset mail itself is issued by src/auth/password-reset-link.ts. */
import type { Messages } from '../../i18n/messages.js';
import { renderMail, type WasntMeLink } from '../../views/mail.js';

/**
 * The notice of a completed reset, with "This wasn't me": the reset already ended every session, but the link
 * still ends any begun since, undoes factors added since, and mails a fresh reset link to the owner's address.
 */
export function passwordResetDoneMail(t: Messages, p: { to: string; firstName: string; resetAt: number; wasntMeLink: WasntMeLink }) {
  const m = t.reset.doneMail;
  return renderMail(t, {
    kind: 'password_reset_done',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.resetAt)), m.ifYou, m.ifNotYou],
    wasntMe: p.wasntMeLink,
  });
}
