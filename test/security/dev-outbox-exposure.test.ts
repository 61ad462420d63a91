/**
 * Attack: a development server exposed to the network (HOST=0.0.0.0 without
 * NODE_ENV=production). Anyone who can reach it could read every SMS code and
 * password-reset link from /dev/outbox and take over accounts.
 * Defence: development-only routes answer loopback clients only, judged by the
 * socket address (a spoofed X-Forwarded-For does not count) and a Host header
 * naming this machine (DNS rebinding), and the server
 * warns loudly at start when it listens beyond loopback outside production.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackAddress } from '../../src/lib/net.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe('dev outbox exposure', () => {
  it('a client from the network gets 404 at /dev/outbox, even claiming to be local', async () => {
    const remote = new TestClient(t.app, '203.0.113.7');
    for (const path of ['/dev/outbox', '/dev/outbox/1/html']) {
      const res = await remote.request('GET', path, { headers: { 'x-forwarded-for': '127.0.0.1' } });
      expect(res.status, path).toBe(404);
      expect(res.body).toContain('Page not found');
    }
  });

  it('DNS rebinding: a loopback request for another site\'s Host name gets 404', async () => {
    const res = await new TestClient(t.app).request('GET', '/dev/outbox', { headers: { host: 'evil.example:3000' } });
    expect(res.status).toBe(404);
    expect((await new TestClient(t.app).request('GET', '/dev/outbox', { headers: { host: 'localhost:3000' } })).status).toBe(200);
    expect((await new TestClient(t.app).request('GET', '/dev/outbox', { headers: { host: '127.0.0.1:3000' } })).status).toBe(200);
  });

  it('a reverse proxy on this machine: loopback socket, local-looking Host, but forwarding headers: 404', async () => {
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const res = await new TestClient(t.app).request('GET', '/dev/outbox', { headers: { host: new URL(t.config.appUrl).host, [header]: '203.0.113.9' } });
      expect(res.status, header).toBe(404);
    }
  });

  it('loopback clients (IPv4, IPv6, IPv4-mapped) see it', async () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      expect((await new TestClient(t.app, address).get('/dev/outbox')).status, address).toBe(200);
    }
  });

  it('recognises loopback addresses and nothing else', () => {
    expect(isLoopbackAddress('127.10.0.1')).toBe(true);
    expect(isLoopbackAddress('10.0.0.1')).toBe(false);
    expect(isLoopbackAddress('::ffff:10.0.0.1')).toBe(false);
    expect(isLoopbackAddress('0.0.0.0')).toBe(false);
    expect(isLoopbackAddress(undefined)).toBe(false);
  });

  it('the server warns at start when it listens beyond loopback outside production', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const dir = t.dir;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'development', HOST: '0.0.0.0', PORT: String(port), DATABASE_URL: `sqlite:${dir}/exposed.db`, SECRET_KEY: 'x'.repeat(40) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      for (let i = 0; i < 150 && !output.includes('WARNING: listening on 0.0.0.0'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(output).toContain('WARNING: listening on 0.0.0.0 without NODE_ENV=production');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
