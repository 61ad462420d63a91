/** The reset mail and the notice of a completed reset, as HTML and plain text, in the recipient's language (`messagesForAccount(user)`). */
import { PASSWORD_RESET_LIFETIME_MS } from '../../auth/policy.js';
import type { Messages } from '../../i18n/messages.js';
import { renderMail } from '../../views/mail.js';

export function resetPasswordMail(t: Messages, p: { to: string; firstName: string; link: string }) {
  const m = t.reset.mail;
  return renderMail(t, {
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.intro(PASSWORD_RESET_LIFETIME_MS / 60_000)],
    action: { label: m.action, url: p.link },
    after: [m.ignore],
  });
}

/**
 * The notice of a completed reset, with "This wasn't me": the reset already ended every session, but the link
 * still ends any begun since, undoes factors added since, and mails a fresh reset link to the owner's address.
 */
export function passwordResetDoneMail(t: Messages, p: { to: string; firstName: string; resetAt: number; wasntMeLink: string }) {
  const m = t.reset.doneMail;
  return renderMail(t, {
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.resetAt)), m.ifYou, m.ifNotYou],
    wasntMeLink: p.wasntMeLink,
  });
}
