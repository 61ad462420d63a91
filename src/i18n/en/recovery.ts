/**
 * English: delayed account recovery (src/features/account-recovery,
 * src/auth/account-recovery.ts): the policy page reached from the sign-in
 * code page, the mailed start and cancel links' pages, why a recovery was
 * cancelled, and the four mails (src/notices/recovery.ts).
 * The security page's notice is in codes.recoveryNotice.
 */
import { html, type SafeHtml } from '../../views/html.js';

export const recovery = {
  /** /login/recover: the policy, and the button that mails the link. */
  recover: {
    title: 'Recover your account',
    heading: 'Recover your account',
    lead:
      'Lost your phone and your recovery codes? You can still get back in, but not at once: a stolen password must not be ' +
      'enough to take your second factors away.',
    /** The three steps; `lifetime` and `wait` are durations ("1 hour", "48 hours"). */
    stepLink: (lifetime: string) => `We email a link to the address of your account. It works once, for ${lifetime}.`,
    stepWait: (wait: string): SafeHtml =>
      html`When you open it, a <strong>wait of ${wait}</strong> starts. We email you at the start, and you can cancel it from that email until the wait ends.`,
    stepAfter:
      'After the wait, sign in with your password: your second factors (authenticator app, text-message codes, recovery ' +
      'codes, remembered devices) are removed, and you set up a new one before anything else.',
    meanwhile: 'Find your phone or a recovery code meanwhile? Just sign in with it: that cancels the recovery.',
    submit: 'Email me a recovery link',
    back: 'Back to the sign-in code',
  },
  /** After the button: the link is on its way. */
  linkSent: {
    title: 'Check your email',
    heading: 'Check your email',
    sent: (maskedEmail: string, lifetime: string) => `We sent a recovery link to ${maskedEmail}. It works once, for ${lifetime}; only the newest link works.`,
    nothingYet: 'Nothing changes until you open it, and nothing is removed until the wait after it is over.',
  },
  /** The mailed link, opened: nothing happens until the button (mail scanners open links). */
  confirmStart: {
    title: 'Start the account recovery?',
    heading: 'Start the account recovery?',
    wait: (wait: string) => `When you start it, a wait of ${wait} begins. We email you now, with a link that cancels it.`,
    after: 'After the wait, sign in with your password: your second factors are removed and you set up a new one.',
    submit: 'Start the recovery',
  },
  started: {
    title: 'Account recovery started',
    heading: 'Account recovery started',
    /** `at`: the exact time the wait ends. */
    when: (at: string): SafeHtml =>
      html`On <strong>${at}</strong>, sign in with your password: your second factors will then be removed and you will set up a new one.`,
    mailed:
      'We emailed you that the recovery started, with a link that cancels it. If you find your phone or a recovery code before ' +
      'then, signing in with it cancels the recovery.',
    backToSignIn: 'Back to sign in',
  },
  alreadyWaiting: {
    title: 'A recovery is already under way',
    heading: 'A recovery is already under way',
    text: (at: string): SafeHtml =>
      html`Your account's second factors will be removed at the first sign-in with your password from <strong>${at}</strong>. Starting another recovery would not make it sooner.`,
    backToSignIn: 'Back to sign in',
  },
  nothingToRecover: {
    title: 'Nothing to recover',
    heading: 'Nothing to recover',
    text: 'Your account has no second factor now, so your password alone signs you in.',
    signIn: 'Sign in',
  },
  /** A start link that is used, expired, replaced or forged. */
  startLinkExpired: {
    title: 'Link expired',
    heading: 'This link no longer works',
    text: (lifetime: string) =>
      `Recovery links work once, for ${lifetime}, and only the newest one you asked for. Sign in with your password and choose "Recover your account" again for a new one.`,
    signIn: 'Sign in',
  },
  /** For one whole wait after a password reset by email, no recovery can be asked for or started. */
  blocked: {
    title: 'Recovery cannot start yet',
    heading: 'Recovery cannot start yet',
    message: (resetAt: string, until: string) =>
      `Your password was reset by email on ${resetAt}. So that someone who reads your mailbox cannot also remove your second factors, account recovery can start from ${until}.`,
  },
  /** The cancel link from the "started" mail, opened. */
  confirmCancel: {
    title: 'Cancel the account recovery?',
    heading: 'Cancel the account recovery?',
    text: (startedAt: string, completesAt: string) =>
      `A recovery of your account was started on ${startedAt}. Unless it is cancelled, your second factors will be removed at the first sign-in with your password from ${completesAt}.`,
    advice: 'Cancel it if you did not start it, or no longer need it.',
    submit: 'Cancel the recovery',
  },
  cancelled: {
    title: 'The recovery is cancelled',
    heading: 'The recovery is cancelled',
    text: 'Nothing was removed: your second factors stay as they are.',
    ifNotYou: (resetHref: string): SafeHtml =>
      html`If you did not start the recovery, someone knows your password and can read your email. <a href="${resetHref}">Choose a new password</a> now, and change your email password too.`,
  },
  /** A cancel link whose recovery was already cancelled or completed. */
  cancelLinkExpired: {
    title: 'Link expired',
    heading: 'This link no longer works',
    text: (securityHref: string): SafeHtml =>
      html`The recovery it belongs to was already cancelled or has completed. Your <a href="${securityHref}">security page</a> shows the account's recent activity.`,
  },
  /** Flashes. */
  flash: {
    /** The security page's Cancel button. */
    cancelled: 'The account recovery is cancelled. Your second factors stay as they are.',
    noneWaiting: 'There is no account recovery in progress.',
    /** After a sign-in with a second factor cancelled a waiting recovery. */
    cancelledBySignIn: 'You signed in with a second factor, so the account recovery that was waiting is cancelled. Your second factors stay as they are.',
  },
  /** Why a waiting recovery was cancelled: one sentence of the "cancelled" mail (src/notices/recovery.ts, CancelReason). */
  cancelledBecause: {
    link: 'It was cancelled with the link in our email.',
    'security-page': 'It was cancelled on the security page of the account.',
    'factor-sign-in': 'Someone signed in with one of its second factors, so the account does not need recovering.',
    'password-changed': 'The password was changed, and a recovery is only as good as the password that started it.',
    'password-reset': 'The password was reset by email, and a recovery is only as good as the password that started it.',
    'wasnt-me': '"This wasn\'t me" was reported from one of our emails.',
  },
  mail: {
    /** The link that proves the mailbox (asked for with the password). */
    link: {
      subject: 'Recover your Gatehouse account',
      heading: 'Recover your account',
      asked:
        'Someone who knows your password asked to recover your Gatehouse account because they cannot use its second factors ' +
        '(authenticator app, text-message codes, recovery codes).',
      ifYou: (lifetime: string, wait: string) =>
        `If this was you, open the link below within ${lifetime} to start the recovery. A wait of ${wait} then begins; ` +
        'we email you when it starts, and you can cancel it until it ends. After it, your second factors are removed and you ' +
        'set up a new one when you sign in.',
      ifNotYou: 'If this was not you, do not open the link: nothing changes without it. But someone knows your password, so change it now.',
      action: 'Start the account recovery',
      /** Sent instead when the link could not be delivered before it expired (a mail outage). */
      expired: {
        subject: 'Your Gatehouse account recovery link expired',
        heading: 'Your recovery link expired',
        what: (askedAt: string, lifetime: string) =>
          `On ${askedAt}, someone who knows your password asked for a link to recover your Gatehouse account. We could not deliver it within the ${lifetime} it works, so it is not in this email, and nothing has changed.`,
        ifYou: 'If this was you, sign in again and choose “Recover your account” to get a new link.',
        ifNotYou: 'If this was not you, someone knows your password: change it now.',
      },
    },
    /** The wait has started: the owner's chance to cancel. */
    started: {
      subject: 'Account recovery started',
      heading: 'Account recovery started',
      what: (startedAt: string) =>
        `On ${startedAt}, someone who knew your password and opened a link sent to this address started recovering your Gatehouse account.`,
      when: (completesAt: string) =>
        `On ${completesAt}, unless it is cancelled, every second factor of the account (authenticator app, text-message codes, ` +
        'recovery codes, remembered devices) will be removed, and whoever signs in with the password then sets up a new one.',
      ifNotYou:
        'If this was not you, cancel the recovery now, then change your password: someone knows it. Signing in with one of ' +
        'your second factors cancels it too.',
      action: 'Cancel the recovery',
      /** Delivered after its cancel link (or its "This wasn't me") expired: neither is in it. */
      late:
        'This email reached you late, after its links had expired. If this was not you, sign in with one of your second factors ' +
        '(that cancels the recovery) or choose a new password now.',
    },
    cancelled: {
      subject: 'Account recovery cancelled',
      heading: 'Account recovery cancelled',
      /** `why`: one of cancelledBecause. */
      what: (at: string, why: string) => `On ${at}, the recovery of your Gatehouse account was cancelled. ${why}`,
      stay: 'Your second factors stay as they are. If you did not start the recovery, someone knows your password: change it.',
    },
    completed: {
      subject: 'Your second factors were removed',
      heading: 'Your second factors were removed',
      what: (startedAt: string, at: string) =>
        `The account recovery started on ${startedAt} was completed on ${at}, at a sign-in with your password: the ` +
        'authenticator app, text-message codes, recovery codes and remembered devices of your Gatehouse account were ' +
        'removed, and every other device was signed out.',
      setUp: 'The account must set up a new second factor before it can do anything else.',
      ifNotYou: 'If this was not you, someone has your password and access to this mailbox: secure your account now.',
    },
  },
};
