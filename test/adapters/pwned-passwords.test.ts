/**
 * The Pwned Passwords adapter against a stand-in of the range API on a real
 * loopback port (test/support/pwned-passwords-stand-in.ts). What matters: only
 * a 5-character hash prefix leaves the machine, a breached password is found,
 * and a slow or failing service never blocks anyone (1 s timeout, fails open).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PWNED_PASSWORDS_TIMEOUT_MS, PwnedPasswordsRangeApi, passwordSha1 } from '../../src/adapters/pwned-passwords/range-api.js';
import { loadConfig } from '../../src/config.js';
import { TEST_SECRET } from '../support/app.js';
import { PwnedPasswordsStandIn, sha1Hex } from '../support/pwned-passwords-stand-in.js';

let standIn: PwnedPasswordsStandIn;
const logLines: string[] = [];
let api: PwnedPasswordsRangeApi;

beforeAll(async () => {
  standIn = await PwnedPasswordsStandIn.start();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = loadConfig({ NODE_ENV: 'test', SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'silent', ...standIn.env() }, { envFile: null });
  api = new PwnedPasswordsRangeApi(config.pwnedPasswords!, pino({ level: 'warn' }, sink));
});
afterEach(() => {
  standIn.force(null);
  standIn.requests.length = 0;
  logLines.length = 0;
});
afterAll(async () => standIn.close());

describe('configuration', () => {
  const load = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', SECRET_KEY: TEST_SECRET, ...env }, { envFile: null });

  it('is off by default, and on with the public API as its default origin', () => {
    expect(load({}).pwnedPasswords).toBeNull();
    expect(load({ PWNED_PASSWORDS_CHECK: 'false', PWNED_PASSWORDS_API_URL: 'http://127.0.0.1:1' }).pwnedPasswords).toBeNull();
    expect(load({ PWNED_PASSWORDS_CHECK: 'true' }).pwnedPasswords).toEqual({ apiUrl: 'https://api.pwnedpasswords.com' });
    expect(load({ PWNED_PASSWORDS_CHECK: 'true', PWNED_PASSWORDS_API_URL: 'http://127.0.0.1:8080/' }).pwnedPasswords).toEqual({ apiUrl: 'http://127.0.0.1:8080' });
  });

  it('refuses a base URL that is not http(s), and a yes/no setting that is neither', () => {
    expect(() => load({ PWNED_PASSWORDS_CHECK: 'true', PWNED_PASSWORDS_API_URL: 'ftp://example.com' })).toThrow(/PWNED_PASSWORDS_API_URL/);
    expect(() => load({ PWNED_PASSWORDS_CHECK: 'maybe' })).toThrow(/PWNED_PASSWORDS_CHECK/);
  });
});

describe('PwnedPasswordsRangeApi against the range-API stand-in', () => {
  it('sends only the first 5 hex characters of the SHA-1, and asks for padding', async () => {
    const password = 'a very private passphrase';
    await api.check(password);
    expect(standIn.requests).toHaveLength(1);
    const { path, headers } = standIn.requests[0]!;
    expect(path).toBe(`/range/${sha1Hex(password).slice(0, 5)}`);
    expect(path).not.toContain(sha1Hex(password).slice(5, 10));
    expect(path).not.toContain('private');
    expect(headers['add-padding']).toBe('true');
    expect(passwordSha1(password)).toBe(sha1Hex(password));
  });

  it('finds a breached password with its count, and ignores padding lines', async () => {
    standIn.breach('monkey see monkey do', 4242);
    expect(await api.check('monkey see monkey do')).toEqual({ kind: 'breached', count: 4242 });
    expect(await api.check('a passphrase nobody has leaked yet')).toEqual({ kind: 'not_found' });
    standIn.breach('listed with a zero count', 0); // what a padding line looks like
    expect(await api.check('listed with a zero count')).toEqual({ kind: 'not_found' });
  });

  it('fails open on a server error, with a warning in the log', async () => {
    standIn.breach('breached but the service is down', 10);
    standIn.force(500);
    expect(await api.check('breached but the service is down')).toEqual({ kind: 'unavailable' });
    expect(logLines.join('')).toContain('Pwned Passwords check unavailable');
    expect(logLines.join('')).toContain('HTTP 500');
    expect(logLines.join('')).not.toContain('breached but the service is down');
  });

  it('gives up after 1 second when the service never answers, without blocking the event loop', async () => {
    standIn.breach('breached but the service hangs', 10);
    standIn.force('hang');
    const started = performance.now();
    // While the check waits, timers keep firing on time: nothing blocks.
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 50);
    const result = await api.check('breached but the service hangs');
    clearInterval(ticker);
    const elapsed = performance.now() - started;
    expect(result).toEqual({ kind: 'unavailable' });
    expect(elapsed).toBeGreaterThanOrEqual(PWNED_PASSWORDS_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(PWNED_PASSWORDS_TIMEOUT_MS + 1000);
    expect(ticks).toBeGreaterThanOrEqual(10);
    expect(logLines.join('')).toMatch(/TimeoutError|aborted/i);
  });

  it('fails open when nothing listens at the configured origin', async () => {
    const down = new PwnedPasswordsRangeApi({ apiUrl: 'http://127.0.0.1:1' }, pino({ level: 'silent' }));
    expect(await down.check('any password at all here')).toEqual({ kind: 'unavailable' });
  });
});
