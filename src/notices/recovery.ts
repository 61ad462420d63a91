/**
 * The notices of delayed account recovery (src/auth/account-recovery.ts and src/features/account-recovery/): the
 * link that proves the mailbox, that a recovery started (with its cancel link), that it was cancelled (by any of
 * several flows: sign-in, password reset and change, "This wasn't me"), and that it completed.
 */
import type { Messages } from '../i18n/messages.js';
import { LOGIN_PATH, RESET_PASSWORD_PATH } from '../lib/paths.js';
import type { ExpiringLink } from '../views/mail.js';
import { expiring, told, type Notice } from './notice.js';

/**
 * The link that starts a recovery; whoever asked for it has the password, so "This wasn't me" lets the owner act at
 * once. Delivered after it expired, the mail says how to ask again (sign in).
 */
export const recoveryLink = (link: ExpiringLink, lifetimeMs: number, waitMs: number): Notice =>
  expiring('recovery_link', { wasntMe: true, secret: link }, (t) => t.recovery.mail.link, (m, { t, now, appUrl }) => {
    const lifetime = t.common.time.duration(lifetimeMs);
    const signIn = { label: t.common.layout.signIn, url: `${appUrl}${LOGIN_PATH}` };
    const ifNotYou = { text: m.expired.ifNotYou, link: { label: t.mail.chooseNewPassword, url: `${appUrl}${RESET_PASSWORD_PATH}` } };
    const instead = { paragraphs: [m.expired.what(t.common.time.exact(now), lifetime), m.expired.ifYou], action: signIn, after: [ifNotYou] };
    return { paragraphs: [m.asked, m.ifYou(lifetime, t.common.time.duration(waitMs)), m.ifNotYou], instead };
  });

/**
 * A recovery started (now), completing at `completesAt`. "This wasn't me" also cancels it, and signs out every
 * device and mails a reset link. The cancel link works until the recovery completes, which is at a sign-in from
 * `completesAt` on: delivered after that (or after its "This wasn't me" expired), the notice goes without its links.
 */
export function recoveryStarted(completesAt: number, cancelLink: string): Notice {
  return {
    kind: 'recovery_started',
    wasntMe: true,
    words: ({ t, now, appUrl }) => {
      const m = t.recovery.mail.started;
      const exact = t.common.time.exact;
      return {
        subject: m.subject,
        heading: m.heading,
        paragraphs: [m.what(exact(now)), m.when(exact(completesAt)), m.ifNotYou],
        action: { label: m.action, url: cancelLink },
        expires: {
          at: completesAt,
          instead: {
            subject: m.subject,
            heading: m.heading,
            paragraphs: [m.what(exact(now)), m.when(exact(completesAt)), m.late],
            action: { label: t.mail.chooseNewPassword, url: `${appUrl}${RESET_PASSWORD_PATH}` },
          },
        },
      };
    },
  };
}

/** Why a waiting recovery was cancelled; the notice says it in one sentence (`t.recovery.cancelledBecause[reason]`). */
export type CancelReason = keyof Messages['recovery']['cancelledBecause'];

export const recoveryCancelled = (reason: CancelReason): Notice =>
  told('recovery_cancelled', { wasntMe: false }, (t) => t.recovery.mail.cancelled, (m, at, t) => [m.what(at, t.recovery.cancelledBecause[reason]), m.stay]);

/** The recovery that started at `startedAt` completed (now): every factor is gone, a new one is to be set up. */
export const recoveryCompleted = (startedAt: number): Notice =>
  told('recovery_completed', { wasntMe: true }, (t) => t.recovery.mail.completed, (m, at, t) => [m.what(t.common.time.exact(startedAt), at), m.setUp, m.ifNotYou]);
