import { csrfField, errorSummary, input } from '../../../views/forms.js';
import { html, type SafeHtml } from '../../../views/html.js';

export interface EnablePageProps {
  csrfToken: string;
  phone: string;
  errors: { phone?: string; password?: string };
  offerCall?: boolean;
  /** Two-factor is already on: this replaces the phone. Either way the password is asked for. */
  changing: boolean;
  /** This adds a backup phone instead (two-factor is on). */
  backup?: boolean;
}

export function enablePage(p: EnablePageProps): SafeHtml {
  return html`<h1>${p.backup ? 'Add a backup phone' : p.changing ? 'Change your two-factor phone' : 'Turn on two-factor authentication'}</h1>
<p>${p.backup
    ? 'If your main phone is lost or out of signal, sign-in can send the code to this number instead. It works once you type the code we send to it.'
    : p.changing
      ? 'Sign-in codes will go to the new number once you type the code we send to it.'
      : 'Each time you sign in, after your password we will send a 6-digit code to your phone. Someone who learns your password still cannot get in.'}</p>
${errorSummary(p.errors)}
<form method="post" action="/two-factor/sms/enable" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${p.backup ? html`<input type="hidden" name="kind" value="backup">` : ''}
  ${input({
    name: 'phone',
    label: p.backup ? 'Backup phone number' : p.changing ? 'New mobile phone number' : 'Mobile phone number',
    type: 'tel',
    value: p.phone,
    autocomplete: 'tel',
    required: true,
    autofocus: true,
    error: p.errors.phone,
    hint: 'With its country code, for example +44 7400 123456.',
    data: { 'phone-input': '' },
  })}
  ${input({ name: 'password', label: 'Current password', type: 'password', autocomplete: 'current-password', required: true, error: p.errors.password, hint: 'To make sure it is you.' })}
  <button type="submit" name="channel" value="sms" class="button primary">Text me a code</button>
  ${p.offerCall ? html`<button type="submit" name="channel" value="call" class="button">Call me instead</button>` : ''}
</form>
<p><a href="${p.backup ? '/security' : '/'}">${p.backup ? 'Not now' : p.changing ? 'Keep my current phone' : 'Not now'}</a></p>`;
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
