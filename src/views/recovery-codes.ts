/** The page that shows a new set of recovery codes, once (after the first factor, or on request). */
import type { Messages } from '../i18n/messages.js';
import { html, type SafeHtml } from './html.js';
import { SECURITY_PATH } from '../lib/paths.js';

/** `continueTo`: where "I have saved them" leads (the security page unless a set-up was on the way somewhere). */
export function recoveryCodesPage(t: Messages, p: { codes: string[]; intro: string; continueTo?: string }): SafeHtml {
  const r = t.codes.recoveryCodes;
  return html`<h1>${r.heading}</h1>
<p>${p.intro}</p>
<p>${r.explain}</p>
<ol class="recovery-codes">
  ${p.codes.map((code) => html`<li><code>${code}</code></li>`)}
</ol>
<p><a class="button primary" href="${p.continueTo ?? SECURITY_PATH}">${r.saved}</a></p>`;
}
