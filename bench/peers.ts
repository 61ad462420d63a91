/**
 * What the server needs to start in production mode (src/config.ts refuses it otherwise), as real peers on
 * loopback: the Twilio Verify stand-in over https with a self-signed certificate made for this run, and an SMTP
 * server that takes the mail a sign-in from a new browser queues. Both run in the load generator's process.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { openDatabase } from '../src/db/database.js';
import { seedUsers } from '../scripts/seed.js';
import { TwilioStandIn } from '../test/support/twilio-stand-in.js';
import { buildServer, serverEnv, type BenchRun } from './server.js';
import { BENCH_APP_URL, log, USERS } from './settings.js';

export interface ProductionPeers {
  standIn: TwilioStandIn;
  /** The PEM file the server child trusts (NODE_EXTRA_CA_CERTS): the stand-in's self-signed certificate. */
  caFile: string;
  smtpUrl: string;
  /** Messages the SMTP server accepted so far. */
  mails: () => number;
  close(): Promise<void>;
}

/**
 * A self-signed certificate for 127.0.0.1, valid for a day, made with the system's openssl (Debian's
 * `openssl req -x509`), in `dir`.
 */
function selfSignedCertificate(dir: string): { keyFile: string; certFile: string } {
  const keyFile = join(dir, 'peer-key.pem');
  const certFile = join(dir, 'peer-cert.pem');
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'];
  args.push('-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile);
  const made = spawnSync('openssl', args, { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl req -x509 failed (is openssl installed?):\n${made.error?.message ?? ''}${made.stderr}`);
  return { keyFile, certFile };
}

/**
 * An SMTP server that accepts every message and keeps only the count: the tests' sink (test/support/smtp-sink.ts)
 * parses and keeps each message, which would cost the load generator CPU and memory for every sign-in.
 */
async function startMailSink(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let count = 0;
  const countAndDiscard = (stream: SMTPServerDataStream, _session: unknown, callback: () => void) => {
    stream.resume();
    stream.on('end', () => {
      count++;
      callback();
    });
  };
  // No STARTTLS (nodemailer would try it, and refuse the server's default certificate) and no AUTH; a reverse DNS
  // lookup of 127.0.0.1 would cost ~100 ms per connection here.
  const server = new SMTPServer({ disabledCommands: ['STARTTLS', 'AUTH'], authOptional: true, disableReverseLookup: true, onData: countAndDiscard });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined); // a client resetting its connection is not the bench's concern
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    count: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startProductionPeers(dir: string): Promise<ProductionPeers> {
  const { keyFile, certFile } = selfSignedCertificate(dir);
  const standIn = await TwilioStandIn.start({ tls: { key: readFileSync(keyFile), cert: readFileSync(certFile) } });
  const mail = await startMailSink();
  return {
    standIn,
    caFile: certFile,
    smtpUrl: mail.url,
    mails: mail.count,
    close: async () => {
      await standIn.close();
      await mail.close();
    },
  };
}

/** The server's environment in production mode: an https APP_URL behind a trusted proxy, the real peers. */
export function productionEnv(databaseUrl: string, peers: ProductionPeers): Record<string, string> {
  return {
    ...serverEnv(databaseUrl, peers.standIn),
    NODE_ENV: 'production',
    APP_URL: BENCH_APP_URL,
    SMTP_URL: peers.smtpUrl,
    MAIL_FROM: 'Gatehouse bench <no-reply@gatehouse.bench.test>',
    NODE_EXTRA_CA_CERTS: peers.caFile,
  };
}

/** What a focused production-mode run starts from: the compiled server, a SQLite file with USERS seeded users, the peers. */
export interface ProductionSetup {
  serverJs: string;
  /** Where the server runs (`build/` of the run's folder, beside links to public/, src/ and node_modules/). */
  serverDir: string;
  /** The production environment on the seeded file, with the peers (stopped with the run: `run.peers`). */
  env: Record<string, string>;
}

export async function productionSetup(run: BenchRun): Promise<ProductionSetup> {
  log('compiling the server (tsc, as npm run build)…');
  const serverJs = buildServer(run.dir);
  const databaseUrl = `sqlite:${join(run.dir, 'bench.db')}`;
  const handle = openDatabase(databaseUrl);
  try {
    await seedUsers(handle, { users: USERS });
  } finally {
    await handle.destroy();
  }
  const peers = (run.peers = await startProductionPeers(run.dir));
  return { serverJs, serverDir: join(run.dir, 'build'), env: productionEnv(databaseUrl, peers) };
}

/**
 * BENCH_CPU_PROF=<folder>: node's flags for a V8 CPU profile of the server, written when it stops (open it in Chrome's
 * DevTools or speedscope, or sum it with `npm run bench:profile`). Sampling costs CPU too: the run's figures are then
 * not comparable with others.
 */
export const cpuProfileFlags = (): string[] => (process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []);
