/**
 * A form that asks the browser for a passkey: the page's script
 * (public/js/passkey.js) hands `options` to the browser's WebAuthn prompt and
 * posts the answer in the hidden `credential` field. Without JavaScript the
 * form still posts, and the server says passkeys need it.
 */
import type { Messages } from '../i18n/messages.js';
import { csrfField } from './forms.js';
import { html, type SafeHtml } from './html.js';

/** The scripts a page with a passkey form loads: the vendored @simplewebauthn/browser bundle, then ours. */
export const PASSKEY_SCRIPTS = ['/vendor/simplewebauthn/index.umd.min.js', '/static/js/passkey.js'];

export function passkeyForm(t: Messages, p: {
  action: string;
  csrfToken: string;
  /** 'create' registers a new passkey; 'get' signs in with one. */
  ceremony: 'create' | 'get';
  /** The options from @simplewebauthn/server, as the browser's script expects them. */
  options: unknown;
  button: string;
  /** Fields posted along with the credential (a name, "remember this device"). */
  fields?: SafeHtml;
  error?: string | undefined;
  /** A secondary button, e.g. "Sign in with a passkey" under the password form. */
  secondary?: boolean;
}): SafeHtml {
  const m = t.codes.passkeyForm;
  // public/js/passkey.js reads its messages from the form, in the page's language.
  return html`<form method="post" action="${p.action}" class="form passkey-form" data-passkey="${p.ceremony}" data-options="${JSON.stringify(p.options)}"
  data-msg-unsupported="${m.unsupported}" data-msg-cancelled="${m.cancelled}" data-msg-duplicate="${m.duplicate}" data-msg-failed="${m.failed}" novalidate>
  ${csrfField(p.csrfToken)}
  <input type="hidden" name="credential" value="">
  ${p.fields ?? ''}
  <p class="${p.error ? 'error' : 'hint'}" data-passkey-status role="${p.error ? 'alert' : 'status'}">${p.error ?? ''}</p>
  <noscript><p class="hint">${m.needsJavaScript}</p></noscript>
  <button type="submit" class="button${p.secondary ? '' : ' primary'}" data-passkey-button>${p.button}</button>
</form>`;
}
