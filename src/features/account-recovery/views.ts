import type { Messages } from '../../i18n/messages.js';
import { csrfField } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';
import { LOGIN_PATH, RECOVER_PATH, RESET_PASSWORD_PATH, SECURITY_PATH, TWO_FACTOR_SIGN_IN_PATH } from '../../lib/paths.js';

/** The policy, from the second step of sign-in: what happens, and a button that mails the link. */
export function recoverPage(t: Messages, p: { csrfToken: string; waitMs: number; linkLifetimeMs: number; error?: string }): SafeHtml {
  const r = t.recovery.recover;
  return html`<h1>${r.heading}</h1>
${p.error ? html`<div class="error-summary" role="alert"><p>${p.error}</p></div>` : ''}
<p>${r.lead}</p>
<ol class="steps">
  <li><p>${r.stepLink(t.common.time.duration(p.linkLifetimeMs))}</p></li>
  <li><p>${r.stepWait(t.common.time.duration(p.waitMs))}</p></li>
  <li><p>${r.stepAfter}</p></li>
</ol>
<p class="hint">${r.meanwhile}</p>
<form method="post" action="${RECOVER_PATH}" class="form">
  ${csrfField(p.csrfToken)}
  <button type="submit" class="button primary">${r.submit}</button>
</form>
<p><a href="${TWO_FACTOR_SIGN_IN_PATH}">${r.back}</a></p>`;
}

export function linkSentPage(t: Messages, p: { maskedEmail: string; linkLifetimeMs: number }): SafeHtml {
  const r = t.recovery.linkSent;
  return html`<h1>${r.heading}</h1>
<p>${r.sent(p.maskedEmail, t.common.time.duration(p.linkLifetimeMs))}</p>
<p>${r.nothingYet}</p>`;
}

/** The mailed link, opened: nothing happens until the button (a GET changes nothing; mail scanners open links). */
export function confirmStartPage(t: Messages, p: { csrfToken: string; action: string; waitMs: number }): SafeHtml {
  const r = t.recovery.confirmStart;
  return html`<h1>${r.heading}</h1>
<p>${r.wait(t.common.time.duration(p.waitMs))}</p>
<p>${r.after}</p>
<form method="post" action="${p.action}" class="form">
  ${csrfField(p.csrfToken)}
  <button type="submit" class="button primary">${r.submit}</button>
</form>`;
}

export function startedPage(t: Messages, p: { completesAt: number }): SafeHtml {
  const r = t.recovery.started;
  return html`<h1>${r.heading}</h1>
<p>${r.when(t.common.time.exact(p.completesAt))}</p>
<p>${r.mailed}</p>
<p><a href="${LOGIN_PATH}">${r.backToSignIn}</a></p>`;
}

export function alreadyWaitingPage(t: Messages, p: { completesAt: number }): SafeHtml {
  const r = t.recovery.alreadyWaiting;
  return html`<h1>${r.heading}</h1>
<p>${r.text(t.common.time.exact(p.completesAt))}</p>
<p><a href="${LOGIN_PATH}">${r.backToSignIn}</a></p>`;
}

export function nothingToRecoverPage(t: Messages): SafeHtml {
  const r = t.recovery.nothingToRecover;
  return html`<h1>${r.heading}</h1>
<p>${r.text}</p>
<p><a class="button primary" href="${LOGIN_PATH}">${r.signIn}</a></p>`;
}

export function startLinkExpiredPage(t: Messages, p: { linkLifetimeMs: number }): SafeHtml {
  const r = t.recovery.startLinkExpired;
  return html`<h1>${r.heading}</h1>
<p>${r.text(t.common.time.duration(p.linkLifetimeMs))}</p>
<p><a class="button primary" href="${LOGIN_PATH}">${r.signIn}</a></p>`;
}

/** A reset by email too recently: no recovery can start for one whole wait after it. */
export function blockedPage(t: Messages, p: { message: string }): SafeHtml {
  return html`<h1>${t.recovery.blocked.heading}</h1>
<p>${p.message}</p>`;
}

export function confirmCancelPage(t: Messages, p: { csrfToken: string; action: string; startedAt: number; completesAt: number }): SafeHtml {
  const r = t.recovery.confirmCancel;
  return html`<h1>${r.heading}</h1>
<p>${r.text(t.common.time.exact(p.startedAt), t.common.time.exact(p.completesAt))}</p>
<p>${r.advice}</p>
<form method="post" action="${p.action}" class="form">
  ${csrfField(p.csrfToken)}
  <button type="submit" class="button danger">${r.submit}</button>
</form>`;
}

export function cancelledPage(t: Messages): SafeHtml {
  const r = t.recovery.cancelled;
  return html`<h1>${r.heading}</h1>
<p>${r.text}</p>
<p>${r.ifNotYou(RESET_PASSWORD_PATH)}</p>`;
}

export function cancelLinkExpiredPage(t: Messages): SafeHtml {
  const r = t.recovery.cancelLinkExpired;
  return html`<h1>${r.heading}</h1>
<p>${r.text(SECURITY_PATH)}</p>`;
}
