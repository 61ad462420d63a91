/**
 * The home page (and the owner's profile) say whether two-factor sign-in is on
 * by the same rule as the security page (`hasSecondFactor`): a passkey or an
 * authenticator app counts as much as SMS codes, and "Turn on two-factor
 * authentication" leads to the security page, where every kind of factor is
 * set up — not to SMS set-up.
 * Each factor is set up through its own pages, as a user would, in English
 * and in Spanish.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en/index.js';
import { es } from '../../src/i18n/es/index.js';
import type { Messages } from '../../src/i18n/messages.js';
import { ManualClock } from '../../src/lib/duration.js';
import { html } from '../../src/views/html.js';
import { createUser, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient, type Page } from '../support/client.js';
import { addPasskey } from '../support/passkeys.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { enrolAuthenticator } from '../support/totp.js';

const clock = new ManualClock(Date.UTC(2026, 11, 1, 9, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock });
});
afterAll(async () => t.close());

type Setup = 'none' | 'app' | 'passkey' | 'sms';
const LANGUAGES: [string, Messages][] = [
  ['en', en],
  ['es', es],
];

/** A signed-in browser speaking `locale` whose account has `setup` as its only second factor. */
async function signedInWith(setup: Setup, locale: string): Promise<{ client: TestClient; username: string }> {
  const phone = setup === 'sms' ? `+1415555${String(2000 + Math.floor(Math.random() * 7000))}` : undefined;
  const user = await createUser(t.app, { phone });
  const client = new TestClient(t.app);
  client.headers['accept-language'] = locale;
  await signIn(client, user.username, user.password);
  if (phone) expect((await client.submit('/login/two-factor', { code: await latestDevCode(t.app, phone) })).location).toBe('/');
  if (setup === 'app') await enrolAuthenticator(client, () => clock.now());
  if (setup === 'passkey') expect((await addPasskey(client, new SoftAuthenticator(), t.app.ctx.config.appUrl)).status).toBe(200);
  return { client, username: user.username };
}

/** The home page's two-factor line (the last item of its list of actions). */
function twoFactorLine(home: Page): string {
  const items = [...home.body.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]!);
  return items.at(-1)!;
}

describe('the home and profile pages agree with the security page about two-factor sign-in', () => {
  for (const [locale, t_] of LANGUAGES) {
    const h = t_.common.home;
    const s = t_.security.page.factors;
    const profileLine = (on: boolean) => t_.account.profile.twoFactorStatus(on, html`<a href="/security">${t_.account.profile.manageSecurity}</a>`).value;

    it.each(['app', 'passkey', 'sms'] as const)(`${locale}: with %s only, it says on and links to the security page`, async (setup) => {
      const { client, username } = await signedInWith(setup, locale);
      const home = await client.get('/');
      expect(home.status).toBe(200);
      expect(home.body).toContain(`<html lang="${locale}"`);
      expect(twoFactorLine(home)).toBe(`${h.twoFactorOn.value} <a href="/security">${h.manageTwoFactor}</a>`);
      expect(home.body).not.toContain(h.turnOnTwoFactor);
      expect(home.body).not.toContain('/two-factor/sms/enable');
      expect((await client.get('/security')).body).toContain(s.on);
      expect((await client.get(`/user/${username}`)).body).toContain(profileLine(true));
    });

    it(`${locale}: with none, it offers to turn it on from the security page`, async () => {
      const { client, username } = await signedInWith('none', locale);
      const home = await client.get('/');
      expect(home.status).toBe(200);
      expect(twoFactorLine(home)).toBe(`<a href="/security">${h.turnOnTwoFactor}</a>`);
      expect(home.body).not.toContain(h.twoFactorOn.value);
      expect((await client.get('/security')).body).toContain(s.off);
      expect((await client.get(`/user/${username}`)).body).toContain(profileLine(false));
    });
  }
});
