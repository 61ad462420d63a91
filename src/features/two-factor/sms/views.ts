import { csrfField, errorSummary, input } from '../../../views/forms.js';
import { html, type SafeHtml } from '../../../views/html.js';

export function enablePage(p: { csrfToken: string; phone: string; error?: string; offerCall?: boolean }): SafeHtml {
  return html`<h1>Turn on two-factor authentication</h1>
<p>Each time you sign in, after your password we will send a 6-digit code to your phone. Someone who learns your password still cannot get in.</p>
${p.error ? errorSummary({ phone: p.error }) : ''}
<form method="post" action="/two-factor/sms/enable" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({
    name: 'phone',
    label: 'Mobile phone number',
    type: 'tel',
    value: p.phone,
    autocomplete: 'tel',
    required: true,
    autofocus: true,
    error: p.error,
    hint: 'With its country code, for example +44 7400 123456.',
    data: { 'phone-input': '' },
  })}
  <button type="submit" name="channel" value="sms" class="button primary">Text me a code</button>
  ${p.offerCall ? html`<button type="submit" name="channel" value="call" class="button">Call me instead</button>` : ''}
</form>
<p><a href="/">Not now</a></p>`;
}

export function disablePage(p: { csrfToken: string; error?: string }): SafeHtml {
  return html`<h1>Turn off two-factor authentication</h1>
<p>Without it, your password alone will let anyone into your account. To confirm, enter your password.</p>
${p.error ? errorSummary({ password: p.error }) : ''}
<form method="post" action="/two-factor/disable" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'password', label: 'Current password', type: 'password', autocomplete: 'current-password', required: true, autofocus: true, error: p.error })}
  <button type="submit" class="button danger">Turn off two-factor authentication</button>
</form>
<p><a href="/">Keep it on</a></p>`;
}
