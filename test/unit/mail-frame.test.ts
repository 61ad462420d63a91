/**
 * The mail frame (src/views/mail.ts) keeps to what mail clients render: tables
 * for layout, inline styles only, nothing loaded from elsewhere, a plain-text
 * twin that says everything the HTML says, in the recipient's language, with
 * a security notice's "This wasn't me" where it cannot be missed; and, for a
 * mail delivered after its link expired, a version without the link.
 */
import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en/index.js';
import { es } from '../../src/i18n/es/index.js';
import type { Messages } from '../../src/i18n/messages.js';
import { escapeHtml } from '../../src/views/html.js';
import { renderMail, type MailContent } from '../../src/views/mail.js';

const WASNT_ME = 'https://gatehouse.example/wasnt-me/abc';
const RESET_PAGE = 'https://gatehouse.example/reset-password';
const ACTION = 'https://gatehouse.example/reset-password/xyz';
const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);
const WASNT_ME_ENDS = T0 + 7 * 24 * 3600_000;

const notice: MailContent = {
  kind: 'password_changed',
  to: 'ada@example.com',
  subject: 'Your password was changed',
  heading: 'Your password was changed',
  firstName: 'Ada <script>',
  paragraphs: ['The password of your account was changed.', 'If this was you, there is nothing to do.'],
  wasntMe: { url: WASNT_ME, expiresAt: WASNT_ME_ENDS, resetPasswordUrl: RESET_PAGE },
};

/** The message as sent before any link in it expired. */
const render = (t: Messages, c: MailContent) => renderMail(t, c).message;

describe('the mail frame', () => {
  it('lays out with presentation tables and inline styles, and loads nothing from elsewhere', () => {
    const { html } = render(en, notice);
    expect(html).not.toMatch(/<style|<link|<script|<img|<iframe|url\(/i);
    expect(html).not.toMatch(/<div[^>]*style="[^"]*(flex|grid)/i);
    for (const table of html.match(/<table[^>]*>/g)!) expect(table).toContain('role="presentation"');
    // Every visible block carries its own style: clients that drop <head> styles keep it.
    for (const tag of html.match(/<(p|h1|td|a)\b[^>]*>/g)!) expect(tag, tag).toContain('style="');
    expect(html).toContain('max-width:560px');
  });

  it('escapes what the account holder typed', () => {
    const { html, text } = render(en, notice);
    expect(html).toContain(escapeHtml('Ada <script>'));
    expect(html).not.toContain('Ada <script>');
    expect(text).toContain(en.mail.hi('Ada <script>')); // plain text needs no escaping
  });

  it("puts a notice's \"This wasn't me\" right after its first sentence, in both parts", () => {
    const { html, text } = render(en, notice);
    const htmlOrder = [notice.paragraphs[0]!, escapeHtml(en.mail.wasntMe), notice.paragraphs[1]!].map((s) => html.indexOf(s));
    expect(htmlOrder.every((at) => at > 0)).toBe(true);
    expect(htmlOrder).toEqual([...htmlOrder].sort((a, b) => a - b));
    expect(html).toContain(`href="${WASNT_ME}"`);
    expect(text.indexOf(WASNT_ME)).toBeGreaterThan(text.indexOf(notice.paragraphs[0]!));
    expect(text.indexOf(WASNT_ME)).toBeLessThan(text.indexOf(notice.paragraphs[1]!));
  });

  it('keeps the link a reader asked for first, with "This wasn\'t me" right under it', () => {
    const { html, text } = render(en, { ...notice, action: { label: 'Choose a new password', url: ACTION } });
    expect(text.indexOf(ACTION)).toBeLessThan(text.indexOf(WASNT_ME));
    expect(/https?:\/\/\S+/.exec(text)?.[0]).toBe(ACTION);
    expect(html.indexOf(`href="${ACTION}"`)).toBeLessThan(html.indexOf(`href="${WASNT_ME}"`));
  });

  it("writes the frame's own words, and lang, in the recipient's language", () => {
    const spanish = render(es, { ...notice, action: { label: 'Elegir una contraseña nueva', url: ACTION } });
    expect(spanish.html).toContain('<html lang="es">');
    for (const words of [es.mail.hi('Ada <script>'), es.mail.wasntMe, es.mail.wasntMeLead, es.mail.footer]) {
      expect(spanish.text).toContain(words);
      expect(spanish.html).toContain(escapeHtml(words));
    }
    expect(spanish.html).toContain(es.mail.pasteLink);
    expect(spanish.text).not.toContain(en.mail.footer);
    expect(render(en, notice).html).toContain('<html lang="en">');
  });

  it('has a plain-text twin with every link and no markup', () => {
    const { text } = render(en, { ...notice, firstName: 'Ada', action: { label: 'Go', url: ACTION }, after: [{ text: 'Or', link: { label: 'reset', url: 'https://gatehouse.example/r' } }] });
    expect(text).not.toMatch(/<[a-z][^>]*>/i);
    for (const url of [ACTION, WASNT_ME, 'https://gatehouse.example/r']) expect(text).toContain(url);
  });

  it('a notice delivered after its "This wasn\'t me" link expired goes without it, pointing at a password reset', () => {
    const mail = renderMail(en, notice);
    expect(mail.kind).toBe('password_changed');
    expect(mail.expiry?.at).toBe(WASNT_ME_ENDS);
    const late = mail.expiry!.instead;
    for (const part of [late.text, late.html]) {
      expect(part).not.toContain(WASNT_ME);
      expect(part).toContain(RESET_PAGE);
      expect(part).toContain(notice.paragraphs[0]!);
    }
    expect(late.text).toContain(en.mail.lateNotice);
    expect(late.subject).toBe(notice.subject);
  });

  it('a mail sent for a link says, once the link has expired, what `expires.instead` says, and carries neither the link nor "This wasn\'t me"', () => {
    const linkEnds = T0 + 30 * 60_000;
    const mail = renderMail(en, {
      ...notice,
      kind: 'password_reset',
      action: { label: 'Choose a new password', url: ACTION },
      expires: { at: linkEnds, instead: { subject: 'It expired', heading: 'It expired', paragraphs: ['Ask again.'], action: { label: 'Ask again', url: RESET_PAGE } } },
    });
    expect(mail.message.text).toContain(ACTION);
    expect(mail.expiry?.at).toBe(linkEnds); // the earlier of the link's end and "This wasn't me"'s
    const late = mail.expiry!.instead;
    expect(late.subject).toBe('It expired');
    for (const part of [late.text, late.html]) {
      expect(part).not.toContain(ACTION);
      expect(part).not.toContain(WASNT_ME);
      expect(part).toContain(RESET_PAGE);
      expect(part).not.toContain(notice.paragraphs[0]!);
    }
  });

  it('a mail without an expiring link has no other version', () => {
    const { wasntMe: _none, ...plain } = notice;
    expect(renderMail(en, plain).expiry).toBeNull();
  });
});
