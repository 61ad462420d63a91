/**
 * The mail frame (src/views/mail.ts) keeps to what mail clients render: tables
 * for layout, inline styles only, nothing loaded from elsewhere, a plain-text
 * twin that says everything the HTML says, in the recipient's language, with
 * a security notice's "This wasn't me" where it cannot be missed.
 */
import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en/index.js';
import { es } from '../../src/i18n/es/index.js';
import { escapeHtml } from '../../src/views/html.js';
import { renderMail, type MailContent } from '../../src/views/mail.js';

const WASNT_ME = 'https://gatehouse.example/wasnt-me/abc';
const ACTION = 'https://gatehouse.example/reset-password/xyz';

const notice: MailContent = {
  to: 'ada@example.com',
  subject: 'Your password was changed',
  heading: 'Your password was changed',
  firstName: 'Ada <script>',
  paragraphs: ['The password of your account was changed.', 'If this was you, there is nothing to do.'],
  wasntMeLink: WASNT_ME,
};

describe('the mail frame', () => {
  it('lays out with presentation tables and inline styles, and loads nothing from elsewhere', () => {
    const { html } = renderMail(en, notice);
    expect(html).not.toMatch(/<style|<link|<script|<img|<iframe|url\(/i);
    expect(html).not.toMatch(/<div[^>]*style="[^"]*(flex|grid)/i);
    for (const table of html.match(/<table[^>]*>/g)!) expect(table).toContain('role="presentation"');
    // Every visible block carries its own style: clients that drop <head> styles keep it.
    for (const tag of html.match(/<(p|h1|td|a)\b[^>]*>/g)!) expect(tag, tag).toContain('style="');
    expect(html).toContain('max-width:560px');
  });

  it('escapes what the account holder typed', () => {
    const { html, text } = renderMail(en, notice);
    expect(html).toContain(escapeHtml('Ada <script>'));
    expect(html).not.toContain('Ada <script>');
    expect(text).toContain(en.mail.hi('Ada <script>')); // plain text needs no escaping
  });

  it("puts a notice's \"This wasn't me\" right after its first sentence, in both parts", () => {
    const { html, text } = renderMail(en, notice);
    const htmlOrder = [notice.paragraphs[0]!, escapeHtml(en.mail.wasntMe), notice.paragraphs[1]!].map((s) => html.indexOf(s));
    expect(htmlOrder.every((at) => at > 0)).toBe(true);
    expect(htmlOrder).toEqual([...htmlOrder].sort((a, b) => a - b));
    expect(html).toContain(`href="${WASNT_ME}"`);
    expect(text.indexOf(WASNT_ME)).toBeGreaterThan(text.indexOf(notice.paragraphs[0]!));
    expect(text.indexOf(WASNT_ME)).toBeLessThan(text.indexOf(notice.paragraphs[1]!));
  });

  it('keeps the link a reader asked for first, with "This wasn\'t me" right under it', () => {
    const { html, text } = renderMail(en, { ...notice, action: { label: 'Choose a new password', url: ACTION } });
    expect(text.indexOf(ACTION)).toBeLessThan(text.indexOf(WASNT_ME));
    expect(/https?:\/\/\S+/.exec(text)?.[0]).toBe(ACTION);
    expect(html.indexOf(`href="${ACTION}"`)).toBeLessThan(html.indexOf(`href="${WASNT_ME}"`));
  });

  it("writes the frame's own words, and lang, in the recipient's language", () => {
    const spanish = renderMail(es, { ...notice, action: { label: 'Elegir una contraseña nueva', url: ACTION } });
    expect(spanish.html).toContain('<html lang="es">');
    for (const words of [es.mail.hi('Ada <script>'), es.mail.wasntMe, es.mail.wasntMeLead, es.mail.footer]) {
      expect(spanish.text).toContain(words);
      expect(spanish.html).toContain(escapeHtml(words));
    }
    expect(spanish.html).toContain(es.mail.pasteLink);
    expect(spanish.text).not.toContain(en.mail.footer);
    expect(renderMail(en, notice).html).toContain('<html lang="en">');
  });

  it('has a plain-text twin with every link and no markup', () => {
    const { text } = renderMail(en, { ...notice, firstName: 'Ada', action: { label: 'Go', url: ACTION }, after: [{ text: 'Or', link: { label: 'reset', url: 'https://gatehouse.example/r' } }] });
    expect(text).not.toMatch(/<[a-z][^>]*>/i);
    for (const url of [ACTION, WASNT_ME, 'https://gatehouse.example/r']) expect(text).toContain(url);
  });
});
