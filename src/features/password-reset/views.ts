import { PASSWORD_RESET_LIFETIME_MS } from '../../auth/policy.js';
import { NEW_PASSWORD_HINT } from '../../auth/account-rules.js';
import { csrfField, errorSummary, input, type FieldErrors } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';

export function requestResetPage(p: { csrfToken: string; email: string; error?: string }): SafeHtml {
  return html`<h1>Forgot your password?</h1>
<p>Enter the email address of your account and we will send you a link to choose a new password.</p>
${p.error ? errorSummary({ email: p.error }) : ''}
<form method="post" action="/reset-password" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'email', label: 'Email', type: 'email', value: p.email, autocomplete: 'email', required: true, autofocus: true, error: p.error })}
  <button type="submit" class="button primary">Send the link</button>
</form>
<p><a href="/login">Back to sign in</a></p>`;
}

export function resetRequestedPage(): SafeHtml {
  return html`<h1>Check your email</h1>
<p>If an account uses that address, we have sent it a link to choose a new password. The link works once, for ${PASSWORD_RESET_LIFETIME_MS / 60_000} minutes.</p>
<p>Nothing arrived after a few minutes? Check your spam folder, or <a href="/reset-password">ask for a new link</a>.</p>`;
}

export function chooseNewPasswordPage(p: { csrfToken: string; action: string; errors: FieldErrors }): SafeHtml {
  return html`<h1>Choose a new password</h1>
${errorSummary(p.errors)}
<form method="post" action="${p.action}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'password', label: 'New password', type: 'password', autocomplete: 'new-password', required: true, autofocus: true, error: p.errors.password, hint: NEW_PASSWORD_HINT })}
  ${input({ name: 'confirm_password', label: 'Repeat new password', type: 'password', autocomplete: 'new-password', required: true, error: p.errors.confirm_password })}
  <button type="submit" class="button primary">Set new password</button>
</form>`;
}

export function invalidLinkPage(): SafeHtml {
  return html`<h1>This link no longer works</h1>
<p>Password-reset links work once, for ${PASSWORD_RESET_LIFETIME_MS / 60_000} minutes, and only the newest link you asked for is valid.</p>
<p><a class="button primary" href="/reset-password">Send me a new link</a></p>`;
}
