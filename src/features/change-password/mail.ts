/** The notice mailed after a password change: what changed, and what to do if it wasn't the owner. */
import { exactUtc } from '../../lib/relative-time.js';
import { renderMail } from '../../views/mail.js';

export function passwordChangedMail(p: { to: string; firstName: string; changedAt: number; wasntMeLink: string }) {
  return renderMail({
    to: p.to,
    subject: 'Your Gatehouse password was changed',
    heading: 'Your password was changed',
    firstName: p.firstName,
    paragraphs: [
      `Your Gatehouse password was changed on ${exactUtc(p.changedAt)}. Every other device that was signed in to your account has been signed out.`,
      'If this was you, there is nothing to do.',
    ],
    action: { label: "This wasn't me: secure my account", url: p.wasntMeLink },
  });
}
