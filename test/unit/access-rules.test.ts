/**
 * The forward-auth rules engine (src/forward-auth/rules.ts) and the request facts it is given
 * (src/forward-auth/request.ts), as tables of cases: the file's checks with line numbers, first match wins,
 * `*.` domains, resources on path + query, methods, groups (and Authelia's "sign in first" for a rule naming
 * groups), the four policies against three levels of sign-in, and the normalisation of what a proxy forwards.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { allowedReturnUrl, fromForwardedHeaders, fromOriginalHeaders, requestFactsOf } from '../../src/forward-auth/request.js';
import { AccessRulesError, compileAccessRules, decide, parseAccessRules, type Subject } from '../../src/forward-auth/rules.js';

const RULES = `# an example
default_policy: deny
rules:
  - domain: public.example.com
    policy: bypass
  - domain: ['*.example.com']
    resources: ['^/admin([/?].*)?$']
    groups: [admins]
    policy: two_factor
  - domain: '*.example.com'
    resources: ['^/admin([/?].*)?$']
    policy: deny
  - domain: api.example.com
    methods: [get, HEAD]
    policy: one_factor
  - domain: api.example.com
    policy: two_factor
  - domain: '*.example.com'
    resources: ['\\?debug=1']
    policy: deny
  - domain: '*.example.com'
    policy: one_factor
`;

const rules = parseAccessRules(RULES, 'rules.yml');
const nobody: Subject = { level: 0, groups: [] };
const oneFactor: Subject = { level: 1, groups: [] };
const twoFactors: Subject = { level: 2, groups: [] };
const admin: Subject = { level: 2, groups: ['staff', 'admins'] };
const adminOneFactor: Subject = { level: 1, groups: ['admins'] };

const at = (host: string, pathAndQuery = '/', method = 'GET') => ({ host, pathAndQuery, method });

describe('access rules: decisions', () => {
  it.each([
    ['bypass: anyone, signed in or not', at('public.example.com', '/admin'), nobody, 'allow'],
    ['a rule naming groups, someone not signed in: sign in first (not the later deny)', at('app.example.com', '/admin'), nobody, 'sign-in'],
    ['a rule naming groups, a member with two factors', at('app.example.com', '/admin/users'), admin, 'allow'],
    ['a rule naming groups, a member with one factor: the second step', at('app.example.com', '/admin'), adminOneFactor, 'second-step'],
    ['a rule naming groups, not a member: falls through to the deny', at('app.example.com', '/admin'), twoFactors, 'forbidden'],
    ['resources are anchored by the rule, not by us: /administrator is not /admin', at('app.example.com', '/administrator'), oneFactor, 'allow'],
    ['methods: GET on api needs one factor', at('api.example.com', '/x', 'GET'), oneFactor, 'allow'],
    ['methods: POST on api falls to two_factor', at('api.example.com', '/x', 'POST'), oneFactor, 'second-step'],
    ['resources see the query', at('app.example.com', '/page?debug=1'), twoFactors, 'forbidden'],
    ['one_factor: not signed in', at('app.example.com', '/'), nobody, 'sign-in'],
    ['one_factor: signed in', at('app.example.com', '/'), oneFactor, 'allow'],
    ['*.example.com does not name example.com itself: default deny', at('example.com', '/'), twoFactors, 'forbidden'],
    ['a look-alike host is not below the domain', at('app.example.com.evil.test', '/'), twoFactors, 'forbidden'],
    ['nested names are below the domain', at('a.b.example.com', '/'), oneFactor, 'allow'],
  ] as const)('%s', (_name, request, subject, kind) => {
    expect(decide(rules, request, subject).kind).toBe(kind);
  });

  it('two_factor for someone not signed in asks for a sign-in with two factors; one_factor without', () => {
    expect(decide(rules, at('api.example.com', '/', 'POST'), nobody)).toMatchObject({ kind: 'sign-in', twoFactor: true });
    expect(decide(rules, at('app.example.com'), nobody)).toMatchObject({ kind: 'sign-in', twoFactor: false });
  });

  it('the default policy applies when no rule matches, and says which line decided otherwise', () => {
    const open = compileAccessRules({ default_policy: 'one_factor' });
    expect(decide(open, at('anything.test'), oneFactor).kind).toBe('allow');
    expect(decide(open, at('anything.test'), nobody).kind).toBe('sign-in');
    expect(decide(compileAccessRules({}), at('anything.test'), twoFactors).kind).toBe('forbidden'); // deny unless said otherwise
    expect(decide(rules, at('public.example.com'), nobody)).toMatchObject({ line: 4 });
  });

  it('a deny rule without groups is forbidden to everyone, signed in or not', () => {
    const denyAll = compileAccessRules({ rules: [{ domain: 'x.test', policy: 'deny' }] });
    for (const subject of [nobody, oneFactor, admin]) expect(decide(denyAll, at('x.test'), subject).kind).toBe('forbidden');
  });
});

describe('access rules: the file is checked at start, with the line and the reason', () => {
  it.each([
    ['rules:\n  - domain: app.example.com\n    policy: sometimes\n', 3, /policy: must be one of bypass, one_factor, two_factor, deny/],
    ['rules:\n  - domain: app.example.com\n    resources: ["^/(unclosed"]\n    policy: deny\n', 3, /not a regular expression/],
    ['rules:\n  - domain: "app example com"\n    policy: deny\n', 2, /must be a host name/],
    ['rules:\n  - domain: "*.example.com"\n    groups: [admins]\n    policy: bypass\n', 3, /bypass rule cannot name groups/],
    ['rules:\n  - domain: a.test\n    polcy: deny\n', 2, /Unrecognized key/i],
    ['rules:\n  - domain: a.test\n', 2, /policy/],
    ['default_policy: deny\nrules:\n  - domain: a.test\n    policy: deny\n  policy: x\n', 5, /same column/],
    ['rules:\n\t- domain: a.test\n', 2, /Tabs/],
    ['rules:\n  - domain: a.test\n    methods: [FETCH]\n    policy: deny\n', 3, /methods\.0: must be one of/],
    ['default_policy: allow\n', 1, /default_policy: must be one of/],
  ])('%j → line %i', (text, line, reason) => {
    let error: unknown;
    try {
      parseAccessRules(text, 'rules.yml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AccessRulesError);
    expect((error as Error).message).toContain(`rules.yml line ${line}:`);
    expect((error as Error).message).toMatch(reason);
  });

  it('JSON is YAML: a JSON rules file works', () => {
    const json = parseAccessRules(JSON.stringify({ default_policy: 'deny', rules: [{ domain: 'a.test', policy: 'bypass' }] }), 'rules.json');
    expect(decide(json, at('a.test'), nobody).kind).toBe('allow');
  });

  it('a bad file, a missing file, or rules the session cookie cannot reach stop the start (ConfigError)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-rules-'));
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const env = (extra: Record<string, string>) => ({ SECRET_KEY: 'x'.repeat(40), TRUST_PROXY: '127.0.0.1', APP_URL: 'https://auth.example.com', ...extra });
    const problems = (extra: Record<string, string>) => {
      try {
        loadConfig(env(extra), { envFile: null, dataDir: dir });
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.join('\n');
        throw error;
      }
      return '';
    };
    expect(problems({ ACCESS_RULES_FILE: file('bad.yml', 'rules:\n  - domain: a.example.com\n    policy: maybe\n') })).toMatch(/bad\.yml line 3: rules\.0\.policy/);
    expect(problems({ ACCESS_RULES_FILE: join(dir, 'missing.yml') })).toMatch(/cannot be read/);
    const good = file('good.yml', 'rules:\n  - domain: "*.example.com"\n    policy: one_factor\n');
    expect(problems({ ACCESS_RULES_FILE: good })).toMatch(/session cookie does not reach \*\.example\.com: set COOKIE_DOMAIN/);
    expect(problems({ ACCESS_RULES_FILE: good, COOKIE_DOMAIN: 'example.com' })).toBe('');
    expect(problems({ ACCESS_RULES_FILE: good, COOKIE_DOMAIN: 'example.com', TRUST_PROXY: '' })).toMatch(/TRUST_PROXY is not/);
    expect(problems({ COOKIE_DOMAIN: 'other.com' })).toMatch(/COOKIE_DOMAIN must be APP_URL's host/);
    expect(problems({ COOKIE_DOMAIN: 'com' })).toMatch(/COOKIE_DOMAIN must be a domain name/);
    const config = loadConfig(env({ ACCESS_RULES_FILE: good, COOKIE_DOMAIN: '.Example.com' }), { envFile: null, dataDir: dir });
    expect(config.cookieDomain).toBe('example.com');
    expect(config.accessRules?.rules).toHaveLength(1);
  });
});

describe('what a proxy forwards', () => {
  it('normalises the path as an upstream would serve it: dot segments, escaped unreserved characters', () => {
    expect(requestFactsOf('GET', 'https', 'App.Example.com', '/public/../admin?x=1')?.facts).toEqual({ method: 'GET', host: 'app.example.com', pathAndQuery: '/admin?x=1' });
    expect(requestFactsOf('GET', 'https', 'app.example.com', '/%61dmin')?.facts.pathAndQuery).toBe('/admin');
    expect(requestFactsOf('GET', 'https', 'app.example.com', '/%2e%2e/admin')?.facts.pathAndQuery).toBe('/admin');
    expect(requestFactsOf('GET', 'https', 'app.example.com', '/a?next=%2Fb')?.facts.pathAndQuery).toBe('/a?next=%2Fb');
    expect(requestFactsOf('GET', 'https', 'app.example.com:8443', '/')?.url).toBe('https://app.example.com:8443/');
    expect(requestFactsOf('GET', 'https', 'app.example.com.', '/')?.facts.host).toBe('app.example.com');
  });

  // Attack: a path the rules and the upstream read differently — `/public/..%2Fadmin` (a router that decodes `%2F`
  // before dot segments serves /admin), `/public/..;/admin` (Tomcat and Jetty serve /admin) — judged by a `bypass`
  // rule for /public. Refused, so no rule is asked about it.
  it('refuses paths upstreams read differently from the rules: an escaped slash, backslash or NUL, a dot segment with a parameter', () => {
    for (const path of ['/public/..%2Fadmin', '/public/..%2fadmin', '/a%5Cb', '/a%00b', '/public/..;/admin', '/public/.;/x', '/public/%2e%2e;/admin', '/..;/admin']) {
      expect(requestFactsOf('GET', 'https', 'app.example.com', path), path).toBeNull();
    }
    expect(requestFactsOf('GET', 'https', 'app.example.com', '/a;b/c..;d')?.facts.pathAndQuery).toBe('/a;b/c..;d');
  });

  it('refuses what no proxy sends: a host with userinfo or a path, a relative URI, control characters, other schemes', () => {
    expect(requestFactsOf('GET', 'https', 'evil.test@app.example.com', '/')).toBeNull();
    expect(requestFactsOf('GET', 'https', 'app.example.com/x', '/')).toBeNull();
    expect(requestFactsOf('GET', 'https', 'app.example.com', 'x')).toBeNull();
    expect(requestFactsOf('GET', 'https', 'app.example.com', '/a\nb')).toBeNull();
    expect(requestFactsOf('GET', 'https', 'app.example.com', '/a\\..\\admin')).toBeNull();
    expect(requestFactsOf('GET', 'ftp', 'app.example.com', '/')).toBeNull();
    expect(requestFactsOf('GET /x', 'https', 'app.example.com', '/')).toBeNull();
    expect(fromForwardedHeaders({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'a.test' })).toBeNull();
    expect(fromForwardedHeaders({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'a.test, b.test', 'x-forwarded-uri': '/' })).toBeNull();
    expect(fromOriginalHeaders({ 'x-original-url': 'https://a.test/x?y', 'x-original-method': 'post' })?.facts).toEqual({ method: 'POST', host: 'a.test', pathAndQuery: '/x?y' });
    expect(fromOriginalHeaders({ 'x-original-url': 'https://a.test' , 'x-original-method': 'GET' })?.facts.pathAndQuery).toBe('/');
    expect(fromOriginalHeaders({ 'x-original-url': '//a.test/', 'x-original-method': 'GET' })).toBeNull();
  });

  it('rd: only https (http outside production) to a host the rules name, without credentials', () => {
    const ok = (raw: string, allowHttp = false) => allowedReturnUrl(rules, raw, allowHttp);
    expect(ok('https://app.example.com/x?y=1')).toBe('https://app.example.com/x?y=1');
    expect(ok('https://public.example.com/')).toBe('https://public.example.com/');
    expect(ok('http://app.example.com/')).toBeNull();
    expect(ok('http://app.example.com/', true)).toBe('http://app.example.com/');
    for (const bad of [
      'https://evil.test/',
      'https://example.com/', // *.example.com names the names below it only
      'https://app.example.com.evil.test/',
      'https://app.example.com@evil.test/',
      'https://user:pw@app.example.com/',
      'https:app.example.com/',
      '//app.example.com/',
      '/local/path',
      'javascript:alert(1)//app.example.com',
      'https://evil.test\\@app.example.com/',
      'https://evil.test/#.example.com',
      ' https://app.example.com/',
    ]) {
      expect(ok(bad, true), bad).toBeNull();
    }
  });
});
