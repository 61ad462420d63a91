import type { RecoveryStatus } from '../../auth/account-recovery.js';
import type { AccountFactors } from '../../auth/factors.js';
import { RECOVERY_CODES_LOW } from '../../auth/recovery-codes.js';
import type { AppWithAccess } from '../../db/app-access.js';
import type { Session, TrustedDevice, WebauthnCredential } from '../../db/schema.js';
import type { ListedSecurityEvent } from '../../db/security-events.js';
import type { Messages } from '../../i18n/messages.js';
import { deviceName } from '../../lib/user-agent.js';
import { csrfField } from '../../views/forms.js';
import { timeAgo } from '../../views/time-ago.js';
import { html, type SafeHtml } from '../../views/html.js';
import { recoveryNotice } from '../../views/account-recovery.js';
import { eventLabel } from '../../views/security-events.js';
import { CHANGE_EMAIL_PATH, DELETE_ACCOUNT_PATH, EMAIL_CODES_DISABLE_PATH, EMAIL_CODES_ENABLE_PATH, END_OTHER_SESSIONS_PATH, END_SESSION_PATH, FORGET_ALL_DEVICES_PATH, FORGET_DEVICE_PATH, NEW_RECOVERY_CODES_PATH, PASSKEY_ADD_PATH, PASSKEY_REMOVE_PATH, PASSKEY_RENAME_PATH, REMOVE_APP_ACCESS_PATH, SMS_BACKUP_REMOVE_PATH, SMS_DISABLE_PATH, SMS_ENABLE_PATH, TOTP_DISABLE_PATH, TOTP_ENABLE_PATH } from '../../lib/paths.js';

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
  events: ListedSecurityEvent[];
  now: number;
  email: string;
  /** A recovery waiting to remove the factors, or one that did (src/auth/account-recovery.ts). */
  recovery: RecoveryStatus;
  /** The apps that sign the person in with Gatehouse (OpenID Connect). */
  apps: AppWithAccess[];
}

function appsSection(t: Messages, p: SecurityPageProps): SafeHtml {
  const m = t.security.page.apps;
  return html`<section class="security" aria-labelledby="apps-heading">
  <h2 id="apps-heading">${m.heading}</h2>
  ${p.apps.length === 0
    ? html`<p>${m.none}</p>`
    : html`<p>${m.intro}</p>
  <ul class="device-list">
    ${p.apps.map((a) => {
      const name = a.name ?? m.removedApp;
      return html`<li>
      <strong>${name}</strong>
      <br><span class="hint">${m.details(timeAgo(t, a.lastSignInAt, p.now), timeAgo(t, a.firstGrantedAt, p.now))}</span>
      <form method="post" action="${REMOVE_APP_ACCESS_PATH}" class="inline">${csrfField(p.csrfToken)}<input type="hidden" name="client_id" value="${a.clientId}"><button type="submit" class="link-button">${m.remove}<span class="visually-hidden">${m.removeFor(name)}</span></button></form>
    </li>`;
    })}
  </ul>`}
</section>`;
}

function sessionsSection(t: Messages, p: SecurityPageProps): SafeHtml {
  const m = t.security.page.sessions;
  const others = p.sessions.filter((s) => s.id !== p.currentSessionId).length;
  return html`<section class="security" aria-labelledby="sessions-heading">
  <h2 id="sessions-heading">${m.heading}</h2>
  <ul class="device-list">
    ${p.sessions.map(
      (s) => html`<li>
      <strong>${deviceName(t, s.user_agent)}</strong>${s.id === p.currentSessionId ? html` <span class="badge">${m.thisDevice}</span>` : ''}
      <br><span class="hint">${m.details(s.ip ?? m.unknownAddress, timeAgo(t, s.last_active_at, p.now), timeAgo(t, s.created_at, p.now))}</span>
      ${s.id === p.currentSessionId
        ? ''
        : html`<form method="post" action="${END_SESSION_PATH}" class="inline">${csrfField(p.csrfToken)}<input type="hidden" name="id" value="${s.id}"><button type="submit" class="link-button">${m.signOut}</button></form>`}
    </li>`,
    )}
  </ul>
  ${others > 0
    ? html`<form method="post" action="${END_OTHER_SESSIONS_PATH}" class="inline">${csrfField(p.csrfToken)}<button type="submit" class="button">${m.signOutOthers}</button></form>`
    : ''}
</section>`;
}

function devicesSection(t: Messages, p: SecurityPageProps): SafeHtml {
  const m = t.security.page.devices;
  return html`<section class="security" aria-labelledby="devices-heading">
  <h2 id="devices-heading">${m.heading}</h2>
  ${p.devices.length === 0
    ? html`<p>${m.none}</p>`
    : html`<p>${m.intro}</p>
  <ul class="device-list">
    ${p.devices.map(
      (d) => html`<li>
      <strong>${d.name}</strong>
      <br><span class="hint">${m.details(
        d.last_ip ?? t.security.page.sessions.unknownAddress,
        timeAgo(t, d.last_used_at, p.now),
        timeAgo(t, d.created_at, p.now),
        t.common.time.exact(d.expires_at),
      )}</span>
      <form method="post" action="${FORGET_DEVICE_PATH}" class="inline">${csrfField(p.csrfToken)}<input type="hidden" name="id" value="${d.token_hash}"><button type="submit" class="link-button">${m.forget}</button></form>
    </li>`,
    )}
  </ul>
  <form method="post" action="${FORGET_ALL_DEVICES_PATH}" class="inline">${csrfField(p.csrfToken)}<button type="submit" class="button">${m.forgetAll}</button></form>`}
</section>`;
}

function passkeysSection(t: Messages, p: SecurityPageProps): SafeHtml {
  const m = t.security.page.passkeys;
  if (p.passkeys.length === 0) {
    return html`<p>${m.none}</p>
      <p><a class="button primary" href="${PASSKEY_ADD_PATH}">${m.add}</a></p>`;
  }
  return html`<ul class="device-list">
    ${p.passkeys.map(
      (k) => html`<li>
      <strong>${k.name}</strong>${k.backed_up ? html` <span class="badge">${m.synced}</span>` : ''}
      <br><span class="hint">${m.added(timeAgo(t, k.created_at, p.now))} · ${k.last_used_at === null ? m.notUsedYet : m.lastUsed(timeAgo(t, k.last_used_at, p.now))}</span>
      <details class="inline-details">
        <summary>${m.renameOrRemove}</summary>
        <form method="post" action="${PASSKEY_RENAME_PATH}" class="form compact">${csrfField(p.csrfToken)}<input type="hidden" name="id" value="${k.id}">
          <label for="rename-${k.id}">${m.newName}</label>
          <input id="rename-${k.id}" name="name" value="${k.name}" maxlength="60" required autocomplete="off">
          <button type="submit" class="button">${m.rename}</button>
        </form>
        <form method="post" action="${PASSKEY_REMOVE_PATH}" class="inline">${csrfField(p.csrfToken)}<input type="hidden" name="id" value="${k.id}"><button type="submit" class="button danger">${m.remove(k.name)}</button></form>
      </details>
    </li>`,
    )}
  </ul>
  <p><a class="button" href="${PASSKEY_ADD_PATH}">${m.addAnother}</a></p>`;
}

export function securityPage(t: Messages, p: SecurityPageProps): SafeHtml {
  const { factors } = p;
  const m = t.security.page;
  const anyFactor = factors.passkeys > 0 || factors.totp || factors.sms;
  return html`<h1>${m.heading}</h1>
${recoveryNotice(t, p.recovery, p.csrfToken, p.now)}
<section class="security" aria-labelledby="factors-heading">
  <h2 id="factors-heading">${m.factors.heading}</h2>
  <p>${anyFactor ? m.factors.on : m.factors.off}</p>
  <ul class="factor-list">
    <li>
      <h3>${m.passkeys.heading}</h3>
      ${passkeysSection(t, p)}
    </li>
    <li>
      <h3>${m.totp.heading}</h3>
      ${factors.totp
        ? html`<p>${m.totp.on}</p>
      <form method="post" action="${TOTP_DISABLE_PATH}" class="inline">${csrfField(p.csrfToken)}<button type="submit" class="button">${m.totp.remove}</button></form>`
        : html`<p>${m.totp.off}</p>
      <p><a class="button primary" href="${TOTP_ENABLE_PATH}">${m.totp.setUp}</a></p>`}
    </li>
    <li>
      <h3>${m.sms.heading}</h3>
      ${factors.sms
        ? html`<p>${m.sms.on(p.phoneEnding ?? '')}</p>
      <p><a class="button" href="${SMS_ENABLE_PATH}">${m.sms.changePhone}</a> <a class="button" href="${SMS_DISABLE_PATH}">${m.sms.turnOff}</a></p>
      ${p.backupPhoneEnding
        ? html`<p>${m.sms.backupOn(p.backupPhoneEnding)}</p>
      <form method="post" action="${SMS_BACKUP_REMOVE_PATH}" class="inline">${csrfField(p.csrfToken)}<button type="submit" class="button">${m.sms.removeBackup}</button></form>`
        : html`<p>${m.sms.backupOff}</p>
      <p><a class="button" href="${SMS_ENABLE_PATH}?backup=1">${m.sms.addBackup}</a></p>`}`
        : html`<p>${m.sms.off}</p>
      <p><a class="button${factors.totp ? '' : ' primary'}" href="${SMS_ENABLE_PATH}">${m.sms.setUp}</a></p>`}
    </li>
  </ul>
</section>
${anyFactor
  ? html`<section class="security" aria-labelledby="email-codes-heading">
  <h2 id="email-codes-heading">${m.emailCodes.heading}</h2>
  ${factors.emailCodes
    ? html`<p>${m.emailCodes.on(p.email)}</p>
  <form method="post" action="${EMAIL_CODES_DISABLE_PATH}" class="inline">${csrfField(p.csrfToken)}<button type="submit" class="button">${m.emailCodes.turnOff}</button></form>`
    : html`<p>${m.emailCodes.off}</p>
  <form method="post" action="${EMAIL_CODES_ENABLE_PATH}" class="inline">${csrfField(p.csrfToken)}<button type="submit" class="button">${m.emailCodes.turnOn}</button></form>`}
</section>
<section class="security" aria-labelledby="recovery-heading">
  <h2 id="recovery-heading">${m.recoveryCodes.heading}</h2>
  ${factors.recoveryCodes <= RECOVERY_CODES_LOW
    ? html`<p class="warning" role="status">${m.recoveryCodes.low(factors.recoveryCodes)}</p>`
    : html`<p>${m.recoveryCodes.left(factors.recoveryCodes)}</p>`}
  <form method="post" action="${NEW_RECOVERY_CODES_PATH}" class="inline">${csrfField(p.csrfToken)}<button type="submit" class="button">${m.recoveryCodes.makeNew}</button></form>
  <p class="hint">${m.recoveryCodes.makingNewHint}</p>
</section>`
  : ''}
${sessionsSection(t, p)}
${devicesSection(t, p)}
${appsSection(t, p)}
<section class="security" aria-labelledby="activity-heading">
  <h2 id="activity-heading">${m.activity.heading}</h2>
  ${p.events.length === 0
    ? html`<p>${m.activity.none}</p>`
    : html`<table class="activity">
    <thead><tr><th scope="col">${m.activity.what}</th><th scope="col">${m.activity.when}</th><th scope="col">${m.activity.from}</th></tr></thead>
    <tbody>
      ${p.events.map((e) => html`<tr><td>${eventLabel(t, e)}</td><td>${timeAgo(t, e.created_at, p.now)}</td><td>${e.ip ?? ''}${e.user_agent ? html`<br><span class="hint">${deviceName(t, e.user_agent)}</span>` : ''}</td></tr>`)}
    </tbody>
  </table>`}
</section>
<section class="security" aria-labelledby="email-heading">
  <h2 id="email-heading">${m.email.heading}</h2>
  <p>${p.email} · <a href="${CHANGE_EMAIL_PATH}">${m.email.change}</a></p>
</section>
<section class="security" aria-labelledby="delete-heading">
  <h2 id="delete-heading">${m.deleteAccount.heading}</h2>
  <p>${m.deleteAccount.text(html`<a href="${DELETE_ACCOUNT_PATH}">${m.deleteAccount.link}</a>`)}</p>
</section>`;
}
