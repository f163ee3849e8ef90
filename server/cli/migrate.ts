import { loadConfig, type Env } from '../config';
import { openDatabase } from '../core/db/database';

/** Applies pending migrations to the configured database; used by `npm run db:migrate`. */
export async function runMigrations(env: Env): Promise<string> {
  const config = loadConfig(env);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await database.migrate();
    return `Migrations applied to ${database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.dataDir}`}`;
  } finally {
    await database.close();
  }
}
