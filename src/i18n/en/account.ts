/**
 * English: a person's own account — registering, confirming the email
 * address, the profile pages, changing the password — and the mails these
 * flows send (the confirmation link, "someone tried to register with your
 * address", "your password was changed").
 */
import { html, type SafeHtml } from '../../views/html.js';

export const account = {
  /** Labels and hints shared by the account forms. */
  fields: {
    firstName: 'First name',
    lastName: 'Last name',
    username: 'Username',
    usernameHint: '3 to 32 letters, digits, "_", "-" or "."',
    email: 'Email',
    password: 'Password',
    repeatPassword: 'Repeat password',
  },
  cancel: 'Cancel',
  usernameTaken: 'That username is taken. Try another.',

  register: {
    title: 'Register',
    heading: 'Create an account',
    emailHint: 'We will send a link to this address to confirm it.',
    submit: 'Create account',
    /** Under the form; the link says `common.layout.signIn`. */
    haveAccount: (signInLink: SafeHtml): SafeHtml => html`Already have an account? ${signInLink}`,
    /** The flash after every accepted form, whether or not the address already had an account (no account enumeration). */
    registered: 'Account created — check your email to confirm your address.',
  },

  /** The page a confirmation link opens, its outcomes, and the banner's "Resend". */
  confirmEmail: {
    title: 'Confirm your email address',
    heading: 'Confirm your email address',
    confirmThat: (maskedEmail: string) => `Confirm that ${maskedEmail} is your address for Gatehouse.`,
    submit: 'Confirm my email address',
    confirmed: 'Thank you — your email address is confirmed.',
    /** Someone else's link, opened while signed in: say only that it worked. */
    confirmedOther: 'That email address is confirmed.',
    confirmedSignIn: 'Thank you — your email address is confirmed. Sign in to continue.',
    alreadyConfirmed: 'Your email address is already confirmed.',
    resendTooSoon: 'We sent you a link less than a minute ago. Give it a moment (and check your spam folder) before asking again.',
    resent: (maskedEmail: string, hours: number) =>
      `We sent a new confirmation link to ${maskedEmail}. It works for ${hours} hours; older links no longer work.`,
  },

  /** An unknown, expired or used confirmation link. */
  linkGone: {
    title: 'Link expired',
    heading: 'This link no longer works',
    rules: (hours: number) => `Confirmation links work once, for ${hours} hours, and only the newest link we sent is valid.`,
    /** Signed in with a confirmed address. */
    alreadyConfirmed: (homeLink: SafeHtml): SafeHtml =>
      html`Your own email address is already confirmed: there is nothing more to do. ${homeLink}`,
    goHome: 'Go to your home page',
    /** Signed in, address not confirmed yet. */
    sendNew: 'Send me a new link',
    /** Not signed in: `signInLink` says `signInLabel`; `resend` is the banner's button (`common.layout.resend`). */
    visitor: (signInLink: SafeHtml, resend: string): SafeHtml =>
      html`To get a new link, ${signInLink} and choose <strong>${resend}</strong> in the banner at the top of the page.`,
    signInLabel: 'sign in',
  },

  /** The mail with the confirmation link. */
  confirmationMail: {
    subject: 'Confirm your email address for Gatehouse',
    heading: 'Confirm your email address',
    intro: (hours: number) => `Please confirm that this is your email address for Gatehouse. The link works once, for ${hours} hours.`,
    action: 'Confirm my email address',
    notYou: 'If you did not create a Gatehouse account, ignore this message.',
    /** Sent instead when the link could not be delivered before it expired (a mail outage). */
    expired: {
      subject: 'Your Gatehouse confirmation link expired',
      heading: 'Your confirmation link expired',
      what: (hours: number) => `We could not deliver the link to confirm your email address within the ${hours} hours it works, so it is not in this email.`,
      /** `resend` is the banner's button (`common.layout.resend`). */
      askAgain: (resend: string) => `To get a new one, sign in and choose “${resend}” in the banner at the top of the page.`,
    },
  },

  /** Mailed to the owner of an address someone tried to register with, instead of telling the visitor. */
  registrationAttemptMail: {
    subject: 'Someone tried to register with your Gatehouse address',
    heading: 'Someone tried to register with your address',
    what: 'Someone just tried to create a new Gatehouse account with this email address. It already belongs to your account, so no new account was created.',
    ifYou: 'If it was you, you do not need a second account.',
    /** The button says `common.layout.signIn`. */
    forgotPassword: 'Forgot your password?',
    chooseNew: 'Choose a new one',
    ifNotYou: 'If it was not you, you can ignore this message: nothing about your account has changed.',
  },

  profile: {
    lastSeen: 'Last seen',
    memberSince: 'Member since',
    editProfile: 'Edit profile',
    changePassword: 'Change password',
    security: 'Security',
    /** "Two-factor sign-in is on. Manage …." — `link` says `manageSecurity`. */
    twoFactorStatus: (on: boolean, link: SafeHtml): SafeHtml => html`Two-factor sign-in is ${on ? 'on' : 'off'}. ${link}.`,
    manageSecurity: 'Manage two-factor sign-in, recovery codes and recent activity',
  },

  editProfile: {
    title: 'Edit profile',
    heading: 'Edit profile',
    aboutMe: 'About me',
    aboutMeHint: (max: number) => `Up to ${max} characters.`,
    save: 'Save',
    /** Another account took the name between the check and the save. */
    usernameJustTaken: 'That username was just taken. Try another.',
    saved: 'Your profile has been saved.',
  },

  changePassword: {
    title: 'Change password',
    heading: 'Change your password',
    intro: 'Afterwards, every other device signed in to your account is signed out, and we email you a notice.',
    currentPassword: 'Current password',
    newPassword: 'New password',
    repeatNewPassword: 'Repeat new password',
    submit: 'Change password',
    sameAsCurrent: 'That is your current password. Choose a new one.',
    changed: 'Your password has been changed. Every other device has been signed out.',
  },

  /** The security notice mailed after a password change (with the "This wasn't me" block). */
  passwordChangedMail: {
    subject: 'Your Gatehouse password was changed',
    heading: 'Your password was changed',
    what: (at: string) =>
      `Your Gatehouse password was changed on ${at}. Every other device that was signed in to your account has been signed out.`,
    ifYou: 'If this was you, there is nothing to do.',
  },
};
