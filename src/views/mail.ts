/**
 * The one frame every Gatehouse email uses, as HTML and its plain-text twin.
 * The notices (src/notices/) describe content in the recipient's language; this renders it.
 *
 * The HTML is written for the clients people actually read mail in, which
 * ignore or strip much of the web: layout is nested tables with
 * `role="presentation"` (Outlook on Windows renders with Word), every style is
 * inline (Gmail drops `<style>` in many cases), widths are fixed with a
 * `max-width` so phones scale the 560 px column down, the button is a padded
 * link (no images, no CSS backgrounds), and no image or font is loaded from
 * anywhere. The hidden preheader is what inbox lists show under the subject.
 * A security notice's "This wasn't me" is its own bordered block near the top,
 * before anything a reader might skim past (after the action, in a mail sent
 * for one, so the link the reader asked for stays the first).
 *
 * A mail may wait in the outbox (an SMTP outage) past the end of the link or
 * code it carries. It is then not sent stale: `renderMail` also renders what
 * to send instead — for a mail sent for its link or code, `expires.instead`
 * (the link expired before it reached you; here is how to ask again); for a
 * notice, the same notice without its expired "This wasn't me" link, pointing
 * at a password reset. The outbox seals both and the worker picks one at
 * delivery (docs/decisions/005-mail-outbox.md).
 */
import type { Mail, MailKind, MailMessage } from '../db/mail-outbox.js';
import type { Messages } from '../i18n/messages.js';
import { html, type SafeHtml } from './html.js';

/** A notice's "This wasn't me" link (src/notices/wasnt-me.ts). */
export interface WasntMeLink {
  url: string;
  /** When the link stops working. */
  expiresAt: number;
  /** The "Forgot your password?" page: what a notice delivered after `expiresAt` points at instead. */
  resetPasswordUrl: string;
}

/** A link that works until `expiresAt` (a reset, confirmation or recovery link). */
export interface ExpiringLink {
  url: string;
  expiresAt: number;
}

/** What a mail sent for a link or code says instead when it could not be delivered before that expired. */
export type ExpiredContent = Pick<MailContent, 'subject' | 'heading' | 'paragraphs' | 'action' | 'after'>;

export interface MailContent {
  /** What the mail is (stored in clear beside the sealed message: src/db/mail-outbox.ts). */
  kind: MailKind;
  to: string;
  subject: string;
  /** The heading of the HTML version. */
  heading: string;
  firstName: string;
  paragraphs: string[];
  /** A prominent button (and the link spelled out for the text version). */
  action?: { label: string; url: string };
  /**
   * The "This wasn't me" link of a security notice: shown as its own block
   * with a red button, right under the first paragraph — or, in a mail whose
   * point is an `action` the reader asked for, right under that action.
   * Delivered after it expired, the notice goes without it (keeping `action`,
   * which must then be no secret: a mail whose action is a secret link sets
   * `expires`).
   */
  wasntMe?: WasntMeLink;
  /** Small print under the button; an entry may end in a link of its own. */
  after?: (string | { text: string; link: { label: string; url: string } })[];
  /**
   * The link or code this mail is sent for stops working `at`; a mail still
   * undelivered then goes out as `instead`, which says so and how to ask
   * again. `instead` carries no link or code (and no "This wasn't me").
   */
  expires?: { at: number; instead: ExpiredContent };
}

/** What the frame draws: the content with at most one "This wasn't me" link, already chosen. */
type FrameContent = Omit<MailContent, 'kind' | 'wasntMe' | 'expires'> & { wasntMeLink?: string };

const FONT = '-apple-system,BlinkMacSystemFont,Segoe UI,Roboto,Helvetica,Arial,sans-serif';
const TEXT = '#1d2433';
const MUTED = '#4a5568';
const LINK = '#2451c6';
const DANGER = '#b42318';
const P = `margin:0 0 16px;font-family:${FONT};font-size:16px;line-height:24px;color:${TEXT}`;
const SMALL = `margin:0 0 16px;font-family:${FONT};font-size:14px;line-height:20px;color:${MUTED}`;

/** A "bulletproof" button: a table cell with the colour, and a padded link inside it (Outlook ignores padding on links alone). */
function button(label: string, url: string, color: string): SafeHtml {
  return html`<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 20px"><tr>
<td bgcolor="${color}" style="border-radius:6px;background:${color}"><a href="${url}" style="display:inline-block;padding:12px 20px;font-family:${FONT};font-size:16px;line-height:20px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px">${label}</a></td>
</tr></table>`;
}

/** The mail: its message, and what to send instead once a link or code in it has expired. */
export function renderMail(t: Messages, c: MailContent): Mail {
  const { kind, wasntMe, expires, ...content } = c;
  const message = frame(t, { ...content, wasntMeLink: wasntMe?.url });
  const ends = [expires?.at, wasntMe?.expiresAt].filter((at) => at !== undefined);
  if (ends.length === 0) return { kind, message, expiry: null };
  const instead = expires
    ? frame(t, { to: c.to, firstName: c.firstName, ...expires.instead })
    : frame(t, { ...content, after: [...(c.after ?? []), { text: t.mail.lateNotice, link: { label: t.mail.chooseNewPassword, url: wasntMe!.resetPasswordUrl } }] });
  return { kind, message, expiry: { at: Math.min(...ends), instead } };
}

function frame(t: Messages, c: FrameContent): MailMessage {
  const m = t.mail;
  const [first, ...rest] = c.paragraphs;
  const wasntMeText = c.wasntMeLink ? [`${m.wasntMeLead}\n${m.wasntMe}: ${c.wasntMeLink}`] : [];
  const text = [
    m.hi(c.firstName),
    ...(first !== undefined ? [first] : []),
    ...(c.action ? [] : wasntMeText),
    ...rest,
    ...(c.action ? [`${c.action.label}: ${c.action.url}`, ...wasntMeText] : []),
    ...(c.after ?? []).map((p) => (typeof p === 'string' ? p : `${p.text} ${p.link.label}: ${p.link.url}`)),
    m.signOff,
    m.footer,
  ].join('\n\n');
  const wasntMeBlock = c.wasntMeLink
    ? html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px;border:2px solid ${DANGER};border-radius:8px"><tr><td style="padding:16px 20px 4px">
<p style="${P};font-weight:600">${m.wasntMeLead}</p>
${button(m.wasntMe, c.wasntMeLink, DANGER)}
</td></tr></table>`
    : '';
  const body = html`<!doctype html>
<html lang="${t.common.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light only"><meta name="supported-color-schemes" content="light only"><title>${c.heading}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7">
<div style="display:none;max-height:0;overflow:hidden;opacity:0;color:#f4f5f7">${first ?? c.heading}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f4f5f7" style="background:#f4f5f7"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" style="width:100%;max-width:560px;background:#ffffff;border-radius:8px">
<tr><td style="padding:24px 32px 0;font-family:${FONT};font-size:14px;font-weight:700;color:${LINK}">Gatehouse</td></tr>
<tr><td style="padding:16px 32px 16px">
<h1 style="margin:0 0 16px;font-family:${FONT};font-size:22px;line-height:28px;color:${TEXT}">${c.heading}</h1>
<p style="${P}">${m.hi(c.firstName)}</p>
${first !== undefined ? html`<p style="${P}">${first}</p>` : ''}
${c.action ? '' : wasntMeBlock}
${rest.map((p) => html`<p style="${P}">${p}</p>`)}
${c.action
  ? html`${button(c.action.label, c.action.url, LINK)}
<p style="${SMALL}">${m.pasteLink}<br><a href="${c.action.url}" style="color:${LINK};word-break:break-all">${c.action.url}</a></p>
${wasntMeBlock}`
  : ''}
${(c.after ?? []).map(
  (p) => html`<p style="${SMALL}">${typeof p === 'string' ? p : html`${p.text} <a href="${p.link.url}" style="color:${LINK}">${p.link.label}</a>.`}</p>`,
)}
<p style="${P}">${m.signOff}</p>
</td></tr>
<tr><td style="padding:16px 32px 24px;border-top:1px solid #e2e8f0"><p style="${SMALL};margin:0">${m.footer}</p></td></tr>
</table>
</td></tr></table>
</body></html>`;
  return { to: c.to, subject: c.subject, text, html: body.value };
}
