/**
 * "Sign in with a passkey": no username, no password. The browser offers the
 * passkeys it holds for this site; the one chosen says which account it
 * belongs to. The passkey must verify its owner (PIN, fingerprint, face), so it
 * counts as both factors and the sign-in is complete. Failed tries count
 * against the IP like wrong passwords do; the account's password lockout does
 * not stop its owner's passkey.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseCredential, Passkeys } from '../../auth/passkeys.js';
import { safeNextPath } from '../../auth/redirects.js';
import { completeSignIn } from '../../auth/sign-in.js';
import type { AppContext } from '../../context.js';
import { findPasskey, notePasskeyUse, useChallenge } from '../../db/passkeys.js';
import { findUserById } from '../../db/users.js';
import { checkbox, field, formSchema } from '../../http/form-schema.js';
import { html } from '../../views/html.js';
import { PASSKEY_SCRIPTS, passkeyForm } from '../../views/passkey-form.js';
import { HOME_PATH, LOGIN_PATH, PASSKEY_SIGN_IN_PATH } from '../../lib/paths.js';

/** The password page keeps where to go next, and a request for a fresh sign-in (else it would skip the form). */
function passwordQuery(p: { next: string | null; fresh?: boolean }): string {
  const query = new URLSearchParams();
  if (p.fresh) query.set('fresh', '1');
  if (p.next) query.set('next', p.next);
  return query.size > 0 ? `?${query.toString()}` : '';
}

/** `fresh=1`: the page even for someone signed in, as on /login. */
const Query = z.object({ next: z.string().max(2000).optional(), fresh: z.literal('1').optional() });
const PasskeySignInForm = formSchema({ credential: field(16_384), remember: checkbox(), next: field(2000).optional() });

export const passkeySignInRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const passkeys = new Passkeys(ctx.config.appUrl, ctx.config.secretKey);

  async function showPage(request: FastifyRequest, reply: FastifyReply, p: { remember: boolean; next: string | null; fresh?: boolean; error?: string }, status = 200) {
    // Not bound to anything: nobody is known yet. The origin check keeps the answer on this site.
    const options = await passkeys.authenticationOptions('passwordless', [], '', ctx.clock.now());
    const t = request.t;
    const m = t.login.passwordless;
    return reply.page(
      m.title,
      html`<h1>${m.heading}</h1>
<p>${m.intro}</p>
${passkeyForm(t, {
  action: PASSKEY_SIGN_IN_PATH,
  csrfToken: reply.csrfToken(),
  ceremony: 'get',
  options,
  button: m.button,
  error: p.error,
  fields: html`${p.next ? html`<input type="hidden" name="next" value="${p.next}">` : ''}
  <div class="field checkbox">
    <input id="f-remember" type="checkbox" name="remember"${p.remember ? html` checked` : ''}>
    <label for="f-remember">${t.login.page.rememberMe}</label>
  </div>`,
})}
<p><a href="${LOGIN_PATH}${passwordQuery(p)}">${m.withPassword}</a></p>`,
      { status, scripts: PASSKEY_SCRIPTS },
    );
  }

  app.get<{ Querystring: z.infer<typeof Query> }>(PASSKEY_SIGN_IN_PATH, { schema: { querystring: Query } }, async (request, reply) => {
    const next = safeNextPath(request.query.next);
    if (request.user && request.query.fresh !== '1') return reply.redirect(next ?? HOME_PATH);
    return showPage(request, reply, { remember: false, next, fresh: request.query.fresh === '1' });
  });

  app.post<{ Body: z.infer<typeof PasskeySignInForm> }>(PASSKEY_SIGN_IN_PATH, { schema: { body: PasskeySignInForm } }, async (request, reply) => {
    const { remember } = request.body;
    const next = safeNextPath(request.body.next);
    const t = request.t;
    if (!request.body.credential) return showPage(request, reply, { remember, next, error: t.login.passwordless.noAnswer }, 422);
    // Every try counts against the IP until one succeeds, as with passwords (credential stuffing with stolen responses).
    const fromIp = await ctx.limits.beginSignInFrom(request.ip);
    if (!fromIp.ok) return showPage(request, reply, { remember, next, error: t.codes.limits.tooManySignInAttempts(fromIp.retryAfterMs) }, 429);

    const signedIn = await signInWith(request, reply, request.body.credential, remember);
    if (signedIn !== 'signed-in') {
      ctx.metrics.signIn('failure');
      // A suspended account's own passkey learns it is suspended, as its right password does (src/features/login/routes.ts).
      if (signedIn === 'suspended') return showPage(request, reply, { remember, next, error: t.login.page.suspended(ctx.config.supportContact) }, 403);
      return showPage(request, reply, { remember, next, error: t.login.passwordless.notAccepted }, 401);
    }
    ctx.metrics.signIn('success');
    await ctx.limits.refundSignInFrom(request.ip);
    ctx.mail.kick();
    return reply.redirect(next ?? HOME_PATH);
  });

  /** Checks the answer and, when it holds, signs the browser in — unless an operator suspended the account. */
  async function signInWith(request: FastifyRequest, reply: FastifyReply, text: string, remember: boolean): Promise<'signed-in' | 'refused' | 'suspended'> {
    const now = ctx.clock.now();
    const credential = parseCredential(text);
    const stored = credential === null ? undefined : await findPasskey(ctx.db, passkeys.credentialIdOf(credential));
    const user = stored ? await findUserById(ctx.db, stored.user_id) : undefined;
    if (!stored || !user) return 'refused';
    // The passkey says whose it is; it must be the account the credential is registered to.
    const userHandle = (credential as { response: { userHandle?: unknown } }).response.userHandle;
    if (typeof userHandle === 'string' && userHandle !== '' && userHandle !== user.webauthn_user_handle) return 'refused';
    const checked = await passkeys.verifyAuthentication(credential, stored, 'passwordless', '', now);
    if (!checked.ok) return 'refused';
    if (user.suspended_at !== null) return 'suspended';
    return ctx.db.transaction().execute(async (trx) => {
      // The same signed response posted twice (a replay) signs in once.
      if (!(await useChallenge(trx, checked.nonce, checked.expiresAt))) return 'refused';
      await notePasskeyUse(trx, stored.id, checked.value.counter, checked.value.backedUp, now);
      // A passkey is a factor: completing cancels a recovery waiting to remove the factors, as at any sign-in with one.
      const signedIn = await completeSignIn(ctx, request, reply, { user, path: { kind: 'passkey', backedUp: checked.value.backedUp }, remember }, trx);
      return signedIn === null ? ('suspended' as const) : ('signed-in' as const);
    });
  }
};
