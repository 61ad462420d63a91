/**
 * The rules the CLI's `apps add` and the console's Apps section share (src/oidc/app-registration.ts): every problem
 * of a registration, in the order the CLI reports the first, each naming its setting and fault.
 */
import { describe, expect, it } from 'vitest';
import { appSettingsProblems, uriFault, type AppSettings } from '../../src/oidc/app-registration.js';

const web: AppSettings = {
  name: 'Wiki',
  kind: 'web',
  redirectUris: ['https://wiki.example.com/cb'],
  postLogoutRedirectUris: [],
  backchannelLogoutUri: null,
  firstParty: false,
  requirement: 'none',
  idTokenAlg: 'ES256',
};

describe('app registration rules', () => {
  it('accepts a web app with an https redirect URI, and loopback http', () => {
    expect(appSettingsProblems(web)).toEqual([]);
    expect(appSettingsProblems({ ...web, redirectUris: ['http://127.0.0.1:8080/cb', 'http://[::1]/cb'] })).toEqual([]);
    expect(appSettingsProblems({ ...web, kind: 'service', redirectUris: [] })).toEqual([]);
  });

  it('lists every problem: the name, then the kind, then each address in order', () => {
    expect(
      appSettingsProblems({ ...web, name: ' '.repeat(3), redirectUris: ['http://a.example/cb', 'https://b.example/cb#x'], postLogoutRedirectUris: ['/bye'], backchannelLogoutUri: 'https://u:p@c.example/bcl' }),
    ).toEqual([
      { problem: 'name' },
      { problem: 'uri', setting: 'redirectUris', value: 'http://a.example/cb', fault: 'not-https' },
      { problem: 'uri', setting: 'redirectUris', value: 'https://b.example/cb#x', fault: 'fragment' },
      { problem: 'uri', setting: 'postLogoutRedirectUris', value: '/bye', fault: 'not-absolute' },
      { problem: 'uri', setting: 'backchannelLogoutUri', value: 'https://u:p@c.example/bcl', fault: 'credentials' },
    ]);
    expect(appSettingsProblems({ ...web, name: 'x'.repeat(101) })).toEqual([{ problem: 'name' }]);
    expect(appSettingsProblems({ ...web, redirectUris: [] })).toEqual([{ problem: 'no-redirect-uri' }]);
    expect(appSettingsProblems({ ...web, kind: 'service', backchannelLogoutUri: 'https://c.example/bcl', redirectUris: [] })).toEqual([{ problem: 'service-signs-nobody-in' }]);
  });

  it.each(['http://localhost/cb', 'javascript:alert(1)', 'ftp://x.example/cb'])('%s is not https', (uri) => {
    expect(uriFault(uri)).toBe('not-https');
  });
});
