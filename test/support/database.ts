import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { listTables, openPglite, openPostgres, type Database } from '../../server/core/db/database';

export type BackendKind = 'pglite' | 'postgres';

/** The PostgreSQL server the suites may use; CI always sets it. */
export const postgresUrl = process.env.DATABASE_URL;

/** Storage tests run on PGlite always, and on the PostgreSQL server whenever DATABASE_URL is set. */
export function storageBackends(): BackendKind[] {
  return postgresUrl ? ['pglite', 'postgres'] : ['pglite'];
}

/** The back end feature tests run on: the real server when there is one. */
export function primaryBackend(): BackendKind {
  return postgresUrl ? 'postgres' : 'pglite';
}

export interface TestDatabase {
  kind: BackendKind;
  database: Database;
  /** Connection string of the throwaway PostgreSQL database (postgres only). */
  url?: string;
  /** Empties every application table, keeping the schema and the migrations journal. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Creates an empty PostgreSQL database on the server in DATABASE_URL; returns its URL and a dropper. */
export async function createScratchPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!postgresUrl) throw new Error('DATABASE_URL is not set');
  const name = `hearth_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabaseName(postgresUrl, name),
    async drop() {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A migrated database for one test file: in-memory PGlite, or a scratch database on the server. */
export async function openTestDatabase(kind: BackendKind = primaryBackend()): Promise<TestDatabase> {
  let database: Database;
  let url: string | undefined;
  let drop = async () => {};
  if (kind === 'postgres') {
    const scratch = await createScratchPostgres();
    url = scratch.url;
    drop = scratch.drop;
    database = openPostgres({ url, poolSize: 5 });
  } else {
    database = await openPglite();
  }
  await database.migrate();
  return {
    kind,
    database,
    url,
    async reset() {
      // The moderation log is append-only (a trigger refuses TRUNCATE too): it is left as it is.
      const tables = (await listTables(database.db)).filter((t) => t !== 'moderation_log');
      if (tables.length === 0) return;
      await database.db.execute(sql.raw(`truncate ${tables.map((t) => `"${t}"`).join(', ')} restart identity cascade`));
    },
    async close() {
      await database.close();
      await drop();
    },
  };
}
