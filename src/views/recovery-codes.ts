/** The page that shows a new set of recovery codes, once (after the first factor, or on request). */
import { html, type SafeHtml } from './html.js';

export function recoveryCodesPage(p: { codes: string[]; intro: string }): SafeHtml {
  return html`<h1>Your recovery codes</h1>
<p>${p.intro}</p>
<p>Each code signs you in once, instead of a code from your phone. Keep them somewhere safe, such as a password
manager or a printout. <strong>This is the only time they are shown.</strong></p>
<ol class="recovery-codes">
  ${p.codes.map((code) => html`<li><code>${code}</code></li>`)}
</ol>
<p><a class="button primary" href="/security">I have saved them</a></p>`;
}
