/** The reset mail, as HTML and plain text. */
import { PASSWORD_RESET_LIFETIME_MS } from '../../auth/policy.js';
import { renderMail } from '../../views/mail.js';

export function resetPasswordMail(p: { to: string; firstName: string; link: string }) {
  const minutes = PASSWORD_RESET_LIFETIME_MS / 60_000;
  return renderMail({
    to: p.to,
    subject: 'Reset your Gatehouse password',
    heading: 'Reset your password',
    firstName: p.firstName,
    paragraphs: [`To choose a new Gatehouse password, open the link below. It works once, for ${minutes} minutes.`],
    action: { label: 'Choose a new password', url: p.link },
    after: ['If you did not ask to reset your password, ignore this message: your password stays as it is.'],
  });
}
