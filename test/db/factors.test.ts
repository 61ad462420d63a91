import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { factorsOf, hasSecondFactor } from '../../src/auth/factors.js';
import { setEmailCodesEnabled } from '../../src/db/email-codes.js';
import {
  confirmTotpFactor,
  countUnusedRecoveryCodes,
  findTotpFactor,
  hasSecondFactorSql,
  replaceRecoveryCodes,
  startTotpEnrollment,
  useRecoveryCode,
  useTotpStep,
} from '../../src/db/factors.js';
import { deleteOidcApp, insertOidcApp } from '../../src/db/oidc-apps.js';
import { insertPasskey } from '../../src/db/passkeys.js';
import type { Database } from '../../src/db/schema.js';
import { enableTwoFactor, findUserById, setBackupPhone } from '../../src/db/users.js';
import { purgeExpired } from '../../src/db/housekeeping.js';
import { recentSecurityEvents, recordSecurityEvent, SECURITY_EVENT_RETENTION_MS } from '../../src/db/security-events.js';
import { forEachDatabase, insertTestUser, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 0, 1);

type Db = Kysely<Database>;

/** Each way an account can stand, and whether it has two-factor sign-in by the rule (src/auth/factors.ts). */
const FACTOR_STATES: [name: string, expected: boolean, arrange: (db: Db, userId: number) => Promise<unknown>][] = [
  ['nothing', false, async () => undefined],
  ['SMS codes to a phone', true, (db, id) => enableTwoFactor(db, id, '+14155552671')],
  ['SMS codes with a backup phone', true, async (db, id) => (await enableTwoFactor(db, id, '+14155552671'), setBackupPhone(db, id, '+14155552672'))],
  ['an authenticator app', true, async (db, id) => (await startTotpEnrollment(db, id, 'sealed', T0), confirmTotpFactor(db, id, 1, T0))],
  ['an authenticator app half set up (never confirmed)', false, (db, id) => startTotpEnrollment(db, id, 'sealed', T0)],
  ['a passkey', true, (db, id) => insertPasskey(db, { id: `cred-${id}`, userId: id, publicKey: 'pk', counter: 0, transports: [], backedUp: false, name: 'Key', now: T0 })],
  ['a backup phone alone (a row the app never writes)', false, (db, id) => db.updateTable('users').set({ backup_phone: '+14155552672' }).where('id', '=', id).execute()],
  ['SMS switched on without a phone (a row the app never writes)', false, (db, id) => db.updateTable('users').set({ two_factor_enabled: 1 }).where('id', '=', id).execute()],
  ['email codes alone', false, (db, id) => setEmailCodesEnabled(db, id, true)],
  ['recovery codes alone', false, (db, id) => db.transaction().execute((trx) => replaceRecoveryCodes(trx, id, ['a', 'b'], T0))],
  [
    'every factor at once',
    true,
    async (db, id) => {
      await enableTwoFactor(db, id, '+14155552671');
      await startTotpEnrollment(db, id, 'sealed', T0);
      await confirmTotpFactor(db, id, 1, T0);
      await insertPasskey(db, { id: `cred-all-${id}`, userId: id, publicKey: 'pk', counter: 0, transports: [], backedUp: false, name: 'Key', now: T0 });
      await setEmailCodesEnabled(db, id, true);
    },
  ],
];

describe.each(forEachDatabase())('second factors on $name', (target) => {
  const handle = useDatabase(target);

  it('an enrolment counts only once confirmed, and a confirmed factor is never replaced by a new enrolment', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    expect(await startTotpEnrollment(db, user.id, 'sealed-1', T0)).toBe(true);
    expect(await startTotpEnrollment(db, user.id, 'sealed-2', T0)).toBe(true); // replaces the unconfirmed one
    expect(await useTotpStep(db, user.id, 100)).toBe(false); // not active yet
    expect(await confirmTotpFactor(db, user.id, 100, T0)).toBe(true);
    expect(await confirmTotpFactor(db, user.id, 101, T0)).toBe(false);
    expect(await startTotpEnrollment(db, user.id, 'sealed-3', T0)).toBe(false);
    expect(await findTotpFactor(db, user.id)).toMatchObject({ secret: 'sealed-2', last_used_step: 100, confirmed_at: T0 });
  });

  it('a time step is used at most once, even by ten concurrent requests; older steps never', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await startTotpEnrollment(db, user.id, 'sealed', T0);
    await confirmTotpFactor(db, user.id, 100, T0);
    expect(await useTotpStep(db, user.id, 100)).toBe(false);
    const results = await Promise.all(Array.from({ length: 10 }, () => useTotpStep(db, user.id, 101)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await useTotpStep(db, user.id, 100)).toBe(false);
    expect(await useTotpStep(db, user.id, 102)).toBe(true);
  });

  it('a recovery code is used at most once, even by ten concurrent requests; a new set voids the old one', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await db.transaction().execute((trx) => replaceRecoveryCodes(trx, user.id, ['a', 'b', 'c'], T0));
    const results = await Promise.all(Array.from({ length: 10 }, () => useRecoveryCode(db, user.id, 'a', T0)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await countUnusedRecoveryCodes(db, user.id)).toBe(2);
    await db.transaction().execute((trx) => replaceRecoveryCodes(trx, user.id, ['d'], T0));
    expect(await useRecoveryCode(db, user.id, 'b', T0)).toBe(false);
    expect(await useRecoveryCode(db, user.id, 'd', T0)).toBe(true);
  });

  it.each(FACTOR_STATES)("the SQL rule (the admin's list) and the rule every page uses agree: %s", async (_name, expected, arrange) => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const bystander = await insertTestUser(db); // another user's factors must not count
    await enableTwoFactor(db, bystander.id, '+14155550100');
    await arrange(db, user.id);
    const rule = hasSecondFactor(await factorsOf(db, (await findUserById(db, user.id))!));
    const rows = await db
      .selectFrom('users')
      .select(['users.id'])
      .select((eb) => hasSecondFactorSql(eb).as('on'))
      .where('users.id', 'in', [user.id, bystander.id])
      .execute();
    const inSql = Boolean(rows.find((r) => r.id === user.id)?.on);
    expect(rule).toBe(expected);
    expect(inSql).toBe(rule);
    expect(Boolean(rows.find((r) => r.id === bystander.id)?.on)).toBe(true);
  });

  it('security events come newest first and are purged after 90 days', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await recordSecurityEvent(db, { userId: user.id, kind: 'sign_in', now: T0, ip: '192.0.2.1', userAgent: 'x'.repeat(1000) });
    await recordSecurityEvent(db, { userId: user.id, kind: 'totp_enabled', now: T0 + 1000, ip: null, userAgent: null });
    const events = await recentSecurityEvents(db, user.id, 0);
    expect(events.map((e) => e.kind)).toEqual(['totp_enabled', 'sign_in']);
    expect(events[1]!.user_agent).toHaveLength(300);
    await purgeExpired(db, T0 + SECURITY_EVENT_RETENTION_MS + 500);
    expect((await recentSecurityEvents(db, user.id, 0)).map((e) => e.kind)).toEqual(['totp_enabled']);
  });

  it("an app event keeps the app's client_id and is listed with the app's name of the moment, or none once the app is gone", async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const app = { client_id: `app-${user.id}`, name: 'Notes', kind: 'web', secret_hash: null, redirect_uris: '[]', post_logout_redirect_uris: '[]', backchannel_logout_uri: null, first_party: 0, requirement: 'none', id_token_alg: 'ES256', created_at: T0, secret_rotated_at: null };
    await insertOidcApp(db, app);
    await recordSecurityEvent(db, { userId: user.id, kind: 'oidc_consent', now: T0, ip: null, userAgent: null, clientId: app.client_id });
    await recordSecurityEvent(db, { userId: user.id, kind: 'sign_in', now: T0 + 1000, ip: null, userAgent: null });
    const listed = () => recentSecurityEvents(db, user.id, 0).then((events) => events.map((e) => [e.kind, e.client_id, e.app_name]));
    expect(await listed()).toEqual([['sign_in', null, null], ['oidc_consent', app.client_id, 'Notes']]);
    await db.updateTable('oidc_apps').set({ name: 'Notebook' }).where('client_id', '=', app.client_id).execute();
    expect((await listed())[1]).toEqual(['oidc_consent', app.client_id, 'Notebook']);
    expect(await deleteOidcApp(db, app.client_id)).toBe(true);
    expect((await listed())[1]).toEqual(['oidc_consent', app.client_id, null]);
  });
});
