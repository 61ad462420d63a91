/**
 * The documented Caddy set-up (docs/deploy/Caddyfile), run with a real Caddy (Debian's `caddy` 2.6; `.ci/run`
 * installs it) in front of Gatehouse and a small upstream that echoes the headers it received. Only addresses and
 * ports of the documented file are replaced (each replacement must match), and the sites are served over plain
 * http on loopback ports; Caddy runs as a child process with its admin endpoint off and its data and config
 * folders in a temp directory, and is ended by its pid.
 *
 * What it shows: forward_auth asks /api/authz/forward-auth with X-Forwarded-*, the Remote-* headers reach the
 * upstream, a Remote-User sent by the client never does (in any letter case, or as Remote_User, signed in or
 * on a bypass), someone signed out is redirected to the sign-in with rd (401 for XHR), a deny rule is a 403.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { headersReceived, replaceAll, ROOT, sessionCookie, startBehindProxy, untilAnswering, type Answer, type BehindProxy } from '../support/reverse-proxy.js';

const CADDY = '/usr/bin/caddy';
const DOCUMENTED = 'docs/deploy/Caddyfile';

let behind: BehindProxy;
let caddy: ChildProcess;
let port: number;
let caddyLog = '';

beforeAll(async () => {
  behind = await startBehindProxy('gatehouse-caddy-');
  const { dir, gatehousePort, upstreamPort } = behind;

  port = await freePort();
  let file = readFileSync(join(ROOT, DOCUMENTED), 'utf8');
  file = replaceAll(DOCUMENTED, file, /^auth\.example\.com \{/m, `http://auth.example.com:${port} {`);
  file = replaceAll(DOCUMENTED, file, /^app\.example\.com \{/m, `http://app.example.com:${port} {`);
  file = replaceAll(DOCUMENTED, file, '127.0.0.1:3000', `127.0.0.1:${gatehousePort}`);
  file = replaceAll(DOCUMENTED, file, '127.0.0.1:8080', `127.0.0.1:${upstreamPort}`);
  // No admin endpoint (a fixed port shared by every Caddy on the machine), nothing outside the temp folder.
  writeFileSync(join(dir, 'Caddyfile'), `{\n\tadmin off\n}\n\n${file}`);
  const env = { PATH: process.env.PATH ?? '', HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
  caddy = spawn(CADDY, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  caddy.stdout!.on('data', (chunk: Buffer) => (caddyLog += chunk.toString()));
  caddy.stderr!.on('data', (chunk: Buffer) => (caddyLog += chunk.toString()));
  await untilAnswering(() => get('auth.example.com', '/health/live'), {
    tries: 200,
    exited: () => caddy.exitCode !== null,
    failure: (error) => new Error(`caddy did not start: ${String(error)}\n${caddyLog}`),
  });
}, 60_000);

afterAll(async () => {
  if (caddy?.pid !== undefined && caddy.exitCode === null) {
    const gone = new Promise((done) => caddy.once('exit', done));
    caddy.kill('SIGTERM');
    await gone;
  }
  await behind?.close();
});

/** A request to Caddy for `host` with these headers, no cookie jar. */
function get(host: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { host: `${host}:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

/** The headers the upstream received whose names start with `remote` (any case, `-` or `_`), every occurrence. */
function remoteHeadersReceived(answer: Answer): [string, string][] {
  return headersReceived(answer).filter(([name]) => name.toLowerCase().startsWith('remote'));
}

const FORGED = { 'Remote-User': 'admin', 'remote-groups': 'admins', 'REMOTE-EMAIL': 'admin@example.com', Remote_User: 'root', remote_user: 'root2' };

describe('Caddy forward_auth in front of an app (docs/deploy/Caddyfile)', () => {
  it('signed in: the request reaches the app with Remote-User, -Email, -Name and -Groups', async () => {
    const { username, email, cookie } = await sessionCookie(behind.t);
    const res = await get('app.example.com', '/notes?x=1', { cookie });
    expect(res.status).toBe(200);
    expect(Object.fromEntries(remoteHeadersReceived(res))).toEqual({ 'Remote-User': username, 'Remote-Email': email, 'Remote-Name': 'Test User', 'Remote-Groups': '' });
  });

  it('Remote-User sent by the client never reaches the upstream: signed in, it is replaced; on a bypass, emptied', async () => {
    // Attack: the client sends identity headers of its own, hoping the app trusts them.
    const { username, cookie } = await sessionCookie(behind.t);
    const signedIn = await get('app.example.com', '/', { cookie, ...FORGED });
    expect(signedIn.status).toBe(200);
    expect(remoteHeadersReceived(signedIn).filter(([name]) => /user/i.test(name))).toEqual([['Remote-User', username]]);
    expect(JSON.stringify(remoteHeadersReceived(signedIn))).not.toMatch(/admin|root/);

    const bypass = await get('app.example.com', '/public/page', FORGED);
    expect(bypass.status).toBe(200);
    // Gatehouse sends all four, empty (Caddy 2.6 would otherwise put its placeholder's text in the missing ones).
    expect(remoteHeadersReceived(bypass).every(([, value]) => value === '')).toBe(true);
  });

  it('signed out: redirected to the sign-in with rd = the address asked for; 401 for XHR', async () => {
    const res = await get('app.example.com', '/notes?x=1&y=2');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`https://auth.example.com/login?rd=${encodeURIComponent(`http://app.example.com:${port}/notes?x=1&y=2`)}`);
    expect((await get('app.example.com', '/', FORGED)).status).toBe(302);
    expect((await get('app.example.com', '/form', {}, 'POST')).status).toBe(303);
    expect((await get('app.example.com', '/api', { 'x-requested-with': 'XMLHttpRequest' })).status).toBe(401);
  });

  it('a deny rule: 403, also for someone signed in', async () => {
    const { cookie } = await sessionCookie(behind.t);
    expect((await get('app.example.com', '/admin', { cookie })).status).toBe(403);
  });

  it('a client cannot choose the URL judged: its X-Forwarded-Uri is replaced by Caddy', async () => {
    // Attack: ask for /admin while claiming, in X-Forwarded-*, to ask for a public page.
    const res = await get('app.example.com', '/admin', { 'x-forwarded-uri': '/public/x', 'x-forwarded-method': 'GET', 'x-forwarded-host': 'app.example.com' });
    expect(res.status).toBe(403);
  });
});
