import { EMAIL_CONFIRMATION_LIFETIME_MS } from '../../auth/email-confirmation.js';
import type { Messages } from '../../i18n/messages.js';
import { hours } from '../../lib/duration.js';
import { csrfField } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';
import { CONFIRM_EMAIL_RESEND_PATH, HOME_PATH, LOGIN_PATH } from '../../lib/paths.js';

const LIFETIME_HOURS = EMAIL_CONFIRMATION_LIFETIME_MS / hours(1);

/** The page a confirmation link opens: one button, so a GET (a mail scanner's prefetch) changes nothing. */
export function confirmEmailPage(t: Messages, p: { csrfToken: string; action: string; maskedEmail: string }): SafeHtml {
  const c = t.account.confirmEmail;
  return html`<h1>${c.heading}</h1>
<p>${c.confirmThat(p.maskedEmail)}</p>
<form method="post" action="${p.action}" class="form">
  ${csrfField(p.csrfToken)}
  <button type="submit" class="button primary">${c.submit}</button>
</form>`;
}

/**
 * An unknown, expired or used link. A signed-in, unconfirmed user gets a
 * button for a new link; a visitor is told to sign in for one.
 */
export function invalidConfirmationLinkPage(t: Messages, p: { csrfToken: string; viewer: 'visitor' | 'unconfirmed' | 'confirmed' }): SafeHtml {
  const g = t.account.linkGone;
  const next =
    p.viewer === 'confirmed'
      ? html`<p>${g.alreadyConfirmed(html`<a href="${HOME_PATH}">${g.goHome}</a>`)}</p>`
      : p.viewer === 'unconfirmed'
        ? html`<form method="post" action="${CONFIRM_EMAIL_RESEND_PATH}" class="form">
  ${csrfField(p.csrfToken)}
  <button type="submit" class="button primary">${g.sendNew}</button>
</form>`
        : html`<p>${g.visitor(html`<a href="${LOGIN_PATH}">${g.signInLabel}</a>`, t.common.layout.resend)}</p>`;
  return html`<h1>${g.heading}</h1>
<p>${g.rules(LIFETIME_HOURS)}</p>
${next}`;
}
