/** The reset mail, as HTML and plain text, in the recipient's language (`messagesForAccount(user)`). */
import { PASSWORD_RESET_LIFETIME_MS } from '../../auth/policy.js';
import type { Messages } from '../../i18n/messages.js';
import { minutes } from '../../lib/duration.js';
import { renderMail, type ExpiringLink } from '../../views/mail.js';

/**
 * `askAgainUrl` is the "Forgot your password?" page: where the mail sent
 * instead points when the link expired before it could be delivered.
 */
export function resetPasswordMail(t: Messages, p: { to: string; firstName: string; link: ExpiringLink; askedAt: number; askAgainUrl: string }) {
  const m = t.reset.mail;
  const lifetimeMinutes = PASSWORD_RESET_LIFETIME_MS / minutes(1);
  return renderMail(t, {
    kind: 'password_reset',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.intro(lifetimeMinutes)],
    action: { label: m.action, url: p.link.url },
    after: [m.ignore],
    expires: {
      at: p.link.expiresAt,
      instead: {
        subject: m.expired.subject,
        heading: m.expired.heading,
        paragraphs: [m.expired.what(t.common.time.exact(p.askedAt), lifetimeMinutes), m.expired.askAgain],
        action: { label: m.expired.action, url: p.askAgainUrl },
      },
    },
  });
}
