/** Passkey helpers for HTTP tests: read the options a page hands the browser, and answer them with a SoftAuthenticator. */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { expect } from 'vitest';
import { csrfTokenIn, type Page, type TestClient } from './client.js';
import type { SoftAuthenticator } from './soft-authenticator.js';

const ENTITIES: Record<string, string> = { '&quot;': '"', '&amp;': '&', '&lt;': '<', '&gt;': '>', '&#39;': "'", '&#96;': '`', '&#x27;': "'", '&#x60;': '`' };

/** The WebAuthn options in a page's passkey form (its data-options attribute). */
export function passkeyOptionsIn<T = PublicKeyCredentialRequestOptionsJSON>(body: string): T {
  const match = /data-options="([^"]*)"/.exec(body);
  if (!match) throw new Error('no passkey form on the page');
  return JSON.parse(match[1]!.replace(/&(?:quot|amp|lt|gt|#39|#96|#x27|#x60);/g, (e) => ENTITIES[e]!)) as T;
}

/**
 * What the page's script does: GET the page, answer its options with the
 * authenticator, post the answer with the page's CSRF token and `fields`.
 */
export async function answerPasskeyPage<Options>(
  client: TestClient,
  path: string,
  respond: (options: Options) => unknown,
  fields: Record<string, string> = {},
): Promise<Page> {
  const page = await client.get(path);
  expect(page.status).toBe(200);
  const credential = respond(passkeyOptionsIn<Options>(page.body));
  return client.post(path, { _csrf: csrfTokenIn(page.body), credential: JSON.stringify(credential), ...fields });
}

/** Adds a passkey for a client that signed in recently (no step-up); returns the final page. */
export async function addPasskey(client: TestClient, authenticator: SoftAuthenticator, origin: string, name = 'Test key'): Promise<Page> {
  return answerPasskeyPage(client, '/security/passkeys/add', (options: PublicKeyCredentialCreationOptionsJSON) => authenticator.register(options, origin), { name });
}

/** Answers the second-factor passkey page of a pending sign-in. */
export async function useSecondFactorPasskey(client: TestClient, authenticator: SoftAuthenticator, origin: string, fields: Record<string, string> = {}): Promise<Page> {
  return answerPasskeyPage(client, '/login/two-factor/passkey', (options: PublicKeyCredentialRequestOptionsJSON) => authenticator.authenticate(options, origin), fields);
}

/** Passwordless sign-in with whichever passkey the authenticator holds for the site. */
export async function signInWithPasskey(client: TestClient, authenticator: SoftAuthenticator, origin: string, fields: Record<string, string> = {}): Promise<Page> {
  return answerPasskeyPage(client, '/login/passkey', (options: PublicKeyCredentialRequestOptionsJSON) => authenticator.authenticate(options, origin), fields);
}
