/** The reset mail and the notice of a completed reset, as HTML and plain text, in the recipient's language (`messagesForAccount(user)`). */
import { PASSWORD_RESET_LIFETIME_MS } from '../../auth/policy.js';
import type { Messages } from '../../i18n/messages.js';
import { minutes } from '../../lib/duration.js';
import { renderMail, type ExpiringLink, type WasntMeLink } from '../../views/mail.js';

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
