import type { RecoveryStatus } from '../../auth/account-recovery.js';
import type { AccountFactors } from '../../auth/factors.js';
import { RECOVERY_CODES_LOW } from '../../auth/recovery-codes.js';
import { SECURITY_EVENT_KINDS, type SecurityEventKind } from '../../db/security-events.js';
import type { SecurityEvent, Session, TrustedDevice, WebauthnCredential } from '../../db/schema.js';
import { exactUtc } from '../../lib/relative-time.js';
import { deviceName } from '../../lib/user-agent.js';
import { codeInput, csrfField, errorSummary, input } from '../../views/forms.js';
import { timeAgo } from '../../views/time-ago.js';
import { html, type SafeHtml } from '../../views/html.js';
import { recoveryNotice } from '../../views/account-recovery.js';


function eventLabel(kind: string): string {
  return kind in SECURITY_EVENT_KINDS ? SECURITY_EVENT_KINDS[kind as SecurityEventKind] : kind;
}

export interface SecurityPageProps {
  csrfToken: string;
  factors: AccountFactors;
  /** The SMS number's last digits, when SMS codes are on. */
  phoneEnding: string | null;
  /** The backup phone's last digits, when there is one. */
  backupPhoneEnding: string | null;
  sessions: Session[];
  /** This browser's session id, marked "this device". */
  currentSessionId: string;
  devices: TrustedDevice[];
  passkeys: WebauthnCredential[];
  events: SecurityEvent[];
  now: number;
  email: string;
  /** A recovery waiting to remove the factors, or one that did (src/auth/account-recovery.ts). */
  recovery: RecoveryStatus;
}

function sessionsSection(p: SecurityPageProps): SafeHtml {
  const others = p.sessions.filter((s) => s.id !== p.currentSessionId).length;
  return html`<section class="security" aria-labelledby="sessions-heading">
  <h2 id="sessions-heading">Where you're signed in</h2>
  <ul class="device-list">
    ${p.sessions.map(
      (s) => html`<li>
      <strong>${deviceName(s.user_agent)}</strong>${s.id === p.currentSessionId ? html` <span class="badge">This device</span>` : ''}
      <br><span class="hint">${s.ip ?? 'unknown address'} · active ${timeAgo(s.last_active_at, p.now)} · signed in ${timeAgo(s.created_at, p.now)}</span>
      ${s.id === p.currentSessionId
        ? ''
        : html`<form method="post" action="/security/sessions/end" class="inline">${csrfField(p.csrfToken)}<input type="hidden" name="id" value="${s.id}"><button type="submit" class="link-button">Sign out</button></form>`}
    </li>`,
    )}
  </ul>
  ${others > 0
    ? html`<form method="post" action="/security/sessions/end-others" class="inline">${csrfField(p.csrfToken)}<button type="submit" class="button">Sign out everywhere else</button></form>`
    : ''}
</section>`;
}

function devicesSection(p: SecurityPageProps): SafeHtml {
  return html`<section class="security" aria-labelledby="devices-heading">
  <h2 id="devices-heading">Remembered devices</h2>
  ${p.devices.length === 0
    ? html`<p>None. When you tick "Remember this device for 30 days" at sign-in, that browser skips the code (never the password).</p>`
    : html`<p>These browsers skip the second step of sign-in (never the password) until the date shown.</p>
  <ul class="device-list">
    ${p.devices.map(
      (d) => html`<li>
      <strong>${d.name}</strong>
      <br><span class="hint">${d.last_ip ?? 'unknown address'} · last used ${timeAgo(d.last_used_at, p.now)} · remembered ${timeAgo(d.created_at, p.now)} · until ${exactUtc(d.expires_at)}</span>
      <form method="post" action="/security/devices/forget" class="inline">${csrfField(p.csrfToken)}<input type="hidden" name="id" value="${d.token_hash}"><button type="submit" class="link-button">Forget</button></form>
    </li>`,
    )}
  </ul>
  <form method="post" action="/security/devices/forget-all" class="inline">${csrfField(p.csrfToken)}<button type="submit" class="button">Forget all devices</button></form>`}
</section>`;
}

function passkeysSection(p: SecurityPageProps): SafeHtml {
  if (p.passkeys.length === 0) {
    return html`<p>Sign in with your fingerprint, face or screen lock, or a security key. Nothing to type, and a fake site cannot trick it.</p>
      <p><a class="button primary" href="/security/passkeys/add">Add a passkey</a></p>`;
  }
  return html`<ul class="device-list">
    ${p.passkeys.map(
      (k) => html`<li>
      <strong>${k.name}</strong>${k.backed_up ? html` <span class="badge">Synced</span>` : ''}
      <br><span class="hint">added ${timeAgo(k.created_at, p.now)} · ${k.last_used_at === null ? 'not used yet' : html`last used ${timeAgo(k.last_used_at, p.now)}`}</span>
      <details class="inline-details">
        <summary>Rename or remove</summary>
        <form method="post" action="/security/passkeys/rename" class="form compact">${csrfField(p.csrfToken)}<input type="hidden" name="id" value="${k.id}">
          <label for="rename-${k.id}">New name</label>
          <input id="rename-${k.id}" name="name" value="${k.name}" maxlength="60" required autocomplete="off">
          <button type="submit" class="button">Rename</button>
        </form>
        <form method="post" action="/security/passkeys/remove" class="inline">${csrfField(p.csrfToken)}<input type="hidden" name="id" value="${k.id}"><button type="submit" class="button danger">Remove ${k.name}</button></form>
      </details>
    </li>`,
    )}
  </ul>
  <p><a class="button" href="/security/passkeys/add">Add another passkey</a></p>`;
}

export function securityPage(p: SecurityPageProps): SafeHtml {
  const { factors } = p;
  const anyFactor = factors.passkeys > 0 || factors.totp || factors.sms;
  return html`<h1>Security</h1>
${recoveryNotice(p.recovery, p.csrfToken, p.now)}
<section class="security" aria-labelledby="factors-heading">
  <h2 id="factors-heading">Two-factor sign-in</h2>
  <p>${anyFactor ? 'On: after your password, sign-in asks for one of these.' : 'Off. Add a second step to sign-in so a stolen password is not enough.'}</p>
  <ul class="factor-list">
    <li>
      <h3>Passkeys and security keys</h3>
      ${passkeysSection(p)}
    </li>
    <li>
      <h3>Authenticator app</h3>
      ${factors.totp
        ? html`<p>On.</p>
      <form method="post" action="/two-factor/app/disable" class="inline">${csrfField(p.csrfToken)}<button type="submit" class="button">Remove the authenticator app</button></form>`
        : html`<p>Codes from an app such as Google Authenticator, 1Password or Aegis. Works without phone signal.</p>
      <p><a class="button primary" href="/two-factor/app/enable">Set up an authenticator app</a></p>`}
    </li>
    <li>
      <h3>Text message or call</h3>
      ${factors.sms
        ? html`<p>On: codes go to your phone ending in ${p.phoneEnding ?? ''}.</p>
      <p><a class="button" href="/two-factor/sms/enable">Change the phone</a> <a class="button" href="/two-factor/disable">Turn off text-message codes</a></p>
      ${p.backupPhoneEnding
        ? html`<p>Backup phone: ending in ${p.backupPhoneEnding}. If your main phone is lost, sign-in can send the code there.</p>
      <form method="post" action="/two-factor/sms/backup/remove" class="inline">${csrfField(p.csrfToken)}<button type="submit" class="button">Remove the backup phone</button></form>`
        : html`<p>No backup phone. A second number (a partner's phone, a work phone) can get the code if your main phone is lost.</p>
      <p><a class="button" href="/two-factor/sms/enable?backup=1">Add a backup phone</a></p>`}`
        : html`<p>Codes sent to your phone by SMS or a voice call.</p>
      <p><a class="button${factors.totp ? '' : ' primary'}" href="/two-factor/sms/enable">Set up text-message codes</a></p>`}
    </li>
  </ul>
</section>
${anyFactor
  ? html`<section class="security" aria-labelledby="email-codes-heading">
  <h2 id="email-codes-heading">Codes by email (fallback)</h2>
  ${factors.emailCodes
    ? html`<p>On: when you cannot use your other factors, "Try another way" at sign-in can email a code to ${p.email}.</p>
  <form method="post" action="/security/email-codes/disable" class="inline">${csrfField(p.csrfToken)}<button type="submit" class="button">Turn off email codes</button></form>`
    : html`<p>Off. You can let sign-in email you a code when you cannot use your other factors. Your mailbox can already reset your password, so turn this on only if your email account is well protected.</p>
  <form method="post" action="/security/email-codes/enable" class="inline">${csrfField(p.csrfToken)}<button type="submit" class="button">Turn on email codes</button></form>`}
</section>
<section class="security" aria-labelledby="recovery-heading">
  <h2 id="recovery-heading">Recovery codes</h2>
  ${factors.recoveryCodes <= RECOVERY_CODES_LOW
    ? html`<p class="warning" role="status">You have ${factors.recoveryCodes} recovery code${factors.recoveryCodes === 1 ? '' : 's'} left. Make a new set so you can still get in if you lose your phone.</p>`
    : html`<p>You have ${factors.recoveryCodes} unused recovery codes. Each one signs you in once if you lose your phone.</p>`}
  <form method="post" action="/security/recovery-codes" class="inline">${csrfField(p.csrfToken)}<button type="submit" class="button">Make new recovery codes</button></form>
  <p class="hint">Making new codes stops the old ones from working.</p>
</section>`
  : ''}
${sessionsSection(p)}
${devicesSection(p)}
<section class="security" aria-labelledby="activity-heading">
  <h2 id="activity-heading">Recent security activity</h2>
  ${p.events.length === 0
    ? html`<p>Nothing in the last 90 days.</p>`
    : html`<table class="activity">
    <thead><tr><th scope="col">What</th><th scope="col">When</th><th scope="col">From</th></tr></thead>
    <tbody>
      ${p.events.map((e) => html`<tr><td>${eventLabel(e.kind)}</td><td>${timeAgo(e.created_at, p.now)}</td><td>${e.ip ?? ''}${e.user_agent ? html`<br><span class="hint">${deviceName(e.user_agent)}</span>` : ''}</td></tr>`)}
    </tbody>
  </table>`}
</section>
<section class="security" aria-labelledby="email-heading">
  <h2 id="email-heading">Email address</h2>
  <p>${p.email} · <a href="/security/email">Change</a></p>
</section>
<section class="security" aria-labelledby="delete-heading">
  <h2 id="delete-heading">Delete account</h2>
  <p><a href="/security/delete">Delete your account</a> and everything in it.</p>
</section>`;
}

export function reauthenticatePage(p: { csrfToken: string; next: string; error?: string }): SafeHtml {
  return html`<h1>Confirm it's you</h1>
<p>For your security, enter your password again to continue.</p>
${p.error ? errorSummary({ password: p.error }) : ''}
<form method="post" action="/reauthenticate" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  <input type="hidden" name="next" value="${p.next}">
  ${input({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true, autofocus: true, error: p.error })}
  <button type="submit" class="button primary">Continue</button>
</form>`;
}

export function totpEnrollPage(p: { csrfToken: string; qrSvg: SafeHtml; base32: string; error?: string }): SafeHtml {
  const grouped = p.base32.replace(/(.{4})/g, '$1 ').trim();
  return html`<h1>Set up an authenticator app</h1>
<ol class="steps">
  <li>
    <p>Scan this code with your authenticator app:</p>
    <figure class="qr" role="img" aria-label="QR code to add Gatehouse to your authenticator app">${p.qrSvg}</figure>
    <p>Can't scan it? Enter this key in the app instead (time-based, 6 digits):</p>
    <p><code class="secret-key">${grouped}</code></p>
  </li>
  <li>
    <p>Type the 6-digit code the app now shows for Gatehouse:</p>
    <form method="post" action="/two-factor/app/enable" class="form" novalidate>
      ${csrfField(p.csrfToken)}
      ${codeInput(p.error)}
      <button type="submit" class="button primary">Turn on</button>
    </form>
  </li>
</ol>
<p><a href="/security">Cancel</a></p>`;
}

export function deleteAccountPage(p: { csrfToken: string; username: string; error?: string }): SafeHtml {
  return html`<h1>Delete your account</h1>
<p>This deletes the account <strong>${p.username}</strong> at once, with its profile, sign-in factors, recovery codes,
remembered devices and security activity. It cannot be undone. We send a confirmation to your email address.</p>
${p.error ? errorSummary({ confirm_username: p.error }) : ''}
<form method="post" action="/security/delete" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'confirm_username', label: 'Type your username to confirm', value: '', autocomplete: 'off', required: true, error: p.error })}
  <button type="submit" class="button danger">Delete my account</button>
</form>
<p><a href="/security">Cancel</a></p>`;
}

export function changeEmailPage(p: { csrfToken: string; current: string; value: string; error?: string }): SafeHtml {
  return html`<h1>Change your email address</h1>
<p>Your address is now <strong>${p.current}</strong>. We send a link to the new address; nothing changes until you open it.
We also tell the current address.</p>
${p.error ? errorSummary({ email: p.error }) : ''}
<form method="post" action="/security/email" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'email', label: 'New email address', type: 'email', value: p.value, autocomplete: 'email', inputmode: 'email', required: true, autofocus: true, error: p.error })}
  <button type="submit" class="button primary">Send the link</button>
</form>
<p><a href="/security">Cancel</a></p>`;
}

export function confirmEmailChangePage(p: { csrfToken: string; action: string; newEmail: string }): SafeHtml {
  return html`<h1>Use this email address?</h1>
<p>Your Gatehouse account will use <strong>${p.newEmail}</strong> from now on.</p>
<form method="post" action="${p.action}" class="form">
  ${csrfField(p.csrfToken)}
  <button type="submit" class="button primary">Use this address</button>
</form>`;
}

export function linkExpiredPage(): SafeHtml {
  return html`<h1>This link has expired</h1>
<p>It was used already, replaced by a newer one, or is more than a day old. Ask for a new one on the <a href="/security">security page</a>.</p>`;
}
