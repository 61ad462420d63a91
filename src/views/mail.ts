/**
 * The one frame every Gatehouse email uses, as HTML (table layout, inline
 * styles, as mail clients need) and its plain-text twin. Mail modules describe
 * content; this renders it.
 */
import type { MailMessage } from '../db/mail-outbox.js';
import { html } from './html.js';

export interface MailContent {
  to: string;
  subject: string;
  /** The heading of the HTML version. */
  heading: string;
  firstName: string;
  paragraphs: string[];
  /** A prominent button (and the link spelled out for the text version). */
  action?: { label: string; url: string };
  /** Small print under the button; an entry may end in a link of its own. */
  after?: (string | { text: string; link: { label: string; url: string } })[];
}

const BUTTON = 'display:inline-block;background:#2451c6;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600';

export function renderMail(c: MailContent): MailMessage {
  const text = [
    `Hi ${c.firstName},`,
    ...c.paragraphs,
    ...(c.action ? [`${c.action.label}: ${c.action.url}`] : []),
    ...(c.after ?? []).map((p) => (typeof p === 'string' ? p : `${p.text} ${p.link.label}: ${p.link.url}`)),
    '— Gatehouse',
  ].join('\n\n');
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${c.heading}</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1d2433">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;padding:32px">
<tr><td>
<h1 style="font-size:20px;margin:0 0 16px">${c.heading}</h1>
<p style="margin:0 0 16px">Hi ${c.firstName},</p>
${c.paragraphs.map((p) => html`<p style="margin:0 0 16px">${p}</p>`)}
${c.action
  ? html`<p style="margin:8px 0 24px"><a href="${c.action.url}" style="${BUTTON}">${c.action.label}</a></p>
<p style="margin:0 0 16px;font-size:14px;color:#4a5568">Or paste this link into your browser:<br><a href="${c.action.url}" style="color:#2451c6;word-break:break-all">${c.action.url}</a></p>`
  : ''}
${(c.after ?? []).map(
  (p) =>
    html`<p style="margin:0 0 16px;font-size:14px;color:#4a5568">${
      typeof p === 'string' ? p : html`${p.text} <a href="${p.link.url}" style="color:#2451c6">${p.link.label}</a>.`
    }</p>`,
)}
</td></tr></table>
</td></tr></table>
</body></html>`;
  return { to: c.to, subject: c.subject, text, html: body.value };
}
