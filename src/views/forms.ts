/** Form pieces that every page uses the same way: labelled fields with their errors beside them. */
import type { Messages } from '../i18n/messages.js';
import { html, type SafeHtml } from './html.js';

export type FieldErrors<K extends string = string> = Partial<Record<K, string>>;

export interface InputProps {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'tel' | 'search';
  value?: string;
  error?: string | undefined;
  autocomplete?: string;
  required?: boolean;
  autofocus?: boolean;
  inputmode?: 'numeric' | 'text' | 'email' | 'tel';
  pattern?: string;
  maxlength?: number;
  minlength?: number;
  hint?: string;
  /** Extra attributes for scripts to find the field, e.g. `data-phone-input`. */
  data?: Record<string, string>;
}

export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

export function input(p: InputProps): SafeHtml {
  const id = `f-${p.name}`;
  const describedBy = [p.hint ? `${id}-hint` : '', p.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field${p.error ? ' has-error' : ''}">
  <label for="${id}">${p.label}</label>
  ${p.hint ? html`<p class="hint" id="${id}-hint">${p.hint}</p>` : ''}
  <input id="${id}" name="${p.name}" type="${p.type ?? 'text'}"${p.value !== undefined ? html` value="${p.value}"` : ''}${
    p.autocomplete ? html` autocomplete="${p.autocomplete}"` : ''
  }${p.required ? html` required` : ''}${p.autofocus ? html` autofocus` : ''}${p.inputmode ? html` inputmode="${p.inputmode}"` : ''}${
    p.pattern ? html` pattern="${p.pattern}"` : ''
  }${p.maxlength ? html` maxlength="${p.maxlength}"` : ''}${p.minlength ? html` minlength="${p.minlength}"` : ''}${
    describedBy ? html` aria-describedby="${describedBy}"` : ''
  }${p.error ? html` aria-invalid="true"` : ''}${Object.entries(p.data ?? {}).map(([k, v]) => html` data-${k}="${v}"`)}>
  ${p.error ? html`<p class="error" id="${id}-error">${p.error}</p>` : ''}
</div>`;
}

export function errorSummary(t: Messages, errors: FieldErrors): SafeHtml {
  const entries = Object.entries(errors).filter(([, v]) => v);
  if (entries.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1">
  <p>${t.common.forms.fixThese(entries.length)}</p>
  <ul>${entries.map(([name, message]) => html`<li><a href="#f-${name}">${message}</a></li>`)}</ul>
</div>`;
}

/** A one-time-code field: numeric keypad on phones, and the OS can fill it from the SMS. */
export function codeInput(t: Messages, error: string | undefined): SafeHtml {
  return input({
    name: 'code',
    label: t.common.forms.verificationCode,
    autocomplete: 'one-time-code',
    inputmode: 'numeric',
    pattern: '[0-9 ]*',
    maxlength: 10,
    required: true,
    autofocus: true,
    error,
  });
}
