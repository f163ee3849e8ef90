import { sql } from 'drizzle-orm';
import type { Space } from '../../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { acked, startTestServer, type TestServer } from '../../../test/support/server';

let testDb: TestDatabase;
let server: TestServer;
let host: Member;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  host = await createMember(server.url, { handle: uniqueHandle('host') });
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

const ok = acked;

test('when replay events are older than the retention, then they are pruned and a client that needed them is told to reload', async () => {
  const space = (
    await host.call<Space>('POST', '/api/v1/spaces', { name: 'Old news', slug: `old-news-${process.pid}`, visibility: 'public', joinPolicy: 'open' })
  ).body;
  const chat = (await host.call<{ id: string }>('GET', `/api/v1/spaces/${space.id}/chat`)).body;
  const socket = await host.connect();
  try {
    for (let i = 1; i <= 3; i += 1) {
      await ok(socket, 'post:create', { spaceId: space.id, bodyMarkdown: `post ${i}` });
      await ok(socket, 'chat:send', { conversationId: chat.id, clientId: `retention-${process.pid}-${i}`, bodyMarkdown: `message ${i}` });
    }
    const db = testDb.database.db;
    // Age everything but the newest event of each log.
    await db.execute(sql`update space_events set created_at = now() - interval '40 days' where space_id = ${space.id} and seq < 3`);
    await db.execute(sql`update conversation_events set created_at = now() - interval '40 days' where conversation_id = ${chat.id} and seq < 3`);

    // The hourly sweep prunes every module's logs (the retention is 30 days).
    const jobs = server.app.platform.jobs;
    await jobs.runNow(await jobs.enqueue(db, { kind: 'platform.sweep' }));
    const left = async (table: string, key: string, id: string) =>
      ((await db.execute(sql`select count(*)::int as n from ${sql.identifier(table)} where ${sql.identifier(key)} = ${id}`)) as unknown as { rows: { n: number }[] }).rows[0]!.n;
    expect(await left('space_events', 'space_id', space.id)).toBe(1);
    expect(await left('conversation_events', 'conversation_id', chat.id)).toBe(1);

    // A client that applied up to the newest pruned event can still resume; one further behind must reload.
    type StreamResume = { spaces: { events: unknown[]; reset: boolean }[] };
    type ChatResume = { conversations: { events: unknown[]; reset: boolean }[] };
    const streamFrom = (afterSeq: number) => ok<StreamResume>(socket, 'stream:resume', { spaces: [{ spaceId: space.id, afterSeq }] });
    const chatFrom = (afterSeq: number) => ok<ChatResume>(socket, 'chat:resume', { conversations: [{ conversationId: chat.id, afterSeq }] });
    expect((await streamFrom(2)).spaces[0]).toMatchObject({ reset: false, events: [expect.anything()] });
    expect((await streamFrom(1)).spaces[0]).toMatchObject({ reset: true, events: [] });
    expect((await chatFrom(2)).conversations[0]).toMatchObject({ reset: false, events: [expect.anything()] });
    expect((await chatFrom(0)).conversations[0]).toMatchObject({ reset: true, events: [] });
    // Nothing else was touched: the posts and messages are all there.
    expect((await host.call<{ items: unknown[] }>('GET', `/api/v1/spaces/${space.id}/posts`)).body.items).toHaveLength(3);
    expect((await host.call<{ items: unknown[] }>('GET', `/api/v1/chat/conversations/${chat.id}/messages`)).body.items).toHaveLength(3);
  } finally {
    socket.disconnect();
  }
});
