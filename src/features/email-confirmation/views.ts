import { EMAIL_CONFIRMATION_LIFETIME_MS } from '../../auth/email-confirmation.js';
import { hours } from '../../lib/duration.js';
import { csrfField } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';

const LIFETIME_HOURS = EMAIL_CONFIRMATION_LIFETIME_MS / hours(1);

/** The page a confirmation link opens: one button, so a GET (a mail scanner's prefetch) changes nothing. */
export function confirmEmailPage(p: { csrfToken: string; action: string; maskedEmail: string }): SafeHtml {
  return html`<h1>Confirm your email address</h1>
<p>Confirm that ${p.maskedEmail} is your address for Gatehouse.</p>
<form method="post" action="${p.action}" class="form">
  ${csrfField(p.csrfToken)}
  <button type="submit" class="button primary">Confirm my email address</button>
</form>`;
}

/**
 * An unknown, expired or used link. A signed-in, unconfirmed user gets a
 * button for a new link; a visitor is told to sign in for one.
 */
export function invalidConfirmationLinkPage(p: { csrfToken: string; viewer: 'visitor' | 'unconfirmed' | 'confirmed' }): SafeHtml {
  const next =
    p.viewer === 'confirmed'
      ? html`<p>Your own email address is already confirmed: there is nothing more to do. <a href="/">Go to your home page</a></p>`
      : p.viewer === 'unconfirmed'
        ? html`<form method="post" action="/confirm-email/resend" class="form">
  ${csrfField(p.csrfToken)}
  <button type="submit" class="button primary">Send me a new link</button>
</form>`
        : html`<p>To get a new link, <a href="/login">sign in</a> and choose <strong>Resend</strong> in the banner at the top of the page.</p>`;
  return html`<h1>This link no longer works</h1>
<p>Confirmation links work once, for ${LIFETIME_HOURS} hours, and only the newest link we sent is valid.</p>
${next}`;
}
