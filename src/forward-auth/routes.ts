/**
 * Forward-auth: a reverse proxy asks Gatehouse about every request to the apps behind it, and lets it through,
 * sends the person to sign in, or refuses it — with Authelia's answers, which these proxies' users know:
 *
 * - `/api/authz/forward-auth` (Traefik's forwardAuth, Caddy's forward_auth): 200 with `Remote-User`,
 *   `Remote-Email`, `Remote-Name`, `Remote-Groups`; not signed in: 302 (GET/HEAD) or 303 to the sign-in with
 *   `rd=` the original URL, or 401 for XHR/fetch; signed in but not allowed: 403.
 * - `/api/authz/auth-request` (nginx's auth_request): 200, 401 or 403 only; the 401 carries the sign-in URL in
 *   `Location` for nginx's `error_page 401 =302 $redirection_url`.
 *
 * It is the hottest path of a deployment, so it sits outside the site's hooks (no language, CSRF or page
 * machinery), reads the session, its account and groups with one prepared query, parses nothing but the
 * proxy's headers (the rules were compiled at start), leaves the page security headers off the 200 only the
 * proxy reads, and writes nothing — except, at most once a minute per session, the session's last activity,
 * without which someone working only in the apps would reach the idle timeout (decision record 018). On SQLite
 * what the query found is kept until the database changes (`CheckedSubjects`): a sign-out or a removed group
 * still counts at the next check.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { onlyCookie } from '../auth/cookies.js';
import { factorsOf, hasSecondFactor } from '../auth/factors.js';
import { ACTIVITY_WRITE_INTERVAL_MS, SESSION_IDLE_TIMEOUT_MS } from '../auth/policy.js';
import { sessionCookieName } from '../auth/session.js';
import { howSignedIn } from '../auth/sign-in.js';
import { hashToken, looksLikeToken } from '../lib/tokens.js';
import type { AppContext } from '../context.js';
import { CheckedSubjects, type CheckedSession, type CheckedUser } from '../db/forward-auth.js';
import { touchSession } from '../db/sessions.js';
import { negotiateLocale } from '../i18n/locales.js';
import { messagesFor } from '../i18n/messages.js';
import { securityHeaders } from '../http/security-headers.js';
import type { TrustProxy } from '../lib/trusted-proxies.js';
import { acrOf, ACR_ONE_FACTOR } from '../oidc/claims.js';
import { continuingPage } from '../oidc/views.js';
import { allowedReturnUrl, fromForwardedHeaders, fromOriginalHeaders, MAX_ORIGINAL_URL_LENGTH, type ForwardedRequest } from './request.js';
import { decide, type AccessRules, type Decision, type Subject } from './rules.js';
import { AUTH_REQUEST_PATH, FORWARD_AUTH_PATH, FORWARD_AUTH_RETURN_PATH, HOME_PATH, LOGIN_PATH, SECURITY_PATH } from '../lib/paths.js';

/** Who asks when no session does. */
const NOBODY: Subject = Object.freeze({ level: 0, groups: Object.freeze([]) });
/** The checks' paths: the site-wide security headers leave them to the routes (`securityHeadersPlugin`). */
export const FORWARD_AUTH_CHECK_PATHS: readonly string[] = Object.freeze([FORWARD_AUTH_PATH, AUTH_REQUEST_PATH]);

/** What a check comes to, once the account's factors have been looked at where the rules' decision needs them. */
type Outcome =
  | { kind: 'allow'; as: SignedIn | null; groups: readonly string[] }
  | { kind: 'sign-in'; twoFactor: boolean; fresh: boolean }
  /** Two factors are needed and the account has none yet (or ENFORCE_2FA asks for one): to the security page. */
  | { kind: 'set-up-factor' }
  | { kind: 'forbidden' }
  /** Not asked by a trusted proxy, or asked without saying about what. */
  | { kind: 'refused'; reason: 'untrusted' | 'incomplete' };

interface SignedIn {
  user: CheckedUser;
  session: CheckedSession;
  level: 1 | 2;
  groups: string[];
}

/** Printable ASCII: a header value as it is (the common case, checked without allocating). */
const PLAIN_HEADER_VALUE = /^[\u0020-\u007e]*$/;

/** A header value as UTF-8 bytes (Node writes header strings as Latin-1), without control characters. */
function headerValue(text: string): string {
  if (PLAIN_HEADER_VALUE.test(text)) return text;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this removes
  return Buffer.from(text.replace(/[\u0000-\u001f\u007f]/g, ''), 'utf8').toString('latin1');
}

/** XHR or fetch asking for JSON gets 401, not a redirect it would follow into a sign-in page (Authelia's rule). */
function wantsStatusNotRedirect(request: FastifyRequest): boolean {
  const requestedWith = request.headers['x-requested-with'];
  const accept = request.headers.accept;
  return (typeof requestedWith === 'string' && requestedWith.toLowerCase() === 'xmlhttprequest') || (typeof accept === 'string' && accept.includes('application/json'));
}

export interface ForwardAuthOptions {
  ctx: AppContext;
  rules: AccessRules;
  trust: TrustProxy | null;
  /** The database's `DatabaseHandle.version`: what a check read is kept until it changes (null: never kept). */
  databaseVersion: (() => number) | null;
}

export const forwardAuthRoutes: FastifyPluginAsync<ForwardAuthOptions> = async (app, { ctx, rules, trust, databaseVersion }) => {
  const { config } = ctx;
  const subjects = new CheckedSubjects(ctx.db, databaseVersion);
  const cookieName = sessionCookieName(config);

  // No body is ever read: nginx's subrequest keeps the original method and Content-Type (not the body), and a
  // JSON or text Content-Type would otherwise be a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  // The site's security headers, on every answer a browser may be shown — Traefik and Caddy pass a 302, 401 or
  // 403 (and an error page) on to it — but not on the 200, which only the proxy reads, and which is by far the
  // most frequent answer: twelve headers fewer to set and write (the hook skips these paths, see app.ts).
  const pageHeaders = securityHeaders({ https: config.secureCookies });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (reply.statusCode !== 200) reply.headers(pageHeaders);
    done(null, payload);
  });

  /**
   * The signed-in session the request carries, its account and groups — one prepared query (src/db/forward-auth.ts),
   * or what it found last while the database has not changed; read without the page hook's activity writes.
   */
  async function signedInOf(request: FastifyRequest): Promise<SignedIn | null> {
    const token = onlyCookie(request.headers.cookie, cookieName, request.cookies[cookieName]);
    if (!token || !looksLikeToken(token)) return null;
    const now = ctx.clock.now();
    // Not a session waiting for its second factor: the query leaves those out.
    const found = await subjects.find(hashToken(token), now, SESSION_IDLE_TIMEOUT_MS);
    if (!found) return null;
    // The idle timeout counts activity in the apps too; at most one write a minute per session, never per check.
    if (now - found.session.last_active_at >= ACTIVITY_WRITE_INTERVAL_MS) await touchSession(ctx.db, found.session.id, now, ACTIVITY_WRITE_INTERVAL_MS);
    const record = howSignedIn(found.session);
    // A session signed in before sign-ins were recorded (migration 014) counts as one factor.
    const level = record && acrOf(record) !== ACR_ONE_FACTOR ? 2 : 1;
    return { user: found.user, session: found.session, level, groups: found.groups };
  }

  /** The account has a second factor (the common case read from the user row, without a query). */
  async function hasFactor(user: CheckedUser): Promise<boolean> {
    return (Boolean(user.two_factor_enabled) && user.phone !== null) || hasSecondFactor(await factorsOf(ctx.db, user));
  }

  async function outcomeOf(request: FastifyRequest, forwarded: ForwardedRequest | null): Promise<Outcome> {
    // X-Forwarded-* and X-Original-* are a client's word unless the peer is a proxy TRUST_PROXY names.
    const peer = request.raw.socket.remoteAddress;
    if (trust === null || peer === undefined || !trust(peer, 0)) return { kind: 'refused', reason: 'untrusted' };
    if (forwarded === null) return { kind: 'refused', reason: 'incomplete' };
    const signedIn = await signedInOf(request);
    const subject: Subject = signedIn ? { level: signedIn.level, groups: signedIn.groups } : NOBODY;
    const decision: Decision = decide(rules, forwarded.facts, subject);
    request.log.debug({ decision, host: forwarded.facts.host }, 'forward-auth decision');
    switch (decision.kind) {
      case 'forbidden':
        return { kind: 'forbidden' };
      case 'sign-in':
        return { kind: 'sign-in', twoFactor: decision.twoFactor, fresh: false };
      case 'second-step':
        // A remembered device skipped the step, or the factor came after the sign-in: sign in again with it.
        return (await hasFactor(signedIn!.user)) ? { kind: 'sign-in', twoFactor: true, fresh: true } : { kind: 'set-up-factor' };
      case 'allow': {
        const allowed = { kind: 'allow', as: signedIn, groups: subject.groups } as const;
        if (!signedIn || decision.policy === 'bypass' || signedIn.level === 2) return allowed;
        // ENFORCE_2FA, or a recovery that removed the factors: no app until a factor is set up, as no page.
        const mustSetUp = config.enforceTwoFactor || signedIn.user.must_set_up_factor === 1;
        if (mustSetUp && !(await hasFactor(signedIn.user))) return { kind: 'set-up-factor' };
        return allowed;
      }
    }
  }

  function signInUrl(outcome: Extract<Outcome, { kind: 'sign-in' }>, forwarded: ForwardedRequest): string {
    const query = new URLSearchParams();
    if (outcome.fresh) query.set('fresh', '1');
    if (outcome.twoFactor) query.set('require', 'two-factor');
    query.set('rd', forwarded.url);
    return `${config.appUrl}${LOGIN_PATH}?${query.toString()}`;
  }

  /**
   * 200, with all four Remote-* headers — empty for someone not signed in (a bypass rule) and for an address not
   * confirmed. Always all four: Caddy 2.6's copy_headers sets a header Gatehouse leaves out to the literal text
   * of its placeholder (`{http.reverse_proxy.header.Remote-User}`), which an app could take for a name; nginx
   * passes an empty value on as no header at all.
   */
  function allow(reply: FastifyReply, as: SignedIn | null, groups: readonly string[]): FastifyReply {
    const user = as?.user;
    reply.header('remote-user', user ? headerValue(user.username) : '');
    reply.header('remote-name', user ? headerValue(`${user.first_name} ${user.last_name}`.trim()) : '');
    // Only an address its owner confirmed: an app may trust Remote-Email to link accounts.
    reply.header('remote-email', user && user.email_confirmed_at !== null ? headerValue(user.email) : '');
    // Comma-separated: a group name with a comma in it could not be told apart, so it is left out here.
    reply.header('remote-groups', headerValue(groups.filter((g) => !g.includes(',')).join(',')));
    return reply.code(200).send('');
  }

  function answer(reply: FastifyReply, code: number, text: string): FastifyReply {
    return reply.code(code).header('content-type', 'text/plain; charset=utf-8').send(text);
  }

  /**
   * 403. Traefik and Caddy show this answer to the person, on the app's address: plain text in their language (a
   * page of Gatehouse's would load its styles and links from the app's host).
   */
  function forbidden(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const t = messagesFor(negotiateLocale(request.headers['accept-language']));
    return answer(reply.header('content-language', t.common.locale), 403, t.forwardAuth.forbidden);
  }

  app.all(FORWARD_AUTH_PATH, async (request, reply) => {
    // A decision is about one session at one moment: never cached by the proxy or anyone on the way.
    reply.header('cache-control', 'no-store');
    const forwarded = fromForwardedHeaders(request.headers);
    const outcome = await outcomeOf(request, forwarded);
    switch (outcome.kind) {
      case 'allow':
        return allow(reply, outcome.as, outcome.groups);
      case 'forbidden':
        return forbidden(request, reply);
      case 'refused':
        request.log.warn({ reason: outcome.reason }, 'forward-auth check refused: not from a trusted proxy, or X-Forwarded-Proto/-Host/-Uri missing, malformed or ambiguous');
        return outcome.reason === 'untrusted' ? forbidden(request, reply) : answer(reply, 400, 'Bad Request: X-Forwarded-Proto, -Host and -Uri missing, malformed or ambiguous');
      case 'sign-in':
      case 'set-up-factor': {
        if (wantsStatusNotRedirect(request)) return answer(reply, 401, 'Unauthorized');
        const to = outcome.kind === 'sign-in' ? signInUrl(outcome, forwarded!) : `${config.appUrl}${SECURITY_PATH}`;
        const method = forwarded!.facts.method;
        return reply.redirect(to, method === 'GET' || method === 'HEAD' ? 302 : 303);
      }
    }
  });

  app.all(AUTH_REQUEST_PATH, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const forwarded = fromOriginalHeaders(request.headers);
    const outcome = await outcomeOf(request, forwarded);
    switch (outcome.kind) {
      case 'allow':
        return allow(reply, outcome.as, outcome.groups);
      case 'forbidden':
        return forbidden(request, reply);
      case 'refused':
        request.log.warn({ reason: outcome.reason }, 'auth-request check refused: not from a trusted proxy, or X-Original-URL/-Method missing, malformed or ambiguous');
        return forbidden(request, reply);
      case 'sign-in':
      case 'set-up-factor':
        // nginx: `auth_request_set $redirection_url $upstream_http_location; error_page 401 =302 $redirection_url;`
        reply.header('location', outcome.kind === 'sign-in' ? signInUrl(outcome, forwarded!) : `${config.appUrl}${SECURITY_PATH}`);
        return answer(reply, 401, 'Unauthorized');
    }
  });
};

const ReturnQuery = z.object({ rd: z.string().max(MAX_ORIGINAL_URL_LENGTH).optional() });

/**
 * `/authz/return?rd=…`: where a sign-in asked for by forward-auth ends (the login's `next`). `rd` is checked
 * again here, when it is followed: only a host the rules name, https (http only outside production). It answers
 * with a page that goes on by itself (a meta refresh and a link), not a redirect: the sign-in was a form, and
 * Chromium applies the CSP's `form-action 'self'` to every redirect after one (decision record 017).
 */
export const forwardAuthReturnRoutes: FastifyPluginAsync<{ ctx: AppContext; rules: AccessRules }> = async (app, { ctx, rules }) => {
  app.get<{ Querystring: z.infer<typeof ReturnQuery> }>(FORWARD_AUTH_RETURN_PATH, { schema: { querystring: ReturnQuery } }, async (request, reply) => {
    const to = allowedReturnUrl(rules, request.query.rd, !ctx.config.isProduction);
    if (to === null) {
      request.log.warn('rd refused: not an address on a host the access rules name');
      return reply.redirect(HOME_PATH, 303);
    }
    if (!request.user) return reply.redirect(`${LOGIN_PATH}?rd=${encodeURIComponent(to)}`, 303);
    const t = request.t;
    return reply.page(t.apps.continuing.title, continuingPage(t, { appName: new URL(to).host, to }), { refreshTo: to });
  });
};
