/**
 * The documented nginx set-up (docs/deploy/nginx.conf and its snippets in docs/deploy/nginx/), run with a real
 * nginx (Debian's package; `.ci/run` installs it) in front of Gatehouse and a small upstream that echoes the
 * headers it received. Only addresses, ports and file paths of the documented file are replaced (each
 * replacement must match, so the test breaks when the file changes shape); the snippets are included as they
 * are. nginx runs as a child process (`daemon off`, its own prefix, pid, logs and temp folders in a temp
 * directory, loopback ports) and is ended by its pid.
 *
 * What it shows: the Remote-* headers reach the upstream; a Remote-User sent by the client never does (signed
 * in or not, in any letter case, or as Remote_User); someone signed out is sent to the sign-in with rd; a
 * deny rule is a 403.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { headersReceived, replaceAll, ROOT, sessionCookie, startBehindProxy, untilAnswering, type Answer, type BehindProxy } from '../support/reverse-proxy.js';

const NGINX = '/usr/sbin/nginx';
const DOCUMENTED = 'docs/deploy/nginx.conf';

let behind: BehindProxy;
let nginx: ChildProcess;
let tlsPort: number;
let nginxLog = '';

beforeAll(async () => {
  behind = await startBehindProxy('gatehouse-nginx-');
  const { dir, gatehousePort, upstreamPort } = behind;

  // A self-signed certificate for the names the documented file serves.
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=example.com',
    '-addext', 'subjectAltName=DNS:example.com,DNS:*.example.com', '-keyout', join(dir, 'privkey.pem'), '-out', join(dir, 'fullchain.pem'),
  ], { stdio: 'ignore' });

  tlsPort = await freePort();
  const plainPort = await freePort();
  let site = readFileSync(join(ROOT, DOCUMENTED), 'utf8');
  site = replaceAll(DOCUMENTED, site, /server 10\.0\.0\.11:3000[^;]*;\s*server 10\.0\.0\.12:3000[^;]*;/, `server 127.0.0.1:${gatehousePort};`);
  site = replaceAll(DOCUMENTED, site, 'server 10.0.0.21:8080;', `server 127.0.0.1:${upstreamPort};`);
  site = replaceAll(DOCUMENTED, site, /^\s*listen \[::\]:\d+[^;]*;\n/gm, '');
  site = replaceAll(DOCUMENTED, site, 'listen 443 ', `listen 127.0.0.1:${tlsPort} `);
  site = replaceAll(DOCUMENTED, site, 'listen 80;', `listen 127.0.0.1:${plainPort};`);
  site = replaceAll(DOCUMENTED, site, '/etc/letsencrypt/live/example.com/', `${dir}/`);
  site = replaceAll(DOCUMENTED, site, '/etc/nginx/snippets/', `${join(ROOT, 'docs/deploy/nginx')}/`);
  writeFileSync(join(dir, 'site.conf'), site);

  for (const temp of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, temp));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process on;
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${dir}/site.conf;
}
`,
  );
  execFileSync(NGINX, ['-t', '-q', '-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], { stdio: 'pipe' });
  nginx = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  nginx.stderr!.on('data', (chunk: Buffer) => (nginxLog += chunk.toString()));
  // Ready when it answers on its port.
  await untilAnswering(() => get('auth.example.com', '/health/live'), {
    tries: 100,
    failure: (error) => new Error(`nginx did not start: ${String(error)}\n${nginxLog}\n${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`),
  });
}, 60_000);

afterAll(async () => {
  if (nginx?.pid !== undefined && nginx.exitCode === null) {
    const gone = new Promise((done) => nginx.once('exit', done));
    nginx.kill('SIGQUIT'); // graceful stop of this nginx (its master, by its pid)
    await gone;
  }
  await behind?.close();
});

/** An https request to nginx for `host` (SNI and Host), like a browser's; headers as given, no cookie jar. */
function get(host: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port: tlsPort, servername: host, path, method, rejectUnauthorized: false, headers: { host, ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', fail);
    req.end();
  });
}

/** The headers the upstream received with these names (lower-cased), every occurrence. */
function received(answer: Answer, ...names: string[]): [string, string][] {
  return headersReceived(answer).filter(([name]) => names.includes(name.toLowerCase()));
}

const FORGED = { 'Remote-User': 'admin', 'remote-groups': 'admins', 'REMOTE-EMAIL': 'admin@example.com', Remote_User: 'root', 'Remote-Name': 'Admin' };

describe('nginx auth_request in front of an app (docs/deploy/nginx.conf)', () => {
  it('signed in: the request reaches the app with Remote-User, -Email, -Name and -Groups', async () => {
    const { username, email, cookie } = await sessionCookie(behind.t);
    const res = await get('app.example.com', '/notes?x=1', { cookie });
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as { url: string }).url).toBe('/notes?x=1');
    expect(received(res, 'remote-user')).toEqual([['Remote-User', username]]);
    expect(received(res, 'remote-email')).toEqual([['Remote-Email', email]]);
    expect(received(res, 'remote-name')).toEqual([['Remote-Name', 'Test User']]);
    expect(received(res, 'remote-groups')).toEqual([]); // no groups: an empty value is not passed on
  });

  it('Remote-User sent by the client never reaches the upstream: signed in, it is replaced; on a bypass, removed', async () => {
    // Attack: the client sends identity headers of its own, hoping the app trusts them.
    const { username, cookie } = await sessionCookie(behind.t);
    const signedIn = await get('app.example.com', '/', { cookie, ...FORGED });
    expect(signedIn.status).toBe(200);
    expect(received(signedIn, 'remote-user', 'remote_user')).toEqual([['Remote-User', username]]);
    expect(received(signedIn, 'remote-groups', 'remote-email', 'remote-name').map(([name]) => name)).toEqual(['Remote-Email', 'Remote-Name']);
    expect(signedIn.body).not.toContain('admin');

    const bypass = await get('app.example.com', '/public/page', FORGED);
    expect(bypass.status).toBe(200);
    expect(received(bypass, 'remote-user', 'remote_user', 'remote-groups', 'remote-email', 'remote-name')).toEqual([]);
  });

  it('signed out: redirected to the sign-in, with rd = the address asked for', async () => {
    const res = await get('app.example.com', '/notes?x=1&y=2');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`https://auth.example.com/login?rd=${encodeURIComponent('https://app.example.com/notes?x=1&y=2')}`);
    // A forged identity does not get anyone in.
    expect((await get('app.example.com', '/', FORGED)).status).toBe(302);
    // A POST too (nginx's subrequest keeps the method; the redirect is nginx's 302).
    expect((await get('app.example.com', '/form', { 'content-type': 'application/json' }, 'POST')).status).toBe(302);
  });

  it('a deny rule: 403, also for someone signed in', async () => {
    const { cookie } = await sessionCookie(behind.t);
    expect((await get('app.example.com', '/admin', { cookie })).status).toBe(403);
    expect((await get('app.example.com', '/admin')).status).toBe(403);
  });

  it('Gatehouse itself is served through the same file, and an unknown host is refused', async () => {
    expect((await get('auth.example.com', '/login')).status).toBe(200);
    await expect(get('other.example.com', '/')).rejects.toThrow(); // return 444: the connection is closed
  });
});
