/** The mail that confirms a deleted account, in the account's language (`t`: messagesForAccount). */
import type { Messages } from '../../i18n/messages.js';
import { renderMail } from '../../views/mail.js';

export function accountDeletedMail(t: Messages, p: { to: string; firstName: string; username: string; deletedAt: number }) {
  const m = t.security.mail.accountDeleted;
  return renderMail(t, {
    kind: 'account_deleted',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(p.username, t.common.time.exact(p.deletedAt)), m.ifNotYou],
  });
}
