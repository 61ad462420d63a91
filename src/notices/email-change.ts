/** Notices of an address change: the link to the new address, and the notices to the old one (requested, done). */
import { SECURITY_PATH } from '../lib/paths.js';
import type { ExpiringLink } from '../views/mail.js';
import { expiring, told, type Notice } from './notice.js';

/** The link, to the new address (still the account's: in its language); delivered after it expired, the mail points at the security page to ask again. */
export const confirmNewEmail = (newEmail: string, link: ExpiringLink): Notice =>
  expiring('email_change_confirmation', { wasntMe: false, to: newEmail, secret: link }, (t) => t.security.mail.confirmNewEmail, (m, { appUrl }) => ({
    paragraphs: [m.what, m.ifNotYou],
    instead: { paragraphs: [m.expired.what, m.expired.askAgain], action: { label: m.expired.action, url: `${appUrl}${SECURITY_PATH}` } },
  }));

/** To the old address: a change to `maskedNewAddress` was asked for (lib/mask-email.ts: the notice does not spell it out). */
export const emailChangeRequested = (maskedNewAddress: string): Notice =>
  told('email_change_requested', { wasntMe: true }, (t) => t.security.mail.emailChangeRequested, (m, at) => [m.what(at, maskedNewAddress), m.ifYou]);

/** To the old address: the change is done; "This wasn't me" undoes it (src/features/password-reset/wasnt-me.ts). */
export const emailChanged = (maskedNewAddress: string): Notice =>
  told('email_changed', { wasntMe: true }, (t) => t.security.mail.emailChanged, (m, at) => [m.what(at, maskedNewAddress), m.ifNotYou]);
