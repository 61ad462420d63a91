/**
 * The mails of delayed account recovery (src/auth/account-recovery.ts and
 * src/features/account-recovery/): the link that proves the mailbox, the
 * notice that a recovery started (with its cancel link), that it was
 * cancelled, and that it completed. Here, not in the feature, because a
 * cancellation is mailed by several flows (sign-in, password reset and
 * change, "This wasn't me").
 */
import { durationText } from '../lib/duration.js';
import { exactUtc } from '../lib/relative-time.js';
import { renderMail } from './mail.js';

const WASNT_ME_LABEL = "This wasn't me: secure my account";

export function recoveryLinkMail(p: { to: string; firstName: string; link: string; linkLifetimeMs: number; waitMs: number; wasntMeLink: string }) {
  return renderMail({
    to: p.to,
    subject: 'Recover your Gatehouse account',
    heading: 'Recover your account',
    firstName: p.firstName,
    paragraphs: [
      'Someone who knows your password asked to recover your Gatehouse account because they cannot use its second factors (authenticator app, text-message codes, recovery codes).',
      `If this was you, open the link below within ${durationText(p.linkLifetimeMs)} to start the recovery. A wait of ${durationText(p.waitMs)} then begins; we email you when it starts, and you can cancel it until it ends. After it, your second factors are removed and you set up a new one when you sign in.`,
      'If this was not you, do not open the link: nothing changes without it. But someone knows your password, so change it now.',
    ],
    action: { label: 'Start the account recovery', url: p.link },
    after: [{ text: 'Not you?', link: { label: WASNT_ME_LABEL, url: p.wasntMeLink } }],
  });
}

export function recoveryStartedMail(p: { to: string; firstName: string; startedAt: number; completesAt: number; cancelLink: string; wasntMeLink: string }) {
  return renderMail({
    to: p.to,
    subject: 'Account recovery started',
    heading: 'Account recovery started',
    firstName: p.firstName,
    paragraphs: [
      `On ${exactUtc(p.startedAt)}, someone who knew your password and opened a link sent to this address started recovering your Gatehouse account.`,
      `On ${exactUtc(p.completesAt)}, unless it is cancelled, every second factor of the account (authenticator app, text-message codes, recovery codes, remembered devices) will be removed, and whoever signs in with the password then sets up a new one.`,
      'If this was not you, cancel the recovery now, then change your password: someone knows it. Signing in with one of your second factors cancels it too.',
    ],
    action: { label: 'Cancel the recovery', url: p.cancelLink },
    after: [{ text: 'To also sign out every device and get a link to choose a new password:', link: { label: WASNT_ME_LABEL, url: p.wasntMeLink } }],
  });
}

export function recoveryCancelledMail(p: { to: string; firstName: string; at: number; why: string }) {
  return renderMail({
    to: p.to,
    subject: 'Account recovery cancelled',
    heading: 'Account recovery cancelled',
    firstName: p.firstName,
    paragraphs: [
      `On ${exactUtc(p.at)}, the recovery of your Gatehouse account was cancelled. ${p.why}`,
      'Your second factors stay as they are. If you did not start the recovery, someone knows your password: change it.',
    ],
  });
}

export function recoveryCompletedMail(p: { to: string; firstName: string; startedAt: number; at: number; wasntMeLink: string }) {
  return renderMail({
    to: p.to,
    subject: 'Your second factors were removed',
    heading: 'Your second factors were removed',
    firstName: p.firstName,
    paragraphs: [
      `The account recovery started on ${exactUtc(p.startedAt)} was completed on ${exactUtc(p.at)}, at a sign-in with your password: the authenticator app, text-message codes, recovery codes and remembered devices of your Gatehouse account were removed, and every other device was signed out.`,
      'The account must set up a new second factor before it can do anything else.',
      'If this was not you, someone has your password and access to this mailbox: secure your account now.',
    ],
    action: { label: WASNT_ME_LABEL, url: p.wasntMeLink },
  });
}
