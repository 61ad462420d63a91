/** `npm run db:migrate`: bring the database named by DATABASE_URL up to date, then exit. */
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';

try {
  const config = loadConfig();
  const handle = openDatabase(config.databaseUrl);
  try {
    const applied = await migrateToLatest(handle);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
  } finally {
    await handle.destroy();
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
