/**
 * "Someone tried to register with your address": sent to the owner of an
 * address instead of telling the visitor that it has an account.
 */
import { renderMail } from '../../views/mail.js';

export function registrationAttemptMail(p: { to: string; firstName: string; loginLink: string; resetLink: string }) {
  return renderMail({
    to: p.to,
    subject: 'Someone tried to register with your Gatehouse address',
    heading: 'Someone tried to register with your address',
    firstName: p.firstName,
    paragraphs: [
      'Someone just tried to create a new Gatehouse account with this email address. It already belongs to your account, so no new account was created.',
      'If it was you, you do not need a second account.',
    ],
    action: { label: 'Sign in', url: p.loginLink },
    after: [
      { text: 'Forgot your password?', link: { label: 'Choose a new one', url: p.resetLink } },
      'If it was not you, you can ignore this message: nothing about your account has changed.',
    ],
  });
}
