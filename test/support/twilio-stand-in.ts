/**
 * A stand-in for Twilio Verify v2 on a real HTTP port, so the real `twilio`
 * SDK (through TWILIO_API_BASE_URL) is what tests exercise. It speaks the wire
 * format the SDK expects: form-encoded requests with HTTP Basic auth, JSON
 * resources, and Twilio's error body `{code, message, more_info, status}`.
 *
 * What it models (twilio.com/docs/verify/api, /docs/api/errors):
 * - POST /v2/Services/{VA…}/Verifications (To, Channel, optional Locale) → 201,
 *   status "pending". Asking again while a verification is open re-sends the
 *   same code (in that request's Locale); the 6th send of one verification
 *   answers 429 / 60203. Without a Locale, Twilio picks one from the number's
 *   country: the stand-in records null.
 * - POST /v2/Services/{VA…}/VerificationCheck (Code + To or VerificationSid) →
 *   200 "approved" (the verification is then gone) or 200 "pending" for a wrong
 *   code; the 6th check answers 429 / 60202; no open verification (never
 *   started, expired, approved) answers 404 / 20404.
 * - A code lives 10 minutes, measured on an injectable clock.
 * - Wrong credentials answer 401 / 20003 before anything else; an unknown
 *   Verify service, 404 / 20404.
 * - Every other error Twilio documents for these two calls (STAND_IN_ERRORS,
 *   with its HTTP status), on demand: `force(code, { to })` makes the stand-in
 *   answer Twilio error `code` for that number (or every number, one endpoint,
 *   one channel); `force('hang')` never answers.
 *
 * Tests read the code "the phone received" with `codeFor(to)` (and its language
 * in `sent[…].locale`), assert what the SDK sent with `requests`, and force
 * errors and outages with `force(...)`.
 */
import { randomInt, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { minutes, type Clock } from '../../src/lib/duration.js';

/** Verify's default code lifetime. */
export const STAND_IN_CODE_LIFETIME_MS = minutes(10);
/** Verify allows 5 checks of one verification; the 6th answers 60202. */
export const STAND_IN_MAX_CHECKS = 5;
/** Verify allows 5 sends of one verification; the 6th answers 60203. */
export const STAND_IN_MAX_SENDS = 5;

export const STAND_IN_ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
export const STAND_IN_AUTH_TOKEN = 'stand-in-auth-token-0123456789ab';
export const STAND_IN_SERVICE_SID = 'VA' + 'fedcba9876543210'.repeat(2);

/**
 * Twilio's HTTP status and message for every error code the stand-in can
 * answer: each error Twilio documents for starting or checking a verification
 * (twilio.com/docs/verify/api/error-codes and twilio.com/docs/api/errors/<code>).
 * Where a code's page gives no HTTP status, 400, Twilio's status for a request
 * it refuses.
 */
export const STAND_IN_ERRORS = {
  20003: { status: 401, message: 'Authenticate' },
  20404: { status: 404, message: 'The requested resource was not found' },
  20429: { status: 429, message: 'Too Many Requests' },
  20500: { status: 500, message: 'Internal Server Error' },
  20503: { status: 503, message: 'Service unavailable' },
  21211: { status: 400, message: "Invalid 'To' Phone Number" },
  21408: { status: 400, message: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number" },
  21610: { status: 400, message: 'Attempt to send to unsubscribed recipient' },
  21614: { status: 400, message: "'To' number is not a valid mobile number" },
  60200: { status: 400, message: 'Invalid parameter' },
  60201: { status: 400, message: 'Selected template translation is not approved' },
  60202: { status: 429, message: 'Max check attempts reached' },
  60203: { status: 429, message: 'Max send attempts reached' },
  60204: { status: 403, message: 'Service does not support this feature' },
  60205: { status: 403, message: 'SMS is not supported by landline phone number' },
  60212: { status: 429, message: 'Too many concurrent requests for phone number' },
  60214: { status: 400, message: 'Call channel is not supported when using PSD2' },
  60217: { status: 400, message: 'Invalid Service configuration' },
  60220: { status: 400, message: 'Messages to China require use case vetting' },
  60223: { status: 400, message: 'Delivery channel disabled: sms' },
  60226: { status: 400, message: 'Messages sent to china require friendly_name' },
  60227: { status: 400, message: 'The selected channel for template is not supported' },
  60238: { status: 400, message: 'Verification creation attempt is blocked by Twilio' },
  60410: { status: 403, message: 'Verification delivery attempt blocked' },
  60605: { status: 403, message: 'Verification delivery attempt blocked' },
} as const;

export type StandInErrorCode = keyof typeof STAND_IN_ERRORS;

/** An error code Twilio does not document for Verify (a new one, say), with the HTTP status to answer it with. */
export interface UnlistedError {
  code: number;
  status: number;
}

/**
 * What the stand-in can be told to answer with: a documented Twilio error code,
 * 500 (20500), an unlisted code, or "hang" (never answer).
 */
export type ForcedFailure = StandInErrorCode | 500 | UnlistedError | 'hang';
export type Endpoint = 'start' | 'check';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. /v2/Services/VA…/Verifications. */
  path: string;
  endpoint: Endpoint | null;
  /** The form-encoded body, decoded. */
  form: Record<string, string>;
  /** The user name of the Basic auth header (the Account SID the SDK sent), or null. */
  authUser: string | null;
  authPassword: string | null;
  contentType: string | undefined;
  userAgent: string | undefined;
}

export interface SentCode {
  to: string;
  channel: string;
  code: string;
  at: number;
  /** The `Locale` the send asked for (the language of the text or call), or null when none was sent. */
  locale: string | null;
}

interface Verification {
  sid: string;
  to: string;
  channel: string;
  code: string;
  createdAt: number;
  expiresAt: number;
  sends: { channel: string; at: number; attemptSid: string }[];
  checks: number;
}

interface Forced {
  failure: ForcedFailure;
  to: string | null;
  endpoint: Endpoint | null;
  channel: string | null;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;
const CHANNELS = new Set(['sms', 'call', 'whatsapp', 'email', 'auto']);
const PATH = /^\/v2\/Services\/([^/]+)\/(Verifications|VerificationCheck)$/;

function sid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

export interface TwilioStandInOptions {
  accountSid?: string;
  authToken?: string;
  serviceSid?: string;
  /** Where "now" comes from, for code expiry. Default: the system clock. */
  clock?: Clock;
  /**
   * Serve https with this PEM key and certificate instead of plain http, for an app in production mode (which
   * demands an https TWILIO_API_BASE_URL). Default: http.
   */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export class TwilioStandIn {
  readonly accountSid: string;
  readonly authToken: string;
  readonly serviceSid: string;
  /** Every request that reached the stand-in, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /** Every code "delivered" to a phone, in order. */
  readonly sent: SentCode[] = [];

  private readonly clock: Clock;
  private readonly server: Server | HttpsServer;
  private readonly scheme: 'http' | 'https';
  private readonly sockets = new Set<Socket>();
  private readonly open = new Map<string, Verification>();
  private forced: Forced[] = [];
  private port = 0;

  private constructor(options: TwilioStandInOptions) {
    this.accountSid = options.accountSid ?? STAND_IN_ACCOUNT_SID;
    this.authToken = options.authToken ?? STAND_IN_AUTH_TOKEN;
    this.serviceSid = options.serviceSid ?? STAND_IN_SERVICE_SID;
    this.clock = options.clock ?? { now: () => Date.now() };
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.error(res, 20500, String(error));
      });
    };
    this.scheme = options.tls ? 'https' : 'http';
    this.server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener) : createServer(listener);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: TwilioStandInOptions = {}): Promise<TwilioStandIn> {
    const standIn = new TwilioStandIn(options);
    await new Promise<void>((resolve, reject) => {
      standIn.server.once('error', reject);
      standIn.server.listen(0, '127.0.0.1', () => resolve());
    });
    standIn.port = (standIn.server.address() as AddressInfo).port;
    return standIn;
  }

  /** The origin to put in TWILIO_API_BASE_URL. */
  get url(): string {
    return `${this.scheme}://127.0.0.1:${this.port}`;
  }

  /** The TWILIO_* environment that points the app at this stand-in. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      TWILIO_ACCOUNT_SID: this.accountSid,
      TWILIO_AUTH_TOKEN: this.authToken,
      TWILIO_VERIFY_SERVICE_SID: this.serviceSid,
      TWILIO_API_BASE_URL: this.url,
      ...extra,
    };
  }

  /** The code the phone at `to` received last (what a user would read off the screen). */
  codeFor(to: string): string {
    const last = this.sent.filter((s) => s.to === to).at(-1);
    if (!last) throw new Error(`the stand-in sent no code to ${to}`);
    return last.code;
  }

  /** A 6-digit code that is not the open one for `to`. */
  wrongCodeFor(to: string): string {
    const right = this.open.get(to)?.code ?? this.codeFor(to);
    return right === '000000' ? '111111' : '000000';
  }

  /** Requests to one endpoint, optionally for one number. */
  requestsTo(endpoint: Endpoint, to?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.endpoint === endpoint && (to === undefined || r.form.To === to));
  }

  /**
   * From now on, answer with `failure` (every number, endpoint and channel
   * unless narrowed) until `clearForced()`. Per-number rules win over global
   * ones; among equals the latest wins. `channel` narrows sends only, e.g. a
   * landline refuses `sms` (60205) but takes a `call`.
   */
  force(failure: ForcedFailure, where: { to?: string; endpoint?: Endpoint; channel?: 'sms' | 'call' } = {}): void {
    this.forced.push({ failure, to: where.to ?? null, endpoint: where.channel ? 'start' : (where.endpoint ?? null), channel: where.channel ?? null });
  }

  clearForced(): void {
    this.forced = [];
  }

  /** Makes the open verification for `to` expire now, as if 10 minutes had passed. */
  expire(to: string): void {
    const v = this.open.get(to);
    if (!v) throw new Error(`no open verification for ${to}`);
    v.expiresAt = this.clock.now();
  }

  /** Forgets every verification, recorded request and forced failure. */
  reset(): void {
    this.open.clear();
    this.requests.length = 0;
    this.sent.length = 0;
    this.forced = [];
  }

  /** Stops listening and destroys every socket, including requests left hanging. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = (req.url ?? '/').split('?')[0]!;
    const match = PATH.exec(path);
    const endpoint: Endpoint | null = match ? (match[2] === 'Verifications' ? 'start' : 'check') : null;
    const form = Object.fromEntries(new URLSearchParams(body));
    const auth = parseBasicAuth(req.headers.authorization);
    this.requests.push({
      method: req.method ?? '',
      path,
      endpoint,
      form,
      authUser: auth?.user ?? null,
      authPassword: auth?.password ?? null,
      contentType: req.headers['content-type'],
      userAgent: req.headers['user-agent'],
    });

    // Twilio authenticates before it looks at anything else.
    if (!auth || auth.user !== this.accountSid || auth.password !== this.authToken) return this.error(res, 20003);
    if (!match || req.method !== 'POST' || match[1] !== this.serviceSid) return this.error(res, 20404, `The requested resource ${path} was not found`);

    const forced = this.forcedFor(endpoint!, form.To ?? this.toOfSid(form.VerificationSid), form.Channel);
    if (forced === 'hang') return; // never answer; close() destroys the socket
    if (forced === 500) return this.error(res, 20500);
    if (typeof forced === 'object') return this.json(res, forced.status, { code: forced.code, message: 'Error', more_info: `https://www.twilio.com/docs/errors/${forced.code}`, status: forced.status });
    if (forced !== undefined) return this.error(res, forced);

    if (endpoint === 'start') return this.startVerification(res, form);
    return this.checkVerification(res, form);
  }

  private startVerification(res: ServerResponse, form: Record<string, string>): void {
    const { To: to, Channel: channel, Locale: locale } = form;
    if (!to || !E164.test(to)) return this.error(res, 60200, `Invalid parameter \`To\`: ${to ?? ''}`);
    if (!channel || !CHANNELS.has(channel)) return this.error(res, 60200, `Invalid parameter \`Channel\`: ${channel ?? ''}`);
    const now = this.clock.now();
    let v = this.openVerification(to);
    if (!v) {
      v = { sid: sid('VE'), to, channel, code: randomInt(0, 1_000_000).toString().padStart(6, '0'), createdAt: now, expiresAt: now + STAND_IN_CODE_LIFETIME_MS, sends: [], checks: 0 };
      this.open.set(to, v);
    }
    if (v.sends.length >= STAND_IN_MAX_SENDS) return this.error(res, 60203);
    v.channel = channel;
    v.sends.push({ channel, at: now, attemptSid: sid('VL') });
    this.sent.push({ to, channel, code: v.code, at: now, locale: locale ?? null });
    this.json(res, 201, this.verificationResource(v, 'pending'));
  }

  private checkVerification(res: ServerResponse, form: Record<string, string>): void {
    const { Code: code, To: to, VerificationSid: verificationSid } = form;
    if (!code) return this.error(res, 60200, 'Invalid parameter: Code');
    if (!to && !verificationSid) return this.error(res, 60200, 'Either a To or VerificationSid must be specified');
    const key = to ?? this.toOfSid(verificationSid);
    const v = key === undefined ? undefined : this.openVerification(key);
    if (!v || (verificationSid && v.sid !== verificationSid)) {
      return this.error(res, 20404, `The requested resource /Services/${this.serviceSid}/VerificationCheck was not found`);
    }
    if (!/^[0-9]{4,10}$/.test(code)) return this.error(res, 60200, 'Invalid parameter: Code');
    if (v.checks >= STAND_IN_MAX_CHECKS) return this.error(res, 60202);
    v.checks++;
    if (code !== v.code) return this.json(res, 200, this.checkResource(v, 'pending'));
    this.open.delete(v.to); // an approved verification cannot be checked again
    this.json(res, 200, this.checkResource(v, 'approved'));
  }

  private openVerification(to: string): Verification | undefined {
    const v = this.open.get(to);
    if (v && v.expiresAt <= this.clock.now()) {
      this.open.delete(to);
      return undefined;
    }
    return v;
  }

  private toOfSid(verificationSid: string | undefined): string | undefined {
    if (!verificationSid) return undefined;
    for (const v of this.open.values()) if (v.sid === verificationSid) return v.to;
    return undefined;
  }

  private forcedFor(endpoint: Endpoint, to: string | undefined, channel: string | undefined): ForcedFailure | undefined {
    const applies = (f: Forced) => (f.endpoint === null || f.endpoint === endpoint) && (f.channel === null || f.channel === channel);
    const perNumber = this.forced.filter((f) => applies(f) && f.to !== null && f.to === to).at(-1);
    return (perNumber ?? this.forced.filter((f) => applies(f) && f.to === null).at(-1))?.failure;
  }

  private verificationResource(v: Verification, status: string) {
    const updated = v.sends.at(-1)?.at ?? v.createdAt;
    return {
      sid: v.sid,
      service_sid: this.serviceSid,
      account_sid: this.accountSid,
      to: v.to,
      channel: v.channel,
      status,
      valid: false,
      lookup: { carrier: null },
      amount: null,
      payee: null,
      send_code_attempts: v.sends.map((s) => ({ attempt_sid: s.attemptSid, channel: s.channel, time: new Date(s.at).toISOString() })),
      date_created: new Date(v.createdAt).toISOString(),
      date_updated: new Date(updated).toISOString(),
      sna: null,
      url: `https://verify.twilio.com/v2/Services/${this.serviceSid}/Verifications/${v.sid}`,
    };
  }

  private checkResource(v: Verification, status: 'approved' | 'pending') {
    return {
      sid: v.sid,
      service_sid: this.serviceSid,
      account_sid: this.accountSid,
      to: v.to,
      channel: v.channel,
      status,
      valid: status === 'approved',
      amount: null,
      payee: null,
      sna_attempts_error_codes: [],
      date_created: new Date(v.createdAt).toISOString(),
      date_updated: new Date(this.clock.now()).toISOString(),
    };
  }

  private error(res: ServerResponse, code: StandInErrorCode, message?: string): void {
    const known = STAND_IN_ERRORS[code];
    this.json(res, known.status, { code, message: message ?? known.message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: known.status });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
