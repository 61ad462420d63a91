/** The console's mail to the person an admin acted on (src/features/admin/people.ts), in the account's language. */
import type { Messages } from '../../i18n/messages.js';
import { renderMail } from '../../views/mail.js';

/** Sent when an admin deleted the account: what went, and whom to ask (SUPPORT_CONTACT, if set). */
export function accountDeletedByAdminMail(t: Messages, p: { to: string; firstName: string; username: string; deletedAt: number; contact: string | null }) {
  const m = t.admin.notices.accountDeleted;
  return renderMail(t, {
    kind: 'account_deleted',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.what(p.username, t.common.time.exact(p.deletedAt)), m.contact(p.contact)],
  });
}
