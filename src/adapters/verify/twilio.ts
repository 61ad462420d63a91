/**
 * Twilio Verify v2 through the official SDK. Twilio's answers are mapped to
 * the failure values of types.ts by one table, TWILIO_VERIFY_ERRORS; only an
 * outage (a timeout, a network error, HTTP 5xx, 20429) is "unavailable", and
 * a code the table does not know is "misconfigured": neither ever lets anyone
 * in, and neither can be used to pause SMS for everyone (src/auth/limits.ts
 * counts only "unavailable" towards its circuit breaker).
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

/** What one Twilio error code means for each of the two calls Gatehouse makes. */
export interface TwilioErrorMeaning {
  /** Twilio's title for the code (twilio.com/docs/api/errors/<code>). */
  title: string;
  /** Its meaning when starting a verification; null: Twilio does not document it for this call. */
  start: StartFailure | null;
  /** Its meaning when checking a code; null: Twilio does not document it for this call. */
  check: CheckFailure | null;
}

/**
 * Every error Twilio documents for starting a verification
 * (POST /v2/Services/{sid}/Verifications) or checking one
 * (POST /v2/Services/{sid}/VerificationCheck), grouped by what the person can
 * do about it. Each reason has its message in `codes.startFailure` /
 * `codes.checkFailure` (src/i18n/<language>/codes.ts).
 *
 * Sources (read December 2026): the Verify v2 list,
 * twilio.com/docs/verify/api/error-codes; each code's page,
 * twilio.com/docs/api/errors/<code>; the Programmable Messaging codes Verify
 * passes on for SMS (21211, 21408, 21610, 21614) from the same dictionary;
 * 20404 for a verification that is gone, twilio.com/docs/verify/api/verification-check.
 *
 * A code that is not here, or is null for the call, is handled as
 * `misconfigured` (and logged with its code so it can be added); an HTTP 5xx is
 * `unavailable` whatever its code.
 */
export const TWILIO_VERIFY_ERRORS = {
  // -- Fix the number. --
  // Start: `To` is not E.164. Check: `Code` is not 4-10 digits, which to the person is a wrong code.
  60200: { title: 'Invalid parameter', start: 'invalid_number', check: 'wrong_code' },
  21211: { title: "Invalid 'To' Phone Number", start: 'invalid_number', check: null },

  // -- Use another number, or a voice call. --
  60205: { title: 'SMS is not supported by landline phone number', start: 'landline', check: null },
  // "likely a landline number or an invalid number"
  21614: { title: "'To' number is not a valid mobile number", start: 'landline', check: null },
  // The number replied STOP; START turns texts back on; calls are not affected.
  21610: { title: 'Attempt to send to unsubscribed recipient', start: 'unsubscribed', check: null },
  // Refusals for one prefix or country: answers about one number, which anyone can provoke at will.
  60410: { title: 'Verification delivery attempt blocked (Fraud Guard, the prefix for 12 hours)', start: 'blocked', check: null },
  60605: { title: 'Verification delivery attempt blocked (Verify geo permissions)', start: 'blocked', check: null },
  21408: { title: 'Permission to send an SMS has not been enabled for the region', start: 'blocked', check: null },
  60220: { title: 'Messages to China require use case vetting', start: 'blocked', check: null },
  60226: { title: 'Messages sent to China require friendly_name', start: 'blocked', check: null },

  // -- Wait, then try again. --
  60203: { title: 'Max send attempts reached (5 per verification)', start: 'too_many_sends', check: null },
  60212: { title: 'Too many concurrent requests for phone number', start: 'number_busy', check: null },

  // -- Send a new code. --
  // Check: the verification is gone (expired, approved, never started). Start: there is no such Verify service.
  20404: { title: 'Not Found', start: 'misconfigured', check: 'expired' },
  60202: { title: 'Max check attempts reached (5 per verification)', start: null, check: 'too_many_checks' },

  // -- Nothing the person can do: the operator's Twilio account or Verify service refuses. --
  20003: { title: 'Authentication failed (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN)', start: 'misconfigured', check: 'misconfigured' },
  60223: { title: 'Delivery channel disabled (in the Verify service settings)', start: 'misconfigured', check: null },
  60214: { title: 'Call channel is not supported when using PSD2', start: 'misconfigured', check: null },
  60204: { title: 'Service does not support this feature', start: 'misconfigured', check: null },
  60217: { title: 'Invalid Service configuration', start: 'misconfigured', check: null },
  60201: { title: 'Selected template translation is not approved', start: 'misconfigured', check: null },
  60227: { title: 'The selected channel for template is not supported', start: 'misconfigured', check: null },
  // "your upgrade request is going through a review process" (or a destination Twilio no longer serves).
  60238: { title: 'Verification creation attempt blocked by Twilio', start: 'misconfigured', check: null },

  // -- An outage: the only failures that count towards the SMS circuit breaker. --
  // "An API Request that receives an error 429 response is never processed and is always safe to retry."
  20429: { title: 'Too Many Requests (the account\'s API concurrency)', start: 'unavailable', check: 'unavailable' },
  20500: { title: 'Internal Server Error', start: 'unavailable', check: 'unavailable' },
  20503: { title: 'Service unavailable', start: 'unavailable', check: 'unavailable' },
} as const satisfies Record<number, TwilioErrorMeaning>;

export type TwilioVerifyErrorCode = keyof typeof TWILIO_VERIFY_ERRORS;

interface TwilioErrorLike {
  /** The HTTP status of Twilio's answer; absent when there was none (timeout, network). */
  status?: number;
  code?: number | string;
  message?: string;
}

type Call = 'start' | 'check';

/**
 * What a failed call means. No answer at all (a timeout, a network error) or
 * an HTTP 5xx is an outage, whatever the code; otherwise the table decides,
 * and a code it does not list for this call is `misconfigured`: it says
 * nothing about the person's number, and counting it as an outage would let
 * whoever can provoke it pause SMS for everyone.
 */
export function twilioFailure(call: 'start', error: unknown): StartFailure;
export function twilioFailure(call: 'check', error: unknown): CheckFailure;
export function twilioFailure(call: Call, error: unknown): StartFailure | CheckFailure {
  const e = (error ?? {}) as TwilioErrorLike;
  if (typeof e.status !== 'number' || e.status >= 500) return 'unavailable';
  const meaning: TwilioErrorMeaning | undefined = typeof e.code === 'number' ? (TWILIO_VERIFY_ERRORS as Record<number, TwilioErrorMeaning>)[e.code] : undefined;
  return meaning?.[call] ?? 'misconfigured';
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
    /** Told each configuration error's Twilio code (the app counts them in gatehouse_twilio_config_errors_total). */
    private readonly onConfigError: (code: string) => void = () => undefined,
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
      const reason = twilioFailure('start', error);
      this.report('start', reason, error);
      return { ok: false, reason };
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
      const reason = twilioFailure('check', error);
      this.report('check', reason, error);
      return { ok: false, reason };
    }
  }

  /**
   * Tells the operator what they must act on: an outage as a warning (it
   * passes, and the circuit breaker watches the rate), a configuration error
   * at error level and in a metric (it lasts until someone fixes it). A
   * person-specific answer (a bad number, a STOP) is for the person alone.
   */
  private report(call: Call, reason: StartFailure | CheckFailure, error: unknown): void {
    const what = call === 'start' ? 'start a verification' : 'check a code';
    if (reason === 'unavailable') {
      this.log.warn(loggableError(error), `Twilio Verify could not ${what}`);
    } else if (reason === 'misconfigured') {
      const code = (error as TwilioErrorLike).code;
      const listed = typeof code === 'number' ? (TWILIO_VERIFY_ERRORS as Record<number, TwilioErrorMeaning>)[code] : undefined;
      const meaning = listed ? `${code}: ${listed.title}` : `${String(code)}, an answer TWILIO_VERIFY_ERRORS does not list for this call`;
      this.onConfigError(String(code ?? 'none'));
      this.log.error(
        { ...loggableError(error), event: 'twilio_config_error' },
        `Twilio Verify refused to ${what} because of how the Twilio account or Verify service is set up (${meaning}). Codes by SMS and call fail for everyone until it is fixed.`,
      );
    }
  }
}
