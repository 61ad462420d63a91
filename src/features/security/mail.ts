/** Mail the security page sends, in the recipient's language (`t`: the account's catalogue, messagesForAccount). */
import type { Messages } from '../../i18n/messages.js';
import { renderMail } from '../../views/mail.js';

export function accountDeletedMail(t: Messages, p: { to: string; firstName: string; username: string; deletedAt: number }) {
  const m = t.security.mail.accountDeleted;
  return renderMail(t, {
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(p.username, t.common.time.exact(p.deletedAt)), m.ifNotYou],
  });
}

export function confirmNewEmailMail(t: Messages, p: { to: string; firstName: string; link: string }) {
  const m = t.security.mail.confirmNewEmail;
  return renderMail(t, {
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what, m.ifNotYou],
    action: { label: m.action, url: p.link },
  });
}

export function emailChangeRequestedMail(t: Messages, p: { to: string; firstName: string; newAddress: string; at: number; wasntMeLink: string }) {
  const m = t.security.mail.emailChangeRequested;
  return renderMail(t, {
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.at), p.newAddress), m.ifYou],
    wasntMeLink: p.wasntMeLink,
  });
}

export function emailChangedMail(t: Messages, p: { to: string; firstName: string; newAddress: string; at: number; wasntMeLink: string }) {
  const m = t.security.mail.emailChanged;
  return renderMail(t, {
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.at), p.newAddress), m.ifNotYou],
    wasntMeLink: p.wasntMeLink,
  });
}

/** What changed, in the recipient's words: one of `t.security.factorChange`. */
export type FactorChange = (t: Messages) => string;

/** A second factor was added to or removed from the account: the owner hears of it, with a way to undo a takeover. */
export function factorChangedMail(t: Messages, p: { to: string; firstName: string; change: FactorChange; at: number; wasntMeLink: string }) {
  const m = t.security.mail.factorChanged;
  const change = p.change(t);
  return renderMail(t, {
    to: p.to,
    subject: m.subject(change),
    heading: change,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.at), change), m.ifYou],
    wasntMeLink: p.wasntMeLink,
  });
}
