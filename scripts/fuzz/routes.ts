/** The paths the fuzzer aims at: the app's routes as its router lists them, and a few it does not. */
import type { GatehouseApp } from '../../src/app.js';

const FIXED_PATHS = [
  '/', '/login', '/login/two-factor', '/login/two-factor/resend', '/logout', '/register', '/reset-password', '/reset-password/:token',
  '/user/:username', '/profile/edit', '/two-factor/sms/enable', '/two-factor/sms/confirm', '/two-factor/sms/resend', '/two-factor/disable',
  '/dev/outbox', '/static/css/app.css', '/static/:file', '/vendor/intl-tel-input/:file',
  // The OpenID Connect provider's endpoints: answered by its Koa app, so not in Fastify's route list.
  '/oidc/.well-known/openid-configuration', '/oidc/jwks', '/oidc/auth', '/oidc/auth/:uid', '/oidc/token', '/oidc/me',
  '/oidc/token/introspection', '/oidc/token/revocation', '/oidc/session/end/confirm',
];

/** Route patterns as the app's router lists them (the tree printed by `printRoutes`). */
export function routePatterns(app: GatehouseApp): string[] {
  const found = new Set<string>(FIXED_PATHS);
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([\s│]*)[└├]── (\S+)/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const segment = match[2]!;
    const parent = depth === 0 ? '' : stack[depth - 1]!;
    const path = depth === 0 ? segment : `${parent.endsWith('/') || segment.startsWith('/') ? parent : `${parent}/`}${segment}`;
    stack[depth] = path;
    stack.length = depth + 1;
    found.add(path);
  }
  return [...found].sort();
}
