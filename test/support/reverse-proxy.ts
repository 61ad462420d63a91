/**
 * What the tests of the documented reverse-proxy set-ups (test/deploy/: Caddy, nginx) put behind the proxy:
 * Gatehouse listening on loopback with forward-auth rules, and a small upstream app that echoes the headers it
 * received. The proxy itself (its file, its process, how a request reaches it) is each test's own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUser, startTestApp, type TestApp } from './app.js';
import { signIn, TestClient } from './client.js';

/** The repository, where the documented files are (docs/deploy/). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** One app (app.example.com): /public/ bypasses, /admin is denied, everything else needs one factor. */
const RULES = `default_policy: deny
rules:
  - domain: app.example.com
    resources: ['^/public/']
    policy: bypass
  - domain: app.example.com
    resources: ['^/admin([/?].*)?$']
    policy: deny
  - domain: app.example.com
    policy: one_factor
`;

/**
 * Replaces `from` (which must occur) with `to`, everywhere, in the text of the documented file `documented`: a
 * file that changed shape breaks the test instead of being tested half-replaced.
 */
export function replaceAll(documented: string, text: string, from: string | RegExp, to: string): string {
  const pattern = typeof from === 'string' ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : from;
  if (!pattern.test(text)) throw new Error(`${documented} no longer contains ${String(from)}: update this test with it`);
  return text.replace(pattern, to);
}

export interface BehindProxy {
  t: TestApp;
  /** A temp folder of the test's own (the rules file is in it); removed by `close`. */
  dir: string;
  gatehousePort: number;
  upstreamPort: number;
  /** Stops the upstream and Gatehouse and removes `dir`; stop the proxy first. */
  close(): Promise<void>;
}

/**
 * Gatehouse (APP_URL https://auth.example.com, cookies for example.com, the rules above, trusting a proxy on
 * 127.0.0.1) and the echoing upstream, each on a loopback port; `dirPrefix` names the temp folder.
 */
export async function startBehindProxy(dirPrefix: string): Promise<BehindProxy> {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  let t: TestApp | undefined;
  let upstream: Server | undefined;
  const close = async () => {
    await new Promise((done) => (upstream ? upstream.close(done) : done(undefined)));
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    writeFileSync(join(dir, 'rules.yml'), RULES);
    t = await startTestApp({
      APP_URL: 'https://auth.example.com',
      COOKIE_DOMAIN: 'example.com',
      ACCESS_RULES_FILE: join(dir, 'rules.yml'),
      TRUST_PROXY: '127.0.0.1',
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const gatehousePort = (t.app.server.address() as { port: number }).port;

    // The app behind the proxy: answers with the headers it received, as [name, value] pairs in the order sent.
    const echo = createHttpServer((req, res) => {
      const pairs: [string, string][] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) pairs.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: req.url, headers: pairs }));
    });
    upstream = echo;
    await new Promise<void>((done) => echo.listen(0, '127.0.0.1', done));
    const upstreamPort = (echo.address() as { port: number }).port;
    return { t, dir, gatehousePort, upstreamPort, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** An answer through the proxy, read whole. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The headers the echoing upstream received, as [name, value] pairs in the order sent, every occurrence. */
export function headersReceived(answer: Answer): [string, string][] {
  return (JSON.parse(answer.body) as { headers: [string, string][] }).headers;
}

/** A new account signed in with its password, and its session cookie to send through the proxy. */
export async function sessionCookie(t: TestApp): Promise<{ username: string; email: string; cookie: string }> {
  const user = await createUser(t.app);
  const client = new TestClient(t.app);
  await signIn(client, user.username, user.password);
  return { username: user.username, email: user.email, cookie: client.cookieHeader() };
}

/** Asks `probe` every 50 ms until it answers: at most `tries` + 1 times, and not after `exited` says the proxy is gone. */
export async function untilAnswering(probe: () => Promise<unknown>, opts: { tries: number; exited?: () => boolean; failure: (error: unknown) => Error }): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await probe();
      return;
    } catch (error) {
      if (i > opts.tries || (opts.exited?.() ?? false)) throw opts.failure(error);
      await new Promise((done) => setTimeout(done, 50));
    }
  }
}
