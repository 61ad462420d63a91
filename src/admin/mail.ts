/** The notice mailed when an administrator removes a user's second factors (`reset-factors`), in the account's language. */
import type { User } from '../db/schema.js';
import { messagesForAccount } from '../i18n/messages.js';
import { renderMail } from '../views/mail.js';

export function factorsResetMail(user: Pick<User, 'email' | 'first_name' | 'locale'>, at: number, appUrl: string) {
  const t = messagesForAccount(user);
  const m = t.mail.factorsReset;
  return renderMail(t, {
    kind: 'factors_reset',
    to: user.email,
    subject: m.subject,
    heading: m.subject,
    firstName: user.first_name,
    paragraphs: [m.what(t.common.time.exact(at)), m.now],
    action: { label: m.openSecurity, url: `${appUrl}/security` },
    after: [{ text: m.ifNotYou, link: { label: m.resetPassword, url: `${appUrl}/reset-password` } }],
  });
}
