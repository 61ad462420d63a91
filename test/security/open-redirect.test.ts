/**
 * Attack: open redirect. A phishing link to the real login page carries
 * `next=//evil.example`; after signing in, the victim lands on the attacker's
 * look-alike site. (OWASP ASVS 5.0 V3.5 / CWE-601; the original app allowed it.)
 * Defence: `next` is honoured only for same-origin relative paths, on every
 * path through sign-in, including after the second factor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeNextPath } from '../../src/auth/redirects.js';
import { createUser, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';

const ATTACKS = [
  '//evil.example',
  '//evil.example/path',
  '/\\evil.example',
  '\\\\evil.example',
  '/\t/evil.example',
  '/%0a/evil.example'.replace('%0a', '\n'),
  'https://evil.example',
  'http:evil.example',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  ' //evil.example',
  'evil.example',
  '',
  // Dot segments that normalise into a protocol-relative URL.
  '/.//evil.example',
  '/x/..//evil.example',
  '/%2e//evil.example',
  '/..//evil.example',
  '/./\\evil.example',
];

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe('open redirect', () => {
  it('safeNextPath refuses every off-site form', () => {
    for (const attack of ATTACKS) expect(safeNextPath(attack), JSON.stringify(attack)).toBeNull();
    expect(safeNextPath(['/a', '/b'])).toBeNull();
  });

  it('safeNextPath keeps on-site paths with their query and fragment', () => {
    expect(safeNextPath('/user/ada?tab=1#top')).toBe('/user/ada?tab=1#top');
    expect(safeNextPath('/a/../b')).toBe('/b');
  });

  it('sign-in with a hostile next goes home instead', async () => {
    const user = await createUser(t.app);
    for (const attack of ['//evil.example', '/\\evil.example', 'https://evil.example', '/.//evil.example', '/x/..//evil.example']) {
      const client = new TestClient(t.app);
      const page = await client.get(`/login?next=${encodeURIComponent(attack)}`);
      expect(page.body).not.toContain('evil.example');
      const res = await signIn(client, user.username, user.password, { next: attack });
      expect(res.location, attack).toBe('/');
    }
  });

  it('a signed-in visitor of /login?next=//evil is not bounced off-site', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    for (const attack of ['//evil.example', '/x/..//evil.example']) {
      const res = await client.get(`/login?next=${encodeURIComponent(attack)}`);
      expect(res.location, attack).toBe('/');
    }
  });

  it('after the SMS code, a hostile next still goes home', async () => {
    const phone = '+14155550177';
    const user = await createUser(t.app, { phone });
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password, { next: '/%2e//evil.example' });
    const done = await client.submit('/login/two-factor', { code: await latestDevCode(t.app, phone) });
    expect(done.location).toBe('/');
  });
});
