/**
 * The console's mail page (src/features/admin/mail.ts): the counts, and the failed mail with why it failed and a
 * "Send again" button each. Only metadata is shown — kind, recipient, times, tries, the SMTP server's last answer —
 * never what the mail says (sealed: it may carry a link or code).
 */
import { isMailKind, type UndeliveredMail } from '../../db/mail-outbox.js';
import type { Messages } from '../../i18n/messages.js';
import { html, type SafeHtml } from '../../views/html.js';
import { timeAgo } from '../../views/time-ago.js';
import { consoleFrame } from './views.js';
import { CONSOLE_MAIL_PATH } from '../../lib/paths.js';

/** How much of the last error the table shows; the row keeps up to 1000 characters. */
const SHOWN_ERROR_CHARACTERS = 300;

export interface MailPageProps {
  waiting: number;
  /** Sent within the last `keptMs`: older records are deleted (MAIL_RECORD_RETENTION_MS). */
  sent: number;
  failed: number;
  /** The newest failed mail (at most FAILED_MAIL_SHOWN). */
  failedMail: readonly UndeliveredMail[];
  keptMs: number;
  now: number;
  csrfToken: string;
  steppedUp: boolean;
}

export function mailKindLabel(t: Messages, kind: string): string {
  return isMailKind(kind) ? t.admin.mail.kinds[kind] : t.admin.mail.unknownKind;
}

function shortError(error: string | null): string {
  if (error === null) return '';
  const line = error.replace(/\s+/g, ' ').trim();
  return line.length > SHOWN_ERROR_CHARACTERS ? `${line.slice(0, SHOWN_ERROR_CHARACTERS - 1)}…` : line;
}

export function mailPage(t: Messages, p: MailPageProps): SafeHtml {
  const m = t.admin.mail;
  const c = m.columns;
  const kept = t.common.time.duration(p.keptMs);
  return consoleFrame(
    t,
    'mail',
    html`<h1 id="mail-heading">${m.heading}</h1>
<p>${m.intro}</p>
<ul class="console-counts">
  <li>${m.waiting(p.waiting)}</li>
  <li>${m.sent(p.sent, kept)}</li>
  <li>${m.failed(p.failed)}</li>
</ul>
<p class="hint">${m.kept(kept)}</p>
<section class="console-section" aria-labelledby="failed-heading">
<h2 id="failed-heading">${m.failedHeading}</h2>
${p.failedMail.length === 0
  ? html`<p>${m.noFailed}</p>`
  : html`${p.steppedUp ? '' : html`<p class="hint">${m.stepUpNote}</p>`}
<form method="post" action="${CONSOLE_MAIL_PATH}/send-again" class="console-action">
  <input type="hidden" name="_csrf" value="${p.csrfToken}">
  <button type="submit" class="button">${m.sendAllAgain(p.failed)}</button>
  <p class="hint">${m.sendAgainHint}</p>
</form>
<div class="table-scroll" role="region" aria-labelledby="failed-heading" tabindex="0"><table class="console-table">
  <caption>${p.failed > p.failedMail.length ? m.newestOf(p.failedMail.length, p.failed) : m.newestFirst}</caption>
  <thead><tr><th scope="col">${c.kind}</th><th scope="col">${c.to}</th><th scope="col">${c.queued}</th><th scope="col">${c.tries}</th><th scope="col">${c.failed}</th><th scope="col">${c.reason}</th><th scope="col"><span class="visually-hidden">${c.action}</span></th></tr></thead>
  <tbody>${p.failedMail.map(
    (mail) => html`<tr>
    <th scope="row">${mailKindLabel(t, mail.kind)}</th>
    <td>${mail.to_address}</td>
    <td>${timeAgo(t, mail.queued_at, p.now)}</td>
    <td>${mail.attempts}</td>
    <td>${mail.failed_at === null ? '' : timeAgo(t, mail.failed_at, p.now)}</td>
    <td class="console-error-text">${shortError(mail.last_error)}</td>
    <td><form method="post" action="${CONSOLE_MAIL_PATH}/${mail.id}/send-again">
      <input type="hidden" name="_csrf" value="${p.csrfToken}">
      <button type="submit" class="button">${m.sendAgain}<span class="visually-hidden"> ${m.sendAgainWhich(mailKindLabel(t, mail.kind), mail.to_address)}</span></button>
    </form></td>
  </tr>`,
  )}</tbody>
</table></div>`}
</section>`,
  );
}
