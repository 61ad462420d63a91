/** The notice mailed after a password change: what changed, and what to do if it wasn't the owner. */
import type { Messages } from '../../i18n/messages.js';
import { renderMail, type WasntMeLink } from '../../views/mail.js';

export function passwordChangedMail(t: Messages, p: { to: string; firstName: string; changedAt: number; wasntMeLink: WasntMeLink }) {
  const m = t.account.passwordChangedMail;
  return renderMail(t, {
    kind: 'password_changed',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.changedAt)), m.ifYou],
    wasntMe: p.wasntMeLink,
  });
}
