/**
 * Twilio Verify v2 through the official SDK. Twilio's answers are mapped to
 * the failure values of types.ts; anything unexpected counts as "unavailable",
 * which never lets anyone in.
 */
import twilio from 'twilio';
import type { RequestOptions } from 'twilio/lib/base/RequestClient.js';
import type { FastifyBaseLogger } from 'fastify';
import type { TwilioSettings } from '../../config.js';
import { withDeadline } from '../../lib/deadline.js';
import type { Locale } from '../../i18n/locales.js';
import type { CheckFailure, CheckResult, StartFailure, StartResult, VerifyChannel, VerifyService } from './types.js';

/**
 * Verify's host as the SDK builds it: verify.twilio.com, or with an edge and/or
 * region (verify.dublin.ie1.twilio.com) when TWILIO_EDGE / TWILIO_REGION are in
 * the environment, which the SDK reads on its own.
 */
const TWILIO_VERIFY_HOST = /^verify(\.[a-z0-9-]+)*\.twilio\.com$/;

/**
 * The SDK has no base-URL option; its own `httpClient` seam is the supported
 * way to send requests elsewhere. This client rewrites Verify's origin to
 * TWILIO_API_BASE_URL (a stand-in, a staging proxy) and otherwise behaves as
 * the stock client, including its timeout. A request it cannot rebase is
 * refused rather than sent, with the credentials, to a real Twilio host.
 */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string,
    timeoutMs: number,
  ) {
    super({ timeout: timeoutMs });
  }
  override request<TData>(opts: RequestOptions<TData>) {
    const url = new URL(opts.uri);
    if (url.protocol !== 'https:' || !TWILIO_VERIFY_HOST.test(url.hostname)) {
      return Promise.reject(new Error(`TWILIO_API_BASE_URL is set; refusing to send a request to ${url.origin}`));
    }
    return super.request({ ...opts, uri: this.baseUrl + url.pathname + url.search });
  }
}

const START_FAILURES: Record<number, StartFailure> = {
  60200: 'invalid_number',
  21211: 'invalid_number',
  21614: 'invalid_number',
  60205: 'landline',
  60410: 'blocked',
  60605: 'blocked',
  60203: 'too_many_sends',
};

const CHECK_FAILURES: Record<number, CheckFailure> = {
  20404: 'expired',
  60202: 'too_many_checks',
  60200: 'wrong_code', // a malformed code (e.g. wrong length) is just a wrong code to the user
};

interface TwilioErrorLike {
  status?: number;
  code?: number | string;
  message?: string;
}

/**
 * What is safe to log about a failed call. Never the error object itself: an
 * axios error (timeout, network) carries the request config and the socket,
 * and with them the `Authorization: Basic AccountSid:AuthToken` header.
 */
function loggableError(error: unknown): Record<string, unknown> {
  const e = (error ?? {}) as TwilioErrorLike & { name?: unknown; moreInfo?: unknown };
  return {
    twilioCode: e.code,
    status: e.status,
    errorName: typeof e.name === 'string' ? e.name : undefined,
    errorMessage: typeof e.message === 'string' ? e.message : String(error),
    moreInfo: typeof e.moreInfo === 'string' ? e.moreInfo : undefined,
  };
}

export class TwilioVerifyService implements VerifyService {
  private readonly client: ReturnType<typeof twilio>;

  constructor(
    private readonly settings: TwilioSettings,
    private readonly log: FastifyBaseLogger,
  ) {
    const httpClient = settings.apiBaseUrl
      ? new RebasedRequestClient(settings.apiBaseUrl, settings.timeoutMs)
      : new twilio.RequestClient({ timeout: settings.timeoutMs });
    this.client = twilio(settings.accountSid, settings.authToken, { httpClient });
  }

  private get service() {
    return this.client.verify.v2.services(this.settings.verifyServiceSid);
  }

  async start(to: string, channel: VerifyChannel, locale: Locale): Promise<StartResult> {
    try {
      // Locale: Twilio words the text or the call in the language the person is reading Gatehouse in.
      await withDeadline(this.service.verifications.create({ to, channel, locale }), this.settings.timeoutMs, 'Twilio Verify');
      return { ok: true };
    } catch (error) {
      const e = error as TwilioErrorLike;
      const reason = typeof e.code === 'number' ? START_FAILURES[e.code] : undefined;
      if (reason) return { ok: false, reason };
      this.log.warn(loggableError(error), 'Twilio Verify could not start a verification');
      return { ok: false, reason: 'unavailable' };
    }
  }

  async check(to: string, code: string): Promise<CheckResult> {
    try {
      const result = await withDeadline(this.service.verificationChecks.create({ to, code }), this.settings.timeoutMs, 'Twilio Verify');
      if (result.status === 'approved') return { ok: true };
      // Twilio answers a wrong code with HTTP 200 and status "pending".
      if (result.status === 'pending') return { ok: false, reason: 'wrong_code' };
      // "canceled", "expired", "max_attempts_reached"…: the code can no longer pass.
      return { ok: false, reason: result.status === 'max_attempts_reached' ? 'too_many_checks' : 'expired' };
    } catch (error) {
      const e = error as TwilioErrorLike;
      const reason = typeof e.code === 'number' ? CHECK_FAILURES[e.code] : undefined;
      if (reason) return { ok: false, reason };
      this.log.warn(loggableError(error), 'Twilio Verify could not check a code');
      return { ok: false, reason: 'unavailable' };
    }
  }
}
