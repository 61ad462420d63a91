/** The notice mailed when someone signs in with a recovery code. */
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
