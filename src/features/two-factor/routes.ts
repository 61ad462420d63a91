/**
 * Setting up and removing second factors, one folder per factor, each beside its way of signing in
 * (src/features/login/ways/): sms, backup-phone, totp (the authenticator app), passkeys, email (email codes, the
 * fallback) and recovery-codes. The security page (src/features/security/) lists them and links here.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../context.js';
import { backupPhoneRoutes } from './backup-phone/routes.js';
import { emailCodeRoutes } from './email/routes.js';
import { passkeyRoutes } from './passkeys/routes.js';
import { recoveryCodeRoutes } from './recovery-codes/routes.js';
import { smsRoutes } from './sms/routes.js';
import { totpRoutes } from './totp/routes.js';

export const twoFactorRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  await app.register(smsRoutes, { ctx });
  await app.register(backupPhoneRoutes, { ctx });
  await app.register(totpRoutes, { ctx });
  await app.register(passkeyRoutes, { ctx });
  await app.register(emailCodeRoutes, { ctx });
  await app.register(recoveryCodeRoutes, { ctx });
};
