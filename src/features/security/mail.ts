/** Mail the security page sends, in the recipient's language (`t`: the account's catalogue, messagesForAccount). */
import type { Messages } from '../../i18n/messages.js';
import { renderMail, type ExpiringLink, type WasntMeLink } from '../../views/mail.js';

export function accountDeletedMail(t: Messages, p: { to: string; firstName: string; username: string; deletedAt: number }) {
  const m = t.security.mail.accountDeleted;
  return renderMail(t, {
    kind: 'account_deleted',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(p.username, t.common.time.exact(p.deletedAt)), m.ifNotYou],
  });
}

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

/** What changed, in the recipient's words: one of `t.security.factorChange`. */
export type FactorChange = (t: Messages) => string;

/** A second factor was added to or removed from the account: the owner hears of it, with a way to undo a takeover. */
export function factorChangedMail(t: Messages, p: { to: string; firstName: string; change: FactorChange; at: number; wasntMeLink: WasntMeLink }) {
  const m = t.security.mail.factorChanged;
  const change = p.change(t);
  return renderMail(t, {
    kind: 'factor_changed',
    to: p.to,
    subject: m.subject(change),
    heading: change,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.at), change), m.ifYou],
    wasntMe: p.wasntMeLink,
  });
}
