/** The 2FA code check: two-factor users signed in up to the code page (codes from the Twilio stand-in), then the checks. */
import autocannon from 'autocannon';
import { seedPhone, seedTwoFactorUsername } from '../scripts/seed.js';
import { cookieHeaderOf, findCsrfToken } from '../test/support/cookies.js';
import type { TwilioStandIn } from '../test/support/twilio-stand-in.js';
import { fromResult, type Measured, type Site } from './load.js';
import { addressOf, cookiesFrom, form, FORM, signInWithFetch } from './sessions.js';
import { CONNECTIONS } from './settings.js';

export interface PendingSignIn {
  cookie: string;
  token: string;
  code: string;
  address: string;
}

/** Signs `count` two-factor users in up to the code page (each costs a hash and a code send). */
export async function preparePendingSignIns(site: Site, standIn: TwilioStandIn, count: number): Promise<PendingSignIn[]> {
  const out: PendingSignIn[] = [];
  let next = 1;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next <= count) {
        const i = next++;
        const address = addressOf(200_000 + i);
        const { jar, location } = await signInWithFetch(site, seedTwoFactorUsername(i), address);
        if (location !== '/login/two-factor') throw new Error(`tfa${i} went to ${location} instead of the code page`);
        const page = await fetch(`${site.url}/login/two-factor`, { headers: { ...site.headers, cookie: cookieHeaderOf(jar), 'x-forwarded-for': address } });
        cookiesFrom(page.headers.getSetCookie(), jar);
        const token = findCsrfToken(await page.text());
        if (!token) throw new Error('the code page has no CSRF token');
        out.push({ cookie: cookieHeaderOf(jar), token, code: standIn.codeFor(seedPhone(i)), address });
      }
    }),
  );
  return out;
}

/** POST /login/two-factor with the right code, each request consuming one prepared pending sign-in. */
export async function codeChecks(site: Site, pending: PendingSignIn[]): Promise<Measured> {
  const queue = [...pending];
  const outcomes: Record<string, number> = {};
  const requests = (): autocannon.Request[] => [
    {
      method: 'POST',
      path: '/login/two-factor',
      setupRequest: (request) => {
        const p = queue.pop();
        if (!p) return { ...request, method: 'GET', path: '/login', body: '' }; // never reached: `amount` stops first
        return { ...request, headers: { ...request.headers, cookie: p.cookie, 'content-type': FORM, 'x-forwarded-for': p.address }, body: form({ _csrf: p.token, code: p.code }) };
      },
      onResponse: (status) => {
        outcomes[status] = (outcomes[status] ?? 0) + 1;
      },
    },
  ];
  // The first tenth warms up (autocannon wants at least one request per connection).
  const warm = Math.max(CONNECTIONS, Math.floor(pending.length / 10));
  const options = { url: site.url, headers: { ...site.headers }, connections: CONNECTIONS };
  if (pending.length >= warm + CONNECTIONS) await autocannon({ ...options, amount: warm, requests: requests() });
  for (const k of Object.keys(outcomes)) delete outcomes[k];
  const result = await autocannon({ ...options, amount: queue.length, requests: requests() });
  return { ...fromResult(result), statuses: outcomes };
}
