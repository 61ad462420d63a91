/** Records a security event for a request's user, with where it came from (src/db/security-events.ts). */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { recordSecurityEvent, type AppEventKind, type SecurityEventKind } from '../db/security-events.js';

export async function logSecurityEvent(ctx: Pick<AppContext, 'db' | 'clock'>, request: FastifyRequest, userId: number, kind: SecurityEventKind, db = ctx.db): Promise<void> {
  await record(ctx, request, userId, kind, null, db);
}

/** An event about one app (allowed, removed…): the activity log names the app (`clientId`). */
export async function logAppEvent(ctx: Pick<AppContext, 'db' | 'clock'>, request: FastifyRequest, userId: number, kind: AppEventKind, clientId: string, db = ctx.db): Promise<void> {
  await record(ctx, request, userId, kind, clientId, db);
}

async function record(ctx: Pick<AppContext, 'clock'>, request: FastifyRequest, userId: number, kind: SecurityEventKind, clientId: string | null, db: AppContext['db']): Promise<void> {
  const userAgent = request.headers['user-agent'];
  await recordSecurityEvent(db, { userId, kind, now: ctx.clock.now(), ip: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : null, clientId });
}
