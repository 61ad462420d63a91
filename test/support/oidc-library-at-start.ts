/**
 * Run as a child process by test/oidc/lazy-provider.test.ts: builds the app on a fresh SQLite file in a temp
 * folder, serves `GET /login`, then `GET /oidc/jwks`, and prints (one JSON line) whether the `oidc-provider`
 * package had been resolved by then, as the module hooks saw every import of the process.
 */
import { registerHooks } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let loaded = false;
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'oidc-provider') loaded = true;
    return next(specifier, context);
  },
});

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-oidc-at-start-'));
try {
  // Imported after the hooks are in place: only what the app itself loads counts.
  const { loadConfig } = await import('../../src/config.js');
  const { buildApp } = await import('../../src/app.js');
  const config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'app.db')}`, APP_URL: 'http://localhost:3000' }, { envFile: null, dataDir: dir });
  const app = await buildApp(config, { logger: false });
  await app.ready();
  const login = await app.inject({ url: '/login' });
  const afterStart = loaded;
  const jwks = await app.inject({ url: '/oidc/jwks' });
  console.log(JSON.stringify({ login: login.statusCode, afterStart, jwks: jwks.statusCode, afterJwks: loaded }));
  await app.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
