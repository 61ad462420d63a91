/**
 * The one place that reads the environment. `loadConfig` parses `process.env`
 * (plus an optional `.env` file) into a frozen, typed `Config`, or throws a
 * `ConfigError` that lists every problem at once so an operator can fix them
 * in one go.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isIP } from 'node:net';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { DEFAULT_MAIL_RETRY_FOR_MS, MAX_MAIL_RETRY_FOR_MS, MIN_MAIL_RETRY_FOR_MS } from './adapters/mail/outbox-worker.js';
import { DEFAULT_HASH_CONCURRENCY } from './auth/password.js';
import type { SqliteSynchronous } from './db/database.js';
import { DEFAULT_ACCOUNT_RECOVERY_WAIT_MS, MAX_ACCOUNT_RECOVERY_WAIT_MS, MIN_ACCOUNT_RECOVERY_WAIT_MS } from './auth/policy.js';
import { AccessRulesError, loadAccessRules, namedDomains, type AccessRules } from './forward-auth/rules.js';
import { durationText, parseDuration, seconds } from './lib/duration.js';
import { phoneNumbers } from './lib/phone-numbers.js';

/** SECRET_KEY must carry at least this much entropy in production (256 bits). */
export const MIN_SECRET_KEY_BYTES = 32;
/** Twilio calls give up after this long; the issue caps it at 10 s. */
export const MAX_TWILIO_TIMEOUT_MS = seconds(10);
/** SMS_HOURLY_BUDGET's default: code sends per hour for the whole app (the SMS circuit breaker opens past it). */
export const DEFAULT_SMS_HOURLY_BUDGET = 500;
/** METRICS_TOKEN must be at least this long: it is the only thing between /metrics and the network. */
export const MIN_METRICS_TOKEN_LENGTH = 16;
/** WEB_CONCURRENCY's upper bound: more workers than this is a typo, not a machine. */
export const MAX_WEB_CONCURRENCY = 64;

export interface SmtpSettings {
  /** Either a connection URL (smtp://user:pass@host:587) or discrete fields. */
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  /** true = implicit TLS (port 465); false = STARTTLS when offered. */
  secure?: boolean;
}

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  verifyServiceSid: string;
  /** When set, every Verify request goes to this origin instead of Twilio's hosts. */
  apiBaseUrl: string | null;
  timeoutMs: number;
}

/** Pwned Passwords range API (PWNED_PASSWORDS_CHECK=true); null = off. */
export interface PwnedPasswordsSettings {
  /** Origin of the range API, no trailing slash. Default https://api.pwnedpasswords.com. */
  apiUrl: string;
}

export const DEFAULT_PWNED_PASSWORDS_API_URL = 'https://api.pwnedpasswords.com';

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  host: string;
  /** Public origin of the app, used for links in mail and cookie security. No trailing slash. */
  appUrl: string;
  /** true when APP_URL is https: cookies get the Secure flag. */
  secureCookies: boolean;
  databaseUrl: string;
  /** SQLite only: `normal` (commits survive a crash of the app; the last ones may be lost on power loss) or `full` (fsync every commit). */
  sqliteSynchronous: SqliteSynchronous;
  secretKey: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  mail: {
    from: string;
    smtp: SmtpSettings | null;
    /** MAIL_RETRY_FOR: how long an undelivered mail is retried after it was queued before it is marked failed. Default 3 days. */
    retryForMs: number;
  };
  twilio: TwilioSettings | null;
  /** Check new passwords against Pwned Passwords; null (the default) = off. */
  pwnedPasswords: PwnedPasswordsSettings | null;
  /**
   * Fastify's `trustProxy`: false (the default: the client IP is the socket's), the proxies' IPs/CIDRs, or
   * how many proxy hops to trust. Only then is X-Forwarded-For believed.
   */
  trustProxy: false | number | string[];
  /** Rate-limit counters in Redis (shared by every instance); null = in this process's memory. */
  redisUrl: string | null;
  /** Every rate-limit key in Redis starts with this (default `gatehouse`). */
  rateLimitKeyPrefix: string;
  sms: {
    /** ISO 3166-1 alpha-2 codes whose numbers may receive codes; null (the default) = all. */
    allowedCountries: string[] | null;
    /** Code sends per hour for the whole app; past it the SMS circuit breaker opens. Default 500. */
    hourlyBudget: number;
  };
  /** Password hashes (argon2id) running at once; more wait briefly, then get 503. Default: cores + 1, at most 4. */
  hashConcurrency: number;
  /** Prometheus metrics at /metrics (METRICS_ENABLED); null (the default) = off, no route. */
  metrics: {
    /** When set, a client with `Authorization: Bearer <token>` may scrape from anywhere; otherwise loopback only. */
    token: string | null;
  } | null;
  /** Processes `server.ts` runs (node:cluster workers); 1 (the default) = no cluster. */
  webConcurrency: number;
  /** ENFORCE_2FA: every signed-in user without a second factor must set one up before reaching any other page. */
  enforceTwoFactor: boolean;
  /** ACCOUNT_RECOVERY_WAIT: how long a started self-service recovery waits before the second factors go. Default 48 h. */
  accountRecoveryWaitMs: number;
  /**
   * COOKIE_DOMAIN: the session cookie is sent to this domain and every name below it (`__Secure-` instead of
   * `__Host-`), so forward-auth sees the session on the apps' hosts; null (the default) = host-only.
   */
  cookieDomain: string | null;
  /** ACCESS_RULES_FILE, read and compiled at start; null (the default) = no forward-auth routes. */
  accessRules: AccessRules | null;
  /** SUPPORT_CONTACT: whom a person whose account is suspended should contact (an address, a page); null = not said. */
  supportContact: string | null;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Gatehouse cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const emptyToUndefined = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const booleanString = z.preprocess(
  emptyToUndefined,
  z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional().transform((v) => (v === undefined ? undefined : ['true', '1', 'yes'].includes(v))),
);

const EnvSchema = z.object({
  NODE_ENV: z.preprocess(emptyToUndefined, z.enum(['development', 'production', 'test']).default('development')),
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  APP_URL: optionalString,
  DATABASE_URL: z.preprocess(emptyToUndefined, z.string().default('sqlite:./data/gatehouse.db')),
  SQLITE_SYNCHRONOUS: z.preprocess(emptyToUndefined, z.enum(['normal', 'full']).default('normal')),
  SECRET_KEY: optionalString,
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  SMTP_URL: optionalString,
  SMTP_HOST: optionalString,
  SMTP_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(65535).optional()),
  SMTP_USER: optionalString,
  SMTP_PASSWORD: optionalString,
  SMTP_SECURE: booleanString,
  MAIL_FROM: optionalString,
  TWILIO_ACCOUNT_SID: optionalString,
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_VERIFY_SERVICE_SID: optionalString,
  TWILIO_API_BASE_URL: optionalString,
  TWILIO_TIMEOUT_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(100).max(MAX_TWILIO_TIMEOUT_MS).default(MAX_TWILIO_TIMEOUT_MS)),
  PWNED_PASSWORDS_CHECK: booleanString,
  PWNED_PASSWORDS_API_URL: optionalString,
  TRUST_PROXY: optionalString,
  REDIS_URL: optionalString,
  RATE_LIMIT_KEY_PREFIX: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/).default('gatehouse')),
  SMS_ALLOWED_COUNTRIES: optionalString,
  SMS_HOURLY_BUDGET: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_SMS_HOURLY_BUDGET)),
  HASH_CONCURRENCY: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(256).default(DEFAULT_HASH_CONCURRENCY)),
  METRICS_ENABLED: booleanString,
  METRICS_TOKEN: optionalString,
  WEB_CONCURRENCY: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(MAX_WEB_CONCURRENCY).default(1)),
  ENFORCE_2FA: booleanString,
  ACCOUNT_RECOVERY_WAIT: optionalString,
  MAIL_RETRY_FOR: optionalString,
  COOKIE_DOMAIN: optionalString,
  ACCESS_RULES_FILE: optionalString,
  SUPPORT_CONTACT: z.preprocess(emptyToUndefined, z.string().max(200).optional()),
});

export interface LoadConfigOptions {
  /** Where a generated development secret is kept. Default `./data`. */
  dataDir?: string;
  /** Path of an optional dotenv file. Default `./.env`; values in `env` win over it. */
  envFile?: string | null;
}

/** Parse the environment. Throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const envFile = options.envFile === undefined ? '.env' : options.envFile;
  const fromFile = envFile && existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  const parsed = EnvSchema.safeParse({ ...fromFile, ...env });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const isProduction = e.NODE_ENV === 'production';

  let appUrl = e.APP_URL;
  if (appUrl === undefined) {
    if (isProduction) problems.push('APP_URL is required in production (the public https origin, e.g. https://auth.example.com).');
    appUrl = `http://localhost:${e.PORT}`;
  }
  try {
    const u = new URL(appUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push('APP_URL must be an http:// or https:// URL.');
    // Without https there are no Secure cookies or HSTS: sessions would travel in clear text.
    else if (isProduction && u.protocol !== 'https:') problems.push('APP_URL must be https:// in production (TLS may end at a proxy in front of Gatehouse).');
    appUrl = u.origin;
  } catch {
    problems.push(`APP_URL is not a URL: ${appUrl}`);
  }

  let secretKey = e.SECRET_KEY;
  if (secretKey === undefined) {
    if (isProduction) problems.push(`SECRET_KEY is required in production (at least ${MIN_SECRET_KEY_BYTES} bytes; e.g. \`openssl rand -base64 48\`).`);
    else secretKey = developmentSecret(options.dataDir ?? './data');
  } else if (Buffer.byteLength(secretKey) < MIN_SECRET_KEY_BYTES && isProduction) {
    problems.push(`SECRET_KEY must be at least ${MIN_SECRET_KEY_BYTES} bytes in production.`);
  }

  if (!/^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(e.DATABASE_URL)) {
    problems.push('DATABASE_URL must start with sqlite: or postgres://');
  }

  const twilioFields = {
    TWILIO_ACCOUNT_SID: e.TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: e.TWILIO_AUTH_TOKEN,
    TWILIO_VERIFY_SERVICE_SID: e.TWILIO_VERIFY_SERVICE_SID,
  };
  const twilioMissing = Object.entries(twilioFields).filter(([, v]) => v === undefined).map(([k]) => k);
  let twilio: TwilioSettings | null = null;
  if (twilioMissing.length === 0) {
    twilio = {
      accountSid: e.TWILIO_ACCOUNT_SID!,
      authToken: e.TWILIO_AUTH_TOKEN!,
      verifyServiceSid: e.TWILIO_VERIFY_SERVICE_SID!,
      apiBaseUrl: e.TWILIO_API_BASE_URL ? originOf(e.TWILIO_API_BASE_URL, 'TWILIO_API_BASE_URL', problems) : null,
      timeoutMs: e.TWILIO_TIMEOUT_MS,
    };
  } else if (twilioMissing.length < 3 || isProduction) {
    problems.push(`Twilio Verify is not fully configured: set ${twilioMissing.join(', ')}.`);
  }
  if (e.TWILIO_API_BASE_URL && twilioMissing.length === 3) {
    problems.push('TWILIO_API_BASE_URL is set but the TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN / TWILIO_VERIFY_SERVICE_SID are not.');
  }

  let smtp: SmtpSettings | null = null;
  if (e.SMTP_URL) smtp = { url: e.SMTP_URL };
  else if (e.SMTP_HOST) {
    smtp = { host: e.SMTP_HOST, port: e.SMTP_PORT ?? 587, user: e.SMTP_USER, password: e.SMTP_PASSWORD, secure: e.SMTP_SECURE ?? false };
  } else if (isProduction) {
    problems.push('Mail is not configured: set SMTP_URL (e.g. smtp://user:pass@smtp.example.com:587) or SMTP_HOST.');
  }
  if (isProduction && !e.MAIL_FROM) problems.push('MAIL_FROM is required in production (e.g. "Gatehouse <no-reply@example.com>").');

  let pwnedPasswords: PwnedPasswordsSettings | null = null;
  if (e.PWNED_PASSWORDS_CHECK) {
    const apiUrl = originOf(e.PWNED_PASSWORDS_API_URL ?? DEFAULT_PWNED_PASSWORDS_API_URL, 'PWNED_PASSWORDS_API_URL', problems);
    if (apiUrl !== null) pwnedPasswords = { apiUrl };
  }

  if (isProduction && twilio?.apiBaseUrl?.startsWith('http:')) {
    problems.push('TWILIO_API_BASE_URL must be https:// in production: Twilio credentials are sent to it.');
  }

  const trustProxy = parseTrustProxy(e.TRUST_PROXY, problems);
  const allowedCountries = parseCountries(e.SMS_ALLOWED_COUNTRIES, problems);
  if (e.REDIS_URL && !/^rediss?:\/\//.test(e.REDIS_URL)) problems.push('REDIS_URL must start with redis:// or rediss://');
  if (e.METRICS_TOKEN !== undefined && e.METRICS_TOKEN.length < MIN_METRICS_TOKEN_LENGTH) {
    problems.push(`METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 24\`).`);
  }
  if (e.METRICS_TOKEN !== undefined && !e.METRICS_ENABLED) problems.push('METRICS_TOKEN is set but METRICS_ENABLED is not true.');
  const accountRecoveryWaitMs = parseRecoveryWait(e.ACCOUNT_RECOVERY_WAIT, problems);
  const mailRetryForMs = parseMailRetryFor(e.MAIL_RETRY_FOR, problems);
  const cookieDomain = parseCookieDomain(e.COOKIE_DOMAIN, appUrl, problems);
  const accessRules = readAccessRules(e.ACCESS_RULES_FILE, appUrl, cookieDomain, problems);
  if (accessRules && trustProxy === false) {
    problems.push('ACCESS_RULES_FILE is set but TRUST_PROXY is not: forward-auth believes only the reverse proxy TRUST_PROXY names.');
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    appUrl,
    secureCookies: appUrl.startsWith('https:'),
    databaseUrl: e.DATABASE_URL,
    sqliteSynchronous: e.SQLITE_SYNCHRONOUS,
    secretKey: secretKey!,
    logLevel: e.LOG_LEVEL,
    mail: { from: e.MAIL_FROM ?? 'Gatehouse <no-reply@localhost>', smtp, retryForMs: mailRetryForMs },
    twilio,
    pwnedPasswords,
    trustProxy,
    redisUrl: e.REDIS_URL ?? null,
    rateLimitKeyPrefix: e.RATE_LIMIT_KEY_PREFIX,
    sms: { allowedCountries, hourlyBudget: e.SMS_HOURLY_BUDGET },
    hashConcurrency: e.HASH_CONCURRENCY,
    metrics: e.METRICS_ENABLED ? { token: e.METRICS_TOKEN ?? null } : null,
    webConcurrency: e.WEB_CONCURRENCY,
    enforceTwoFactor: e.ENFORCE_2FA ?? false,
    accountRecoveryWaitMs,
    supportContact: e.SUPPORT_CONTACT?.trim() || null,
    cookieDomain,
    accessRules,
  });
}

/**
 * COOKIE_DOMAIN: a domain (`example.com`; a leading dot is dropped) that APP_URL's host is, or is below;
 * unset = the session cookie stays on APP_URL's host. Decision record 018 weighs the trade-off.
 */
function parseCookieDomain(value: string | undefined, appUrl: string, problems: string[]): string | null {
  if (value === undefined) return null;
  const domain = value.trim().toLowerCase().replace(/^\./, '');
  if (!/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(domain)) {
    problems.push(`COOKIE_DOMAIN must be a domain name such as example.com (got "${value}").`);
    return null;
  }
  let host = '';
  try {
    host = new URL(appUrl).hostname;
  } catch {
    return null; // APP_URL's own problem is reported already
  }
  if (host !== domain && !host.endsWith(`.${domain}`)) {
    problems.push(`COOKIE_DOMAIN must be APP_URL's host (${host}) or a domain it is below (got "${value}").`);
    return null;
  }
  return domain;
}

/**
 * ACCESS_RULES_FILE, read and compiled (src/forward-auth/rules.ts). Also refused: a rule that needs a sign-in on
 * a host the session cookie never reaches — the person would sign in, be sent back, and be asked again, forever.
 */
function readAccessRules(path: string | undefined, appUrl: string, cookieDomain: string | null, problems: string[]): AccessRules | null {
  if (path === undefined) return null;
  let rules: AccessRules;
  try {
    rules = loadAccessRules(path);
  } catch (error) {
    if (!(error instanceof AccessRulesError)) throw error;
    problems.push(error.message);
    return null;
  }
  let appHost = '';
  try {
    appHost = new URL(appUrl).hostname;
  } catch {
    return rules;
  }
  const reached = (domain: string) =>
    cookieDomain === null ? domain === appHost : domain === cookieDomain || domain.endsWith(`.${cookieDomain}`);
  const unreached = namedDomains(rules, ['one_factor', 'two_factor']).filter((d) => !reached(d.replace(/^\*\./, 'x.')));
  if (unreached.length > 0) {
    problems.push(
      `ACCESS_RULES_FILE ${path}: the session cookie does not reach ${[...new Set(unreached)].join(', ')}: set COOKIE_DOMAIN to a domain they and APP_URL's host share.`,
    );
  }
  return rules;
}

/** The origin of an http(s) URL setting, or a problem noted. */
function originOf(value: string, name: string, problems: string[]): string | null {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
  } catch {
    // reported below
  }
  problems.push(`${name} must be an http:// or https:// URL (got "${value}").`);
  return null;
}

/** Outside production, a secret is generated once and kept in the data folder. */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'secret-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/**
 * TRUST_PROXY: unset = trust no proxy; a number = that many hops; otherwise a
 * comma-separated list of IPs, CIDRs or proxy-addr's names (loopback,
 * linklocal, uniquelocal). "true" is refused: trusting every hop would let any
 * client choose its own IP with X-Forwarded-For.
 */
function parseTrustProxy(value: string | undefined, problems: string[]): false | number | string[] {
  if (value === undefined) return false;
  const v = value.trim();
  if (/^[0-9]+$/.test(v)) {
    const hops = Number(v);
    if (hops >= 1 && hops <= 10) return hops;
    if (hops === 0) return false;
  }
  const entries = v.split(',').map((x) => x.trim()).filter(Boolean);
  const ok = (entry: string) => {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
    const [ip, bits, ...rest] = entry.split('/');
    const family = isIP(ip ?? '');
    if (family === 0 || rest.length > 0) return false;
    return bits === undefined || (/^[0-9]{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  };
  const bad = entries.filter((entry) => !ok(entry));
  if (entries.length === 0 || bad.length > 0) {
    problems.push(`TRUST_PROXY must be a hop count (1-10) or a comma-separated list of proxy IPs/CIDRs (got "${value}").`);
    return false;
  }
  return entries;
}

/**
 * ACCOUNT_RECOVERY_WAIT: a whole number of minutes, hours or days (`90m`, `48h`, `2d`); unset = 48 h. Between
 * 1 hour and 30 days: a shorter wait leaves the owner no time to see the notice and cancel.
 */
function parseRecoveryWait(value: string | undefined, problems: string[]): number {
  if (value === undefined) return DEFAULT_ACCOUNT_RECOVERY_WAIT_MS;
  const ms = parseDuration(value);
  if (ms === null || ms < MIN_ACCOUNT_RECOVERY_WAIT_MS || ms > MAX_ACCOUNT_RECOVERY_WAIT_MS) {
    problems.push(
      `ACCOUNT_RECOVERY_WAIT must be a duration like 48h, 2d or 90m, from ${durationText(MIN_ACCOUNT_RECOVERY_WAIT_MS)} to ${durationText(MAX_ACCOUNT_RECOVERY_WAIT_MS)} (got "${value}").`,
    );
    return DEFAULT_ACCOUNT_RECOVERY_WAIT_MS;
  }
  return ms;
}

/**
 * MAIL_RETRY_FOR: the same form as ACCOUNT_RECOVERY_WAIT (`24h`, `3d`, `2880m`); unset = 3 days. Between 24 hours
 * (an outage overnight loses no mail) and 7 days (by then every link a mail carries has expired).
 */
function parseMailRetryFor(value: string | undefined, problems: string[]): number {
  if (value === undefined) return DEFAULT_MAIL_RETRY_FOR_MS;
  const ms = parseDuration(value);
  if (ms === null || ms < MIN_MAIL_RETRY_FOR_MS || ms > MAX_MAIL_RETRY_FOR_MS) {
    problems.push(
      `MAIL_RETRY_FOR must be a duration like 24h, 3d or 2880m, from ${durationText(MIN_MAIL_RETRY_FOR_MS)} to ${durationText(MAX_MAIL_RETRY_FOR_MS)} (got "${value}").`,
    );
    return DEFAULT_MAIL_RETRY_FOR_MS;
  }
  return ms;
}

/** SMS_ALLOWED_COUNTRIES: comma-separated ISO 3166-1 alpha-2 codes, e.g. "US,CA,GB"; unset = all. */
function parseCountries(value: string | undefined, problems: string[]): string[] | null {
  if (value === undefined) return null;
  const codes = value.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean);
  const unknown = codes.filter((c) => !phoneNumbers().isSupportedCountry(c));
  if (codes.length === 0 || unknown.length > 0) {
    problems.push(`SMS_ALLOWED_COUNTRIES must list ISO country codes such as US,GB (unknown: ${unknown.join(', ') || 'none given'}).`);
    return null;
  }
  return codes;
}
