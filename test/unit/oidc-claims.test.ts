/**
 * The identity provider's pure decisions, as tables: what `amr` and `acr` an app is told for each way of signing
 * in (RFC 8176; a remembered device never counts as a second factor), when the provider's session still stands
 * for the Gatehouse sign-in, when an app's request wants a fresh sign-in, and which addresses an app may register.
 */
import { describe, expect, it } from 'vitest';
import { uriProblem } from '../../src/admin/app-commands.js';
import type { SignInMethod, SignInRecord } from '../../src/auth/sign-in.js';
import { accountClaims, ACR_ONE_FACTOR, ACR_PHISHING_RESISTANT, ACR_TWO_FACTOR, acrOf, amrOf, authTimeOf } from '../../src/oidc/claims.js';
import { needsFreshSignIn } from '../../src/oidc/interaction.js';
import { levelOfAcr, requestedSubject, requiredLevel, UNREACHABLE } from '../../src/oidc/levels.js';
import { assertAcrRequest, sessionStandsFor } from '../../src/oidc/policy.js';

const AT = Date.UTC(2026, 11, 5, 9, 0, 0, 750);
const record = (methods: SignInMethod[], secondStepSkipped = false, passkeyBackedUp: boolean | null = null): SignInRecord => ({ methods, secondStepSkipped, at: AT, passkeyBackedUp });

describe('amr and acr from the sign-in record', () => {
  const cases: [string, SignInRecord, string[], string][] = [
    ['password alone', record(['password']), ['pwd'], ACR_ONE_FACTOR],
    ['password + authenticator app', record(['password', 'totp']), ['pwd', 'otp', 'mfa'], ACR_TWO_FACTOR],
    ['password + text message', record(['password', 'sms']), ['pwd', 'sms', 'mfa'], ACR_TWO_FACTOR],
    ['password + voice call', record(['password', 'call']), ['pwd', 'tel', 'mfa'], ACR_TWO_FACTOR],
    ['password + code by email', record(['password', 'email_code']), ['pwd', 'otp', 'mfa'], ACR_TWO_FACTOR],
    ['password + recovery code', record(['password', 'recovery_code']), ['pwd', 'otp', 'mfa'], ACR_TWO_FACTOR],
    ['password + security key, no PIN, backup state unknown', record(['password', 'passkey']), ['pwd', 'swk', 'mfa'], ACR_PHISHING_RESISTANT],
    ['password + device-bound security key, no PIN', record(['password', 'passkey'], false, false), ['pwd', 'hwk', 'mfa'], ACR_PHISHING_RESISTANT],
    ['password + device-bound key with PIN', record(['password', 'passkey', 'user_verification'], false, false), ['pwd', 'hwk', 'user', 'mfa'], ACR_PHISHING_RESISTANT],
    ['password + synced passkey with PIN', record(['password', 'passkey', 'user_verification'], false, true), ['pwd', 'swk', 'user', 'mfa'], ACR_PHISHING_RESISTANT],
    ['device-bound passkey alone (verified its user)', record(['passkey', 'user_verification'], false, false), ['hwk', 'user', 'mfa'], ACR_PHISHING_RESISTANT],
    ['synced passkey alone (verified its user)', record(['passkey', 'user_verification'], false, true), ['swk', 'user', 'mfa'], ACR_PHISHING_RESISTANT],
    ['passkey alone, backup state unknown (signed in before it was recorded)', record(['passkey', 'user_verification']), ['swk', 'user', 'mfa'], ACR_PHISHING_RESISTANT],
    ['remembered device skipped the second step', record(['password'], true), ['pwd'], ACR_ONE_FACTOR],
    ['a backup state without a passkey changes nothing', record(['password', 'totp'], false, false), ['pwd', 'otp', 'mfa'], ACR_TWO_FACTOR],
  ];
  it.each(cases)('%s', (_name, r, amr, acr) => {
    expect(amrOf(r)).toEqual(amr);
    expect(acrOf(r)).toBe(acr);
  });

  it('a remembered device never yields otp or mfa, whatever else the record lists', () => {
    // A record that somehow listed a factor next to the skip must still say only "pwd".
    expect(amrOf(record(['password', 'totp'], true))).toEqual(['pwd']);
    expect(acrOf(record(['password', 'totp'], true))).toBe(ACR_ONE_FACTOR);
  });

  it('auth_time is the sign-in time in whole seconds', () => {
    expect(authTimeOf(record(['password']))).toBe(Math.floor(AT / 1000));
  });
});

describe('account claims', () => {
  const user = { username: 'ada', first_name: 'Ada', last_name: 'Lovelace', email: 'Ada@Example.com', email_confirmed_at: null, locale: null };
  it('names, email, an unconfirmed address said so, no locale until one is chosen', () => {
    const claims = accountClaims(user, 'SUB');
    expect(claims).toMatchObject({ sub: 'SUB', preferred_username: 'ada', name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', email: 'Ada@Example.com', email_verified: false });
    expect(claims).not.toHaveProperty('locale');
    expect(accountClaims({ ...user, email_confirmed_at: 1, locale: 'es' }, 'SUB')).toMatchObject({ email_verified: true, locale: 'es' });
  });
});

describe("the provider's session stands for one Gatehouse sign-in", () => {
  const signIn = { sub: 'alice', record: record(['password', 'totp']) };
  const ts = Math.floor(AT / 1000);
  const cases: [string, { accountId?: string; loginTs?: number }, typeof signIn | null, boolean][] = [
    ['the same person, the same sign-in', { accountId: 'alice', loginTs: ts }, signIn, true],
    ['signed out of Gatehouse', { accountId: 'alice', loginTs: ts }, null, false],
    ['another person signed in', { accountId: 'bob', loginTs: ts }, signIn, false],
    ['the same person signed in anew', { accountId: 'alice', loginTs: ts - 60 }, signIn, false],
  ];
  it.each(cases)('%s', (_name, session, gatehouse, stands) => {
    expect(sessionStandsFor(session, gatehouse)).toBe(stands);
  });
});

describe('the level a request needs (1fa < 2fa < phr), and the level a sign-in reached', () => {
  const essential = (acr: Record<string, unknown>) => JSON.stringify({ id_token: { acr: { essential: true, ...acr } } });
  const cases: [string, string, Record<string, unknown>, number][] = [
    ['nothing asked', 'none', {}, 0],
    ['an app registered --require two-factor', 'two-factor', {}, 2],
    ['an app registered --require passkey', 'passkey', {}, 3],
    ['acr_values 2fa', 'none', { acr_values: ACR_TWO_FACTOR }, 2],
    ['acr_values phr or 2fa: the weakest will do', 'none', { acr_values: `${ACR_PHISHING_RESISTANT} ${ACR_TWO_FACTOR}` }, 2],
    ['acr_values never weaken the app', 'passkey', { acr_values: ACR_ONE_FACTOR }, 3],
    ['acr_values Gatehouse does not know are voluntary', 'none', { acr_values: 'urn:example:loa:4' }, 0],
    ['an unknown acr_value beside a known one', 'none', { acr_values: `urn:example:loa:4 ${ACR_TWO_FACTOR}` }, 2],
    ['an essential acr value', 'none', { claims: essential({ value: ACR_TWO_FACTOR }) }, 2],
    ['essential acr values: the weakest known', 'none', { claims: essential({ values: [ACR_PHISHING_RESISTANT, ACR_TWO_FACTOR, 'x'] }) }, 2],
    ['an essential acr Gatehouse never issues', 'none', { claims: essential({ value: 'urn:example:loa:4' }) }, UNREACHABLE],
    ['a voluntary acr claim asks nothing', 'none', { claims: JSON.stringify({ id_token: { acr: { values: [ACR_PHISHING_RESISTANT] } } }) }, 0],
    ['essential, and acr_values too: the higher', 'none', { acr_values: ACR_TWO_FACTOR, claims: essential({ value: ACR_PHISHING_RESISTANT }) }, 3],
    ['an essential acr in userinfo is not about the sign-in', 'none', { claims: JSON.stringify({ userinfo: { acr: { essential: true, value: ACR_TWO_FACTOR } } }) }, 0],
    ['a claims parameter that is not JSON', 'two-factor', { claims: '{' }, 2],
  ];
  it.each(cases)('%s', (_name, requirement, params, level) => {
    expect(requiredLevel(requirement, params)).toBe(level);
  });

  it('each acr is its level; anything else is none', () => {
    expect([ACR_ONE_FACTOR, ACR_TWO_FACTOR, ACR_PHISHING_RESISTANT, 'urn:example', undefined, 'toString'].map(levelOfAcr)).toEqual([1, 2, 3, 0, 0, 0]);
  });

  it('a claims parameter naming a subject', () => {
    expect(requestedSubject({ claims: JSON.stringify({ id_token: { sub: { value: 'abc' } } }) })).toBe('abc');
    expect(requestedSubject({ claims: JSON.stringify({ id_token: { sub: null } }) })).toBeNull();
    expect(requestedSubject({})).toBeNull();
  });

  it('an acr request of the wrong shape is refused as invalid', () => {
    const refusal = (claims: Record<string, unknown>) => {
      try {
        assertAcrRequest(claims);
        return null;
      } catch (error) {
        const e = error as { error?: string; error_description?: string };
        return `${e.error}: ${e.error_description}`;
      }
    };
    expect(refusal({ id_token: { acr: { essential: true, values: ACR_TWO_FACTOR } } })).toMatch(/^invalid_request: .*values/);
    expect(refusal({ id_token: { acr: { essential: 'yes', value: ACR_TWO_FACTOR } } })).toMatch(/^invalid_request: .*essential/);
    expect(refusal({ id_token: { acr: { value: 2 } } })).toMatch(/^invalid_request: .*value/);
    expect(refusal({ id_token: { acr: { essential: true, values: [ACR_TWO_FACTOR] } } })).toBeNull();
  });
});

describe('a fresh sign-in', () => {
  const iat = Math.floor(AT / 1000) + 600; // the request came 10 minutes after the sign-in
  const details = (params: Record<string, unknown>, reasons: string[] = ['no_session']) => ({ iat, params: { client_id: 'app', ...params }, prompt: { name: 'login', reasons, details: {} } });
  const cases: [string, ReturnType<typeof details>, boolean][] = [
    ['nothing asked', details({}), false],
    ['prompt=login', details({}, ['login_prompt']), true],
    ['max_age longer than the sign-in is old', details({ max_age: 3600 }), false],
    ['max_age exactly its age', details({ max_age: 600 }), false],
    ['max_age shorter', details({ max_age: 599 }), true],
    ['max_age=0', details({ max_age: '0' }), true],
  ];
  it.each(cases)('%s', (_name, d, fresh) => {
    expect(needsFreshSignIn(d, record(['password']))).toBe(fresh);
  });
});

describe('addresses an app may register', () => {
  it.each(['https://app.example.com/callback', 'https://app.example.com:8443/cb?x=1', 'http://127.0.0.1/cb', 'http://[::1]:8080/cb'])('%s', (uri) => {
    expect(uriProblem('--redirect-uri', uri)).toBeNull();
  });
  // `localhost` is a name a hosts file or resolver may point elsewhere (RFC 8252 §8.3): loopback IP literals only.
  it.each(['http://app.example.com/cb', 'http://localhost:3000/cb', 'https://app.example.com/cb#frag', 'https://user:pw@app.example.com/cb', '/callback', 'javascript:alert(1)', 'ftp://x.example/cb'])('%s is refused', (uri) => {
    expect(uriProblem('--redirect-uri', uri)).toMatch(/^--redirect-uri "/);
  });
});
