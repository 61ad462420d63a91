/**
 * The console's Apps section (src/features/admin, decision record 020): the apps that sign people in with Gatehouse,
 * who uses each, and the operator's changes — register, change, give a new secret, remove. The same rules as the
 * admin CLI's `apps` commands (src/oidc/app-registration.ts); each change behind step-up (guard.ts) and written to
 * the audit log with the app's client_id and name, never its secret. A secret is shown once, in the answer to the
 * POST that made it: nothing keeps it in clear to show it again.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { recordAdminAction, type AdminAction } from '../../db/admin-audit.js';
import { peopleWithAccess } from '../../db/app-access.js';
import { deleteOidcApp, findOidcApp, listOidcAppsWithUse } from '../../db/oidc-apps.js';
import type { OidcApp } from '../../db/schema.js';
import { checkbox, field, formSchema } from '../../http/form-schema.js';
import type { Messages } from '../../i18n/messages.js';
import {
  APP_KINDS,
  APP_REQUIREMENTS,
  changeOidcApp,
  ID_TOKEN_ALGS,
  MAX_APP_NAME_LENGTH,
  registerOidcApp,
  rotateOidcAppSecret,
  storedSettings,
  type AppChange,
  type AppProblem,
  type UriSetting,
} from '../../oidc/app-registration.js';
import { notFoundPage } from '../../views/error-pages.js';
import type { FieldErrors } from '../../views/forms.js';
import { appFormPage, appPage, appSecretPage, appsPage, formValuesOf, type AppFormField, type AppFormValues } from './apps-views.js';
import { requireStepUp, steppedUp } from './guard.js';
import { CONSOLE_STYLES } from './views.js';
import { CONSOLE_NEW_APP_PATH, CONSOLE_PATH, consoleAppPath } from '../../lib/paths.js';

/** People per page on an app's page. */
export const APP_PEOPLE_PAGE_SIZE = 50;

const AppParams = z.object({ clientId: z.string().min(1).max(100) });
const PeopleQuery = z.object({ after: z.string().max(40).optional() });

// Every field has a default: a form without them is answered by the rules (or by the gates before them), not with
// a 400. Lengths are generous so that a long name is told apart on the form rather than refused as a shape.
const addressFields = {
  redirect_uris: field(20_000).default(''),
  post_logout_redirect_uris: field(20_000).default(''),
  backchannel_logout_uri: field(2000).default(''),
};
const ChangeForm = formSchema({
  name: field(1000).default(''),
  ...addressFields,
  first_party: checkbox(),
  requirement: z.enum(APP_REQUIREMENTS).default('none'),
});
const NewAppForm = formSchema({
  name: field(1000).default(''),
  kind: z.enum(APP_KINDS).default('web'),
  ...addressFields,
  first_party: checkbox(),
  requirement: z.enum(APP_REQUIREMENTS).default('none'),
  id_token_alg: z.enum(ID_TOKEN_ALGS).default('ES256'),
});
const RemoveForm = formSchema({ confirm: field(1000).default('') });
const EmptyForm = formSchema({});

type AppRequest = FastifyRequest<{ Params: z.infer<typeof AppParams> }>;

/** A textarea's addresses: one per line, blank lines and the spaces around each left out. */
const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');

function changeOf(form: z.infer<typeof ChangeForm>): AppChange {
  const backchannel = form.backchannel_logout_uri.trim();
  return {
    name: form.name,
    redirectUris: lines(form.redirect_uris),
    postLogoutRedirectUris: lines(form.post_logout_redirect_uris),
    backchannelLogoutUri: backchannel === '' ? null : backchannel,
    firstParty: form.first_party,
    requirement: form.requirement,
  };
}

const FIELD_OF: Record<UriSetting, AppFormField> = {
  redirectUris: 'redirect_uris',
  postLogoutRedirectUris: 'post_logout_redirect_uris',
  backchannelLogoutUri: 'backchannel_logout_uri',
};

/** The problems beside their fields, the first for each field, in the reader's language. */
function fieldErrorsOf(t: Messages, problems: readonly AppProblem[], change: AppChange): FieldErrors<AppFormField> {
  const m = t.admin.apps.problems;
  const errors: FieldErrors<AppFormField> = {};
  for (const p of problems) {
    const [name, text]: [AppFormField, string] =
      p.problem === 'name'
        ? ['name', m.name(MAX_APP_NAME_LENGTH)]
        : p.problem === 'no-redirect-uri'
          ? ['redirect_uris', m.noRedirectUri]
          : p.problem === 'service-signs-nobody-in'
            ? [firstFilledAddress(change), m.serviceSignsNobodyIn]
            : [FIELD_OF[p.setting], m.uri[p.fault](p.value)];
    errors[name] ??= text;
  }
  return errors;
}

/** The address field a service app should have left empty. */
function firstFilledAddress(change: AppChange): AppFormField {
  if (change.redirectUris.length > 0) return 'redirect_uris';
  if (change.postLogoutRedirectUris.length > 0) return 'post_logout_redirect_uris';
  return 'backchannel_logout_uri';
}

/** The columns a change would write that differ from the app's: what the audit log says changed. */
/**
 * The settings that decide where codes go and who is asked, as the audit log keeps them: an address added to an
 * app, first-party turned on or a requirement lowered is how a console admin could send someone's sign-in
 * elsewhere without a consent page, so the log says exactly what they were and became (decision 020).
 */
function auditedSettings(app: Pick<OidcApp, 'redirect_uris' | 'post_logout_redirect_uris' | 'backchannel_logout_uri' | 'first_party' | 'requirement'>) {
  return {
    redirect_uris: app.redirect_uris,
    post_logout_redirect_uris: app.post_logout_redirect_uris,
    backchannel_logout_uri: app.backchannel_logout_uri ?? '',
    first_party: app.first_party === 1 ? 'yes' : 'no',
    requirement: app.requirement,
  };
}

function changedColumns(app: OidcApp, change: AppChange): string[] {
  const after = storedSettings(change);
  return (Object.keys(after) as (keyof typeof after)[]).filter((column) => after[column] !== app[column]);
}

export const appsRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const page = { styles: CONSOLE_STYLES };
  const discoveryUrl = `${ctx.config.appUrl}/oidc/.well-known/openid-configuration`;

  const notFound = (request: FastifyRequest, reply: FastifyReply) => reply.page(request.t.common.errors.notFoundTitle, notFoundPage(request.t), { status: 404 });

  /** The audit entry of an app action, written in the action's own transaction (`db`): both commit, or neither. */
  async function record(db: AppContext['db'], request: FastifyRequest, action: AdminAction, subject: Pick<OidcApp, 'client_id' | 'name'>, extra: Record<string, string> = {}): Promise<void> {
    const admin = request.user!;
    await recordAdminAction(db, {
      action,
      now: ctx.clock.now(),
      actor: { id: admin.id, name: admin.username },
      detail: { client_id: subject.client_id, name: subject.name, ...extra },
      ip: request.ip,
      requestId: request.id,
    });
  }

  app.get(`${CONSOLE_PATH}/apps`, async (request, reply) => {
    const t = request.t;
    return reply.page(t.admin.apps.title, appsPage(t, { apps: await listOidcAppsWithUse(ctx.db), now: ctx.clock.now() }), page);
  });

  // ---- Register ----

  const blankForm: AppFormValues = { name: '', kind: 'web', redirectUris: '', postLogoutRedirectUris: '', backchannelLogoutUri: '', firstParty: false, requirement: 'none', idTokenAlg: 'ES256' };

  app.get(CONSOLE_NEW_APP_PATH, async (request, reply) => {
    const t = request.t;
    const form = appFormPage(t, { app: null, values: blankForm, errors: {}, csrfToken: reply.csrfToken(), steppedUp: steppedUp(request, ctx.clock.now()) });
    return reply.page(t.admin.apps.form.newTitle, form, page);
  });

  app.post<{ Body: z.infer<typeof NewAppForm> }>(
    CONSOLE_NEW_APP_PATH,
    { schema: { body: NewAppForm }, preHandler: requireStepUp(ctx, () => CONSOLE_NEW_APP_PATH) },
    async (request, reply) => {
      const t = request.t;
      const body = request.body;
      const change = changeOf(body);
      const registered = await ctx.db.transaction().execute(async (trx) => {
        const outcome = await registerOidcApp(trx, ctx.clock.now(), { ...change, kind: body.kind, idTokenAlg: body.id_token_alg });
        if (outcome.ok) await record(trx, request, 'app_added', outcome.app, { kind: outcome.app.kind, ...auditedSettings(outcome.app) });
        return outcome;
      });
      if (!registered.ok) {
        const values: AppFormValues = {
          name: body.name,
          kind: body.kind,
          redirectUris: body.redirect_uris,
          postLogoutRedirectUris: body.post_logout_redirect_uris,
          backchannelLogoutUri: body.backchannel_logout_uri,
          firstParty: body.first_party,
          requirement: body.requirement,
          idTokenAlg: body.id_token_alg,
        };
        const errors = fieldErrorsOf(t, registered.problems, change);
        const form = appFormPage(t, { app: null, values, errors, csrfToken: reply.csrfToken(), steppedUp: true });
        return reply.page(t.admin.apps.form.newTitle, form, { ...page, status: 422 });
      }
      const shown = appSecretPage(t, { app: registered.app, secret: registered.secret, rotated: false, discoveryUrl });
      return reply.page(t.admin.apps.secret.registeredTitle, shown, { ...page, noReferrer: true });
    },
  );

  // ---- An app ----

  async function appOr404(request: AppRequest): Promise<OidcApp | undefined> {
    return findOidcApp(ctx.db, request.params.clientId);
  }

  async function renderAppPage(request: AppRequest, reply: FastifyReply, found: OidcApp, options: { after?: string | undefined; confirm?: { value: string; error: string } } = {}) {
    const t = request.t;
    const now = ctx.clock.now();
    const people = await peopleWithAccess(ctx.db, found.client_id, options.after ?? null, APP_PEOPLE_PAGE_SIZE);
    const body = appPage(t, {
      app: found,
      people: people.rows,
      morePeopleHref: people.next === null ? null : `${consoleAppPath(found.client_id)}?${new URLSearchParams({ after: people.next }).toString()}`,
      now,
      csrfToken: reply.csrfToken(),
      steppedUp: steppedUp(request, now),
      ...(options.confirm ? { confirm: options.confirm } : {}),
    });
    return reply.page(t.admin.apps.appTitle(found.name), body, { ...page, ...(options.confirm ? { status: 422 } : {}) });
  }

  app.get<{ Params: z.infer<typeof AppParams>; Querystring: z.infer<typeof PeopleQuery> }>(
    `${CONSOLE_PATH}/apps/:clientId`,
    { schema: { params: AppParams, querystring: PeopleQuery } },
    async (request, reply) => {
      const found = await appOr404(request);
      if (!found) return notFound(request, reply);
      return renderAppPage(request, reply, found, { after: request.query.after });
    },
  );

  // ---- Change ----

  const editPath = (request: FastifyRequest) => `${consoleAppPath((request.params as { clientId: string }).clientId)}/edit`;

  app.get<{ Params: z.infer<typeof AppParams> }>(`${CONSOLE_PATH}/apps/:clientId/edit`, { schema: { params: AppParams } }, async (request, reply) => {
    const t = request.t;
    const found = await appOr404(request);
    if (!found) return notFound(request, reply);
    const form = appFormPage(t, { app: found, values: formValuesOf(found), errors: {}, csrfToken: reply.csrfToken(), steppedUp: steppedUp(request, ctx.clock.now()) });
    return reply.page(t.admin.apps.form.editTitle(found.name), form, page);
  });

  app.post<{ Params: z.infer<typeof AppParams>; Body: z.infer<typeof ChangeForm> }>(
    `${CONSOLE_PATH}/apps/:clientId/edit`,
    { schema: { params: AppParams, body: ChangeForm }, preHandler: requireStepUp(ctx, editPath) },
    async (request, reply) => {
      const t = request.t;
      const found = await appOr404(request);
      if (!found) return notFound(request, reply);
      const body = request.body;
      const change = changeOf(body);
      const changed = changedColumns(found, change);
      if (changed.length === 0) return reply.flash('success', t.admin.apps.flash.unchanged).redirect(consoleAppPath(found.client_id), 303);
      const name = change.name.trim();
      const outcome = await ctx.db.transaction().execute(async (trx) => {
        const changedApp = await changeOidcApp(trx, found, change);
        if (changedApp.outcome === 'changed') {
          // What changed, before and after: an address added, first-party turned on, a weaker requirement.
          const before = auditedSettings(found);
          const after = auditedSettings({ ...found, ...storedSettings(change) });
          const diff: Record<string, string> = { changed: changed.join(', ') };
          for (const key of Object.keys(after) as (keyof typeof after)[]) if (before[key] !== after[key]) Object.assign(diff, { [`${key}_was`]: before[key], [key]: after[key] });
          await record(trx, request, 'app_changed', { client_id: found.client_id, name }, { ...diff, ...(name !== found.name ? { was: found.name } : {}) });
        }
        return changedApp;
      });
      if (outcome.outcome === 'gone') return notFound(request, reply);
      if (outcome.outcome === 'refused') {
        const values: AppFormValues = {
          ...formValuesOf(found),
          name: body.name,
          redirectUris: body.redirect_uris,
          postLogoutRedirectUris: body.post_logout_redirect_uris,
          backchannelLogoutUri: body.backchannel_logout_uri,
          firstParty: body.first_party,
          requirement: body.requirement,
        };
        const form = appFormPage(t, { app: found, values, errors: fieldErrorsOf(t, outcome.problems, change), csrfToken: reply.csrfToken(), steppedUp: true });
        return reply.page(t.admin.apps.form.editTitle(found.name), form, { ...page, status: 422 });
      }
      return reply.flash('success', t.admin.apps.flash.changed(name)).redirect(consoleAppPath(found.client_id), 303);
    },
  );

  // ---- A new secret ----

  const appPagePath = (request: FastifyRequest) => consoleAppPath((request.params as { clientId: string }).clientId);

  app.post<{ Params: z.infer<typeof AppParams>; Body: z.infer<typeof EmptyForm> }>(
    `${CONSOLE_PATH}/apps/:clientId/rotate-secret`,
    { schema: { params: AppParams, body: EmptyForm }, preHandler: requireStepUp(ctx, appPagePath) },
    async (request, reply) => {
      const t = request.t;
      const found = await appOr404(request);
      const secret = found
        ? await ctx.db.transaction().execute(async (trx) => {
            const replaced = await rotateOidcAppSecret(trx, found.client_id, ctx.clock.now());
            if (replaced !== null) await record(trx, request, 'app_secret_rotated', found);
            return replaced;
          })
        : null;
      // No such app, or a public one (no secret to replace; its page offers no such button).
      if (!found || secret === null) return notFound(request, reply);
      const shown = appSecretPage(t, { app: found, secret, rotated: true, discoveryUrl });
      return reply.page(t.admin.apps.secret.rotatedTitle, shown, { ...page, noReferrer: true });
    },
  );

  // ---- Remove ----

  app.post<{ Params: z.infer<typeof AppParams>; Body: z.infer<typeof RemoveForm> }>(
    `${CONSOLE_PATH}/apps/:clientId/remove`,
    { schema: { params: AppParams, body: RemoveForm }, preHandler: requireStepUp(ctx, appPagePath) },
    async (request, reply) => {
      const t = request.t;
      const found = await appOr404(request);
      if (!found) return notFound(request, reply);
      // Typed, not clicked: removing an app signs everyone out of it and cannot be undone.
      if (request.body.confirm.trim() !== found.name) {
        return renderAppPage(request, reply, found, { confirm: { value: request.body.confirm, error: t.admin.apps.actions.confirmMismatch } });
      }
      const removed = await ctx.db.transaction().execute(async (trx) => {
        const gone = await deleteOidcApp(trx, found.client_id);
        if (gone) await record(trx, request, 'app_removed', found, auditedSettings(found));
        return gone;
      });
      if (!removed) return notFound(request, reply);
      return reply.flash('success', t.admin.apps.flash.removed(found.name)).redirect(`${CONSOLE_PATH}/apps`, 303);
    },
  );
};
