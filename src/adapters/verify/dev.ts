/**
 * Development stand-in for Twilio Verify, used when Twilio is not configured.
 * Codes are 6 digits from a CSPRNG, stored only as an HMAC, live 10 minutes and
 * allow 5 checks, like Verify. The "message" goes to the log and /dev/outbox.
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import { addDevMessage } from '../../db/dev-outbox.js';
import { consumeDevVerification, countDevCheck, deleteDevVerification, findDevVerification, replaceDevVerification } from '../../db/dev-verifications.js';
import type { Database } from '../../db/schema.js';
import { minutes, type Clock } from '../../lib/duration.js';
import type { Locale } from '../../i18n/locales.js';
import { messagesFor } from '../../i18n/messages.js';
import type { CheckResult, StartResult, VerifyChannel, VerifyService } from './types.js';

/** Twilio Verify's defaults, mirrored so development behaves like production. */
export const DEV_CODE_LIFETIME_MS = minutes(10);
export const DEV_MAX_CHECKS = 5;
export const DEV_MAX_SENDS = 5;
const CODE_DIGITS = 6;

export class DevVerifyService implements VerifyService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secret: string,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(to: string, channel: VerifyChannel, locale: Locale): Promise<StartResult> {
    const now = this.clock.now();
    const existing = await findDevVerification(this.db, to, now);
    const sends = (existing?.sends ?? 0) + 1;
    if (sends > DEV_MAX_SENDS) return { ok: false, reason: 'too_many_sends' };
    const code = randomInt(0, 10 ** CODE_DIGITS).toString().padStart(CODE_DIGITS, '0');
    // A resend issues a fresh code (Twilio re-sends the same one; we keep only a hash, so we cannot).
    await replaceDevVerification(this.db, to, this.hash(to, code), sends, existing?.expires_at ?? now + DEV_CODE_LIFETIME_MS);
    // Worded as Twilio would word it in this locale, so a developer sees what a user would get.
    const text = messagesFor(locale).codes.devVerify[channel](code);
    await addDevMessage(this.db, { kind: channel, recipient: to, subject: `Verification code (${channel}, ${locale})`, text_body: text, html_body: null, created_at: now });
    this.log.info({ devOutbox: true, to, channel, locale, code }, `DEV OUTBOX: ${channel === 'sms' ? 'SMS' : 'voice call'} to ${to}: ${code}`);
    return { ok: true };
  }

  async check(to: string, code: string): Promise<CheckResult> {
    const now = this.clock.now();
    const v = await findDevVerification(this.db, to, now);
    if (!v) return { ok: false, reason: 'expired' };
    const checks = await countDevCheck(this.db, to);
    if (checks > DEV_MAX_CHECKS) {
      await deleteDevVerification(this.db, to);
      return { ok: false, reason: 'too_many_checks' };
    }
    const expected = Buffer.from(v.code_hash, 'hex');
    const actual = Buffer.from(this.hash(to, code), 'hex');
    if (!timingSafeEqual(expected, actual)) return { ok: false, reason: 'wrong_code' };
    // Approved codes cannot be used twice: only one of two concurrent checks deletes the row.
    if (!(await consumeDevVerification(this.db, to, v.code_hash))) return { ok: false, reason: 'expired' };
    return { ok: true };
  }

  private hash(to: string, code: string): string {
    return createHmac('sha256', this.secret).update(`dev-verify\0${to}\0${code}`).digest('hex');
  }
}
