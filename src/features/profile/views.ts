import { createHash } from 'node:crypto';
import { ABOUT_ME_MAX_CHARACTERS } from '../../auth/account-rules.js';
import type { User } from '../../db/schema.js';
import { csrfField, errorSummary, input, type FieldErrors } from '../../views/forms.js';
import { timeAgo } from '../../views/time-ago.js';
import { html, type SafeHtml } from '../../views/html.js';

/** Gravatar identicon from the md5 of the lower-cased email (Gravatar's scheme); a local image replaces it if it fails to load. */
export function avatarUrl(email: string, size: number): string {
  const digest = createHash('md5').update(email.trim().toLowerCase()).digest('hex');
  return `https://www.gravatar.com/avatar/${digest}?d=identicon&s=${size}`;
}


export function profilePage(p: { user: User; isOwn: boolean; now: number; hasAppFactor?: boolean }): SafeHtml {
  const u = p.user;
  return html`<article class="profile">
  <img class="avatar" src="${avatarUrl(u.email, 128)}" width="128" height="128" alt="" data-fallback="/static/img/avatar.svg">
  <div>
    <h1>${u.first_name} ${u.last_name}</h1>
    <p class="username">@${u.username}</p>
    ${u.about_me ? html`<p class="about">${u.about_me}</p>` : ''}
    <dl class="facts">
      <dt>Last seen</dt><dd>${timeAgo(u.last_seen_at, p.now)}</dd>
      <dt>Member since</dt><dd>${timeAgo(u.created_at, p.now)}</dd>
    </dl>
    ${p.isOwn
      ? html`<p class="actions"><a class="button" href="/profile/edit">Edit profile</a> <a class="button" href="/profile/password">Change password</a></p>
    <section class="security" aria-labelledby="two-factor-heading">
      <h2 id="two-factor-heading">Security</h2>
      <p>Two-factor sign-in is ${u.two_factor_enabled || p.hasAppFactor ? 'on' : 'off'}. <a href="/security">Manage two-factor sign-in, recovery codes and recent activity</a>.</p>
    </section>`
      : ''}
  </div>
</article>`;
}

export function editProfilePage(p: { csrfToken: string; username: string; aboutMe: string; errors: FieldErrors }): SafeHtml {
  return html`<h1>Edit profile</h1>
${errorSummary(p.errors)}
<form method="post" action="/profile/edit" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'username', label: 'Username', value: p.username, error: p.errors.username, autocomplete: 'username', required: true, hint: '3 to 32 letters, digits, "_", "-" or "."' })}
  <div class="field${p.errors.about_me ? ' has-error' : ''}">
    <label for="f-about_me">About me</label>
    <p class="hint" id="f-about_me-hint">Up to ${ABOUT_ME_MAX_CHARACTERS} characters.</p>
    <textarea id="f-about_me" name="about_me" rows="4" aria-describedby="f-about_me-hint${p.errors.about_me ? ' f-about_me-error' : ''}"${p.errors.about_me ? html` aria-invalid="true"` : ''}>${p.aboutMe}</textarea>
    ${p.errors.about_me ? html`<p class="error" id="f-about_me-error">${p.errors.about_me}</p>` : ''}
  </div>
  <button type="submit" class="button primary">Save</button>
  <a href="/user/${encodeURIComponent(p.username)}">Cancel</a>
</form>`;
}
