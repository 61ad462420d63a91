/**
 * buildApp(config, options): the whole application as a function of its
 * configuration and its adapters. server.ts only starts it; tests build it with
 * their own database, clock and stand-ins and call it through `app.inject()`
 * or a real port.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { DestinationStream } from 'pino';
import { DevMailTransport } from './adapters/mail/dev.js';
import { OutboxWorker, type OutboxWorkerOptions } from './adapters/mail/outbox-worker.js';
import type { MailTransport } from './adapters/mail/types.js';
import { pwnedPasswordsOff } from './adapters/pwned-passwords/off.js';
import { PwnedPasswordsRangeApi } from './adapters/pwned-passwords/range-api.js';
import { DevVerifyService } from './adapters/verify/dev.js';
import type { VerifyService } from './adapters/verify/types.js';
import { csrfTokensPlugin, hasValidCsrfToken, isCrossSiteRequest } from './auth/csrf.js';
import { requireSecondFactorSetUp } from './auth/enforce-two-factor.js';
import { commonPasswords } from './auth/password-blocklist.js';
import { createLimits, type Limits } from './auth/limits.js';
import { configurePasswordHashing } from './auth/password.js';
import { loadSession } from './auth/session.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { purgeExpired } from './db/housekeeping.js';
import { MailSeal, sealCarriedOverMail } from './db/mail-outbox.js';
import { migrateToLatest } from './db/migrate.js';
import { accountRecoveryRoutes } from './features/account-recovery/routes.js';
import { changePasswordRoutes } from './features/change-password/routes.js';
import { devOutboxRoutes } from './features/dev-outbox/routes.js';
import { emailConfirmationRoutes } from './features/email-confirmation/routes.js';
import { homeRoutes } from './features/home/routes.js';
import { adminRoutes } from './features/admin/routes.js';
import { isHiddenConsolePath } from './features/admin/guard.js';
import { FORWARD_AUTH_CHECK_PATHS, forwardAuthReturnRoutes, forwardAuthRoutes } from './forward-auth/routes.js';
import { languageRoutes } from './features/language/routes.js';
import { loginRoutes } from './features/login/routes.js';
import { passwordResetRoutes } from './features/password-reset/routes.js';
import { profileRoutes } from './features/profile/routes.js';
import { registerRoutes } from './features/register/routes.js';
import { securityRoutes } from './features/security/routes.js';
import { twoFactorRoutes } from './features/two-factor/routes.js';
import { changeEmailRoutes } from './features/change-email/routes.js';
import { deleteAccountRoutes } from './features/delete-account/routes.js';
import { reauthenticateRoutes } from './features/reauthenticate/routes.js';
import {
  clientErrorHandler,
  errorHandler,
  frameworkErrorHandler,
  MAX_HEADER_BYTES,
  refuseBeforeRouting,
  trackRoutesForMethodNotAllowed,
  withholdCookiesOnServerErrors,
} from './http/errors.js';
import { zodValidatorCompiler } from './http/form-schema.js';
import { healthRoutes } from './http/health.js';
import { languagePlugin } from './http/language.js';
import { metricsOff } from './http/metrics-off.js';
import { pagesPlugin } from './http/pages.js';
import { requestIdGenerator, sendRequestId } from './http/request-id.js';
import { securityHeadersPlugin } from './http/security-headers.js';
import { deriveKey } from './lib/derive-key.js';
import { hours, systemClock, type Clock } from './lib/duration.js';
import { trustedProxies } from './lib/trusted-proxies.js';
import type { SigningJwk } from './oidc/keys.js';
import { LiveProvider } from './oidc/live-provider.js';
import { mountIdentityProvider } from './oidc/mount.js';
import { providerSessions } from './oidc/logout.js';

/** How often expired sessions, links and dev codes are deleted. */
export const PURGE_INTERVAL_MS = hours(1);

/** Request bodies larger than this are refused with 413 before anything reads them. */
export const BODY_LIMIT_BYTES = 64 * 1024;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BuildOptions {
  /** Use this database instead of opening DATABASE_URL (tests on a throw-away schema). */
  database?: DatabaseHandle;
  clock?: Clock;
  /** Replaces the Verify adapter chosen from the config. */
  verify?: VerifyService;
  /** Replaces the mail transport chosen from the config. */
  mailTransport?: MailTransport;
  outbox?: OutboxWorkerOptions;
  /** false for no logs; otherwise pino at LOG_LEVEL (or `level`), to stdout (or `stream`). */
  logger?: false | { level?: string; stream?: DestinationStream };
}

export interface GatehouseApp extends FastifyInstance {
  ctx: AppContext;
  outbox: OutboxWorker;
  /** The OpenID Connect provider of the moment; `check()` looks at the signing keys now (tests move the clock). */
  oidcProvider: LiveProvider;
}

/** Request log lines without secrets: reset-link tokens are in the URL path. */
function redactedRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    remoteAddress: request.ip,
  };
}

export function redactUrl(url: string): string {
  return url.replace(/^\/(reset-password|confirm-email-change|confirm-email|recover\/cancel|recover|wasnt-me)\/[^/?#]+/, '/$1/[redacted]');
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<GatehouseApp> {
  // The client IP (rate limits, logs) is the socket's unless TRUST_PROXY names the proxies in front; the same
  // function decides whether a proxy's X-Request-Id is kept (src/http/request-id.ts).
  const trust = trustedProxies(config.trustProxy);
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : { level: options.logger?.level ?? config.logLevel, stream: options.logger?.stream, serializers: { req: redactedRequest } },
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestIdGenerator(trust),
    trustProxy: trust ?? false,
    routerOptions: { ignoreTrailingSlash: true },
    // Every answer the server gives itself is the app's page (src/http/errors.ts): before routing…
    frameworkErrors: frameworkErrorHandler(config),
    // …when Node's HTTP parser refuses the request…
    clientErrorHandler: clientErrorHandler(config),
    // …while shutting down, and to an HTTP/1.1 request without Host (both answered by refuseBeforeRouting).
    return503OnClosing: false,
    http: { maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: false },
  });
  app.setValidatorCompiler(zodValidatorCompiler);

  commonPasswords(); // read the password blocklist now, so a missing file stops the start, not a registration
  configurePasswordHashing({ concurrency: config.hashConcurrency }); // process-wide: the thread pool is the process's
  const database = options.database ?? openDatabase(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous });
  const ownsDatabase = options.database === undefined;
  const mailSeal = new MailSeal(config.secretKey);
  try {
    await migrateToLatest(database);
    // Unsent mail from before migration 013 is sealed before anything can read or send it.
    const carriedOver = await sealCarriedOverMail(database.db, mailSeal);
    if (carriedOver > 0) app.log.info({ sealed: carriedOver }, 'sealed the unsent mail queued before the outbox sealed its mail');
  } catch (error) {
    if (ownsDatabase) await database.destroy();
    throw error;
  }
  const clock = options.clock ?? systemClock;
  const transport: MailTransport =
    options.mailTransport ??
    (config.mail.smtp ? new (await import('./adapters/mail/smtp.js')).SmtpMailTransport(config.mail.smtp) : new DevMailTransport(database.db, clock, app.log));
  const metrics = config.metrics ? new (await import('./http/metrics.js')).PrometheusMetrics(database.db, app.log) : null;
  const outbox = new OutboxWorker(database.db, transport, mailSeal, config.mail.from, clock, app.log, {
    retryForMs: config.mail.retryForMs,
    metrics: metrics ?? metricsOff,
    ...options.outbox,
  });
  const pwnedPasswords = config.pwnedPasswords ? new PwnedPasswordsRangeApi(config.pwnedPasswords, app.log) : pwnedPasswordsOff;
  let limits: Limits;
  try {
    limits = await createLimits(config, app.log);
  } catch (error) {
    if (ownsDatabase) await database.destroy();
    throw error;
  }
  if (config.isProduction && !config.redisUrl) {
    app.log.warn('Rate limits and lockouts are counted in this process only: set REDIS_URL when running more than one instance.');
  }
  const verify =
    options.verify ??
    // Vendor SDKs load only when configured: the embedded default stays small (idle RSS, start time).
    (config.twilio
      ? new (await import('./adapters/verify/twilio.js')).TwilioVerifyService(config.twilio, app.log, (code) => metrics?.twilioConfigError(code))
      : new DevVerifyService(database.db, config.secretKey, clock, app.log));
  const ctx: AppContext = {
    config,
    db: database.db,
    clock,
    verify: metrics ? metrics.instrumentVerify(verify) : verify,
    mail: outbox,
    pwnedPasswords,
    limits,
    metrics: metrics ?? metricsOff,
    // Replaced below by the provider's side (providerSessions), which builds the provider only if it needs one.
    identityProvider: { sessionsEnded: async () => undefined, appAccessRemoved: async () => undefined },
  };

  let identityProvider: LiveProvider;
  try {
    // Made at the first start, sealed under SECRET_KEY; a key that does not open stops the start.
    // The library comes with the first request that needs it (src/oidc/live-provider.ts, decision 025).
    const build = async (keys: SigningJwk[]) => (await import('./oidc/provider.js')).buildProvider(ctx, keys, app.log);
    identityProvider = await LiveProvider.start(ctx, build, app.log);
    ctx.identityProvider = providerSessions(ctx, identityProvider, app.log);
  } catch (error) {
    await limits.close();
    if (ownsDatabase) await database.destroy();
    throw error;
  }

  app.decorate('ctx', ctx);
  app.decorate('outbox', outbox);
  app.decorate('oidcProvider', identityProvider);
  app.addHook('onReady', async () => outbox.start());
  // A rotation of the signing keys reaches this instance within KEY_CHECK_INTERVAL_MS, without a restart.
  app.addHook('onReady', async () => identityProvider.startChecking());
  app.addHook('onClose', async () => identityProvider.stopChecking());
  // Housekeeping: expired rows are refused anyway; deleting them keeps the tables small.
  const purge = async () => {
    try {
      const removed = await purgeExpired(database.db, clock.now());
      if (removed > 0) app.log.info({ removed }, 'purged expired sessions and links');
    } catch (error) {
      app.log.warn({ err: error }, 'purging expired rows failed; will retry');
    }
  };
  let purgeTimer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    purgeTimer = setInterval(() => void purge(), PURGE_INTERVAL_MS).unref();
    void purge();
  });
  app.addHook('onClose', async () => clearInterval(purgeTimer));
  app.addHook('onClose', async () => {
    await outbox.stop();
    transport.close?.();
    await limits.close();
    if (ownsDatabase) await database.destroy();
  });

  const notFound = trackRoutesForMethodNotAllowed(app, { hidden: isHiddenConsolePath });
  app.setErrorHandler(errorHandler(config));
  sendRequestId(app); // first: every answer from here on carries X-Request-Id
  // Probes and metrics first and outside the site context: no session, no CSRF, no cookies (src/http/health.ts).
  healthRoutes(app, { db: database.db, limits });
  metrics?.register(app, config);

  // Forward-auth's checks send them only on the answers a browser may see, not on the 200 only the proxy reads.
  await app.register(securityHeadersPlugin, { https: config.secureCookies, sentByRoute: config.accessRules ? FORWARD_AUTH_CHECK_PATHS : [] });
  await app.register(cookie, { secret: deriveKey(config.secretKey, 'cookie-signing') });
  withholdCookiesOnServerErrors(app); // after the cookie plugin: a failed request sets and clears no cookie
  refuseBeforeRouting(app, config); // after the cookie plugin too: its 4xx pages read cookies
  // Forms only: every page posts urlencoded forms, so nothing else needs parsing (a JSON or text body is a 415).
  app.removeContentTypeParser(['application/json', 'text/plain']);
  await app.register(formbody);
  // Forward-auth (ACCESS_RULES_FILE): every request to every protected app passes here, so outside the site's
  // hooks (language, session writes, CSRF, pages); it reads the session cookie itself (src/forward-auth/).
  if (config.accessRules) await app.register(forwardAuthRoutes, { ctx, rules: config.accessRules, trust, databaseVersion: database.version });
  await app.register(csrfTokensPlugin, { config });
  await app.register(languagePlugin, { config });
  await app.register(pagesPlugin, { config });

  await app.register(fastifyStatic, {
    root: join(ROOT, 'public'),
    prefix: '/static/',
    decorateReply: false,
    maxAge: '1h',
  });
  await app.register(fastifyStatic, {
    root: join(ROOT, 'node_modules', 'intl-tel-input', 'dist'),
    prefix: '/vendor/intl-tel-input/',
    decorateReply: false,
    maxAge: '1d',
  });
  await app.register(fastifyStatic, {
    root: join(ROOT, 'node_modules', '@simplewebauthn', 'browser', 'dist', 'bundle'),
    prefix: '/vendor/simplewebauthn/',
    decorateReply: false,
    maxAge: '1d',
  });

  // Everything below sees the session; static files above do not pay for it.
  await app.register(async function site(site) {
    site.addHook('onRequest', loadSession(ctx));
    // CSRF on every state-changing request, checked once the form is parsed and before it is validated.
    site.addHook('preValidation', (request, _reply, done) => {
      // Unknown routes fall through to the 404/405 page; there is nothing there to protect.
      if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS' || request.is404) return done();
      if (isCrossSiteRequest(request, config)) {
        return done(Object.assign(new Error('cross-site request refused'), { statusCode: 403, code: 'FST_CSRF_CROSS_SITE' }));
      }
      if (!hasValidCsrfToken(request, config)) {
        request.log.warn('CSRF token missing or invalid');
        return done(Object.assign(new Error('CSRF token missing or invalid'), { statusCode: 403, code: 'FST_CSRF_INVALID_TOKEN' }));
      }
      done();
    });
    site.setNotFoundHandler(notFound);
    // ENFORCE_2FA for everyone, or for an account whose factors a recovery removed (src/auth/enforce-two-factor.ts).
    site.addHook('preHandler', requireSecondFactorSetUp(ctx));
    // Other apps sign in here (OpenID Connect): /oidc/* and the interaction between it and the sign-in pages.
    await mountIdentityProvider(site, ctx, identityProvider);

    await site.register(homeRoutes, { ctx });
    await site.register(registerRoutes, { ctx });
    await site.register(loginRoutes, { ctx });
    await site.register(profileRoutes, { ctx });
    await site.register(passwordResetRoutes, { ctx });
    await site.register(changePasswordRoutes, { ctx });
    await site.register(emailConfirmationRoutes, { ctx });
    await site.register(securityRoutes, { ctx });
    await site.register(twoFactorRoutes, { ctx });
    await site.register(reauthenticateRoutes, { ctx });
    await site.register(changeEmailRoutes, { ctx });
    await site.register(deleteAccountRoutes, { ctx });
    await site.register(accountRecoveryRoutes, { ctx });
    await site.register(languageRoutes, { ctx });
    await site.register(adminRoutes, { ctx });
    if (config.accessRules) await site.register(forwardAuthReturnRoutes, { ctx, rules: config.accessRules });
    if (!config.isProduction) await site.register(devOutboxRoutes, { ctx });
  });

  return app as unknown as GatehouseApp;
}
