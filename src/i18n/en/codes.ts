/**
 * English: what the sign-in and set-up flows share about codes and factors —
 * the code page, what Verify's outcomes mean to a person, the limits' "try
 * again in", step-up's password check, recovery codes and passkey forms.
 */
import { html, type SafeHtml } from '../../views/html.js';

import { common } from './common.js';

const inMinutes = common.time.waitMinutes;
const { second } = common.time.units;

export const codes = {
  codeEntry: {
    didntGetIt: "Didn't get it?",
    sendAgain: 'Send again',
    callInstead: 'Call me instead',
    /** Under the resend buttons while they wait. */
    waitNote: (seconds: number) => `You can ask for a new code in ${second(seconds)}.`,
    /** The same, for public/js/countdown.js as it counts down: `{seconds}` is filled in; `one` is for 1. */
    waitNoteTemplate: { one: 'You can ask for a new code in 1 second.', other: 'You can ask for a new code in {seconds} seconds.' },
  },
  /**
   * Why a code could not be sent (Twilio Verify's answers, src/adapters/verify/types.ts; which Twilio
   * error gives which: TWILIO_VERIFY_ERRORS in src/adapters/verify/twilio.ts). Each says what to do.
   */
  startFailure: {
    invalid_number: 'That phone number is not valid. Enter it with its country code, for example +44 7400 123456.',
    landline: 'That number looks like a landline, which cannot receive text messages. Choose "Call me instead".',
    unsubscribed:
      'That number has turned off our text messages (someone replied STOP). Choose "Call me instead", or reply START to one of our texts and try again.',
    blocked: 'We cannot send codes to that number or country. Try another number.',
    too_many_sends: 'Too many codes were sent to this number. Wait 10 minutes, then try again.',
    number_busy: 'Several codes were asked for this number at the same moment. Wait a minute, then try again.',
    misconfigured:
      'Codes by text message and phone call are not working right now, because of a problem on our side, not with your number. Use another way if you have one, or try again later.',
    unavailable: 'We could not send a code right now. Please try again in a moment.',
  },
  /** Why a typed code was not accepted. */
  checkFailure: {
    wrong_code: 'That code is not right. Check the latest message and try again.',
    expired: 'That code has expired or was already used. Send a new code.',
    too_many_checks: 'Too many tries with this code. Send a new code.',
    misconfigured:
      'We cannot check codes from text messages or calls right now, because of a problem on our side. Use another way if you have one, or try again later.',
    unavailable: 'We could not check your code right now. Please try again in a moment.',
  },
  resendTooSoon: (seconds: number) => `Please wait ${second(seconds)} before asking for another code.`,
  codeSent: { sms: 'We sent you a new code.', call: 'We are calling you now with your code.' },
  limits: {
    tooManyCodesSent: (ms: number) => `Too many codes were sent. Try again in ${inMinutes(ms)}.`,
    tooManyWrongCodes: (ms: number) => `Too many wrong codes. Try again in ${inMinutes(ms)}.`,
    tooManySignInAttempts: (ms: number) => `Too many sign-in attempts from your network. Try again in ${inMinutes(ms)}.`,
    tooManyRegistrations: (ms: number) => `Too many new accounts from your network. Try again in ${inMinutes(ms)}.`,
    tooManyResetRequests: (ms: number) => `Too many reset requests from your network. Try again in ${inMinutes(ms)}.`,
    tooManyEmailCodes: (ms: number) => `We have emailed several codes already. Check your email, or try again in ${inMinutes(ms)}.`,
    tooManyRecoveryMails: (ms: number) => `We have sent several recovery links already. Check your email, or try again in ${inMinutes(ms)}.`,
    smsPaused: (ms: number) => `We cannot send codes right now. Please try again in ${inMinutes(ms)}.`,
    codesLockedUntilReset: 'Too many wrong codes. Reset your password by email to unlock sign-in.',
    countryNotAllowed: 'We cannot send codes to phone numbers in that country. Try a number from another country.',
  },
  /** Step-up and every other "type your current password" check (src/auth/reauthenticate.ts). */
  reauth: {
    wrong: 'That is not your current password.',
    lockedUntilReset: 'Too many wrong passwords. Reset your password by email to continue.',
    locked: (ms: number) => `Too many wrong passwords. Try again in ${inMinutes(ms)}.`,
  },
  recoveryCodes: {
    title: 'Recovery codes',
    heading: 'Your recovery codes',
    explain: html`Each code signs you in once, instead of a code from your phone. Keep them somewhere safe, such as a password
manager or a printout. <strong>This is the only time they are shown.</strong>`,
    saved: 'I have saved them',
    low: (left: number) =>
      left === 0
        ? 'You have no recovery codes left. Make a new set on the security page.'
        : `You have ${left} recovery code${left === 1 ? '' : 's'} left. Make a new set on the security page.`,
  },
  passkeyForm: {
    needsJavaScript: 'Passkeys need JavaScript, which is off in this browser.',
    /** What public/js/passkey.js says when the browser's prompt fails. */
    unsupported: 'This browser cannot use passkeys. Try another way, or another browser.',
    cancelled: 'The passkey prompt was closed or timed out. Press the button to try again.',
    duplicate: 'This passkey or security key is already on your account.',
    failed: 'Your browser could not use a passkey here. Try again, or try another way.',
  },
  recoveryNotice: {
    recovered: html`<strong>Your account was recovered:</strong> its second factors were removed. Set up a new one below to continue.`,
    inProgress: (when: SafeHtml): SafeHtml => html`<strong>Account recovery in progress:</strong> your second factors will be removed ${when}.`,
    on: (at: string): SafeHtml => html`on <strong>${at}</strong>`,
    atNextSignIn: 'at the next sign-in with your password',
    ifNotYou: 'If you did not start it, cancel it and change your password: someone knows it and can read your email.',
    cancel: 'Cancel the recovery',
  },
  /** The flashes that send a user without a second factor to the security page (src/auth/enforce-two-factor.ts). */
  enforce: {
    required: 'Two-factor sign-in is required for every account here. Add a passkey, an authenticator app or text-message codes to continue.',
    recovered: 'Your account was recovered and its second factors removed. Set up a new second factor to continue.',
  },
  /** What the development Verify stand-in "sends", as Twilio Verify's own message would read in this language. */
  devVerify: {
    sms: (code: string) => `Your Gatehouse verification code is: ${code}`,
    call: (code: string) => `Voice call: "Your Gatehouse verification code is ${code.split('').join(' ')}."`,
  },
};
