/**
 * The password-reset mail is written in the language of the account it is
 * for (users.locale), not in the language of whoever asked for it: the page
 * answers the requester, the mail answers the mailbox's owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en/index.js';
import { es } from '../../src/i18n/es/index.js';
import { PASSWORD_RESET_LIFETIME_MS } from '../../src/auth/policy.js';
import { createUser, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

const MINUTES = PASSWORD_RESET_LIFETIME_MS / 60_000;

describe('the password-reset mail follows the account\'s language', () => {
  it('a Spanish account gets its reset mail in Spanish though the request was in English, and the other way round', async () => {
    const user = await createUser(t.app, { firstName: 'Ada' });
    await t.app.ctx.db.updateTable('users').set({ locale: 'es' }).where('id', '=', user.id).execute();

    const browser = new TestClient(t.app);
    browser.headers['accept-language'] = 'en-GB,en;q=0.9';
    const page = await browser.submit('/reset-password', { email: user.email });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html lang="en"');
    expect(page.body).toContain(en.reset.requested.heading); // the page answers the requester

    const mail = await waitForDevMail(t.app, user.email, es.reset.mail.subject);
    expect(mail.subject).toBe('Restablece tu contraseña de Gatehouse');
    for (const body of [mail.text_body, mail.html_body!]) {
      expect(body).toContain(es.reset.mail.intro(MINUTES));
      expect(body).toContain(es.mail.hi('Ada'));
      expect(body).not.toContain(en.reset.mail.intro(MINUTES));
    }
    expect(mail.html_body).toContain('<html lang="es"');
    expect(mail.html_body).toContain(`>${es.reset.mail.action}</a>`);

    // An English account asked for from a Spanish browser: the page is Spanish, the mail English.
    const other = await createUser(t.app, { firstName: 'Grace' });
    const spanish = new TestClient(t.app);
    spanish.headers['accept-language'] = 'es-MX,es;q=0.9';
    const asked = await spanish.submit('/reset-password', { email: other.email });
    expect(asked.body).toContain(es.reset.requested.heading);
    const english = await waitForDevMail(t.app, other.email, en.reset.mail.subject);
    expect(english.text_body).toContain(en.reset.mail.intro(MINUTES));
    expect(english.html_body).toContain('<html lang="en"');
  });
});
