/**
 * Security notices about the second factor: each tells the owner what changed
 * and what to do if it wasn't them. Written in the recipient's language: the
 * caller passes `messagesForAccount(user)`, not the requester's catalogue.
 */
import { maskPhone } from '../../../auth/two-factor.js';
import type { User } from '../../../db/schema.js';
import type { Messages } from '../../../i18n/messages.js';
import { renderMail, type WasntMeLink } from '../../../views/mail.js';

type Recipient = Pick<User, 'email' | 'first_name'>;

export function twoFactorEnabledMail(t: Messages, user: Recipient, phone: string, at: number, wasntMe: WasntMeLink) {
  const m = t.sms.mail.enabled;
  return renderMail(t, {
    kind: 'sms_turned_on',
    to: user.email,
    subject: m.subject,
    heading: m.heading,
    firstName: user.first_name,
    paragraphs: [m.what(t.common.time.exact(at), maskPhone(phone))],
    wasntMe,
  });
}

export function phoneChangedMail(t: Messages, user: Recipient, phone: string, at: number, wasntMe: WasntMeLink) {
  const m = t.sms.mail.phoneChanged;
  return renderMail(t, {
    kind: 'sms_phone_changed',
    to: user.email,
    subject: m.subject,
    heading: m.heading,
    firstName: user.first_name,
    paragraphs: [m.what(t.common.time.exact(at), maskPhone(phone))],
    wasntMe,
  });
}

export function twoFactorDisabledMail(t: Messages, user: Recipient, at: number, wasntMe: WasntMeLink) {
  const m = t.sms.mail.disabled;
  return renderMail(t, {
    kind: 'sms_turned_off',
    to: user.email,
    subject: m.subject,
    heading: m.heading,
    firstName: user.first_name,
    paragraphs: [m.what(t.common.time.exact(at))],
    wasntMe,
  });
}

export function backupPhoneChangedMail(t: Messages, user: Recipient, phone: string | null, at: number, wasntMe: WasntMeLink) {
  const when = t.common.time.exact(at);
  const m = phone ? t.sms.mail.backupAdded : t.sms.mail.backupRemoved;
  return renderMail(t, {
    kind: 'backup_phone_changed',
    to: user.email,
    subject: m.subject,
    heading: m.heading,
    firstName: user.first_name,
    paragraphs: [phone ? t.sms.mail.backupAdded.what(when, maskPhone(phone)) : t.sms.mail.backupRemoved.what(when)],
    wasntMe,
  });
}
