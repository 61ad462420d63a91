/**
 * English: what every page shares — the frame, form pieces, times, the error
 * pages, the home page and the development outbox. English is the source
 * catalogue: its shape is the type every other language must match.
 */
import { html, type SafeHtml } from '../../views/html.js';
import { largestWholeUnit, waitMinutes } from '../../lib/duration.js';
import { exactUtc } from '../../lib/relative-time.js';
import type { Locale } from '../locales.js';

const TIME_UNITS = {
  day: (n: number) => (n === 1 ? '1 day' : `${n} days`),
  hour: (n: number) => (n === 1 ? '1 hour' : `${n} hours`),
  minute: (n: number) => (n === 1 ? '1 minute' : `${n} minutes`),
  second: (n: number) => (n === 1 ? '1 second' : `${n} seconds`),
};

export const common = {
  /** This catalogue's language, for `<html lang>` and Intl formatting. */
  locale: 'en' as Locale,
  appName: 'Gatehouse',
  layout: {
    /** `<title>`: "Sign in · Gatehouse". */
    title: (page: string) => `${page} · Gatehouse`,
    skipToContent: 'Skip to content',
    mainNav: 'Main',
    home: 'Home',
    profile: 'Profile',
    security: 'Security',
    signOut: 'Sign out',
    signIn: 'Sign in',
    register: 'Register',
    /** For admins only (the web console at /admin). */
    console: 'Console',
    devOutbox: 'Dev outbox',
    confirmEmailBanner: (maskedEmail: string) => html`<strong>Confirm your email address</strong> — we sent a link to ${maskedEmail}.`,
    resend: 'Resend',
    /** The language switcher in the footer. */
    language: 'Language',
  },
  forms: {
    /** The error summary's lead: one problem, or several. */
    fixThese: (count: number): string => (count === 1 ? 'Please fix this:' : 'Please fix these:'),
    verificationCode: 'Verification code',
    /** The Show/Hide button public/js/app.js adds beside password fields ("Show password" to a screen reader). */
    show: 'Show',
    hide: 'Hide',
    passwordSuffix: ' password',
    rememberDevice: 'Remember this device for 30 days',
    verify: 'Verify',
  },
  time: {
    /** For times under 45 seconds away; Intl.RelativeTimeFormat says the rest ("3 minutes ago"). */
    justNow: 'just now',
    /** "2026-11-25 19:33 UTC": exact and unambiguous in mail and tooltips. */
    exact: exactUtc,
    /** A count of each unit: "1 minute", "12 minutes". */
    units: TIME_UNITS,
    /** "48 hours", "3 days", "90 minutes": in the largest whole unit (src/lib/duration.ts). */
    duration: (ms: number) => {
      const { count, unit } = largestWholeUnit(ms);
      return TIME_UNITS[unit](count);
    },
    /** How long to wait, in whole minutes rounded up: "1 minute", "12 minutes". */
    waitMinutes: (ms: number) => TIME_UNITS.minute(waitMinutes(ms)),
  },
  device: {
    unknownBrowser: 'Unknown browser',
    /** "Firefox on Windows" */
    on: (browser: string, system: string) => `${browser} on ${system}`,
  },
  errors: {
    notFoundTitle: 'Not found',
    notFoundHeading: 'Page not found',
    notFoundText: 'There is nothing at this address. It may have moved, or the link may be mistyped.',
    goHome: 'Go to the home page',
    notAllowedTitle: 'Not allowed',
    notAllowedHeading: 'That action is not available here',
    notAllowedText: (allowed: string) => `This address does not accept that kind of request (it accepts ${allowed}).`,
    refusedTitle: 'Request refused',
    badRequestTitle: 'Bad request',
    badRequestHeading: 'Something is wrong with that request',
    /** By status: what went wrong with a request the user's browser sent (408 and 431 only ever as plain text). */
    client: {
      400: 'We could not read what your browser sent. Go back, reload the page and try again.',
      403: 'This form has expired or did not come from this site. Go back, reload the page and try again.',
      413: 'What you sent is too large.',
      414: 'That address is too long.',
      415: 'This address only accepts forms sent from its own pages.',
      408: 'Your browser took too long to send its request. Try again.',
      431: "Your browser sent headers that are too large, most likely too many cookies. Clear this site's cookies and try again.",
      other: 'That request could not be handled.',
    },
    errorTitle: 'Error',
    unavailableTitle: 'Service unavailable',
    unavailableText: 'Service unavailable, try again in a moment. Gatehouse cannot complete requests right now; nothing was changed.',
    serverErrorHeading: 'Something went wrong on our side',
    serverErrorText: 'We could not complete your request. Nothing you did caused this, and nothing was half-saved: please try again in a moment.',
    reference: 'If it keeps happening, tell us this reference:',
    busyTitle: 'Busy',
    busyHeading: 'Gatehouse is busy',
    busyText: 'Too many people are signing in right now. Wait a few seconds and try again; nothing was changed.',
  },
  home: {
    title: 'Home',
    hi: (firstName: string) => `Hi, ${firstName}!`,
    signedInAs: (username: string): SafeHtml => html`You are signed in as <strong>${username}</strong>.`,
    yourProfile: 'Your profile',
    editProfile: 'Edit profile',
    twoFactorOn: html`Two-factor authentication is <strong>on</strong>.`,
    /** After `twoFactorOn`: a link to the security page. */
    manageTwoFactor: 'Manage it on the security page',
    /** A link to the security page, where a passkey, an authenticator app or SMS codes can be set up. */
    turnOnTwoFactor: 'Turn on two-factor authentication',
  },
  devOutbox: {
    title: 'Dev outbox',
    heading: 'Development outbox',
    intro: 'What Gatehouse would have sent by SMS, voice call and email. This page exists only outside production.',
    empty: 'Nothing sent yet.',
    kinds: { sms: 'SMS', call: 'Voice call', email: 'Email' },
    to: 'to',
    viewHtml: 'View as HTML',
  },
};
