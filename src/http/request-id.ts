/**
 * Request ids: every request has one, it is on every log line of that request
 * (`reqId`), on every response (`X-Request-Id`, error pages and probes
 * included) and on the 500/503 page as the reference to quote. Behind a
 * trusted proxy (TRUST_PROXY) the proxy's own `X-Request-Id` is kept, so one
 * id follows a request from the edge to our logs; from anyone else the header
 * is ignored, or a client could choose the id under which its requests are
 * logged and pass its requests off as another's. Even a trusted proxy's id is
 * only kept when it is short and of a few plain characters: it is written
 * into log lines and a response header (log injection, CRLF injection).
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { TrustProxy } from '../lib/trusted-proxies.js';
import { pooledRandomHex } from '../lib/random-pool.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** The label of the id on every log line of a request (Fastify's default; the HTTP parser's refusals use it too). */
export const REQUEST_ID_LOG_LABEL = 'reqId';

/** A proxy's id longer than this is replaced: enough for a UUID, a W3C trace id or an AWS trace header, no more. */
export const MAX_REQUEST_ID_LENGTH = 128;

/**
 * Letters, digits and `- _ . : + / =` (UUIDs, hex, base64, `Root=1-…` trace ids): nothing that can end a log
 * line or a header (CR, LF, other control characters), quote, or hide in a terminal.
 */
const SAFE_REQUEST_ID = new RegExp(`^[A-Za-z0-9._:+/=-]{1,${MAX_REQUEST_ID_LENGTH}}$`);

/** 64 random bits, as 16 hex characters: unique enough among the requests of one log. */
export function newRequestId(): string {
  return pooledRandomHex(8);
}

/** A proxy's id worth keeping, or undefined. */
export function acceptableRequestId(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && SAFE_REQUEST_ID.test(value) ? value : undefined;
}

/**
 * Fastify's `genReqId`: the trusted proxy's id when the socket's peer is one (`trust(peer, 0)`, the decision
 * that lets it set the client IP too) and the id is acceptable; a new one otherwise.
 */
export function requestIdGenerator(trust: TrustProxy | null): (req: IncomingMessage) => string {
  if (trust === null) return newRequestId;
  return (req) => {
    const peer = req.socket?.remoteAddress;
    const offered = peer !== undefined && trust(peer, 0) ? acceptableRequestId(req.headers[REQUEST_ID_HEADER]) : undefined;
    return offered ?? newRequestId();
  };
}

/**
 * Sends the id back on every response that goes through Fastify's hooks. Register it first, on the root
 * instance: a hook that answers early (a 503 while closing, a refused URL) has it already. The answers written
 * before any hook runs (framework errors, the HTTP parser's) set it themselves (src/http/errors.ts).
 */
export function sendRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
