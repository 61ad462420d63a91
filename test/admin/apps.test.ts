/**
 * `npm run admin -- apps …` (src/admin/app-commands.ts), called in-process on a real SQLite file and a real
 * PostgreSQL schema: what each command prints and refuses, and what it stores — a client secret only as its
 * hash, the settings of later steps (first-party, --require, logout addresses) kept as given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import { addApp, listApps, removeApp, rotateAppSecret, showApp, type NewAppInput } from '../../src/admin/app-commands.js';
import { parseAdminArgs } from '../../src/admin/args.js';
import type { AdminContext } from '../../src/admin/commands.js';
import { hashToken } from '../../src/lib/tokens.js';
import { loadConfig } from '../../src/config.js';
import { findOidcApp } from '../../src/db/oidc-apps.js';
import { ManualClock } from '../../src/lib/duration.js';
import { forEachDatabase, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 11, 5, 12, 0);
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-admin-apps-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const config = loadConfig({ NODE_ENV: 'test', SECRET_KEY: 'admin-test-secret-key-that-is-long-enough', APP_URL: 'https://auth.example.com' }, { envFile: null, dataDir });

const web: NewAppInput = {
  name: 'Wiki',
  kind: 'web',
  redirectUris: ['https://wiki.example.com/oidc/callback'],
  postLogoutRedirectUris: [],
  backchannelLogoutUri: null,
  firstParty: false,
  requirement: 'none',
  idTokenAlg: 'ES256',
  json: false,
};

describe('apps arguments', () => {
  it('apps add takes repeated --redirect-uri and the flags of later steps; bad values are usage errors', () => {
    const parsed = parseAdminArgs(['apps', 'add', '--name', 'Wiki', '--redirect-uri', 'https://a.example/cb', '--redirect-uri', 'https://b.example/cb', '--post-logout-redirect-uri', 'https://a.example/bye', '--backchannel-logout-uri', 'https://a.example/bcl', '--first-party', '--require', 'passkey', '--json']);
    expect(parsed).toEqual({
      ok: true,
      command: {
        name: 'apps-add',
        app: {
          name: 'Wiki',
          kind: 'web',
          redirectUris: ['https://a.example/cb', 'https://b.example/cb'],
          postLogoutRedirectUris: ['https://a.example/bye'],
          backchannelLogoutUri: 'https://a.example/bcl',
          firstParty: true,
          requirement: 'passkey',
          idTokenAlg: 'ES256',
          json: true,
        },
      },
    });
    expect(parseAdminArgs(['apps', 'add', '--name', 'X', '--redirect-uri', 'https://a.example/cb', '--require', 'sms'])).toMatchObject({ ok: false, problem: expect.stringContaining('two-factor or passkey') as unknown });
    expect(parseAdminArgs(['apps', 'add', '--name', 'X'])).toMatchObject({ ok: false, problem: expect.stringContaining('--redirect-uri') as unknown });
    expect(parseAdminArgs(['apps', 'add', '--name', 'X', '--public', '--service'])).toMatchObject({ ok: false });
    expect(parseAdminArgs(['apps', 'frob'])).toMatchObject({ ok: false, problem: expect.stringContaining('Unknown apps subcommand') as unknown });
    expect(parseAdminArgs(['apps', 'show'])).toMatchObject({ ok: false });
    expect(parseAdminArgs(['apps', 'rotate-secret', 'abc', '--json'])).toEqual({ ok: true, command: { name: 'apps-rotate-secret', clientId: 'abc', json: true } });
  });
});

describe.each(forEachDatabase())('apps commands on $name', (target) => {
  const handle = useDatabase(target);

  function admin() {
    const lines: string[] = [];
    const ctx: AdminContext = { db: handle().db, config, clock: new ManualClock(T0), pwnedPasswords: pwnedPasswordsOff, output: { out: (line) => lines.push(line) } };
    return { ctx, lines, text: () => lines.join('\n') };
  }

  it('add prints the client_id and the secret once; only the secret\'s hash is stored, with every setting', async () => {
    const a = admin();
    const result = await addApp(a.ctx, { ...web, postLogoutRedirectUris: ['https://wiki.example.com/bye'], backchannelLogoutUri: 'https://wiki.example.com/bcl', firstParty: true, requirement: 'two-factor' });
    expect(result.ok).toBe(true);
    const clientId = /client_id +([0-9a-f]{24})/.exec(a.text())?.[1];
    const secret = /client_secret +(gh_[A-Za-z0-9_-]{43})/.exec(a.text())?.[1];
    expect(clientId).toBeDefined();
    expect(secret).toBeDefined();
    expect(a.text()).toContain('https://auth.example.com/oidc/.well-known/openid-configuration');
    const stored = (await findOidcApp(handle().db, clientId!))!;
    expect(stored).toEqual({
      client_id: clientId,
      name: 'Wiki',
      kind: 'web',
      secret_hash: hashToken(secret!),
      redirect_uris: '["https://wiki.example.com/oidc/callback"]',
      post_logout_redirect_uris: '["https://wiki.example.com/bye"]',
      backchannel_logout_uri: 'https://wiki.example.com/bcl',
      first_party: 1,
      requirement: 'two-factor',
      id_token_alg: 'ES256',
      created_at: T0,
      secret_rotated_at: null,
    });
    expect(JSON.stringify(stored)).not.toContain(secret!);
  });

  it('--json prints one JSON object and nothing else; a public app has no secret', async () => {
    const a = admin();
    await addApp(a.ctx, { ...web, json: true });
    expect(a.lines).toHaveLength(1);
    expect(Object.keys(JSON.parse(a.lines[0]!) as object)).toEqual(['client_id', 'client_secret']);

    const p = admin();
    await addApp(p.ctx, { ...web, kind: 'public', json: true });
    const printed = JSON.parse(p.lines[0]!) as { client_id: string };
    expect(Object.keys(printed)).toEqual(['client_id']);
    expect((await findOidcApp(handle().db, printed.client_id))?.secret_hash).toBeNull();
  });

  it('refuses addresses that are not exact https URLs, and a service app with a redirect URI', async () => {
    for (const uri of ['http://wiki.example.com/cb', 'https://wiki.example.com/cb#x', 'wiki.example.com/cb']) {
      expect(await addApp(admin().ctx, { ...web, redirectUris: [uri] })).toMatchObject({ ok: false, problem: expect.stringContaining('--redirect-uri') as unknown });
    }
    expect(await addApp(admin().ctx, { ...web, kind: 'service' })).toMatchObject({ ok: false, problem: expect.stringContaining('--service') as unknown });
    expect(await addApp(admin().ctx, { ...web, name: '  ' })).toMatchObject({ ok: false });
    expect(await handle().db.selectFrom('oidc_apps').selectAll().execute()).toEqual([]);
  });

  it('list, show, rotate-secret (the old secret stops matching) and remove (its tokens go with it)', async () => {
    const a = admin();
    await addApp(a.ctx, { ...web, json: true });
    const { client_id: clientId, client_secret: oldSecret } = JSON.parse(a.lines[0]!) as { client_id: string; client_secret: string };

    const l = admin();
    await listApps(l.ctx);
    expect(l.lines[0]).toMatch(/^client_id +name +kind +first-party +requires +registered$/);
    expect(l.lines[1]).toMatch(new RegExp(`^${clientId} +Wiki +web +no +none +2026-12-05 12:00 UTC$`));

    const s = admin();
    expect(await showApp(s.ctx, clientId)).toEqual({ ok: true });
    expect(s.text()).toContain('https://wiki.example.com/oidc/callback');
    expect(s.text()).not.toContain(oldSecret);

    const r = admin();
    expect(await rotateAppSecret(r.ctx, clientId, { json: true })).toEqual({ ok: true });
    const newSecret = (JSON.parse(r.lines[0]!) as { client_secret: string }).client_secret;
    expect(newSecret).not.toBe(oldSecret);
    const rotated = (await findOidcApp(handle().db, clientId))!;
    expect(rotated.secret_hash).toBe(hashToken(newSecret));
    expect(rotated.secret_rotated_at).toBe(T0);

    await handle().db.insertInto('oidc_payloads').values({ model: 'AccessToken', id: 'x', payload: '{}', grant_id: 'g1', session_uid: null, account_id: 's', client_id: clientId, expires_at: T0 + 60_000, consumed_at: null }).execute();
    await handle().db.insertInto('oidc_payloads').values({ model: 'Grant', id: 'g1', payload: '{}', grant_id: null, session_uid: null, account_id: 's', client_id: clientId, expires_at: T0 + 60_000, consumed_at: null }).execute();
    const d = admin();
    expect(await removeApp(d.ctx, clientId)).toEqual({ ok: true });
    expect(d.text()).toContain('Removed the app "Wiki"');
    expect(await findOidcApp(handle().db, clientId)).toBeUndefined();
    expect(await handle().db.selectFrom('oidc_payloads').selectAll().execute()).toEqual([]);
    expect(await removeApp(admin().ctx, clientId)).toMatchObject({ ok: false, problem: expect.stringContaining('No app has the client_id') as unknown });
  });

  it('a public app has no secret to rotate; unknown ids are refused', async () => {
    const p = admin();
    await addApp(p.ctx, { ...web, kind: 'public', json: true });
    const { client_id: clientId } = JSON.parse(p.lines[0]!) as { client_id: string };
    expect(await rotateAppSecret(admin().ctx, clientId, { json: false })).toMatchObject({ ok: false, problem: expect.stringContaining('public') as unknown });
    expect(await showApp(admin().ctx, 'nope')).toMatchObject({ ok: false });
  });
});
