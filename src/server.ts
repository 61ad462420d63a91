/** Starts Gatehouse: read the config, build the app, listen; on SIGTERM/SIGINT close gracefully. */
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { isLoopbackAddress } from './lib/net.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const app = await buildApp(config);
  if (!config.twilio) app.log.info('Twilio is not configured: verification codes go to the dev outbox (/dev/outbox).');
  if (!config.mail.smtp) app.log.info('SMTP is not configured: email goes to the dev outbox (/dev/outbox).');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
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

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
