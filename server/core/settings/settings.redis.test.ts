import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createClient, type RedisClientType } from 'redis';
import { z } from 'zod';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createSettingsRegistry, type SettingsRegistry } from './settings';

// Two nodes' settings registries over one database and one Redis (run when REDIS_URL is set, as in
// CI): a change on one drops the other's copy at once. Without Redis, settings.test.ts shows the TTL.
// eslint-disable-next-line no-restricted-syntax -- tests choose their services from the environment, like test/support/database.ts
const redisUrl = process.env.REDIS_URL!;

const notes = {
  key: 'notes',
  schema: z.object({ enabled: z.boolean(), title: z.string().trim().min(1).max(40), tags: z.array(z.string()).max(3) }),
  defaults: { enabled: true, title: 'Notes', tags: [] as string[] },
};

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('settings on several nodes sharing Redis', () => {
  let testDb: TestDatabase;
  const redisClients: RedisClientType[] = [];
  const registries: SettingsRegistry[] = [];

  async function node(options: { ttlMs?: number; redis?: boolean } = {}) {
    const redis: RedisClientType = createClient({ url: redisUrl });
    await redis.connect();
    redisClients.push(redis);
    const registry = createSettingsRegistry({ db: testDb.database.db, logger: pino({ level: 'silent' }), redis: options.redis ? redis : undefined, ttlMs: options.ttlMs });
    await registry.start();
    registries.push(registry);
    return { registry };
  }

  beforeAll(async () => {
    testDb = await openTestDatabase();
  });

  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.stop()));
    await Promise.all(redisClients.splice(0).map((c) => c.quit()));
  });

  afterAll(async () => {
    await testDb?.close();
  });

  test('when another node changes a setting and both share Redis, then this node drops its copy at once, long before the TTL', async () => {
    const a = await node({ ttlMs: 60_000, redis: true });
    const b = await node({ ttlMs: 60_000, redis: true });
    const onA = a.registry.define({ scope: 'space', ...notes });
    const onB = b.registry.define({ scope: 'space', ...notes });
    const spaceId = randomUUID();
    const other = randomUUID();
    await onA.update(testDb.database.db, { title: 'Other space' }, other);
    expect((await onB.get(spaceId)).title).toBe('Notes');
    expect((await onB.get(other)).title).toBe('Other space');

    await onA.update(testDb.database.db, { title: 'Changed on A' }, spaceId);

    const seen = await until(() => onB.get(spaceId), (v) => v.title === 'Changed on A', 2_000);
    expect(seen.title).toBe('Changed on A');
    // Only that scope id's copy was dropped.
    expect(onB.peek(other)?.title).toBe('Other space');

    await a.registry.forget(testDb.database.db, 'space', spaceId);
    const forgotten = await until(() => onB.get(spaceId), (v) => v.title === 'Notes', 2_000);
    expect(forgotten.title).toBe('Notes');
  });
});
