/** The notice mailed when an administrator removes a user's second factors (`reset-factors`). */
import type { User } from '../db/schema.js';
import { exactUtc } from '../lib/relative-time.js';
import { renderMail } from '../views/mail.js';

export function factorsResetMail(user: Pick<User, 'email' | 'first_name'>, at: number, appUrl: string) {
  return renderMail({
    to: user.email,
    subject: 'Your two-factor sign-in was reset',
    heading: 'Your two-factor sign-in was reset',
    firstName: user.first_name,
    paragraphs: [
      `On ${exactUtc(at)}, a Gatehouse administrator removed the second factors of your account: ` +
        'your authenticator app, your text-message codes and your recovery codes. ' +
        'Every device that was signed in to your account has been signed out.',
      'Your password alone now signs you in. Set up two-factor authentication again on your security page.',
    ],
    action: { label: 'Open my security page', url: `${appUrl}/security` },
    after: [{ text: 'If you did not ask for this, someone may be trying to take over your account.', link: { label: 'Reset your password', url: `${appUrl}/reset-password` } }],
  });
}
