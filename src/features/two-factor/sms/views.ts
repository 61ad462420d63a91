import type { Messages } from '../../../i18n/messages.js';
import { csrfField, errorSummary, input } from '../../../views/forms.js';
import { html, type SafeHtml } from '../../../views/html.js';
import { HOME_PATH, SECURITY_PATH, SMS_DISABLE_PATH, SMS_ENABLE_PATH } from '../../../lib/paths.js';

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

export function enablePage(t: Messages, p: EnablePageProps): SafeHtml {
  const e = t.sms.enable;
  return html`<h1>${p.backup ? e.backupHeading : p.changing ? e.changeHeading : e.heading}</h1>
<p>${p.backup ? e.backupIntro : p.changing ? e.changeIntro : e.intro}</p>
${errorSummary(t, p.errors)}
<form method="post" action="${SMS_ENABLE_PATH}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${p.backup ? html`<input type="hidden" name="kind" value="backup">` : ''}
  ${input({
    name: 'phone',
    label: p.backup ? e.backupPhoneLabel : p.changing ? e.changePhoneLabel : e.phoneLabel,
    type: 'tel',
    value: p.phone,
    autocomplete: 'tel',
    required: true,
    autofocus: true,
    error: p.errors.phone,
    hint: e.phoneHint,
    // public/js/phone-input.js names the country picker's button "<dial code> <country>: " + this.
    data: { 'phone-input': '', 'country-label': e.changeCountry },
  })}
  ${input({ name: 'password', label: e.currentPassword, type: 'password', autocomplete: 'current-password', required: true, error: p.errors.password, hint: e.currentPasswordHint })}
  <button type="submit" name="channel" value="sms" class="button primary">${e.textMe}</button>
  ${p.offerCall ? html`<button type="submit" name="channel" value="call" class="button">${t.codes.codeEntry.callInstead}</button>` : ''}
</form>
<p><a href="${p.backup ? SECURITY_PATH : HOME_PATH}">${p.backup ? e.notNow : p.changing ? e.keepCurrentPhone : e.notNow}</a></p>`;
}

export function disablePage(t: Messages, p: { csrfToken: string; error?: string }): SafeHtml {
  const d = t.sms.disable;
  return html`<h1>${d.heading}</h1>
<p>${d.intro}</p>
${p.error ? errorSummary(t, { password: p.error }) : ''}
<form method="post" action="${SMS_DISABLE_PATH}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'password', label: d.currentPassword, type: 'password', autocomplete: 'current-password', required: true, autofocus: true, error: p.error })}
  <button type="submit" class="button danger">${d.submit}</button>
</form>
<p><a href="${HOME_PATH}">${d.keepOn}</a></p>`;
}
