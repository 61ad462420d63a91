/** The reset mail, as HTML and plain text, in the recipient's language (`messagesForAccount(user)`). */
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
