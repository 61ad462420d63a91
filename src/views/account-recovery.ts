/** The security page's word on account recovery: one waiting (with a Cancel button), or a new factor to set up. */
import { SECURITY_CANCEL_RECOVERY_PATH, type RecoveryStatus } from '../auth/account-recovery.js';
import { exactUtc } from '../lib/relative-time.js';
import { csrfField } from './forms.js';
import { html, type SafeHtml } from './html.js';

export function recoveryNotice(status: RecoveryStatus, csrfToken: string, now: number): SafeHtml {
  if (status === null) return html``;
  if (status.kind === 'set-up') {
    return html`<div class="warning recovery-notice" role="status">
  <p><strong>Your account was recovered:</strong> its second factors were removed. Set up a new one below to continue.</p>
</div>`;
  }
  const when = status.completesAt > now ? html`on <strong>${exactUtc(status.completesAt)}</strong>` : html`at the next sign-in with your password`;
  return html`<div class="warning recovery-notice" role="alert">
  <p><strong>Account recovery in progress:</strong> your second factors will be removed ${when}.</p>
  <p>If you did not start it, cancel it and change your password: someone knows it and can read your email.</p>
  <form method="post" action="${SECURITY_CANCEL_RECOVERY_PATH}" class="inline">${csrfField(csrfToken)}<button type="submit" class="button danger">Cancel the recovery</button></form>
</div>`;
}
