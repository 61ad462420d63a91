/**
 * Trusted devices: after a second factor, "Remember this device for 30 days"
 * gives the browser a random token in its own long-lived cookie (the server
 * keeps only its SHA-256). A later sign-in from that browser with the right
 * password skips the second factor. The password is always asked; the device
 * only stands in for the phone. Every device of an account is forgotten when
 * its password is reset or changed, its phone changes, or a factor is removed.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.js';
import type { Database, TrustedDevice } from '../db/schema.js';
import { findTrustedDevice, insertTrustedDevice, touchTrustedDevice } from '../db/trusted-devices.js';
import { days } from '../lib/duration.js';
import { deviceName } from '../lib/user-agent.js';
import { baseCookieOptions, cookieName } from './cookies.js';
import { hashToken, looksLikeToken, newToken } from '../lib/tokens.js';

export const TRUSTED_DEVICE_LIFETIME_MS = days(30);

export function deviceCookieName(config: AppContext['config']): string {
  return cookieName(config, 'device');
}

/** Trusts the browser of this request for `userId`; call it in the transaction that completes the sign-in. */
export async function trustThisDevice(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, userId: number, db: Kysely<Database> = ctx.db): Promise<void> {
  const token = newToken();
  const now = ctx.clock.now();
  const userAgent = request.headers['user-agent'];
  await insertTrustedDevice(db, {
    tokenHash: hashToken(token),
    userId,
    // Named once, in the language of the browser that asked to be remembered.
    name: deviceName(request.t, typeof userAgent === 'string' ? userAgent : null),
    now,
    ip: request.ip,
    expiresAt: now + TRUSTED_DEVICE_LIFETIME_MS,
  });
  reply.setCookie(deviceCookieName(ctx.config), token, { ...baseCookieOptions(ctx.config), maxAge: Math.floor(TRUSTED_DEVICE_LIFETIME_MS / 1000) });
}

/** The live trusted device this browser's cookie names for `userId`, if any. */
export async function trustedDeviceOf(ctx: AppContext, request: FastifyRequest, userId: number): Promise<TrustedDevice | undefined> {
  const token = request.cookies[deviceCookieName(ctx.config)];
  if (!token || !looksLikeToken(token)) return undefined;
  return findTrustedDevice(ctx.db, userId, hashToken(token), ctx.clock.now());
}

/** A sign-in used the device: its "last used" and address on the security page. */
export async function noteTrustedDeviceUse(ctx: AppContext, request: FastifyRequest, device: TrustedDevice, db: Kysely<Database> = ctx.db): Promise<void> {
  await touchTrustedDevice(db, device.token_hash, ctx.clock.now(), request.ip);
}
