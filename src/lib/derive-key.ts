/**
 * A key for one purpose, derived from SECRET_KEY (HMAC-SHA256 of `gatehouse:<purpose>`), so no two mechanisms
 * share a key: the cookie signatures (src/app.ts), the OpenID Connect provider's cookies (src/oidc/provider.ts).
 */
import { createHmac } from 'node:crypto';

export function deriveKey(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(`gatehouse:${purpose}`).digest('base64url');
}
