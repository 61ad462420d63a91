/**
 * The second step of sign-in, for a session whose password is right
 * (`two_factor_pending`): a passkey, a code from an authenticator app, a code
 * by SMS or voice call (main or backup phone), a code by email (a fallback the
 * user turned on), or a recovery code. Each way lives in ./ways/ and brings its
 * page and its check; the limits, the attempt counter and the atomic
 * completion are one gate for all of them (./gate.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../context.js';
import { SignInGate } from './gate.js';
import { emailCodeWay } from './ways/email.js';
import { passkeyWay } from './ways/passkeys.js';
import { recoveryCodeWay } from './ways/recovery-codes.js';
import { smsWay } from './ways/sms.js';
import { totpWay } from './ways/totp.js';

export { startSmsStep } from './ways/sms.js';

export const secondFactorRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const gate = new SignInGate(ctx);
  for (const way of [smsWay, totpWay, passkeyWay, emailCodeWay, recoveryCodeWay]) await app.register(way, { ctx, gate });
};
