/**
 * The ceiling of the benchmark: a bare Fastify 5 app with one route and no
 * plugins, hooks or logging, started as its own process like the real server.
 * bench/run.ts compares every page with what this answers per second.
 *
 * With BENCH_REPLAY=<file> (JSON: status, headers, body, as bench/pages.ts saves
 * a page's answer) the route answers those very headers and body instead: a
 * page's bytes with none of its work, the floor of what that page can cost.
 * With BENCH_REPLAY_FRESH_TOKEN=1 as well, each answer also carries what no
 * CSRF-protected form can do without: a fresh random secret in a signed cookie
 * and a fresh masked token for it in the page, made as src/auth/csrf.ts makes
 * them (the same pooled randomness, an HMAC-SHA256 as @fastify/cookie signs).
 * With BENCH_REPLAY_SIGNED_IN=<database URL> and BENCH_REPLAY_SESSION=<session
 * token> instead, each answer first does what no signed-in profile page can do
 * without, with Gatehouse's own data layer: the session looked up by its token's
 * hash (with its account), the profile's account by its name, and the page's
 * token masked with the session's secret.
 * With BENCH_SIGN_IN_FLOOR=<database URL> and BENCH_REPLAY=<the sign-in page's answer>
 * instead, it answers the least any password sign-in with server-side sessions
 * does: GET /login is the saved page with a fresh CSRF secret and token; POST
 * /login parses the form, checks the token with src/auth/csrf.ts's own check, finds the
 * account by its login, verifies the password through Gatehouse's own hashing
 * gate (src/auth/password.ts, the same bound), stores a session row (src/db's
 * insertSession) and redirects with its cookie. No rate limit, lockout, second
 * factor, security event or new-browser check: what Gatehouse adds to that is
 * its own work.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type RouteHandlerMethod } from 'fastify';
import { pooledRandomBytes } from '../src/lib/random-pool.js';

interface Replay {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

const port = Number(process.env.PORT ?? 0);
const app = Fastify({ logger: false });
const replayFile = process.env.BENCH_REPLAY;
if (replayFile) {
  const replay = JSON.parse(readFileSync(replayFile, 'utf8')) as Replay;
  const body = Buffer.from(replay.body, 'utf8');
  if (process.env.BENCH_SIGN_IN_FLOOR) {
    await signInFloor(replay, process.env.BENCH_SIGN_IN_FLOOR);
  } else if (process.env.BENCH_REPLAY_FRESH_TOKEN) {
    app.get('/', await freshTokenRoute(replay, randomBytes(32)));
  } else if (process.env.BENCH_REPLAY_SIGNED_IN && process.env.BENCH_REPLAY_SESSION && process.env.BENCH_REPLAY_PROFILE) {
    app.get('/', await signedInRoute(replay, process.env.BENCH_REPLAY_SIGNED_IN, process.env.BENCH_REPLAY_SESSION, process.env.BENCH_REPLAY_PROFILE));
  } else {
    app.get('/', (_request, reply) => {
      void reply.code(replay.status).headers(replay.headers).send(body);
    });
  }
} else {
  app.get('/', async () => ({ hello: 'world' }));
}
await app.listen({ port, host: '127.0.0.1' });

/** The saved page split where its CSRF tokens are (a page may carry several: its form's, the language switcher's). */
function aroundTokens(body: string): string[] {
  const parts = body.split(/(?<=name="_csrf" value=")[^"]+/);
  if (parts.length < 2) throw new Error('the saved page has no CSRF token');
  return parts;
}

/**
 * The saved signed-in page after the lookups it cannot do without, made with src/db's own functions on the run's
 * database: the session and its account by the token's hash, the profile's account by its name; then the page's
 * token masked with the session's secret.
 */
async function signedInRoute(replay: Replay, databaseUrl: string, sessionToken: string, profileName: string): Promise<RouteHandlerMethod> {
  const { openDatabase } = await import('../src/db/database.js');
  const { findLiveSession } = await import('../src/db/sessions.js');
  const { findUserByUsername } = await import('../src/db/users.js');
  const { hashToken } = await import('../src/lib/tokens.js');
  const { maskSecret } = await import('../src/auth/csrf.js');
  const { SESSION_IDLE_TIMEOUT_MS } = await import('../src/auth/policy.js');
  const { db } = openDatabase(databaseUrl);
  const parts = aroundTokens(replay.body);
  const headers = { ...replay.headers };
  return async (_request, reply) => {
    const found = await findLiveSession(db, hashToken(sessionToken), Date.now(), SESSION_IDLE_TIMEOUT_MS);
    const profile = await findUserByUsername(db, profileName);
    if (!found?.session.csrf_secret || !profile) throw new Error('the saved session or profile is gone');
    const token = maskSecret(Buffer.from(found.session.csrf_secret, 'base64url'));
    return reply.code(replay.status).headers(headers).send(parts.join(token));
  };
}

/** The value of a cookie signed as @fastify/cookie signs them: `value.HMAC-SHA256(value)` in base64 without padding. */
const signCookie = (value: string, key: Buffer) => `${value}.${createHmac('sha256', key).update(value).digest('base64').replace(/=+$/, '')}`;

/**
 * The saved answer with a fresh CSRF secret and token in it: 24 random bytes, their HMAC-SHA256 for the signed
 * cookie, and the token masked with src/auth/csrf.ts's own `maskSecret`, put where the saved ones were.
 * `key` signs the cookie (random: only the work counts).
 */
async function freshTokenRoute(replay: Replay, key: Buffer): Promise<RouteHandlerMethod> {
  const { maskSecret } = await import('../src/auth/csrf.js');
  const parts = aroundTokens(replay.body);
  const cookies = [replay.headers['set-cookie'] ?? []].flat();
  const csrfCookie = cookies.findIndex((c) => c.includes('csrf'));
  if (csrfCookie < 0) throw new Error('the saved answer sets no CSRF cookie');
  const saved = cookies[csrfCookie]!;
  const name = saved.slice(0, saved.indexOf('='));
  const attributes = saved.slice(saved.indexOf(';'));
  const headers = { ...replay.headers };
  return (_request, reply) => {
    const secret = pooledRandomBytes(24);
    const signed = signCookie(secret.toString('base64url'), key);
    const setCookie = [...cookies];
    setCookie[csrfCookie] = `${name}=${encodeURIComponent(signed)}${attributes}`;
    void reply.code(replay.status).headers({ ...headers, 'set-cookie': setCookie }).send(parts.join(maskSecret(secret)));
  };
}

/** The sign-in floor (BENCH_SIGN_IN_FLOOR): GET /login as the fresh-token replay, POST /login as described above. */
async function signInFloor(replay: Replay, databaseUrl: string): Promise<void> {
  const { default: cookie } = await import('@fastify/cookie');
  const { default: formbody } = await import('@fastify/formbody');
  const { openDatabase } = await import('../src/db/database.js');
  const { findUserByLogin } = await import('../src/db/users.js');
  const { insertSession } = await import('../src/db/sessions.js');
  const { hasValidCsrfToken, newCsrfSecret } = await import('../src/auth/csrf.js');
  const { hashToken, newToken } = await import('../src/lib/tokens.js');
  const { sessionCookieOf } = await import('../src/auth/cookies.js');
  const sessionCookie = sessionCookieOf({ secureCookies: true, cookieDomain: null }).name;
  const { SESSION_MAX_LIFETIME_MS } = await import('../src/auth/policy.js');
  const { configurePasswordHashing, verifyPassword } = await import('../src/auth/password.js');
  const { db } = openDatabase(databaseUrl);
  // The bound Gatehouse's server was given (HASH_CONCURRENCY=n npm run bench…); otherwise the same default.
  if (process.env.HASH_CONCURRENCY) configurePasswordHashing({ concurrency: Number(process.env.HASH_CONCURRENCY) });
  // The form's cookie is signed with `key` as @fastify/cookie signs, so Gatehouse's own check reads it back.
  const key = randomBytes(32);
  await app.register(cookie, { secret: key });
  await app.register(formbody);
  app.get('/login', await freshTokenRoute(replay, key));
  app.post('/login', async (request, reply) => {
    // The saved page is production's: its cookies are Secure and __Host- prefixed.
    if (!hasValidCsrfToken(request, { secureCookies: true })) return reply.code(403).send('CSRF token missing or invalid');
    const form = request.body as Record<string, string | undefined>;
    const user = await findUserByLogin(db, form.login ?? '');
    if (!user || !(await verifyPassword(user.password_hash, form.password ?? ''))) return reply.code(401).send('wrong login or password');
    const token = newToken();
    const now = Date.now();
    await insertSession(db, {
      id: hashToken(token),
      userId: user.id,
      twoFactorPending: false,
      remember: false,
      nextPath: null,
      now,
      expiresAt: now + SESSION_MAX_LIFETIME_MS,
      csrfSecret: newCsrfSecret(),
      authenticatedAt: now,
    });
    return reply.header('set-cookie', `${sessionCookie}=${token}; Path=/; HttpOnly; Secure; SameSite=Lax`).redirect('/', 302);
  });
}

process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
