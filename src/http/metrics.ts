/**
 * Prometheus metrics at /metrics (prom-client), off unless METRICS_ENABLED=true.
 * One registry per app, so tests (and two apps in one process) never share
 * counters.
 *
 * - `gatehouse_http_request_duration_seconds{method,route,status_code}`: the
 *   route's pattern (`/user/:username`), never the raw URL (usernames and reset
 *   tokens stay out, and the label set stays small); unknown URLs are `unmatched`.
 * - `gatehouse_sign_ins_total{outcome}`: the password step of sign-in —
 *   success, failure (wrong login or password), locked (the account's lockout
 *   refused it), throttled (the IP's limit refused it).
 * - `gatehouse_two_factor_sends_total{channel,outcome}` and
 *   `gatehouse_two_factor_checks_total{outcome}`: every call to the Verify
 *   service (sign-in and enrolment), by result (`ok` or the failure reason).
 * - `gatehouse_twilio_config_errors_total{code}`: Twilio Verify refusals that
 *   only the operator can fix (bad credentials 20003, a channel turned off
 *   60223…, and codes Gatehouse does not know), by Twilio error code. Alert on
 *   any increase: while they last, nobody receives a code.
 * - `gatehouse_mail_outbox_depth`: mail waiting to be delivered, and
 *   `gatehouse_mail_outbox_failed`: mail given up on and not retried since,
 *   both counted in the database at each scrape (so any instance reports them);
 *   `gatehouse_mail_failed_total{kind}`: mail this process gave up on (after
 *   MAIL_RETRY_FOR, or unreadable after a change of SECRET_KEY);
 *   `gatehouse_password_hashes_{running,waiting}`; and prom-client's process
 *   metrics (memory, CPU, event-loop lag).
 *
 * Who may scrape: loopback clients that came through no proxy, or, when
 * METRICS_TOKEN is set, anyone sending `Authorization: Bearer <token>`.
 * Others get 404, as if there were no such page.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Locale } from '../i18n/locales.js';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CheckResult, StartResult, VerifyChannel, VerifyService } from '../adapters/verify/types.js';
import { passwordHashingStats } from '../auth/password.js';
import type { Config } from '../config.js';
import { failedMailCount, pendingMailCount } from '../db/mail-outbox.js';
import type { Database } from '../db/schema.js';
import { withDeadline } from '../lib/deadline.js';
import { seconds } from '../lib/duration.js';
import { isLoopbackAddress } from '../lib/net.js';

/** Request-duration buckets, in seconds: page renders are milliseconds, a sign-in's hash ~50-100 ms, a slow Twilio call seconds. */
export const REQUEST_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Counting the outbox at a scrape gives up after this long (the gauge keeps its last value). */
export const OUTBOX_DEPTH_TIMEOUT_MS = seconds(1);

import type { AppMetrics, BackchannelOutcome, SignInOutcome } from './metrics-off.js';
import { METRICS_PATH } from '../lib/paths.js';

export type { AppMetrics, SignInOutcome };

/** The route label of a request: its pattern, or `unmatched` for a 404 (a raw URL would be unbounded). */
function routeLabel(request: FastifyRequest): string {
  return request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
}

/** A reverse proxy on this machine makes every visitor look local; its forwarding headers give it away. */
function isForwarded(request: FastifyRequest): boolean {
  return ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host'].some((h) => request.headers[h] !== undefined);
}

/** Compares digests, so neither the token's length nor its prefix shows in the time taken. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function mayScrape(request: FastifyRequest, token: string | null): boolean {
  const authorization = request.headers.authorization;
  if (token !== null && typeof authorization === 'string' && authorization.startsWith('Bearer ')) {
    return sameSecret(authorization.slice('Bearer '.length), token);
  }
  const host = (request.headers.host ?? '').replace(/:\d+$/, '');
  // The socket's address, not request.ip: X-Forwarded-For must never make a remote client local.
  return isLoopbackAddress(request.socket.remoteAddress) && !isForwarded(request) && (host === 'localhost' || host === '[::1]' || isLoopbackAddress(host));
}

export class PrometheusMetrics implements AppMetrics {
  readonly registry = new Registry();
  private readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly signIns: Counter<'outcome'>;
  private readonly codeSends: Counter<'channel' | 'outcome'>;
  private readonly codeChecks: Counter<'outcome'>;
  private readonly mailsFailed: Counter<'kind'>;
  private readonly twilioConfigErrors: Counter<'code'>;
  private readonly backchannelLogouts: Counter<'outcome'>;

  constructor(db: Kysely<Database>, log: FastifyBaseLogger) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_' });
    this.requestDuration = new Histogram({
      name: 'gatehouse_http_request_duration_seconds',
      help: 'Time from request to response, by route pattern',
      labelNames: ['method', 'route', 'status_code'],
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    });
    this.signIns = new Counter({ name: 'gatehouse_sign_ins_total', help: 'Password sign-in attempts by outcome', labelNames: ['outcome'], registers });
    this.codeSends = new Counter({
      name: 'gatehouse_two_factor_sends_total',
      help: 'Verification codes sent (SMS or call) by outcome',
      labelNames: ['channel', 'outcome'],
      registers,
    });
    this.codeChecks = new Counter({ name: 'gatehouse_two_factor_checks_total', help: 'Verification codes checked by outcome', labelNames: ['outcome'], registers });
    this.mailsFailed = new Counter({
      name: 'gatehouse_mail_failed_total',
      help: 'Mail this process gave up on (not delivered within MAIL_RETRY_FOR, or unreadable), by kind',
      labelNames: ['kind'],
      registers,
    });
    new Gauge({
      name: 'gatehouse_mail_outbox_failed',
      help: 'Mail given up on and not retried since (npm run admin -- mail list --failed), counted at each scrape',
      registers,
      async collect() {
        try {
          this.set(await withDeadline(failedMailCount(db), OUTBOX_DEPTH_TIMEOUT_MS, 'counting failed mail'));
        } catch (error) {
          log.warn({ err: error }, 'metrics: could not count failed mail');
        }
      },
    });
    this.backchannelLogouts = new Counter({
      name: 'gatehouse_oidc_backchannel_logouts_total',
      help: 'Back-channel logout tokens sent to apps, by outcome (delivered: the app answered 200 or 204)',
      labelNames: ['outcome'],
      registers,
    });
    this.twilioConfigErrors = new Counter({
      name: 'gatehouse_twilio_config_errors_total',
      help: 'Twilio Verify refusals caused by the Twilio account or Verify service set-up, by Twilio error code',
      labelNames: ['code'],
      registers,
    });
    new Gauge({
      name: 'gatehouse_mail_outbox_depth',
      help: 'Mail waiting in the outbox (neither sent nor given up on), counted at each scrape',
      registers,
      async collect() {
        try {
          this.set(await withDeadline(pendingMailCount(db), OUTBOX_DEPTH_TIMEOUT_MS, 'counting the mail outbox'));
        } catch (error) {
          log.warn({ err: error }, 'metrics: could not count the mail outbox');
        }
      },
    });
    new Gauge({
      name: 'gatehouse_password_hashes_running',
      help: 'Password hashes running now (at most HASH_CONCURRENCY)',
      registers,
      collect() {
        this.set(passwordHashingStats().running);
      },
    });
    new Gauge({
      name: 'gatehouse_password_hashes_waiting',
      help: 'Password hashes waiting for a slot',
      registers,
      collect() {
        this.set(passwordHashingStats().waiting);
      },
    });
  }

  signIn(outcome: SignInOutcome): void {
    this.signIns.inc({ outcome });
  }

  mailFailed(kind: string): void {
    this.mailsFailed.inc({ kind });
  }

  backchannelLogout(outcome: BackchannelOutcome): void {
    this.backchannelLogouts.inc({ outcome });
  }

  /** A Twilio Verify configuration error (src/adapters/verify/twilio.ts); `code` is Twilio's error code. */
  twilioConfigError(code: string): void {
    this.twilioConfigErrors.inc({ code });
  }

  /** The Verify service, counting each send and check by its result. */
  instrumentVerify(verify: VerifyService): VerifyService {
    const outcome = (result: StartResult | CheckResult) => (result.ok ? 'ok' : result.reason);
    return {
      start: async (to: string, channel: VerifyChannel, locale: Locale) => {
        const result = await verify.start(to, channel, locale);
        this.codeSends.inc({ channel, outcome: outcome(result) });
        return result;
      },
      check: async (to: string, code: string) => {
        const result = await verify.check(to, code);
        this.codeChecks.inc({ outcome: outcome(result) });
        return result;
      },
    };
  }

  /** Times every request (a root hook, so it sees every route) and serves /metrics. */
  register(app: FastifyInstance, config: Pick<Config, 'metrics'>): void {
    const token = config.metrics?.token ?? null;
    app.addHook('onResponse', async (request, reply) => {
      this.requestDuration.observe(
        { method: request.method, route: routeLabel(request), status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
    app.get(METRICS_PATH, async (request, reply) => {
      if (!mayScrape(request, token)) {
        request.log.info('metrics: refused a client that is not local and has no valid token');
        return reply.status(404).header('content-type', 'text/plain; charset=utf-8').send('Not found\n');
      }
      const body = await this.registry.metrics();
      return reply.header('content-type', this.registry.contentType).header('cache-control', 'no-store').send(body);
    });
  }
}
