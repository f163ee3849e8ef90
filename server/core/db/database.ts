// How the two storage back ends share one code path: docs/ARCHITECTURE.md#storage
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { appRoot } from '../../config';
import type { Logger } from '../logger';
import * as schema from './schema';

/** The Drizzle database every repository uses: the same type on PGlite and on PostgreSQL. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DatabaseKind = 'postgres' | 'pglite';

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface Database {
  kind: DatabaseKind;
  db: Db;
  /** Resolves when the database answers a trivial query within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<void>;
  /** Applies every committed migration not yet applied; safe to call on every start. */
  migrate(): Promise<void>;
  poolStats(): PoolStats;
  close(): Promise<void>;
}

export const migrationsFolder = path.join(appRoot(), 'server', 'core', 'db', 'migrations');

// Any constant works; it only has to be the same on every node that migrates this database.
const MIGRATION_LOCK_KEY = 7_316_001;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface PostgresOptions {
  url: string;
  poolSize?: number;
  logger?: Logger;
  applicationName?: string;
}

export function openPostgres(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? 'hearth',
  });
  // An idle client whose server went away emits here; without a listener it would crash the process.
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'idle database connection lost'));
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;

  return {
    kind: 'postgres',
    db,
    async ping(timeoutMs = 2_000) {
      await withTimeout(pool.query('select 1'), timeoutMs, 'database ping');
    },
    async migrate() {
      // Several nodes may start at once: one migrates while the others wait on the lock.
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        try {
          await migratePg(drizzlePg({ client, schema }), { migrationsFolder });
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        }
      } finally {
        client.release();
      }
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}

export interface PgliteOptions {
  /** A folder to persist into, or undefined for an in-memory database (tests). */
  dataDir?: string;
}

export async function openPglite(options: PgliteOptions = {}): Promise<Database> {
  if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true });
  const client = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  let closed = false;

  return {
    kind: 'pglite',
    db,
    async ping(timeoutMs = 2_000) {
      if (closed) throw new Error('database is closed');
      await withTimeout(client.query('select 1'), timeoutMs, 'database ping');
    },
    async migrate() {
      await migratePglite(drizzlePglite({ client, schema }), { migrationsFolder });
    },
    // PGlite is one in-process connection: it is either busy or not, there is no pool.
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}

/** Opens PostgreSQL when `databaseUrl` is set, else the embedded PGlite under `dataDir/pglite`. */
export async function openDatabase(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  poolSize?: number;
  logger?: Logger;
}): Promise<Database> {
  if (options.databaseUrl) {
    return openPostgres({ url: options.databaseUrl, poolSize: options.poolSize, logger: options.logger });
  }
  return openPglite({ dataDir: path.join(options.dataDir, 'pglite') });
}

/** The names of the tables the application owns (for test resets and exports). */
export async function listTables(db: Db): Promise<string[]> {
  // Both drivers answer execute() with an object carrying `rows`; Drizzle's shared type does not say so.
  const result = (await db.execute(
    sql`select tablename from pg_tables where schemaname = 'public' order by tablename`,
  )) as unknown as { rows: { tablename: string }[] };
  return result.rows.map((row) => row.tablename);
}
