/** The page frame every HTML page shares: head, navigation, flash message, footer. */
import { maskEmail } from '../lib/mask-email.js';
import { html, type SafeHtml } from './html.js';

export interface Flash {
  kind: 'success' | 'info' | 'error';
  text: string;
}

export interface LayoutProps {
  title: string;
  body: SafeHtml;
  /**
   * The signed-in user, or null for visitors and pending (password-only) sessions.
   * `email_confirmed_at: null` (with `email`) shows the "confirm your email" banner.
   */
  user: { username: string; email?: string; email_confirmed_at?: number | null } | null;
  csrfToken: string;
  flash: Flash | null;
  /** Show the link to /dev/outbox (never in production). */
  devOutbox: boolean;
  /** Extra scripts (paths under /static or /vendor), loaded deferred. */
  scripts?: string[];
  styles?: string[];
}

export function layout(p: LayoutProps): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title} · Gatehouse</title>
<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/css/app.css">
${(p.styles ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
  <nav class="nav" aria-label="Main">
    <a class="brand" href="/">Gatehouse</a>
    <ul>
      ${p.user
        ? html`<li><a href="/">Home</a></li>
      <li><a href="/user/${encodeURIComponent(p.user.username)}">Profile</a></li>
      <li><a href="/security">Security</a></li>
      <li><form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${p.csrfToken}"><button type="submit" class="link-button">Sign out</button></form></li>`
        : html`<li><a href="/login">Sign in</a></li>
      <li><a href="/register">Register</a></li>`}
      ${p.devOutbox ? html`<li><a href="/dev/outbox" class="dev-link">Dev outbox</a></li>` : ''}
    </ul>
  </nav>
</header>
<main id="main" class="container">
${confirmEmailBanner(p)}
${p.flash ? html`<div class="flash flash-${p.flash.kind}" role="${p.flash.kind === 'error' ? 'alert' : 'status'}">${p.flash.text}</div>` : ''}
${p.body}
</main>
<footer class="site-footer"><p>Gatehouse</p></footer>
<script src="/static/js/app.js" defer></script>
${(p.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
</body>
</html>`;
}

/** On every page until the signed-in user opens the link we mailed them; "Resend" asks for a new one. */
function confirmEmailBanner(p: LayoutProps): SafeHtml | '' {
  if (!p.user || p.user.email_confirmed_at !== null || p.user.email === undefined) return '';
  return html`<div class="banner banner-confirm-email" role="status"><strong>Confirm your email address</strong> — we sent a link to ${maskEmail(p.user.email)}.
  <form method="post" action="/confirm-email/resend" class="inline"><input type="hidden" name="_csrf" value="${p.csrfToken}"><button type="submit" class="link-button">Resend</button></form></div>`;
}
