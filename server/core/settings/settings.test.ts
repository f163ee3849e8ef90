import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { and, eq, sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import pino from 'pino';
import { createClient, type RedisClientType } from 'redis';
import { z } from 'zod';
import { createScratchPostgres, openTestDatabase, storageBackends, type BackendKind, type TestDatabase } from '../../../test/support/database';
import { startTestServer } from '../../../test/support/server';
import { createModerationSettings } from '../../features/moderation/moderation-settings';
import { defineWelcomeSettings } from '../../features/welcome/welcome.settings';
import { listTables, migrationsFolder, type Db } from '../db/database';
import { subscribe } from '../events/domain-events';
import { settings as settingsTable } from '../db/platform.schema';
import * as schema from '../db/schema';
import { AppError } from '../errors';
import { createSettingsRegistry, type SettingsRegistry } from './settings';

// The settings registry over a real database (PGlite, and PostgreSQL when DATABASE_URL is set);
// the nodes share Redis when REDIS_URL is set.
// eslint-disable-next-line no-restricted-syntax -- tests choose their services from the environment, like test/support/database.ts
const redisUrl = process.env.REDIS_URL;

/** A logger whose warnings the test reads. */
function capturingLogger() {
  const lines: { msg: string; fields?: string[] }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

const notes = {
  key: 'notes',
  schema: z.object({
    enabled: z.boolean(),
    title: z.string().trim().min(1).max(40),
    tags: z.array(z.string()).max(3),
  }),
  defaults: { enabled: true, title: 'Notes', tags: [] as string[] },
};

async function storedValue(db: Db, scope: 'site' | 'space' | 'member', scopeId: string, key: string): Promise<unknown> {
  const [row] = await db
    .select({ value: settingsTable.value })
    .from(settingsTable)
    .where(and(eq(settingsTable.scope, scope), eq(settingsTable.scopeId, scopeId), eq(settingsTable.key, key)));
  return row?.value;
}

describe('the settings registry', () => {
  let testDb: TestDatabase;
  const redisClients: RedisClientType[] = [];
  const registries: SettingsRegistry[] = [];

  /** A node's registry over the shared database (and Redis when the run has it). */
  async function node(options: { ttlMs?: number; redis?: boolean } = {}) {
    const { logger, lines } = capturingLogger();
    let redis: RedisClientType | undefined;
    if (options.redis && redisUrl) {
      redis = createClient({ url: redisUrl });
      await redis.connect();
      redisClients.push(redis);
    }
    const registry = createSettingsRegistry({ db: testDb.database.db, logger, redis, ttlMs: options.ttlMs });
    await registry.start();
    registries.push(registry);
    return { registry, warnings: lines };
  }

  beforeAll(async () => {
    testDb = await openTestDatabase();
  });

  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.stop()));
    await Promise.all(redisClients.splice(0).map((c) => c.quit()));
    await testDb.reset();
  });

  afterAll(async () => {
    await testDb?.close();
  });

  test('when nothing is stored, then a group reads as its defaults, and no row is written for reading', async () => {
    const { registry } = await node();
    const group = registry.define({ scope: 'site', ...notes });

    expect(await group.get()).toEqual({ enabled: true, title: 'Notes', tags: [] });
    expect(await storedValue(testDb.database.db, 'site', '', 'notes')).toBeUndefined();
  });

  test('when a patch is written, then only its fields are stored, later patches add to them, and the value read has the defaults for the rest', async () => {
    const { registry } = await node();
    const group = registry.define({ scope: 'site', ...notes });

    await group.update(testDb.database.db, { title: '  Shared notes  ' });
    const after = await group.update(testDb.database.db, { tags: ['a'] });

    expect(after).toEqual({ enabled: true, title: 'Shared notes', tags: ['a'] });
    expect(await group.get()).toEqual(after);
    expect(await storedValue(testDb.database.db, 'site', '', 'notes')).toEqual({ title: 'Shared notes', tags: ['a'] });
    // Shared by every caller on the node: not to be changed in place.
    expect(Object.isFrozen(after) && Object.isFrozen(after.tags)).toBe(true);
  });

  test('when a patch breaks the schema or names an unknown field, then it is refused with validation_failed and nothing is written', async () => {
    const { registry } = await node();
    const group = registry.define({ scope: 'site', ...notes });

    const refusals = await Promise.all(
      [{ title: '' }, { tags: ['a', 'b', 'c', 'd'] }, { enabled: 'yes' }, { colour: 'red' }].map((patch) =>
        group.update(testDb.database.db, patch as never).then(
          () => undefined,
          (error: unknown) => error,
        ),
      ),
    );

    for (const error of refusals) {
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'validation_failed', status: 400 });
    }
    expect((refusals[0] as AppError).details?.errors).toEqual([expect.objectContaining({ path: 'title' })]);
    expect(await storedValue(testDb.database.db, 'site', '', 'notes')).toBeUndefined();
  });

  test('when the same key is set for the site, a space and a member, then each scope and each id keeps its own value', async () => {
    const { registry } = await node();
    const site = registry.define({ scope: 'site', ...notes });
    const space = registry.define({ scope: 'space', ...notes });
    const member = registry.define({ scope: 'member', ...notes });
    const [spaceA, spaceB] = [randomUUID(), randomUUID()];

    await space.update(testDb.database.db, { title: 'Space A' }, spaceA);
    await member.update(testDb.database.db, { title: 'Member with the same id' }, spaceA);

    expect((await space.get(spaceA)).title).toBe('Space A');
    expect((await space.get(spaceB)).title).toBe('Notes');
    expect((await member.get(spaceA)).title).toBe('Member with the same id');
    expect((await site.get()).title).toBe('Notes');
    // A scope id where there is none, or none where one is needed, is a programming error.
    await expect((site.get as (id: string) => Promise<unknown>)(spaceA)).rejects.toThrow(/takes no scope id/);
    expect(() => (space.peek as () => unknown)()).toThrow(/needs the space's id/);
    expect(() => registry.define({ scope: 'space', ...notes })).toThrow(/declared twice/);
  });

  test('when a member is forgotten, then their settings are gone and other members keep theirs', async () => {
    const { registry } = await node();
    const member = registry.define({ scope: 'member', ...notes });
    const [gone, kept] = [randomUUID(), randomUUID()];
    await member.update(testDb.database.db, { title: 'Gone' }, gone);
    await member.update(testDb.database.db, { title: 'Kept' }, kept);

    await registry.forget(testDb.database.db, 'member', gone);

    expect(await storedValue(testDb.database.db, 'member', gone, 'notes')).toBeUndefined();
    expect((await member.get(gone)).title).toBe('Notes');
    expect((await member.get(kept)).title).toBe('Kept');
  });

  test('when a stored value no longer fits the schema (after an upgrade), then each broken field reads as its default, unknown fields are ignored, and a warning is logged', async () => {
    const { registry, warnings } = await node();
    const group = registry.define({ scope: 'site', ...notes });
    const spaces = registry.define({ scope: 'space', ...notes });
    const spaceId = randomUUID();
    await testDb.database.db.insert(settingsTable).values([
      { scope: 'site', scopeId: '', key: 'notes', value: { enabled: 'yes', title: 'Still fine', tags: ['a', 'b', 'c', 'd'], removedField: 1 } },
      { scope: 'space', scopeId: spaceId, key: 'notes', value: sql`'"not an object"'::jsonb` as never },
    ]);

    expect(await group.get()).toEqual({ enabled: true, title: 'Still fine', tags: [] });
    expect(await spaces.get(spaceId)).toEqual(notes.defaults);
    expect(warnings.map((w) => [w.msg, w.fields])).toEqual([
      ['stored settings no longer match their schema: their defaults are used', ['enabled', 'tags']],
      ['stored settings no longer match their schema: their defaults are used', ['*']],
    ]);
  });

  test('when another node changes a setting and there is no Redis, then this node sees it once its copy is older than the TTL', async () => {
    const a = await node({ ttlMs: 300 });
    const b = await node({ ttlMs: 300 });
    const onA = a.registry.define({ scope: 'site', ...notes });
    const onB = b.registry.define({ scope: 'site', ...notes });
    expect((await onB.get()).title).toBe('Notes');

    await onA.update(testDb.database.db, { title: 'Changed on A' });

    expect((await onA.get()).title).toBe('Changed on A');
    expect((await onB.get()).title).toBe('Notes');
    expect(onB.peek()?.title).toBe('Notes');
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(onB.peek()).toBeUndefined();
    expect((await onB.get()).title).toBe('Changed on A');
  });
});

describe('settings written in a unit of work', () => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await openTestDatabase();
  });

  afterAll(async () => {
    await testDb?.close();
  });

  test('when a change commits, then every node is told after COMMIT and this node drops the copy it read meanwhile; when it rolls back, nothing changes; a bare transaction is refused', async () => {
    const server = await startTestServer({ database: testDb.database });
    try {
      const { settings, work, db, events } = server.app.platform;
      const told: unknown[] = [];
      events.on(subscribe({ event: 'settings.changed', name: 'test.told', durable: false, handle: (change) => void told.push(change) }));
      const group = settings.define({ scope: 'space', ...notes });
      const spaceId = randomUUID();
      expect((await group.get(spaceId)).title).toBe('Notes');

      await work.transaction(async (uow) => {
        await group.update(uow, { title: 'Committed' }, spaceId);
        expect(told).toEqual([]);
        // PGlite is one connection, held by the transaction; on PostgreSQL another reader sees the
        // old value while it is open, and this node copies it again.
        if (testDb.kind === 'postgres') expect((await group.get(spaceId)).title).toBe('Notes');
      });
      expect(told).toEqual([{ scope: 'space', scopeId: spaceId, key: 'notes' }]);
      expect((await group.get(spaceId)).title).toBe('Committed');

      await expect(
        work.transaction(async (uow) => {
          await group.update(uow, { title: 'Rolled back' }, spaceId);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(told).toHaveLength(1);
      expect((await group.get(spaceId)).title).toBe('Committed');
      expect(await storedValue(db, 'space', spaceId, 'notes')).toEqual({ title: 'Committed' });

      await expect(db.transaction((tx) => group.update(tx as unknown as Db, { title: 'Bare' }, spaceId))).rejects.toThrow(/pass its unit of work/);
    } finally {
      await server.stop();
    }
  });
});

/** A fresh database migrated up to, and not including, the settings registry's migration. */
async function databaseBefore0012(kind: BackendKind) {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-migrations-'));
  fs.cpSync(migrationsFolder, folder, { recursive: true });
  const journalPath = path.join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const index = journal.entries.findIndex((e) => e.tag === '0012_settings_registry');
  expect(index).toBe(12);
  fs.writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, index) }));

  let db: Db;
  let migrate: (folder: string) => Promise<void>;
  let close: () => Promise<void>;
  if (kind === 'postgres') {
    const scratch = await createScratchPostgres();
    const pool = new pg.Pool({ connectionString: scratch.url, max: 2 });
    const pgDb = drizzlePg({ client: pool, schema });
    db = pgDb as unknown as Db;
    migrate = (migrationsFolder) => migratePg(pgDb, { migrationsFolder });
    close = async () => {
      await pool.end();
      await scratch.drop();
    };
  } else {
    const client = new PGlite();
    const liteDb = drizzlePglite({ client, schema });
    db = liteDb as unknown as Db;
    migrate = (migrationsFolder) => migratePglite(liteDb, { migrationsFolder });
    close = () => client.close();
  }
  await migrate(folder);
  fs.rmSync(folder, { recursive: true, force: true });
  return { db, migrateAll: () => migrate(migrationsFolder), close };
}

describe.each(storageBackends())('migration 0012 on %s', (kind) => {
  test('when the old settings rows exist, then they arrive in `settings` with their data, read back through the features\' groups, and the old tables are gone', async () => {
    const before = await databaseBefore0012(kind);
    try {
      const { db } = before;
      const space = (await db.execute(sql`insert into spaces (slug, name) values ('welcome', 'Welcome') returning id`)) as unknown as { rows: { id: string }[] };
      const spaceId = space.rows[0]!.id;
      const contact = randomUUID();
      await db.execute(sql`
        insert into welcome_settings (id, bot_enabled, welcome_space_id, post_template, email_enabled, manager_name)
        values (1, false, ${spaceId}, 'Hello {name}!', true, 'Maya')`);
      await db.execute(sql`
        insert into moderation_settings (id, word_list, auto_hide, escalate_after_minutes, safeguarding_contact_ids, help_markdown, updated_at)
        values (1, array['scam', 'spam offer'], true, 30, array[${contact}]::uuid[], 'Call us', '2026-01-02T03:04:05.678Z')`);

      await before.migrateAll();

      const rows = await db.select().from(settingsTable).orderBy(settingsTable.key);
      expect(rows.map((r) => [r.scope, r.scopeId, r.key])).toEqual([
        ['site', '', 'moderation'],
        ['site', '', 'welcome'],
      ]);
      expect(rows[0]!.value).toEqual({
        wordList: ['scam', 'spam offer'],
        autoHide: true,
        escalateAfterMinutes: 30,
        safeguardingContactIds: [contact],
        helpMarkdown: 'Call us',
      });
      expect(rows[0]!.updatedAt.toISOString()).toBe('2026-01-02T03:04:05.678Z');
      // Null texts were "the built-in text": left out, so the defaults fill them in.
      expect(rows[1]!.value).toEqual({ botEnabled: false, welcomeSpaceId: spaceId, postTemplate: 'Hello {name}!', emailEnabled: true, managerName: 'Maya' });

      const { logger, lines } = capturingLogger();
      const registry = createSettingsRegistry({ db, logger });
      const welcome = await defineWelcomeSettings(registry).get();
      const moderation = await createModerationSettings(db, registry).current();
      expect(welcome).toMatchObject({ botEnabled: false, welcomeSpaceId: spaceId, postTemplate: 'Hello {name}!', managerName: 'Maya', emailEnabled: true });
      expect(welcome.messageTemplate).toContain('I am the welcome bot');
      expect(moderation.row).toEqual(rows[0]!.value);
      expect(moderation.pattern?.test('a SPAM   offer')).toBe(true);
      expect(lines).toEqual([]);

      const tables = await listTables(db);
      expect(tables).toContain('settings');
      expect(tables).not.toContain('welcome_settings');
      expect(tables).not.toContain('moderation_settings');
    } finally {
      await before.close();
    }
  });

  test('when the old tables are empty (a network that never opened those screens), then nothing is copied and the defaults apply', async () => {
    const before = await databaseBefore0012(kind);
    try {
      await before.migrateAll();
      expect(await before.db.select().from(settingsTable)).toEqual([]);
    } finally {
      await before.close();
    }
  });
});
