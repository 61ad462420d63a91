/**
 * The mails of delayed account recovery (src/auth/account-recovery.ts and
 * src/features/account-recovery/): the link that proves the mailbox, the
 * notice that a recovery started (with its cancel link), that it was
 * cancelled, and that it completed. Here, not in the feature, because a
 * cancellation is mailed by several flows (sign-in, password reset and
 * change, "This wasn't me"). Each takes the recipient's catalogue
 * (`messagesForAccount(owner)`), not the requester's.
 */
import type { Messages } from '../i18n/messages.js';
import { renderMail } from './mail.js';

export function recoveryLinkMail(t: Messages, p: { to: string; firstName: string; link: string; linkLifetimeMs: number; waitMs: number; wasntMeLink: string }) {
  const m = t.recovery.mail.link;
  return renderMail(t, {
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.asked, m.ifYou(t.common.time.duration(p.linkLifetimeMs), t.common.time.duration(p.waitMs)), m.ifNotYou],
    action: { label: m.action, url: p.link },
    // Someone has the password: the owner can act at once.
    wasntMeLink: p.wasntMeLink,
  });
}

export function recoveryStartedMail(t: Messages, p: { to: string; firstName: string; startedAt: number; completesAt: number; cancelLink: string; wasntMeLink: string }) {
  const m = t.recovery.mail.started;
  const exact = t.common.time.exact;
  return renderMail(t, {
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(exact(p.startedAt)), m.when(exact(p.completesAt)), m.ifNotYou],
    action: { label: m.action, url: p.cancelLink },
    // It also cancels the recovery, and signs out every device and mails a reset link.
    wasntMeLink: p.wasntMeLink,
  });
}

export function recoveryCancelledMail(t: Messages, p: { to: string; firstName: string; at: number; why: string }) {
  const m = t.recovery.mail.cancelled;
  return renderMail(t, {
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.at), p.why), m.stay],
  });
}

export function recoveryCompletedMail(t: Messages, p: { to: string; firstName: string; startedAt: number; at: number; wasntMeLink: string }) {
  const m = t.recovery.mail.completed;
  return renderMail(t, {
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.startedAt), t.common.time.exact(p.at)), m.setUp, m.ifNotYou],
    wasntMeLink: p.wasntMeLink,
  });
}
