/**
 * The security page speaks the reader's language (Accept-Language), down to
 * the activity log's labels and the relative times; its mail speaks the
 * account's language, whatever the language of the page that sent it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserLocale } from '../../src/db/users.js';
import { en } from '../../src/i18n/en/index.js';
import { es } from '../../src/i18n/es/index.js';
import { ManualClock, minutes } from '../../src/lib/duration.js';
import { createUser, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { flashIn, signIn, TestClient } from '../support/client.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 18, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock, outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

describe('the security page in Spanish', () => {
  it('shows Spanish headings, event labels and relative times to a browser that asks for Spanish', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    client.headers['accept-language'] = 'es-MX,es;q=0.9,en;q=0.5';
    expect((await signIn(client, user.username, user.password)).location).toBe('/');
    clock.advance(minutes(5));

    const page = await client.get('/security');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html lang="es"');
    expect(page.body).toContain('<title>Seguridad · Gatehouse</title>');
    expect(page.body).toContain('<h1>Seguridad</h1>');
    expect(page.body).toContain('<h2 id="factors-heading">Verificación en dos pasos</h2>');
    expect(page.body).toContain('<h2 id="sessions-heading">Dónde tienes la sesión iniciada</h2>');
    expect(page.body).toContain('<h2 id="activity-heading">Actividad de seguridad reciente</h2>');
    // The sign-in, five minutes ago, in the log and in the session list (Intl's Spanish), and the session active just now.
    expect(page.body).toContain(`<td>${es.security.events.sign_in}</td>`);
    expect(page.body).toMatch(/data-relative>hace 5 minutos<\/time>/);
    expect(page.body).toContain('activa <time');
    expect(page.body).toMatch(/data-relative>ahora mismo<\/time>/);
    // No English left in the sections' words.
    for (const english of [en.security.page.activity.heading, en.security.page.factors.heading, en.security.page.devices.heading, 'minutes ago', 'just now']) {
      expect(page.body).not.toContain(english);
    }

    const forgotten = await client.submit('/security', {}, '/security/devices/forget-all');
    expect(flashIn((await client.follow(forgotten)).body)).toBe(es.security.flash.devicesForgotten);
  });

  it('mails a change of address in the account language, not the language of the page that asked for it', async () => {
    const user = await createUser(t.app);
    await setUserLocale(t.app.ctx.db, user.id, 'es');
    const client = new TestClient(t.app); // no Accept-Language: the pages are in English
    await signIn(client, user.username, user.password);
    const newEmail = `nuevo-${user.username}@example.org`;
    const sent = await client.submit('/security/email', { email: newEmail });
    expect(flashIn((await client.follow(sent)).body)).toContain('We sent a link to');

    const notice = await waitForDevMail(t.app, user.email, es.security.mail.emailChangeRequested.subject);
    expect(notice.text_body).toContain(`Hola, ${user.first_name}:`);
    expect(notice.text_body).toContain(`${es.mail.wasntMe}: `);
    expect(notice.html_body).toContain('<html lang="es">');
    const confirm = await waitForDevMail(t.app, newEmail, es.security.mail.confirmNewEmail.subject);
    expect(confirm.text_body).toContain(es.security.mail.confirmNewEmail.what);
  });
});
