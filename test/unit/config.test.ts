import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const load = (env: Record<string, string>) => loadConfig(env, { envFile: null, dataDir: dir });

function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const productionEnv = {
  NODE_ENV: 'production',
  APP_URL: 'https://auth.example.com',
  SECRET_KEY: 'k'.repeat(48),
  TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32),
  TWILIO_AUTH_TOKEN: 'token',
  TWILIO_VERIFY_SERVICE_SID: 'VA' + '0'.repeat(32),
  SMTP_URL: 'smtp://user:pass@smtp.example.com:587',
  MAIL_FROM: 'Gatehouse <no-reply@example.com>',
};

describe('configuration', () => {
  it('runs with no settings at all: SQLite in ./data, dev outbox for codes and mail, port 3000', () => {
    const config = load({});
    expect(config.databaseUrl).toBe('sqlite:./data/gatehouse.db');
    expect(config.appUrl).toBe('http://localhost:3000');
    expect(config.host).toBe('127.0.0.1');
    expect(config.twilio).toBeNull();
    expect(config.mail.smtp).toBeNull();
    expect(config.secureCookies).toBe(false);
  });

  it('generates a development secret once, keeps it private in the data folder, and reuses it', () => {
    const first = load({}).secretKey;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, 'secret-key')).mode & 0o777).toBe(0o600);
    expect(load({}).secretKey).toBe(first);
    expect(readFileSync(join(dir, 'secret-key'), 'utf8').trim()).toBe(first);
  });

  it('in production, lists every missing secret and service in one message', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    const text = problems.join('\n');
    expect(text).toContain('APP_URL');
    expect(text).toContain('SECRET_KEY');
    expect(text).toContain('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_VERIFY_SERVICE_SID');
    expect(text).toContain('SMTP_URL');
    expect(text).toContain('MAIL_FROM');
    expect(existsSync(join(dir, 'nothing'))).toBe(false);
  });

  it('in production, refuses plain-http APP_URL and TWILIO_API_BASE_URL', () => {
    expect(problemsOf({ ...productionEnv, APP_URL: 'http://auth.example.com' }).join()).toContain('APP_URL must be https:// in production');
    expect(problemsOf({ ...productionEnv, TWILIO_API_BASE_URL: 'http://proxy.example.com' }).join()).toContain('TWILIO_API_BASE_URL must be https:// in production');
  });

  it('in production, refuses a SECRET_KEY shorter than 32 bytes', () => {
    expect(problemsOf({ ...productionEnv, SECRET_KEY: 'short' }).join()).toContain('at least 32 bytes');
  });

  it('accepts a complete production setup, with Secure cookies for an https APP_URL', () => {
    const config = load(productionEnv);
    expect(config.isProduction).toBe(true);
    expect(config.secureCookies).toBe(true);
    expect(config.twilio?.apiBaseUrl).toBeNull();
    expect(config.twilio?.timeoutMs).toBe(10_000);
    expect(config.mail.smtp).toEqual({ url: 'smtp://user:pass@smtp.example.com:587' });
  });

  it('refuses a half-configured Twilio even in development', () => {
    expect(problemsOf({ TWILIO_ACCOUNT_SID: 'AC123' }).join()).toContain('TWILIO_AUTH_TOKEN, TWILIO_VERIFY_SERVICE_SID');
  });

  it('refuses a TWILIO_API_BASE_URL that is not an http(s) URL, and keeps only its origin', () => {
    expect(problemsOf({ ...productionEnv, TWILIO_API_BASE_URL: '127.0.0.1:4010' }).join()).toContain('TWILIO_API_BASE_URL must be an http:// or https:// URL');
    expect(load({ ...productionEnv, NODE_ENV: 'development', TWILIO_API_BASE_URL: 'http://127.0.0.1:4010/' }).twilio?.apiBaseUrl).toBe('http://127.0.0.1:4010');
  });

  it('caps the Twilio timeout at 10 seconds', () => {
    expect(problemsOf({ ...productionEnv, TWILIO_TIMEOUT_MS: '60000' }).join()).toContain('TWILIO_TIMEOUT_MS');
  });

  it('takes SMTP as discrete settings too', () => {
    const config = load({ SMTP_HOST: 'mail.example.com', SMTP_PORT: '465', SMTP_SECURE: 'true', SMTP_USER: 'u', SMTP_PASSWORD: 'p' });
    expect(config.mail.smtp).toEqual({ host: 'mail.example.com', port: 465, secure: true, user: 'u', password: 'p' });
  });

  it('ACCOUNT_RECOVERY_WAIT: 48 hours unless set; minutes, hours or days from 1 hour to 30 days', () => {
    expect(load({}).accountRecoveryWaitMs).toBe(48 * 3_600_000);
    expect(load({ ACCOUNT_RECOVERY_WAIT: '72h' }).accountRecoveryWaitMs).toBe(72 * 3_600_000);
    expect(load({ ACCOUNT_RECOVERY_WAIT: '3d' }).accountRecoveryWaitMs).toBe(72 * 3_600_000);
    expect(load({ ACCOUNT_RECOVERY_WAIT: '60m' }).accountRecoveryWaitMs).toBe(3_600_000);
    for (const bad of ['59m', '31d', '48', 'two days', '-2h', '1.5h']) {
      expect(problemsOf({ ACCOUNT_RECOVERY_WAIT: bad }).join(), bad).toContain('ACCOUNT_RECOVERY_WAIT must be a duration like 48h, 2d or 90m, from 1 hour to 30 days');
    }
  });

  it('MAIL_RETRY_FOR: 3 days unless set; the same durations, from 24 hours to 7 days', () => {
    expect(load({}).mail.retryForMs).toBe(72 * 3_600_000);
    expect(load({ MAIL_RETRY_FOR: '24h' }).mail.retryForMs).toBe(24 * 3_600_000);
    expect(load({ MAIL_RETRY_FOR: '7d' }).mail.retryForMs).toBe(7 * 24 * 3_600_000);
    expect(load({ MAIL_RETRY_FOR: '2880m' }).mail.retryForMs).toBe(48 * 3_600_000);
    for (const bad of ['23h', '1439m', '8d', '3', 'forever', '-1d']) {
      expect(problemsOf({ MAIL_RETRY_FOR: bad }).join(), bad).toContain('MAIL_RETRY_FOR must be a duration like 24h, 3d or 2880m, from 24 hours to 7 days');
    }
  });

  it('reads a .env file, with the real environment winning', async () => {
    const envFile = join(dir, '.env');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(envFile, 'PORT=4000\nLOG_LEVEL=debug\n');
    const config = loadConfig({ LOG_LEVEL: 'warn' }, { envFile, dataDir: dir });
    expect(config.port).toBe(4000);
    expect(config.logLevel).toBe('warn');
  });

  it('the server refuses to start in production without its secrets, saying which', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production', HOME: process.env.HOME },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('Gatehouse cannot start');
    expect(result.stderr).toContain('SECRET_KEY is required in production');
  });
});
