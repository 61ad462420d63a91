/** Mail for a change of email address, in the account's language (`t`: messagesForAccount): the link to the new address, and notices to the old one. */
import type { Messages } from '../../i18n/messages.js';
import { renderMail, type ExpiringLink, type WasntMeLink } from '../../views/mail.js';

/** The link to the new address; `securityUrl` is where to ask again should it expire before it is delivered. */
export function confirmNewEmailMail(t: Messages, p: { to: string; firstName: string; link: ExpiringLink; securityUrl: string }) {
  const m = t.security.mail.confirmNewEmail;
  return renderMail(t, {
    kind: 'email_change_confirmation',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what, m.ifNotYou],
    action: { label: m.action, url: p.link.url },
    expires: {
      at: p.link.expiresAt,
      instead: {
        subject: m.expired.subject,
        heading: m.expired.heading,
        paragraphs: [m.expired.what, m.expired.askAgain],
        action: { label: m.expired.action, url: p.securityUrl },
      },
    },
  });
}

export function emailChangeRequestedMail(t: Messages, p: { to: string; firstName: string; newAddress: string; at: number; wasntMeLink: WasntMeLink }) {
  const m = t.security.mail.emailChangeRequested;
  return renderMail(t, {
    kind: 'email_change_requested',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.at), p.newAddress), m.ifYou],
    wasntMe: p.wasntMeLink,
  });
}

export function emailChangedMail(t: Messages, p: { to: string; firstName: string; newAddress: string; at: number; wasntMeLink: WasntMeLink }) {
  const m = t.security.mail.emailChanged;
  return renderMail(t, {
    kind: 'email_changed',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.at), p.newAddress), m.ifNotYou],
    wasntMe: p.wasntMeLink,
  });
}
