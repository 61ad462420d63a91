/** English: the frame every email shares (src/views/mail.ts). Each mail's own words live with its flow's section. */
export const mail = {
  hi: (firstName: string) => `Hi ${firstName},`,
  pasteLink: 'Or paste this link into your browser:',
  signOff: '— Gatehouse',
  /** The button of every security notice: it undoes what an intruder may have done (src/notices/wasnt-me.ts). */
  wasntMe: "This wasn't me: secure my account",
  /** Above the "This wasn't me" button: why it is there. */
  wasntMeLead: 'Not you? Secure your account now: one click signs out every session and undoes recent changes.',
  /**
   * A notice delivered after its "This wasn't me" link expired (it waited in the outbox through a mail outage):
   * the link is left out, and this points at a password reset instead.
   */
  lateNotice: "This email reached you late, after its “This wasn't me” link had expired. If what it tells you was not you, choose a new password now: that signs out every device.",
  chooseNewPassword: 'Choose a new password',
  /** Small print at the foot of every mail. */
  footer: 'You are receiving this email because it is about your Gatehouse account. We never ask for your password or codes by email.',
  /** An administrator removed the account's second factors (`npm run admin -- reset-factors`). */
  factorsReset: {
    subject: 'Your two-factor sign-in was reset',
    what: (at: string) =>
      `On ${at}, a Gatehouse administrator removed the second factors of your account: ` +
      'your authenticator app, your text-message codes and your recovery codes. ' +
      'Every device that was signed in to your account has been signed out.',
    now: 'Your password alone now signs you in. Set up two-factor authentication again on your security page.',
    openSecurity: 'Open my security page',
    ifNotYou: 'If you did not ask for this, someone may be trying to take over your account.',
    resetPassword: 'Reset your password',
  },
};
