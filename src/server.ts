/**
 * Starts Gatehouse: read the config, build the app, listen; on SIGTERM/SIGINT close gracefully.
 * With WEB_CONCURRENCY=N > 1 this process is a node:cluster primary that migrates the database once,
 * forks N workers (which share the port), and passes SIGTERM/SIGINT on to them.
 *
 * Graceful shutdown (app.close()): stop accepting connections (a new one is refused), answer requests that
 * arrive on open keep-alive connections with 503, let requests in flight finish, then stop the outbox worker
 * (a pass in progress ends first), the purge timer, Redis and the database pool. If that has not happened within
 * SHUTDOWN_TIMEOUT_MS the process exits 1 anyway (a claimed mail is retried by the next worker after its claim).
 */
import cluster from 'node:cluster';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { seconds } from './lib/duration.js';
import { isLoopbackAddress } from './lib/net.js';

/** How long a shutdown may take before the process exits anyway: most orchestrators send SIGKILL after 30 s. */
export const SHUTDOWN_TIMEOUT_MS = seconds(20);

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  if (config.webConcurrency > 1 && cluster.isPrimary) return runPrimary(config);
  const app = await buildApp(config);
  if (!config.twilio) app.log.info('Twilio is not configured: verification codes go to the dev outbox (/dev/outbox).');
  if (!config.mail.smtp) app.log.info('SMTP is not configured: email goes to the dev outbox (/dev/outbox).');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    setTimeout(() => {
      app.log.error(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  if (!config.isProduction && !isLoopbackAddress(config.host)) {
    app.log.warn(
      `WARNING: listening on ${config.host} without NODE_ENV=production. Development stand-ins are active: ` +
        'codes and emails go to /dev/outbox (loopback clients only) instead of phones and mailboxes. Do not expose this to users.',
    );
  }
  app.log.info(`Gatehouse is ready at ${config.appUrl}`);
}

/** The cluster primary: migrate once (SQLite's migrations take no lock), fork, forward signals, exit when all workers have. */
async function runPrimary(config: Config): Promise<void> {
  const log = (level: 'info' | 'warn' | 'error', message: string) => {
    if (config.logLevel !== 'silent') console[level === 'info' ? 'log' : level](JSON.stringify({ level, pid: process.pid, msg: message }));
  };
  if (config.databaseUrl.startsWith('sqlite:')) {
    log('warn', `WEB_CONCURRENCY=${config.webConcurrency} on SQLite: every write takes the one file lock, and rate limits are per process unless REDIS_URL is set. Keep WEB_CONCURRENCY=1 on SQLite.`);
  }
  const database = openDatabase(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous });
  try {
    await migrateToLatest(database);
  } finally {
    await database.destroy();
  }
  let stopping = false;
  let failed = false;
  const listening = new Set<number>();
  for (let i = 0; i < config.webConcurrency; i++) cluster.fork();
  cluster.on('listening', (worker) => listening.add(worker.id));
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping && !listening.has(worker.id)) {
      // It never started (bad config, port taken): forking again would only loop. Stop the rest and fail.
      log('error', `worker ${worker.process.pid} exited (${signal ?? code}) before listening; stopping`);
      failed = true;
      stop('SIGTERM');
    }
    if (!stopping) {
      // A worker that dies on its own is replaced; the others keep serving meanwhile.
      log('error', `worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
      cluster.fork();
      return;
    }
    if (code !== 0) failed = true;
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
  });
  function stop(signal: NodeJS.Signals) {
    if (stopping) return;
    stopping = true;
    log('info', `${signal}: stopping ${config.webConcurrency} workers`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  }
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
