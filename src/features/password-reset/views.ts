import { PASSWORD_RESET_LIFETIME_MS } from '../../auth/policy.js';
import type { Messages } from '../../i18n/messages.js';
import { csrfField, errorSummary, input, type FieldErrors } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';
import { LOGIN_PATH, RESET_PASSWORD_PATH } from '../../lib/paths.js';

const LIFETIME_MINUTES = PASSWORD_RESET_LIFETIME_MS / 60_000;

export function requestResetPage(t: Messages, p: { csrfToken: string; email: string; error?: string }): SafeHtml {
  const r = t.reset.request;
  return html`<h1>${r.heading}</h1>
<p>${r.intro}</p>
${p.error ? errorSummary(t, { email: p.error }) : ''}
<form method="post" action="${RESET_PASSWORD_PATH}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'email', label: r.email, type: 'email', value: p.email, autocomplete: 'email', required: true, autofocus: true, error: p.error })}
  <button type="submit" class="button primary">${r.submit}</button>
</form>
<p><a href="${LOGIN_PATH}">${r.backToSignIn}</a></p>`;
}

export function resetRequestedPage(t: Messages): SafeHtml {
  const r = t.reset.requested;
  return html`<h1>${r.heading}</h1>
<p>${r.sent(LIFETIME_MINUTES)}</p>
<p>${r.nothingArrived(RESET_PASSWORD_PATH)}</p>`;
}

export function chooseNewPasswordPage(t: Messages, p: { csrfToken: string; action: string; errors: FieldErrors }): SafeHtml {
  const r = t.reset.newPassword;
  return html`<h1>${r.heading}</h1>
${errorSummary(t, p.errors)}
<form method="post" action="${p.action}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'password', label: r.password, type: 'password', autocomplete: 'new-password', required: true, autofocus: true, error: p.errors.password, hint: t.problems.newPasswordHint })}
  ${input({ name: 'confirm_password', label: r.confirm, type: 'password', autocomplete: 'new-password', required: true, error: p.errors.confirm_password })}
  <button type="submit" class="button primary">${r.submit}</button>
</form>`;
}

export function invalidLinkPage(t: Messages): SafeHtml {
  const r = t.reset.invalidLink;
  return html`<h1>${r.heading}</h1>
<p>${r.text(LIFETIME_MINUTES)}</p>
<p><a class="button primary" href="${RESET_PASSWORD_PATH}">${r.newLink}</a></p>`;
}
