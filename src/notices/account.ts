/** Notices about the account itself: its address confirmed, its password reset or changed, a registration attempt with its address, its deletion. */
import { hours, minutes } from '../lib/duration.js';
import { LOGIN_PATH, RESET_PASSWORD_PATH } from '../lib/paths.js';
import type { ExpiringLink } from '../views/mail.js';
import { expiring, told, type Notice } from './notice.js';

/** The link that confirms the account's address; delivered after it expired, the mail says how to ask again (sign in). */
export const emailConfirmation = (link: ExpiringLink, lifetimeMs: number): Notice =>
  expiring('email_confirmation', { wasntMe: false, secret: link }, (t) => t.account.confirmationMail, (m, { t, appUrl }) => {
    const lifetimeHours = lifetimeMs / hours(1);
    const signIn = { label: t.common.layout.signIn, url: `${appUrl}${LOGIN_PATH}` };
    const instead = { paragraphs: [m.expired.what(lifetimeHours), m.expired.askAgain(t.common.layout.resend)], action: signIn, after: [m.notYou] };
    return { paragraphs: [m.intro(lifetimeHours)], after: [m.notYou], instead };
  });

/**
 * The password-reset link, to `to` when not the account's address ("This wasn't me" sends it to the owner's
 * address of before a change); delivered after it expired, the mail points at "Forgot your password?" instead.
 */
export const passwordResetLink = (link: ExpiringLink, lifetimeMs: number, to?: string): Notice =>
  expiring('password_reset', { wasntMe: false, to, secret: link }, (t) => t.reset.mail, (m, { t, now, appUrl }) => {
    const lifetimeMinutes = lifetimeMs / minutes(1);
    const askAgain = { label: m.expired.action, url: `${appUrl}${RESET_PASSWORD_PATH}` };
    const instead = { paragraphs: [m.expired.what(t.common.time.exact(now), lifetimeMinutes), m.expired.askAgain], action: askAgain };
    return { paragraphs: [m.intro(lifetimeMinutes)], after: [m.ignore], instead };
  });

/**
 * A completed reset. The reset already ended every session, but "This wasn't me" still ends any begun since,
 * undoes factors added since, and mails a fresh reset link to the owner's address.
 */
export const passwordResetDone = told('password_reset_done', { wasntMe: true }, (t) => t.reset.doneMail, (m, at) => [m.what(at), m.ifYou, m.ifNotYou]);

export const passwordChanged = told('password_changed', { wasntMe: true }, (t) => t.account.passwordChangedMail, (m, at) => [m.what(at), m.ifYou]);

/** "Someone tried to register with your address": sent to the address's owner instead of telling the visitor that it has an account. */
export const registrationAttempt: Notice = {
  kind: 'registration_attempt',
  wasntMe: false,
  words: ({ t, appUrl }) => {
    const m = t.account.registrationAttemptMail;
    return {
      subject: m.subject,
      heading: m.heading,
      paragraphs: [m.what, m.ifYou],
      action: { label: t.common.layout.signIn, url: `${appUrl}${LOGIN_PATH}` },
      after: [{ text: m.forgotPassword, link: { label: m.chooseNew, url: `${appUrl}${RESET_PASSWORD_PATH}` } }, m.ifNotYou],
    };
  },
};

/** The owner deleted the account (the security page): no link, the account is gone. */
export const accountDeleted = (username: string): Notice =>
  told('account_deleted', { wasntMe: false, accountGone: true }, (t) => t.security.mail.accountDeleted, (m, at) => [m.what(username, at), m.ifNotYou]);

/** An admin deleted the account (the console): what went, and whom to ask (SUPPORT_CONTACT, if set). */
export const accountDeletedByAdmin = (username: string, contact: string | null): Notice =>
  told('account_deleted', { wasntMe: false, accountGone: true }, (t) => t.admin.notices.accountDeleted, (m, at) => [m.what(username, at), m.contact(contact)]);
