/** Mail the security page sends. */
import { exactUtc } from '../../lib/relative-time.js';
import { renderMail } from '../../views/mail.js';

export function accountDeletedMail(p: { to: string; firstName: string; username: string; deletedAt: number }) {
  return renderMail({
    to: p.to,
    subject: 'Your Gatehouse account was deleted',
    heading: 'Your account was deleted',
    firstName: p.firstName,
    paragraphs: [
      `The Gatehouse account ${p.username} was deleted on ${exactUtc(p.deletedAt)}, together with its sign-in factors, recovery codes, remembered devices and security activity.`,
      'If you did not do this, someone had your password and a recent sign-in: please contact the people who run this Gatehouse.',
    ],
  });
}

export function confirmNewEmailMail(p: { to: string; firstName: string; link: string }) {
  return renderMail({
    to: p.to,
    subject: 'Confirm your new Gatehouse email address',
    heading: 'Confirm your new email address',
    firstName: p.firstName,
    paragraphs: [
      'You asked to use this address for your Gatehouse account. Nothing changes until you confirm it; the link works for 24 hours.',
      'If you did not ask for this, ignore this email.',
    ],
    action: { label: 'Use this email address', url: p.link },
  });
}

export function emailChangeRequestedMail(p: { to: string; firstName: string; newAddress: string; at: number; wasntMeLink: string }) {
  return renderMail({
    to: p.to,
    subject: 'A change of your Gatehouse email address was asked for',
    heading: 'A change of your email address was asked for',
    firstName: p.firstName,
    paragraphs: [
      `On ${exactUtc(p.at)}, someone signed in to your account asked to change its email address to ${p.newAddress}. It changes only if the link we sent there is opened.`,
      'If this was you, there is nothing to do.',
    ],
    action: { label: "This wasn't me: secure my account", url: p.wasntMeLink },
  });
}

export function emailChangedMail(p: { to: string; firstName: string; newAddress: string; at: number; wasntMeLink: string }) {
  return renderMail({
    to: p.to,
    subject: 'Your Gatehouse email address was changed',
    heading: 'Your email address was changed',
    firstName: p.firstName,
    paragraphs: [
      `On ${exactUtc(p.at)}, the email address of your Gatehouse account was changed to ${p.newAddress}. Mail about the account now goes there.`,
      'If this was not you, the link below puts this address back, signs the account out everywhere and sends you a link to choose a new password.',
    ],
    action: { label: "This wasn't me: secure my account", url: p.wasntMeLink },
  });
}

/** A second factor was added to or removed from the account: the owner hears of it, with a way to undo a takeover. */
export function factorChangedMail(p: { to: string; firstName: string; change: string; at: number; wasntMeLink: string }) {
  return renderMail({
    to: p.to,
    subject: `Gatehouse security notice: ${p.change}`,
    heading: p.change,
    firstName: p.firstName,
    paragraphs: [`On ${exactUtc(p.at)}, this change was made to the two-factor sign-in of your Gatehouse account: ${p.change.toLowerCase()}.`, 'If this was you, there is nothing to do.'],
    action: { label: "This wasn't me: secure my account", url: p.wasntMeLink },
  });
}
