import type { Messages } from '../../../i18n/messages.js';
import { codeInput, csrfField } from '../../../views/forms.js';
import { html, type SafeHtml } from '../../../views/html.js';
import { SECURITY_PATH, TOTP_ENABLE_PATH } from '../../../lib/paths.js';

export function totpEnrollPage(t: Messages, p: { csrfToken: string; qrSvg: SafeHtml; base32: string; error?: string }): SafeHtml {
  const m = t.security.totpEnroll;
  const grouped = p.base32.replace(/(.{4})/g, '$1 ').trim();
  return html`<h1>${m.title}</h1>
<ol class="steps">
  <li>
    <p>${m.scan}</p>
    <figure class="qr" role="img" aria-label="${m.qrLabel}">${p.qrSvg}</figure>
    <p>${m.cantScan}</p>
    <p><code class="secret-key">${grouped}</code></p>
  </li>
  <li>
    <p>${m.typeCode}</p>
    <form method="post" action="${TOTP_ENABLE_PATH}" class="form" novalidate>
      ${csrfField(p.csrfToken)}
      ${codeInput(t, p.error)}
      <button type="submit" class="button primary">${m.turnOn}</button>
    </form>
  </li>
</ol>
<p><a href="${SECURITY_PATH}">${m.cancel}</a></p>`;
}
