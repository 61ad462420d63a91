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
import { renderMail, type ExpiringLink, type WasntMeLink } from './mail.js';

/** `signInUrl`: where to ask again should the link expire before it is delivered. */
export function recoveryLinkMail(
  t: Messages,
  p: { to: string; firstName: string; link: ExpiringLink; askedAt: number; linkLifetimeMs: number; waitMs: number; signInUrl: string; wasntMeLink: WasntMeLink },
) {
  const m = t.recovery.mail.link;
  const lifetime = t.common.time.duration(p.linkLifetimeMs);
  return renderMail(t, {
    kind: 'recovery_link',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.asked, m.ifYou(lifetime, t.common.time.duration(p.waitMs)), m.ifNotYou],
    action: { label: m.action, url: p.link.url },
    // Someone has the password: the owner can act at once.
    wasntMe: p.wasntMeLink,
    expires: {
      at: p.link.expiresAt,
      instead: {
        subject: m.expired.subject,
        heading: m.expired.heading,
        paragraphs: [m.expired.what(t.common.time.exact(p.askedAt), lifetime), m.expired.ifYou],
        action: { label: t.common.layout.signIn, url: p.signInUrl },
        after: [{ text: m.expired.ifNotYou, link: { label: t.mail.chooseNewPassword, url: p.wasntMeLink.resetPasswordUrl } }],
      },
    },
  });
}

/**
 * The cancel link works until the recovery completes, which is at a sign-in from `completesAt` on: delivered
 * after that (or after its "This wasn't me" expired), the notice goes without its links.
 */
export function recoveryStartedMail(t: Messages, p: { to: string; firstName: string; startedAt: number; completesAt: number; cancelLink: string; wasntMeLink: WasntMeLink }) {
  const m = t.recovery.mail.started;
  const exact = t.common.time.exact;
  return renderMail(t, {
    kind: 'recovery_started',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(exact(p.startedAt)), m.when(exact(p.completesAt)), m.ifNotYou],
    action: { label: m.action, url: p.cancelLink },
    // It also cancels the recovery, and signs out every device and mails a reset link.
    wasntMe: p.wasntMeLink,
    expires: {
      at: p.completesAt,
      instead: {
        subject: m.subject,
        heading: m.heading,
        paragraphs: [m.what(exact(p.startedAt)), m.when(exact(p.completesAt)), m.late],
        action: { label: t.mail.chooseNewPassword, url: p.wasntMeLink.resetPasswordUrl },
      },
    },
  });
}

export function recoveryCancelledMail(t: Messages, p: { to: string; firstName: string; at: number; why: string }) {
  const m = t.recovery.mail.cancelled;
  return renderMail(t, {
    kind: 'recovery_cancelled',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.at), p.why), m.stay],
  });
}

export function recoveryCompletedMail(t: Messages, p: { to: string; firstName: string; startedAt: number; at: number; wasntMeLink: WasntMeLink }) {
  const m = t.recovery.mail.completed;
  return renderMail(t, {
    kind: 'recovery_completed',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.startedAt), t.common.time.exact(p.at)), m.setUp, m.ifNotYou],
    wasntMe: p.wasntMeLink,
  });
}
