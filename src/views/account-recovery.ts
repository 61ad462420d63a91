/** The security page's word on account recovery: one waiting (with a Cancel button), or a new factor to set up. */
import { type RecoveryStatus } from '../auth/account-recovery.js';
import type { Messages } from '../i18n/messages.js';
import { csrfField } from './forms.js';
import { html, type SafeHtml } from './html.js';
import { SECURITY_CANCEL_RECOVERY_PATH } from '../lib/paths.js';

export function recoveryNotice(t: Messages, status: RecoveryStatus, csrfToken: string, now: number): SafeHtml {
  if (status === null) return html``;
  const r = t.codes.recoveryNotice;
  if (status.kind === 'set-up') {
    return html`<div class="warning recovery-notice" role="status">
  <p>${r.recovered}</p>
</div>`;
  }
  const when = status.completesAt > now ? r.on(t.common.time.exact(status.completesAt)) : html`${r.atNextSignIn}`;
  return html`<div class="warning recovery-notice" role="alert">
  <p>${r.inProgress(when)}</p>
  <p>${r.ifNotYou}</p>
  <form method="post" action="${SECURITY_CANCEL_RECOVERY_PATH}" class="inline">${csrfField(csrfToken)}<button type="submit" class="button danger">${r.cancel}</button></form>
</div>`;
}
