/** Records a security event for a request's user, with where it came from (src/db/security-events.ts). */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { recordSecurityEvent, type SecurityEventKind } from '../db/security-events.js';

export async function logSecurityEvent(ctx: Pick<AppContext, 'db' | 'clock'>, request: FastifyRequest, userId: number, kind: SecurityEventKind, db = ctx.db): Promise<void> {
  const userAgent = request.headers['user-agent'];
  await recordSecurityEvent(db, { userId, kind, now: ctx.clock.now(), ip: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : null });
}
