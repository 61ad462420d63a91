/** Notices about second factors: one added or removed (the security page, SMS codes and their phones), or all removed by an operator. */
import type { Messages } from '../i18n/messages.js';
import { RESET_PASSWORD_PATH, SECURITY_PATH } from '../lib/paths.js';
import { told, type Notice } from './notice.js';

/** What changed, in the owner's words: one of `t.security.factorChange`. */
export type FactorChange = (t: Messages) => string;

/** A second factor was added to or removed from the account; `change` names it in the subject and heading. */
export function factorChanged(change: FactorChange): Notice {
  return {
    kind: 'factor_changed',
    wasntMe: true,
    words: ({ t, now }) => {
      const m = t.security.mail.factorChanged;
      const what = change(t);
      return { subject: m.subject(what), heading: what, paragraphs: [m.what(t.common.time.exact(now), what), m.ifYou] };
    },
  };
}

/** SMS codes turned on, to `maskedPhone` (src/auth/two-factor.ts `maskPhone`: a notice never spells a number out). */
export const smsTurnedOn = (maskedPhone: string): Notice => told('sms_turned_on', { wasntMe: true }, (t) => t.sms.mail.enabled, (m, at) => [m.what(at, maskedPhone)]);

export const smsPhoneChanged = (maskedPhone: string): Notice => told('sms_phone_changed', { wasntMe: true }, (t) => t.sms.mail.phoneChanged, (m, at) => [m.what(at, maskedPhone)]);

export const smsTurnedOff: Notice = told('sms_turned_off', { wasntMe: true }, (t) => t.sms.mail.disabled, (m, at) => [m.what(at)]);

/** A backup phone added (`maskedPhone`) or removed (null). */
export const backupPhoneChanged = (maskedPhone: string | null): Notice =>
  maskedPhone !== null
    ? told('backup_phone_changed', { wasntMe: true }, (t) => t.sms.mail.backupAdded, (m, at) => [m.what(at, maskedPhone)])
    : told('backup_phone_changed', { wasntMe: true }, (t) => t.sms.mail.backupRemoved, (m, at) => [m.what(at)]);

/** An operator removed every second factor (src/auth/reset-factors.ts): where to set one up, and what to do if the owner did not ask. */
export const factorsReset: Notice = {
  kind: 'factors_reset',
  wasntMe: false,
  words: ({ t, now, appUrl }) => {
    const m = t.mail.factorsReset;
    return {
      subject: m.subject,
      heading: m.subject,
      paragraphs: [m.what(t.common.time.exact(now)), m.now],
      action: { label: m.openSecurity, url: `${appUrl}${SECURITY_PATH}` },
      after: [{ text: m.ifNotYou, link: { label: m.resetPassword, url: `${appUrl}${RESET_PASSWORD_PATH}` } }],
    };
  },
};
