/** The "type the code we sent" page body, shared by sign-in and phone enrolment. */
import { codeInput, csrfField } from './forms.js';
import type { Messages } from '../i18n/messages.js';
import { html, type SafeHtml } from './html.js';

export interface CodeEntryProps {
  heading: string;
  intro: SafeHtml | string;
  csrfToken: string;
  /** Where the code form posts. */
  action: string;
  /** Where "send again" / "call me instead" post (with channel=sms|call). */
  resendAction: string;
  /** Seconds until "send again" is allowed (the server enforces it too). */
  resendWaitSeconds: number;
  error?: string | undefined;
  /** Extra controls under the form, e.g. "start over". */
  footer?: SafeHtml;
  /** Offer "Remember this device for 30 days" (sign-in only). */
  rememberDevice?: boolean;
  /** Hidden fields posted with "send again" (e.g. which phone). */
  resendFields?: SafeHtml;
}

/** The "skip the code on this browser" checkbox of the sign-in code pages. */
export function rememberDeviceField(t: Messages): SafeHtml {
  return html`<div class="field checkbox">
    <input id="f-remember_device" type="checkbox" name="remember_device">
    <label for="f-remember_device">${t.common.forms.rememberDevice}</label>
  </div>`;
}

/**
 * "You can ask for a new code in 30 seconds." under the buttons that wait
 * (`data-countdown`); public/js/countdown.js counts it down with the page's own
 * words for one and for many. Nothing once the wait is over.
 */
export function countdownNote(t: Messages, seconds: number): SafeHtml | '' {
  if (seconds <= 0) return '';
  const c = t.codes.codeEntry;
  return html`<p class="hint" data-countdown-note="${c.waitNoteTemplate.other}" data-countdown-note-one="${c.waitNoteTemplate.one}">${c.waitNote(seconds)}</p>`;
}

export function codeEntry(t: Messages, p: CodeEntryProps): SafeHtml {
  const c = t.codes.codeEntry;
  return html`<h1>${p.heading}</h1>
<p>${p.intro}</p>
<form method="post" action="${p.action}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${codeInput(t, p.error)}
  ${p.rememberDevice ? rememberDeviceField(t) : ''}
  <button type="submit" class="button primary">${t.common.forms.verify}</button>
</form>
<div class="resend">
  <p>${c.didntGetIt}</p>
  <form method="post" action="${p.resendAction}" class="inline">
    ${csrfField(p.csrfToken)}
    ${p.resendFields ?? ''}
    <button type="submit" name="channel" value="sms" class="button" data-countdown="${p.resendWaitSeconds}">${c.sendAgain}</button>
    <button type="submit" name="channel" value="call" class="button" data-countdown="${p.resendWaitSeconds}">${c.callInstead}</button>
  </form>
  ${countdownNote(t, p.resendWaitSeconds)}
</div>
${p.footer ?? ''}`;
}
