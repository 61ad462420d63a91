import { ABOUT_ME_MAX_CHARACTERS } from '../../lib/field-limits.js';
import type { User } from '../../db/schema.js';
import type { Messages } from '../../i18n/messages.js';
import { csrfField, errorSummary, input, type FieldErrors } from '../../views/forms.js';
import { avatarUrl } from '../../views/avatar.js';
import { timeAgo } from '../../views/time-ago.js';
import { html, type SafeHtml } from '../../views/html.js';
import { CHANGE_PASSWORD_PATH, EDIT_PROFILE_PATH, profilePath, SECURITY_PATH } from '../../lib/paths.js';


export function profilePage(t: Messages, p: { user: User; isOwn: boolean; now: number; twoFactorOn: boolean }): SafeHtml {
  const u = p.user;
  const m = t.account.profile;
  return html`<article class="profile">
  <img class="avatar" src="${avatarUrl(u.email, 128)}" width="128" height="128" alt="" data-fallback="/static/img/avatar.svg">
  <div>
    <h1>${u.first_name} ${u.last_name}</h1>
    <p class="username">@${u.username}</p>
    ${u.about_me ? html`<p class="about">${u.about_me}</p>` : ''}
    <dl class="facts">
      <dt>${m.lastSeen}</dt><dd>${timeAgo(t, u.last_seen_at, p.now)}</dd>
      <dt>${m.memberSince}</dt><dd>${timeAgo(t, u.created_at, p.now)}</dd>
    </dl>
    ${p.isOwn
      ? html`<p class="actions"><a class="button" href="${EDIT_PROFILE_PATH}">${m.editProfile}</a> <a class="button" href="${CHANGE_PASSWORD_PATH}">${m.changePassword}</a></p>
    <section class="security" aria-labelledby="two-factor-heading">
      <h2 id="two-factor-heading">${m.security}</h2>
      <p>${m.twoFactorStatus(p.twoFactorOn, html`<a href="${SECURITY_PATH}">${m.manageSecurity}</a>`)}</p>
    </section>`
      : ''}
  </div>
</article>`;
}

export function editProfilePage(t: Messages, p: { csrfToken: string; username: string; aboutMe: string; errors: FieldErrors }): SafeHtml {
  const m = t.account.editProfile;
  return html`<h1>${m.heading}</h1>
${errorSummary(t, p.errors)}
<form method="post" action="${EDIT_PROFILE_PATH}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'username', label: t.account.fields.username, value: p.username, error: p.errors.username, autocomplete: 'username', required: true, hint: t.account.fields.usernameHint })}
  <div class="field${p.errors.about_me ? ' has-error' : ''}">
    <label for="f-about_me">${m.aboutMe}</label>
    <p class="hint" id="f-about_me-hint">${m.aboutMeHint(ABOUT_ME_MAX_CHARACTERS)}</p>
    <textarea id="f-about_me" name="about_me" rows="4" aria-describedby="f-about_me-hint${p.errors.about_me ? ' f-about_me-error' : ''}"${p.errors.about_me ? html` aria-invalid="true"` : ''}>${p.aboutMe}</textarea>
    ${p.errors.about_me ? html`<p class="error" id="f-about_me-error">${p.errors.about_me}</p>` : ''}
  </div>
  <button type="submit" class="button primary">${m.save}</button>
  <a href="${profilePath(p.username)}">${t.account.cancel}</a>
</form>`;
}
