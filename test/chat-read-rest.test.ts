import type { Space } from '../shared/api/spaces.routes';
import type { Ack } from '../shared/protocol/errors';
import { openTestDatabase, type TestDatabase } from './support/database';
import { createMember, uniqueHandle } from './support/members';
import { nextEvent, startTestServer, type TestServer } from './support/server';

// Issue #12, item 14: marking a conversation read over REST, like the chat:read command.
let testDb: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

test('when a member marks a conversation read over REST, then the marker moves, their other tabs hear of it, and others cannot touch it', async () => {
  const host = await createMember(server.url, { handle: uniqueHandle('host') });
  const reader = await createMember(server.url, { handle: uniqueHandle('reader') });
  const outsider = await createMember(server.url, { handle: uniqueHandle('outsider') });
  const space = (await host.call<Space>('POST', '/api/v1/spaces', { name: 'Reading room', slug: `reading-${process.pid}`, visibility: 'private', joinPolicy: 'invite' })).body;
  await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: reader.user.handle });
  await reader.call('POST', `/api/v1/spaces/${space.id}/join`);
  const chat = (await host.call<{ id: string }>('GET', `/api/v1/spaces/${space.id}/chat`)).body;
  const hostSocket = await host.connect();
  const otherTab = await reader.connect();
  try {
    for (let i = 1; i <= 3; i += 1) {
      const ack = await (hostSocket.timeout(5_000).emitWithAck as (e: string, p: unknown) => Promise<Ack<{ seq: number }>>)('chat:send', {
        conversationId: chat.id,
        clientId: `read-rest-${process.pid}-${i}`,
        bodyMarkdown: `note ${i}`,
      });
      expect('data' in ack).toBe(true);
    }
    const told = nextEvent<{ conversationId: string; lastReadSeq: number; unread: number; memberSeq: number }>(otherTab, 'chat:read', 5_000);

    const marked = await reader.call<{ lastReadSeq: number; unread: number }>('POST', `/api/v1/chat/conversations/${chat.id}/read`, { seq: 2 });

    expect(marked.status).toBe(200);
    expect(marked.body).toEqual({ conversationId: chat.id, lastReadSeq: 2, unread: 1 });
    expect(await told).toMatchObject({ conversationId: chat.id, lastReadSeq: 2, unread: 1, memberSeq: expect.any(Number) });
    // Never backwards.
    expect((await reader.call<{ lastReadSeq: number }>('POST', `/api/v1/chat/conversations/${chat.id}/read`, { seq: 1 })).body.lastReadSeq).toBe(2);
    // Someone who cannot read the conversation gets nothing; a malformed body is a problem.
    expect((await outsider.call('POST', `/api/v1/chat/conversations/${chat.id}/read`, { seq: 3 })).status).toBe(404);
    const bad = await reader.call<{ code: string }>('POST', `/api/v1/chat/conversations/${chat.id}/read`, { seq: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
  } finally {
    hostSocket.disconnect();
    otherTab.disconnect();
  }
});
