import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { ensureSiteRow } from '../../features/site/site.repository';
import { createScratchPostgres, postgresUrl, storageBackends } from '../../../test/support/database';
import { listTables, migrationsFolder, openPglite, openPostgres, type Database } from './database';

const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
  entries: unknown[];
};

async function appliedMigrations(database: Database): Promise<number> {
  const result = (await database.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)) as unknown as {
    rows: { n: number }[];
  };
  return result.rows[0]?.n ?? -1;
}

describe.each(storageBackends())('storage on %s', (kind) => {
  let database: Database;
  let drop = async () => {};

  beforeAll(async () => {
    if (kind === 'postgres') {
      const scratch = await createScratchPostgres();
      drop = scratch.drop;
      database = openPostgres({ url: scratch.url, poolSize: 4 });
    } else {
      database = await openPglite();
    }
  });

  afterAll(async () => {
    await database.close();
    await drop();
  });

  test('when migrations run on an empty database, then every migration is applied and the tables exist', async () => {
    expect(await listTables(database.db)).toEqual([]);

    await database.migrate();

    expect(await appliedMigrations(database)).toBe(journal.entries.length);
    expect(await listTables(database.db)).toContain('site');
  });

  test('when migrations run again, then nothing changes and no error is raised', async () => {
    const tablesBefore = await listTables(database.db);

    await database.migrate();
    await database.migrate();

    expect(await appliedMigrations(database)).toBe(journal.entries.length);
    expect(await listTables(database.db)).toEqual(tablesBefore);
  });

  test('when the site row is ensured twice, then the same single row comes back', async () => {
    const first = await ensureSiteRow(database.db);
    const second = await ensureSiteRow(database.db);

    expect(second).toEqual(first);
    expect(first.instanceId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('when a second site row is inserted, then the database refuses it', async () => {
    await expect(database.db.execute(sql`insert into site (id) values (2)`)).rejects.toThrow();
  });

  test('when the database answers, then ping resolves', async () => {
    await expect(database.ping()).resolves.toBeUndefined();
  });
});

describe('embedded PGlite on disk', () => {
  test('when the database is closed and opened again from the same folder, then the data is still there', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-pglite-'));
    try {
      const first = await openPglite({ dataDir });
      await first.migrate();
      const created = await ensureSiteRow(first.db);
      await first.close();

      const second = await openPglite({ dataDir });
      await second.migrate();
      const reopened = await ensureSiteRow(second.db);
      await second.close();

      expect(reopened.instanceId).toBe(created.instanceId);
      expect(reopened.createdAt.toISOString()).toBe(created.createdAt.toISOString());
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('when a closed database is pinged, then the ping fails', async () => {
    const database = await openPglite();
    await database.close();

    await expect(database.ping()).rejects.toThrow('closed');
  });
});

if (postgresUrl) {
  describe('migrations on the PostgreSQL server', () => {
    test('when several nodes migrate the same empty database at once, then each migration is applied once', async () => {
      const scratch = await createScratchPostgres();
      const nodes = [0, 1, 2].map(() => openPostgres({ url: scratch.url, poolSize: 2 }));
      try {
        await Promise.all(nodes.map((node) => node.migrate()));

        expect(await appliedMigrations(nodes[0]!)).toBe(journal.entries.length);
      } finally {
        await Promise.all(nodes.map((node) => node.close()));
        await scratch.drop();
      }
    });
  });
}
