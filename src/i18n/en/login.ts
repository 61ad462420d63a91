/**
 * English: signing in — the password page, passkey sign-in, every way of
 * finishing a sign-in (src/features/login/ways), and the mails a sign-in sends
 * (a recovery code used, a code by email, a new browser).
 */
import { html, type SafeHtml } from '../../views/html.js';
import { common } from './common.js';

const inMinutes = common.time.waitMinutes;

export const login = {
  /** The sign-in page (/login). */
  page: {
    title: 'Sign in',
    heading: 'Sign in',
    usernameOrEmail: 'Username or email',
    password: 'Password',
    rememberMe: 'Remember me for 30 days',
    submit: 'Sign in',
    withPasskey: 'Sign in with a passkey',
    /** Shown when an app that needs two factors sent the person here: a remembered browser does not skip the step. */
    secondStepRequired: 'The app you are signing in to needs your second step too: after your password, confirm it with your code, app or passkey, even on a remembered browser.',
    forgotPassword: 'Forgot your password?',
    /** `link` is the "Create an account" link. */
    newHere: (link: SafeHtml): SafeHtml => html`New here? ${link}`,
    createAccount: 'Create an account',
    /** The same answer for an unknown user and a wrong password (no enumeration). */
    invalidCredentials: 'That username or email and password do not match. Check them and try again.',
    /** The right password (or passkey) of an account an operator suspended; `contact` is SUPPORT_CONTACT, if set. */
    suspended: (contact: string | null) =>
      `This account is suspended: it cannot sign in for now. ${contact ? `To ask why, or to have it back, contact ${contact}.` : 'To ask why, or to have it back, contact the people who run this site.'}`,
    /** Too many failed sign-ins: the same words for every login, known or not (no enumeration), how long, and the way out. */
    paused: (ms: number) => `Sign-in to this account is paused for ${inMinutes(ms)} after too many failed attempts.`,
    pausedUntilReset: 'Sign-in to this account is paused after too many failed attempts, until its password is reset.',
    /** The link under `paused` to /reset-password. */
    pausedWayOut: 'Reset your password to get in sooner',
    pausedUntilResetWayOut: 'Reset your password to get back in',
  },
  signedOut: 'You have signed out.',
  /** "Sign in with a passkey" (/login/passkey): no username, no password. */
  passwordless: {
    title: 'Sign in with a passkey',
    heading: 'Sign in with a passkey',
    intro:
      'Use the passkey you added to your Gatehouse account: your browser asks you to unlock it with your fingerprint, face or screen lock, or to touch your security key.',
    button: 'Sign in with a passkey',
    withPassword: 'Sign in with your password instead',
    noAnswer: 'Your browser did not send a passkey. Passkeys need JavaScript: turn it on, or sign in with your password.',
    notAccepted:
      'That passkey did not sign you in. It may not be on any account here, or it did not check it was you (PIN, fingerprint or face). Try again, or sign in with your password.',
  },
  /** Under every second-factor page. */
  footer: {
    recover: "Can't use any of these? Recover your account",
    startOver: 'Cancel and start over',
  },
  /** "Try another way": the other ways an account can finish signing in. */
  otherWays: {
    heading: 'Try another way',
    passkey: 'Use a passkey or security key',
    totp: 'Use your authenticator app',
    sms: 'Get a code by text message or call',
    backupPhone: 'Get a code on your backup phone',
    email: 'Get a code by email',
    recovery: 'Use a recovery code',
  },
  /** Too many wrong codes in one pending sign-in: it is ended. */
  tooManyWrongCodes: 'Too many wrong codes. For your safety, please sign in again.',
  /** A code from an authenticator app. */
  totp: {
    title: 'Enter your code',
    heading: 'Enter the code from your authenticator app',
    intro: 'Open the authenticator app on your phone and type the 6-digit code it shows for Gatehouse.',
    wrong: 'That code is not right, or was already used. Enter the newest code from your authenticator app.',
  },
  /** A code by text message or call, to the main or the backup phone. */
  sms: {
    title: 'Enter your code',
    heading: 'Enter the code we sent you',
    /** `which` is yourPhone or yourBackupPhone; `phone` the masked number. */
    sentTo: (which: string, phone: string) => `We sent a 6-digit code to ${which}, ${phone}.`,
    askFor: (which: string, phone: string) => `Ask for a code to be sent to ${which}, ${phone}.`,
    yourPhone: 'your phone',
    yourBackupPhone: 'your backup phone',
    mainPhoneInstead: 'Send a code to your main phone instead',
  },
  /** "Try another way" → the backup phone: nothing is sent until asked. */
  backupPhone: {
    title: 'Use your backup phone',
    heading: 'Use your backup phone',
    intro: (phone: string) => `We can send a 6-digit code to your backup phone, ${phone}.`,
    textMe: 'Text me a code',
    callMe: 'Call me with a code',
  },
  /** A code by email (a fallback the user turned on). */
  email: {
    title: 'Get a code by email',
    heading: 'Get a code by email',
    sentTo: (address: string) => `We emailed a 6-digit code to ${address}. It works once, for 10 minutes.`,
    canSend: (address: string) => `We can email a 6-digit code to ${address}.`,
    sendCode: 'Email me a code',
    sendNewCode: 'Email me a new code',
    sent: 'We emailed you a code. It works for 10 minutes.',
    wrong: 'That code is not right, has expired, or was already used. Ask for a new one if you need to.',
  },
  /** A passkey or security key after the password. */
  passkey: {
    title: 'Use your passkey',
    heading: 'Use your passkey',
    intro: 'Press the button, then unlock your passkey with your fingerprint, face or screen lock, or touch your security key.',
    button: 'Use your passkey',
    wrong: 'That passkey was not accepted. Use a passkey you added to this account, or try another way.',
    noAnswer: 'Your browser did not send a passkey. Passkeys need JavaScript: turn it on, or try another way.',
  },
  /** A recovery code instead of a second factor. */
  recoveryCode: {
    title: 'Use a recovery code',
    heading: 'Use a recovery code',
    intro: 'Type one of the recovery codes you saved when you set up two-factor sign-in. Each code works once.',
    label: 'Recovery code',
    hint: 'Like ABCD-EFGH-JKMN. Dashes and spaces do not matter.',
    submit: 'Sign in',
    wrong: 'That recovery code is not right, or was already used.',
  },
  /** The mails a sign-in sends, in the account owner's language. */
  mail: {
    /** Someone signed in with a recovery code. */
    recoveryCodeUsed: {
      subject: 'A recovery code was used to sign in to Gatehouse',
      heading: 'A recovery code was used',
      what: (at: string, left: number) =>
        `Someone signed in to your Gatehouse account with one of your recovery codes on ${at}. That code will not work again; ${left === 0 ? 'you have none left' : `you have ${left} left`}.`,
      ifYou: 'If this was you, consider making a new set of recovery codes and checking your second factors.',
    },
    /** A sign-in code by email; whoever asked for it knows the password. */
    emailCode: {
      /** No code in the subject: subjects show on lock screens and in inbox lists, and are kept by mail servers. */
      subject: 'Your Gatehouse sign-in code',
      heading: 'Your sign-in code',
      what: (code: string) => `Your code to finish signing in to Gatehouse is ${code}. It works once, for 10 minutes. We will never ask you for it by phone or email.`,
      askedFor: (at: string) => `It was asked for on ${at} by someone who typed your password. If that was not you, your password is known to someone else.`,
      /** Sent instead when the code could not be delivered before it expired (a mail outage). */
      expired: {
        subject: 'Your Gatehouse sign-in code expired',
        heading: 'Your sign-in code expired',
        what: (at: string) =>
          `On ${at}, someone who typed your password asked for a sign-in code by email. We could not deliver it within the 10 minutes it works, so it is not in this email.`,
        ifYou: 'If this was you, ask for a new code on the sign-in page.',
        ifNotYou: 'If this was not you, your password is known to someone else: choose a new one now.',
      },
    },
    /** Wrong passwords, or wrong codes after the right password, paused sign-in (src/auth/lockout-notice.ts). */
    lockout: {
      subject: 'Sign-in to your Gatehouse account is paused',
      heading: 'Sign-in to your account is paused',
      wrongPasswords: (at: string) => `Someone typed a wrong password for your Gatehouse account several times in a row, most recently on ${at}.`,
      wrongCodes: (at: string) => `Someone typed your Gatehouse password correctly and then several wrong sign-in codes in a row, most recently on ${at}.`,
      /** `duration` is "1 minute". */
      forAWhile: (duration: string) => `To protect your account, sign-in to it is paused for ${duration}, and for longer if the wrong tries go on.`,
      untilReset: 'To protect your account, sign-in to it is now paused until its password is reset. Reset it from the sign-in page with "Forgot your password?".',
      ifYouPassword: 'If this was you, wait and try again, or reset your password. If it was not you, nobody got in: every password tried was wrong.',
      ifYouPasswordUntilReset: 'If this was you, reset your password to get back in. If it was not you, nobody got in: every password tried was wrong; resetting it lifts the pause.',
      ifNotYouCode: 'Whoever did this knows your password. If it was not you, change your password now and check the second factors on your security page.',
    },
    /** A completed sign-in from a browser the account had not used before (src/auth/new-browser-notice.ts). */
    newBrowser: {
      subject: 'New sign-in to your Gatehouse account',
      heading: 'New sign-in to your account',
      /** `device` is "Safari on iOS"; `at` an exact time. */
      what: (device: string, ip: string, at: string) =>
        `Your Gatehouse account was signed in to from ${device} (address ${ip}) on ${at}, a browser it had not been used from before.`,
      ifYou: 'If this was you, there is nothing to do.',
    },
  },
};
