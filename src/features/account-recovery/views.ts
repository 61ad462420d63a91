import { RECOVER_PATH } from '../../auth/account-recovery.js';
import { TWO_FACTOR_SIGN_IN_PATH } from '../../auth/guards.js';
import { durationText } from '../../lib/duration.js';
import { exactUtc } from '../../lib/relative-time.js';
import { csrfField } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';

/** The policy, from the second step of sign-in: what happens, and a button that mails the link. */
export function recoverPage(p: { csrfToken: string; waitMs: number; linkLifetimeMs: number; error?: string }): SafeHtml {
  const wait = durationText(p.waitMs);
  return html`<h1>Recover your account</h1>
${p.error ? html`<div class="error-summary" role="alert"><p>${p.error}</p></div>` : ''}
<p>Lost your phone and your recovery codes? You can still get back in, but not at once: a stolen password must not be
enough to take your second factors away.</p>
<ol class="steps">
  <li><p>We email a link to the address of your account. It works once, for ${durationText(p.linkLifetimeMs)}.</p></li>
  <li><p>When you open it, a <strong>wait of ${wait}</strong> starts. We email you at the start, and you can cancel it from that
  email until the wait ends.</p></li>
  <li><p>After the wait, sign in with your password: your second factors (authenticator app, text-message codes, recovery
  codes, remembered devices) are removed, and you set up a new one before anything else.</p></li>
</ol>
<p class="hint">Find your phone or a recovery code meanwhile? Just sign in with it: that cancels the recovery.</p>
<form method="post" action="${RECOVER_PATH}" class="form">
  ${csrfField(p.csrfToken)}
  <button type="submit" class="button primary">Email me a recovery link</button>
</form>
<p><a href="${TWO_FACTOR_SIGN_IN_PATH}">Back to the sign-in code</a></p>`;
}

export function linkSentPage(p: { maskedEmail: string; linkLifetimeMs: number }): SafeHtml {
  return html`<h1>Check your email</h1>
<p>We sent a recovery link to ${p.maskedEmail}. It works once, for ${durationText(p.linkLifetimeMs)}; only the newest link works.</p>
<p>Nothing changes until you open it, and nothing is removed until the wait after it is over.</p>`;
}

/** The mailed link, opened: nothing happens until the button (a GET changes nothing; mail scanners open links). */
export function confirmStartPage(p: { csrfToken: string; action: string; waitMs: number }): SafeHtml {
  return html`<h1>Start the account recovery?</h1>
<p>When you start it, a wait of ${durationText(p.waitMs)} begins. We email you now, with a link that cancels it.</p>
<p>After the wait, sign in with your password: your second factors are removed and you set up a new one.</p>
<form method="post" action="${p.action}" class="form">
  ${csrfField(p.csrfToken)}
  <button type="submit" class="button primary">Start the recovery</button>
</form>`;
}

export function startedPage(p: { completesAt: number }): SafeHtml {
  return html`<h1>Account recovery started</h1>
<p>On <strong>${exactUtc(p.completesAt)}</strong>, sign in with your password: your second factors will then be removed and
you will set up a new one.</p>
<p>We emailed you that the recovery started, with a link that cancels it. If you find your phone or a recovery code before
then, signing in with it cancels the recovery.</p>
<p><a href="/login">Back to sign in</a></p>`;
}

export function alreadyWaitingPage(p: { completesAt: number }): SafeHtml {
  return html`<h1>A recovery is already under way</h1>
<p>Your account's second factors will be removed at the first sign-in with your password from
<strong>${exactUtc(p.completesAt)}</strong>. Starting another recovery would not make it sooner.</p>
<p><a href="/login">Back to sign in</a></p>`;
}

export function nothingToRecoverPage(): SafeHtml {
  return html`<h1>Nothing to recover</h1>
<p>Your account has no second factor now, so your password alone signs you in.</p>
<p><a class="button primary" href="/login">Sign in</a></p>`;
}

export function startLinkExpiredPage(p: { linkLifetimeMs: number }): SafeHtml {
  return html`<h1>This link no longer works</h1>
<p>Recovery links work once, for ${durationText(p.linkLifetimeMs)}, and only the newest one you asked for. Sign in with your
password and choose "Recover your account" again for a new one.</p>
<p><a class="button primary" href="/login">Sign in</a></p>`;
}

export function confirmCancelPage(p: { csrfToken: string; action: string; startedAt: number; completesAt: number }): SafeHtml {
  return html`<h1>Cancel the account recovery?</h1>
<p>A recovery of your account was started on ${exactUtc(p.startedAt)}. Unless it is cancelled, your second factors will be
removed at the first sign-in with your password from ${exactUtc(p.completesAt)}.</p>
<p>Cancel it if you did not start it, or no longer need it.</p>
<form method="post" action="${p.action}" class="form">
  ${csrfField(p.csrfToken)}
  <button type="submit" class="button danger">Cancel the recovery</button>
</form>`;
}

export function cancelledPage(): SafeHtml {
  return html`<h1>The recovery is cancelled</h1>
<p>Nothing was removed: your second factors stay as they are.</p>
<p>If you did not start the recovery, someone knows your password and can read your email.
<a href="/reset-password">Choose a new password</a> now, and change your email password too.</p>`;
}

export function cancelLinkExpiredPage(): SafeHtml {
  return html`<h1>This link no longer works</h1>
<p>The recovery it belongs to was already cancelled or has completed. Your <a href="/security">security page</a> shows the
account's recent activity.</p>`;
}
