/**
 * English: password reset by emailed link (src/features/password-reset) and
 * "This wasn't me", the page every security notice links to, which ends with
 * a reset link in the mail.
 */
import { html, type SafeHtml } from '../../views/html.js';

export const reset = {
  /** /reset-password: ask for a link. */
  request: {
    title: 'Forgot password',
    heading: 'Forgot your password?',
    intro: 'Enter the email address of your account and we will send you a link to choose a new password.',
    email: 'Email',
    submit: 'Send the link',
    backToSignIn: 'Back to sign in',
    /** The field held no address at all. */
    emailMissing: 'Enter the email address of your account.',
  },
  /** After asking: the same page whether or not an account uses the address. */
  requested: {
    title: 'Check your email',
    heading: 'Check your email',
    sent: (minutes: number) => `If an account uses that address, we have sent it a link to choose a new password. The link works once, for ${minutes} minutes.`,
    nothingArrived: (href: string): SafeHtml =>
      html`Nothing arrived after a few minutes? Check your spam folder, or <a href="${href}">ask for a new link</a>.`,
  },
  /** /reset-password/new, once the link was opened. */
  newPassword: {
    title: 'Choose a new password',
    heading: 'Choose a new password',
    password: 'New password',
    confirm: 'Repeat new password',
    submit: 'Set new password',
  },
  /** A reset link (or a "This wasn't me" link) that is used, expired, replaced or forged. */
  invalidLink: {
    title: 'Link expired',
    heading: 'This link no longer works',
    text: (minutes: number) => `Password-reset links work once, for ${minutes} minutes, and only the newest link you asked for is valid.`,
    newLink: 'Send me a new link',
  },
  /** Flash on the sign-in page after the new password is set. */
  changed: 'Your password has been changed. Sign in with your new password.',
  /** The mail with the link. */
  mail: {
    subject: 'Reset your Gatehouse password',
    heading: 'Reset your password',
    intro: (minutes: number) => `To choose a new Gatehouse password, open the link below. It works once, for ${minutes} minutes.`,
    action: 'Choose a new password',
    ignore: 'If you did not ask to reset your password, ignore this message: your password stays as it is.',
    /** Sent instead when the link could not be delivered before it expired (a mail outage). */
    expired: {
      subject: 'Your Gatehouse password reset link expired',
      heading: 'Your reset link expired',
      what: (askedAt: string, minutes: number) =>
        `On ${askedAt}, you or someone else asked for a link to reset your Gatehouse password. We could not deliver it within the ${minutes} minutes it works, so it is not in this email.`,
      askAgain: 'If you still want to choose a new password, ask for a new link. If you did not ask for one, ignore this message.',
      action: 'Ask for a new link',
    },
  },
  /** The notice to the owner once a reset link has set a new password (with "This wasn't me"). */
  doneMail: {
    subject: 'Your Gatehouse password was reset',
    heading: 'Your password was reset',
    what: (at: string) =>
      `Your Gatehouse password was reset on ${at} with a link sent to this address. Every device that was signed in to your account has been signed out.`,
    ifYou: 'If this was you, there is nothing to do.',
    ifNotYou:
      'If it was not you, someone who can read this mailbox may have done it: secure your account with the button above (it emails you a new reset link) and change the password of your email account too.',
  },
  /** "This wasn't me" (/wasnt-me/<token>): one confirmation, then everything is locked down. */
  wasntMe: {
    title: 'Secure your account',
    heading: 'Secure your account',
    intro: 'If you did not make the change this email told you about, someone else may be using your account. This will:',
    /** The list of what the button does; each item continues "This will:". */
    signsOut: 'sign your account out on every device, including this one;',
    forgetsDevices: 'make every remembered device ask for a code again;',
    undoesFactors:
      'remove any passkey, authenticator app or backup phone added, and turn off text-message codes turned on or moved, since the first security email of the last 7 days (set yours up again afterwards);',
    emailCodesOff: 'turn off codes by email;',
    mailsResetLink: 'email you a link to choose a new password.',
    submit: 'Secure my account',
    /** After the button. */
    doneTitle: 'Your account is secured',
    doneHeading: 'Your account is secured',
    doneText:
      'Every device is signed out and remembered devices will ask for a code again. We emailed you a link to choose a new ' +
      'password: open it soon. If you also see second factors you did not add, remove them on the security page after you ' +
      'sign in.',
  },
};
