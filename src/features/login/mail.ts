/** Mail sent during sign-in: the notice of a recovery code used, and a sign-in code by email. */
import { exactUtc } from '../../lib/relative-time.js';
import { renderMail } from '../../views/mail.js';

export function recoveryCodeUsedMail(p: { to: string; firstName: string; usedAt: number; left: number; wasntMeLink: string }) {
  return renderMail({
    to: p.to,
    subject: 'A recovery code was used to sign in to Gatehouse',
    heading: 'A recovery code was used',
    firstName: p.firstName,
    paragraphs: [
      `Someone signed in to your Gatehouse account with one of your recovery codes on ${exactUtc(p.usedAt)}. That code will not work again; you have ${p.left} left.`,
      'If this was you, consider making a new set of recovery codes and checking your second factors.',
    ],
    action: { label: "This wasn't me: secure my account", url: p.wasntMeLink },
  });
}

/** A sign-in code by email (the fallback factor); whoever asked for it knows the password, so the owner can act. */
export function emailSignInCodeMail(p: { to: string; firstName: string; code: string; at: number; wasntMeLink: string }) {
  return renderMail({
    to: p.to,
    subject: `${p.code} is your Gatehouse sign-in code`,
    heading: 'Your sign-in code',
    firstName: p.firstName,
    paragraphs: [
      `Your code to finish signing in to Gatehouse is ${p.code}. It works once, for 10 minutes. We will never ask you for it by phone or email.`,
      `It was asked for on ${exactUtc(p.at)} by someone who typed your password. If that was not you, your password is known to someone else.`,
    ],
    action: { label: "This wasn't me: secure my account", url: p.wasntMeLink },
  });
}
