/** The page frame every HTML page shares: head, navigation, flash message, footer. */
import { LOCALE_NAMES, LOCALES } from '../i18n/locales.js';
import type { Messages } from '../i18n/messages.js';
import { maskEmail } from '../lib/mask-email.js';
import { html, type SafeHtml } from './html.js';
import { CONFIRM_EMAIL_RESEND_PATH, CONSOLE_PATH, DEV_OUTBOX_PATH, HOME_PATH, LANGUAGE_PATH, LOGIN_PATH, LOGOUT_PATH, profilePath, REGISTER_PATH, SECURITY_PATH } from '../lib/paths.js';

export interface Flash {
  kind: 'success' | 'info' | 'error';
  text: string;
}

export interface LayoutProps {
  /** The reader's catalogue; its `common.locale` is the page's language. */
  t: Messages;
  /** The page's own path, where the language switcher brings the visitor back to; null shows no switcher. */
  path: string | null;
  title: string;
  body: SafeHtml;
  /**
   * The signed-in user, or null for visitors and pending (password-only) sessions.
   * `email_confirmed_at: null` (with `email`) shows the "confirm your email" banner.
   */
  user: { username: string; email?: string; email_confirmed_at?: number | null; is_admin?: number } | null;
  /** The CSRF token for the page's forms; '' on pages that cannot mint one (the 500 page), which then show none. */
  csrfToken: string;
  flash: Flash | null;
  /** Show the link to /dev/outbox (never in production). */
  devOutbox: boolean;
  /** Extra scripts (paths under /static or /vendor), loaded deferred. */
  scripts?: string[];
  styles?: string[];
  /**
   * Go on to this address at once (`<meta http-equiv="refresh">`): a navigation, not a redirect, so it is not
   * part of the redirect chain of the form post that led here, which CSP `form-action 'self'` would stop at
   * another site (src/oidc/interaction.ts).
   */
  refreshTo?: string;
}

export function layout(p: LayoutProps): SafeHtml {
  const l = p.t.common.layout;
  const locale = p.t.common.locale;
  const f = p.t.common.forms;
  return html`<!doctype html>
<html lang="${locale}" data-t-show="${f.show}" data-t-hide="${f.hide}" data-t-password="${f.passwordSuffix}" data-t-just-now="${p.t.common.time.justNow}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${l.title(p.title)}</title>
<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/css/app.css">
${p.refreshTo ? html`<meta http-equiv="refresh" content="0;url=${p.refreshTo}">` : ''}
${(p.styles ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}
</head>
<body>
<a class="skip-link" href="#main">${l.skipToContent}</a>
<header class="site-header">
  <nav class="nav" aria-label="${l.mainNav}">
    <a class="brand" href="${HOME_PATH}">Gatehouse</a>
    <ul>
      ${p.user
        ? html`<li><a href="${HOME_PATH}">${l.home}</a></li>
      <li><a href="${profilePath(p.user.username)}">${l.profile}</a></li>
      <li><a href="${SECURITY_PATH}">${l.security}</a></li>
      ${p.user.is_admin === 1 ? html`<li><a href="${CONSOLE_PATH}">${l.console}</a></li>` : ''}
      <li><form method="post" action="${LOGOUT_PATH}" class="inline"><input type="hidden" name="_csrf" value="${p.csrfToken}"><button type="submit" class="link-button">${l.signOut}</button></form></li>`
        : html`<li><a href="${LOGIN_PATH}">${l.signIn}</a></li>
      <li><a href="${REGISTER_PATH}">${l.register}</a></li>`}
      ${p.devOutbox ? html`<li><a href="${DEV_OUTBOX_PATH}" class="dev-link">${l.devOutbox}</a></li>` : ''}
    </ul>
  </nav>
</header>
<main id="main" class="container">
${confirmEmailBanner(p)}
${p.flash ? html`<div class="flash flash-${p.flash.kind}" role="${p.flash.kind === 'error' ? 'alert' : 'status'}">${p.flash.text}</div>` : ''}
${p.body}
</main>
<footer class="site-footer">${languageSwitcher(p)}<p>Gatehouse</p></footer>
<script src="/static/js/app.js" defer></script>
${(p.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
</body>
</html>`;
}

/** On every page until the signed-in user opens the link we mailed them; "Resend" asks for a new one. */
function confirmEmailBanner(p: LayoutProps): SafeHtml | '' {
  if (!p.user || p.user.email_confirmed_at !== null || p.user.email === undefined) return '';
  const l = p.t.common.layout;
  return html`<div class="banner banner-confirm-email" role="status">${l.confirmEmailBanner(maskEmail(p.user.email))}
  <form method="post" action="${CONFIRM_EMAIL_RESEND_PATH}" class="inline"><input type="hidden" name="_csrf" value="${p.csrfToken}"><button type="submit" class="link-button">${l.resend}</button></form></div>`;
}

/**
 * One button per other language, each named in its own language and marked
 * with its `lang` (WCAG 3.1.2). A form, not a link: choosing changes state
 * (a cookie, and the account's mail language), so it is a CSRF-checked POST.
 */
function languageSwitcher(p: LayoutProps): SafeHtml | '' {
  if (p.csrfToken === '' || p.path === null) return '';
  // Every language is a button, the current one marked aria-current, so a screen reader tabbing through hears
  // which is chosen ("Español, button, current") as well as what else there is.
  return html`<form method="post" action="${LANGUAGE_PATH}" class="language-switcher" role="group" aria-labelledby="language-label">
  <input type="hidden" name="_csrf" value="${p.csrfToken}"><input type="hidden" name="next" value="${p.path}">
  <span id="language-label">${p.t.common.layout.language}:</span>
  ${LOCALES.map(
    (locale) =>
      html`<button type="submit" name="lang" value="${locale}" lang="${locale}" class="link-button${locale === p.t.common.locale ? ' current-language' : ''}"${
        locale === p.t.common.locale ? html` aria-current="true"` : ''
      }>${LOCALE_NAMES[locale]}</button>`,
  )}
</form>`;
}
