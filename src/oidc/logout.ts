/**
 * Signing out, both ways, between Gatehouse and the apps that sign in with it (issue #13, design note §8).
 *
 * - **An app signs the person out** (RP-initiated logout, `/oidc/session/end`): the library checks the request
 *   (`id_token_hint`, an exactly registered `post_logout_redirect_uri`) and Gatehouse renders the question
 *   (`logoutSource`): "Sign out of Gatehouse and <app>" or "Stay signed in to Gatehouse". On the first, the library
 *   tells every app of the provider session (back-channel logout), ends its grants but `offline_access` ones, ends
 *   its session and sends the browser back to the app with `state`; `endGatehouseSession` below then ends the
 *   Gatehouse session too — only when it is the same person's: the library also posts there by itself when another
 *   person signed in in the same browser, and that Gatehouse session is the new person's.
 * - **The person signs out of Gatehouse** ("Sign out", an ended session on the security page, a password reset…):
 *   `sessionsEnded` finds the provider session each ended Gatehouse session stood for (`sessions.oidc_session_uid`,
 *   written by `linkProviderSession` below when an app got a code), ends its grants and the session, and tells each
 *   app. An app that does not answer is logged and counted; the person is signed out regardless.
 * - **The person removes an app's access** ("Remove access" on the security page, `appAccessRemoved`): its grants
 *   and tokens are gone already; each of the person's provider sessions (found by their Gatehouse sessions'
 *   `oidc_session_uid`) that signed the app in forgets it and the app is told, with that session's `sid`. Nothing
 *   else ends: not the Gatehouse session, not the provider session, not the other apps'. The provider session is
 *   read, changed and stored again: a request of the same browser storing it at that very moment may put the app's
 *   entry back — an entry whose grant is gone, so it gives the app nothing but a `sid` (design note §8).
 * - **Back-channel logout reaches apps an operator registered on private addresses.** The library's fetch refuses
 *   special-use addresses (loopback, RFC 1918…) through an undici dispatcher in the options it hands to
 *   `configuration.fetch`; `fetchAllowingRegisteredBackchannel` removes that dispatcher for a URL equal to a
 *   registered `backchannel_logout_uri` and for nothing else. The library's 2.5 s timeout stays.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import type { LiveProvider } from './live-provider.js';
import type { Client, KoaContextWithOIDC, OidcContext, OidcSession } from 'oidc-provider';
import { sessionCookieOf } from '../auth/cookies.js';
import type { AppContext, IdentityProviderSessions, SessionsEndedReason } from '../context.js';
import { registeredBackchannelLogoutUris } from '../db/oidc-apps.js';
import { deleteGrant } from '../db/oidc-payloads.js';
import type { Database } from '../db/schema.js';
import { deleteSession, linkProviderSession, providerSessionUidsOfUser } from '../db/sessions.js';
import { seconds } from '../lib/duration.js';
import { messagesFor, type Messages } from '../i18n/messages.js';
import { DEFAULT_LOCALE } from '../i18n/locales.js';
import { layout } from '../views/layout.js';
import { SafeHtml } from '../views/html.js';
import { requestFacts } from './request-facts.js';
import { logoutPage, signedOutPage } from './views.js';

/** The same as the URL the library fetches: it normalises the registered value with `new URL(…).href`. */
function normalised(uri: string): string | null {
  try {
    return new URL(uri).href;
  } catch {
    return null;
  }
}

/**
 * oidc-provider's `fetch` setting. Only back-channel logout fetches in Gatehouse's configuration, but whatever
 * else might one day is left to the library's guard: the dispatcher that refuses special-use addresses is removed
 * only for a URL an operator registered as an app's `backchannel_logout_uri` (compared whole, after the library's
 * own normalisation — no prefix, no host-only match).
 */
export function fetchAllowingRegisteredBackchannel(db: Kysely<Database>): (url: string | URL, options: RequestInit & { dispatcher?: unknown }) => Promise<Response> {
  return async (url, options) => {
    const href = String(url);
    const registered = (await registeredBackchannelLogoutUris(db)).map(normalised);
    if (registered.includes(href)) delete options.dispatcher;
    return fetch(url, options);
  };
}

/** Both pages render in Gatehouse's frame, in the reader's language. */
function render(koa: KoaContextWithOIDC, config: AppContext['config'], page: (t: Messages) => { title: string; body: SafeHtml }): void {
  const t = requestFacts(koa.req)?.t ?? messagesFor(DEFAULT_LOCALE);
  const { title, body } = page(t);
  koa.type = 'html';
  // No user in the frame: its "Sign out" form needs Gatehouse's CSRF token, which a provider response has not.
  koa.body = layout({ t, path: null, title, body, user: null, csrfToken: '', flash: null, devOutbox: !config.isProduction }).value;
}

/** `features.rpInitiatedLogout`: the question, and the page after it when the app gave no address to go back to. */
export function logoutPages(config: AppContext['config']) {
  return {
    async logoutSource(koa: KoaContextWithOIDC, form: string) {
      const appName = appNameOf(koa.oidc.entities.Client);
      // `form` is the library's: an empty form with its xsrf secret, posting to /oidc/session/end/confirm.
      render(koa, config, (t) => ({ title: t.apps.logout.title, body: logoutPage(t, { appName, form: new SafeHtml(form) }) }));
    },
    async postLogoutSuccessSource(koa: KoaContextWithOIDC) {
      // The library names the app only when the person stayed signed in to Gatehouse and signed out of it alone.
      const appName = appNameOf(koa.oidc.entities.Client);
      render(koa, config, (t) => ({ title: t.apps.signedOut.title, body: signedOutPage(t, { appName }) }));
    },
  };
}

function appNameOf(client: Client | undefined): string | null {
  return client ? (client.clientName ?? client.clientId) : null;
}

/** The provider's context of a request, if it reached one of its routes (a middleware sees every request). */
function oidcOf(koa: KoaContextWithOIDC): OidcContext | undefined {
  return (koa as { oidc?: OidcContext }).oidc;
}

/**
 * A middleware around every provider request (`provider.use`), acting once the library answered:
 *
 * - an app got a code: the Gatehouse session of this browser is linked to the provider session, so signing out
 *   of Gatehouse can end it and tell the apps (it is the same person: the policy checked it before the code);
 * - an app's sign-out was confirmed with "Sign out of Gatehouse" (`logout=yes`, the provider session ended): the
 *   Gatehouse session ends too, if it is the same person's.
 */
export function logoutMiddleware(ctx: AppContext) {
  // Cleared as it was set: with COOKIE_DOMAIN the session cookie carries a Domain, and only a cookie naming the same
  // Domain replaces it.
  const { name, domain } = sessionCookieOf(ctx.config);
  const cookie = `${name}=; Path=/;${domain === undefined ? '' : ` Domain=${domain};`} Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax${ctx.config.secureCookies ? '; Secure' : ''}`;
  return async function afterProviderRequest(koa: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
    await next();
    const oidc = oidcOf(koa);
    const session = oidc?.entities.Session;
    if (!oidc || !session) return;
    if ((oidc.route === 'authorization' || oidc.route === 'resume') && oidc.entities.AuthorizationCode !== undefined) {
      const signIn = await requestFacts(koa.req)?.signIn();
      if (signIn && signIn.sub === session.accountId) await linkProviderSession(ctx.db, signIn.sessionId, session.uid);
      return;
    }
    // `params` is missing when the library refused the request before reading it (a body it could not parse).
    if (oidc.route === 'end_session_confirm' && (oidc.params as OidcContext['params'] | undefined)?.logout !== undefined && session.destroyed === true && session.accountId !== undefined) {
      const signIn = await requestFacts(koa.req)?.signIn();
      // Someone else signed in in this browser meanwhile (the library's own sign-out of the previous person): theirs stays.
      if (!signIn || signIn.sub !== session.accountId) return;
      const ended = await deleteSession(ctx.db, signIn.sessionId);
      koa.append('Set-Cookie', cookie);
      // The provider session this Gatehouse session was linked to is the one just ended, normally; any other goes too.
      if (ended) await ctx.identityProvider.sessionsEnded([ended], 'signed-out');
    }
  };
}

/** The provider's side of `AppContext.identityProvider` (see the module comment). */
export function providerSessions(ctx: AppContext, live: LiveProvider, log: FastifyBaseLogger): IdentityProviderSessions {
  async function tellApp(clientId: string, sub: string, sid: string | undefined): Promise<void> {
    let client: Client | undefined;
    try {
      client = await (await live.provider()).Client.find(clientId);
    } catch (error) {
      log.warn({ err: error, clientId }, 'back-channel logout: the app could not be loaded');
      return;
    }
    if (!client?.backchannelLogoutUri) return;
    try {
      await client.backchannelLogout(sub, sid);
      ctx.metrics.backchannelLogout('delivered');
    } catch (error) {
      ctx.metrics.backchannelLogout('failed');
      log.warn({ err: error, clientId }, 'back-channel logout: the app did not accept the logout token');
    }
  }

  async function end(session: OidcSession, reason: SessionsEndedReason): Promise<void> {
    const authorizations = Object.entries(session.authorizations ?? {});
    // Tokens first: they stop working even if telling an app takes its full timeout.
    for (const [, authorization] of authorizations) {
      const keep = authorization.persistsLogout === true && reason === 'signed-out';
      if (authorization.grantId && !keep) await deleteGrant(ctx.db, authorization.grantId);
    }
    await session.destroy();
    const sub = session.accountId;
    if (sub !== undefined) await Promise.all(authorizations.map(([clientId, authorization]) => tellApp(clientId, sub, authorization.sid)));
  }

  /**
   * The provider session forgets the app and is stored again, to expire when it would have: an app's removal does
   * not lengthen anyone's sign-in. The library stamps `exp` with its own clock (`Date.now()`), so that is the one
   * to count the rest from (every stored session has one). One at its very end simply ends.
   */
  async function forget(session: OidcSession, clientId: string): Promise<void> {
    delete session.authorizations![clientId];
    const left = (session.exp ?? 0) - Math.floor(Date.now() / seconds(1));
    if (left > 0) await session.save(left);
    else await session.destroy();
  }

  return {
    async sessionsEnded(sessions, reason) {
      const uids = new Set(sessions.map((s) => s.oidc_session_uid).filter((uid): uid is string => uid !== null));
      await Promise.all(
        [...uids].map(async (uid) => {
          try {
            const session = await (await live.provider()).Session.findByUid(uid);
            if (session) await end(session, reason);
          } catch (error) {
            // The Gatehouse session is over whatever happens here; the provider session is worth nothing without it.
            log.error({ err: error }, 'ending the provider session of an ended Gatehouse session failed');
          }
        }),
      );
    },

    async appAccessRemoved(userId, sub, clientId) {
      if (sub === null) return; // never signed in to an app
      const uids = await providerSessionUidsOfUser(ctx.db, userId);
      await Promise.all(
        uids.map(async (uid) => {
          let sid: string | undefined;
          try {
            const session = await (await live.provider()).Session.findByUid(uid);
            // Only the person's own session (another may have signed in in that browser since), and only if the app is in it.
            if (!session || session.accountId !== sub || !session.authorizations || !Object.hasOwn(session.authorizations, clientId)) return;
            sid = session.authorizations[clientId]!.sid;
            // Forgotten before the app hears of it: an app that at once asks the provider again finds it gone.
            await forget(session, clientId);
          } catch (error) {
            // The app's grants and tokens are gone whatever happens here: the removal stands.
            log.error({ err: error, clientId }, 'removing an app from a provider session after "Remove access" failed');
            return;
          }
          await tellApp(clientId, sub, sid);
        }),
      );
    },
  };
}

/** The library's own back-channel logouts (at `end_session_confirm`) are logged and counted like Gatehouse's. */
export function observeBackchannel(provider: Provider, metrics: AppContext['metrics'], log: FastifyBaseLogger): void {
  provider.on('backchannel.success', () => metrics.backchannelLogout('delivered'));
  provider.on('backchannel.error', (_koa, error, client) => {
    metrics.backchannelLogout('failed');
    log.warn({ err: error, clientId: (client as Client | undefined)?.clientId }, 'back-channel logout: the app did not accept the logout token');
  });
}
