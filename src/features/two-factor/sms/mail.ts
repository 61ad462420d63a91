/** Security notices about the second factor: each tells the owner what changed and what to do if it wasn't them. */
import { maskPhone } from '../../../auth/two-factor.js';
import type { User } from '../../../db/schema.js';
import { exactUtc } from '../../../lib/relative-time.js';
import { renderMail } from '../../../views/mail.js';

/** The notice's button: the owner's "This wasn't me" link (src/auth/wasnt-me.ts). */
function notWasntMe(wasntMeUrl: string) {
  return { label: "This wasn't me: secure my account", url: wasntMeUrl };
}

export function twoFactorEnabledMail(user: Pick<User, 'email' | 'first_name'>, phone: string, at: number, wasntMeUrl: string) {
  return renderMail({
    to: user.email,
    subject: 'Two-factor authentication is on',
    heading: 'Two-factor authentication is on',
    firstName: user.first_name,
    paragraphs: [`On ${exactUtc(at)}, two-factor authentication was turned on for your Gatehouse account. Sign-in codes go to ${maskPhone(phone)}.`],
    action: notWasntMe(wasntMeUrl),
  });
}

export function phoneChangedMail(user: Pick<User, 'email' | 'first_name'>, phone: string, at: number, wasntMeUrl: string) {
  return renderMail({
    to: user.email,
    subject: 'Your two-factor phone number was changed',
    heading: 'Your two-factor phone number was changed',
    firstName: user.first_name,
    paragraphs: [`On ${exactUtc(at)}, the phone that receives your Gatehouse sign-in codes was changed to ${maskPhone(phone)}.`],
    action: notWasntMe(wasntMeUrl),
  });
}

export function twoFactorDisabledMail(user: Pick<User, 'email' | 'first_name'>, at: number, wasntMeUrl: string) {
  return renderMail({
    to: user.email,
    subject: 'Two-factor authentication was turned off',
    heading: 'Two-factor authentication was turned off',
    firstName: user.first_name,
    paragraphs: [`On ${exactUtc(at)}, two-factor authentication was turned off for your Gatehouse account. Your password alone now signs you in.`],
    action: notWasntMe(wasntMeUrl),
  });
}

export function backupPhoneChangedMail(user: Pick<User, 'email' | 'first_name'>, phone: string | null, at: number, wasntMeUrl: string) {
  const heading = phone ? 'A backup phone was added' : 'Your backup phone was removed';
  return renderMail({
    to: user.email,
    subject: `Gatehouse security notice: ${heading.toLowerCase()}`,
    heading,
    firstName: user.first_name,
    paragraphs: [
      phone
        ? `On ${exactUtc(at)}, ${maskPhone(phone)} was added to your Gatehouse account as a backup phone: sign-in codes can be sent there too.`
        : `On ${exactUtc(at)}, the backup phone was removed from your Gatehouse account. Sign-in codes go only to your main phone.`,
    ],
    action: notWasntMe(wasntMeUrl),
  });
}
