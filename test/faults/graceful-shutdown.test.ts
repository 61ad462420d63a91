/**
 * Fault: the orchestrator stops the server (SIGTERM: a deploy, a scale-down)
 * while a request is in flight. Requirement (issue 4, "Scale-out"): the
 * request in flight completes normally, new connections are refused from the
 * moment the signal arrives, and the process then closes its outbox worker,
 * Redis and database and exits 0 soon after.
 *
 * The real server runs as a child process (`node --import tsx src/server.ts`)
 * on an SQLite file with one user. The test holds a sign-in open by sending
 * its headers and only half of its body, sends SIGTERM, checks that a new
 * connection is refused, then sends the rest: the sign-in must get its 302.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createUser, TEST_SECRET } from '../support/app.js';
import type { GatehouseApp } from '../../src/app.js';
import { freePort } from '../support/net.js';

const ROOT = resolve(import.meta.dirname, '../..');
const PASSWORD = 'quartz lantern meadow 4821 drift';
/** "Soon after": the shutdown has nothing left to wait for once the held request is answered. */
const EXITS_WITHIN_MS = 5000;

let dir: string;
let dbPath: string;
let username: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-shutdown-'));
  dbPath = join(dir, 'app.db');
  const database = openDatabase(`sqlite:${dbPath}`);
  await migrateToLatest(database);
  // createUser needs only the app's db and clock.
  const user = await createUser({ ctx: { db: database.db, clock: { now: () => Date.now() } } } as unknown as GatehouseApp, { password: PASSWORD });
  username = user.username;
  await database.destroy();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startServer(env: Record<string, string> = {}): Promise<{ child: ChildProcess; origin: string; exit: Promise<number | null>; stderr: () => string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: `sqlite:${dbPath}`, PORT: String(port), NODE_ENV: 'test', SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const origin = `http://127.0.0.1:${port}`;
  const began = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} during start:\n${stderr}`);
    try {
      if ((await fetch(`${origin}/healthz`)).status === 200) return { child, origin, exit, stderr: () => stderr };
    } catch {
      // not listening yet
    }
    if (Date.now() - began > 20_000) {
      child.kill('SIGKILL');
      throw new Error(`the server did not answer within 20 s:\n${stderr}`);
    }
    await sleep(25);
  }
}

/** The sign-in form's cookies and CSRF token, as a browser would have them. */
async function signInForm(origin: string): Promise<{ cookie: string; token: string }> {
  const res = await fetch(`${origin}/login`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  return { cookie, token };
}

it('finishes the request in flight, refuses new connections, and exits 0', async () => {
  const server = await startServer();
  try {
    const { cookie, token } = await signInForm(server.origin);
    const body = new URLSearchParams({ _csrf: token, login: username, password: PASSWORD }).toString();
    const half = Math.floor(body.length / 2);
    const url = new URL(`${server.origin}/login`);
    const held = httpRequest({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: '/login',
      agent: false,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), cookie, origin: server.origin },
    });
    const answer = new Promise<{ status: number; location: string | undefined }>((done, reject) => {
      held.on('response', (res) => {
        res.resume();
        res.on('end', () => done({ status: res.statusCode!, location: res.headers.location }));
      });
      held.on('error', reject);
    });
    held.flushHeaders();
    held.write(body.slice(0, half));
    await sleep(200); // the server has the request and waits for the rest of its body

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    await sleep(300);
    // The listening socket is closed: a new connection is refused, while the held one stays open.
    await expect(fetch(`${server.origin}/healthz`)).rejects.toThrow();
    expect(server.child.exitCode).toBeNull();

    held.end(body.slice(half));
    const res = await answer;
    expect(res.status).toBe(302);
    expect(res.location).toBe('/');

    const code = await server.exit;
    expect(code, server.stderr()).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(EXITS_WITHIN_MS + 500);
  } finally {
    server.child.kill('SIGKILL');
  }
}, 40_000);

it('exits 0 at once on SIGTERM when idle', async () => {
  const server = await startServer();
  try {
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(EXITS_WITHIN_MS);
  } finally {
    server.child.kill('SIGKILL');
  }
}, 40_000);
