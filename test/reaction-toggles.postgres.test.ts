import type { Conversation, Message } from '../shared/api/chat.routes';
import type { Post, Space } from '../shared/api/spaces.routes';
import type { Ack } from '../shared/protocol/errors';
import { openTestDatabase, type TestDatabase } from './support/database';
import { createMember, uniqueHandle, type Member } from './support/members';
import { startTestServer, type TestServer, type TestSocket } from './support/server';

// Issue #12 item 8: toggles of one reaction at once on real PostgreSQL (PGlite runs one statement at
// a time, so it cannot race). 20 at once answered `internal` (duplicate key) 17 times.
let testDb: TestDatabase;
let server: TestServer;
let host: Member;
let watcher: Member;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  testDb = await openTestDatabase();
  // The toggles here are one member's, at once: the per-member limit is not what is tested.
  server = await startTestServer({ database: testDb.database, env: { REACTIONS_PER_MINUTE: '10000', DATABASE_POOL_SIZE: '20' } });
  await createMember(server.url, { handle: uniqueHandle('admin') });
  [host, watcher] = await Promise.all([createMember(server.url, { handle: uniqueHandle('host') }), createMember(server.url, { handle: uniqueHandle('watcher') })]);
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

async function connect(who: Member): Promise<TestSocket> {
  const socket = await who.connect();
  sockets.push(socket);
  return socket;
}

function command<T>(socket: TestSocket, name: string, payload: unknown): Promise<Ack<T>> {
  return (socket.timeout(20_000).emitWithAck as (event: string, payload: unknown) => Promise<Ack<T>>)(name, payload);
}

async function ok<T>(socket: TestSocket, name: string, payload: unknown): Promise<T> {
  const ack = await command<T>(socket, name, payload);
  if ('error' in ack) throw new Error(`${name}: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

/** The latest state each logged event carried, by seq (what a client applying them in order ends with). */
function lastBySeq<T>(socket: TestSocket, event: string, pick: (payload: never) => T) {
  let last: { seq: number; value: T } | undefined;
  (socket as unknown as { on(e: string, l: (p: { seq: number }) => void): void }).on(event, (payload) => {
    if (!last || payload.seq > last.seq) last = { seq: payload.seq, value: pick(payload as never) };
  });
  return () => last;
}

const settle = (ms = 400) => new Promise((resolve) => setTimeout(resolve, ms));

test('when one member toggles the same reaction on a post 20 times at once, then every toggle is answered and the last event agrees with the post', async () => {
  const space = (await host.call<Space>('POST', '/api/v1/spaces', { name: 'Races', slug: `races-${process.pid}`, visibility: 'public', joinPolicy: 'open' })).body;
  const socket = await connect(host);
  const post = await ok<Post>(socket, 'post:create', { spaceId: space.id, bodyMarkdown: 'react to me' });
  const watching = await connect(watcher);
  await ok(watching, 'space:subscribe', { spaceId: space.id });
  const latest = lastBySeq(watching, 'post:updated', (p: { post: Post }) => p.post.reactions);

  const acks = await Promise.all(Array.from({ length: 20 }, () => command<Post>(socket, 'post:react', { postId: post.id, emoji: '👍' })));
  await settle();

  expect(acks.filter((a) => 'error' in a)).toEqual([]);
  const stored = (await host.call<{ post: Post }>('GET', `/api/v1/posts/${post.id}`)).body.post;
  // Each toggle flipped it once: an even number of them leaves no reaction.
  expect(stored.reactions).toEqual({});
  expect(latest()?.value).toEqual(stored.reactions);
});

test('when one member toggles the same reaction on a chat message 20 times at once, then every toggle is answered and the last event agrees with the message', async () => {
  const space = (await host.call<Space>('POST', '/api/v1/spaces', { name: 'Chat races', slug: `chat-races-${process.pid}`, visibility: 'public', joinPolicy: 'open' })).body;
  const chat = (await host.call<Conversation>('GET', `/api/v1/spaces/${space.id}/chat`)).body;
  const socket = await connect(host);
  const message = await ok<Message>(socket, 'chat:send', { conversationId: chat.id, clientId: `race-${process.pid}-${Date.now()}`, bodyMarkdown: 'react to me' });
  const latest = lastBySeq(socket, 'chat:message-updated', (p: { message: Message }) => p.message.reactions);

  const acks = await Promise.all(Array.from({ length: 21 }, () => command<Message>(socket, 'chat:react', { messageId: message.id, emoji: '🎉' })));
  await settle();

  expect(acks.filter((a) => 'error' in a)).toEqual([]);
  const page = (await host.call<{ items: Message[] }>('GET', `/api/v1/chat/conversations/${chat.id}/messages`)).body.items;
  const stored = page.find((m) => m.id === message.id)!;
  // 21 flips: the reaction is there once.
  expect(stored.reactions).toEqual({ '🎉': { count: 1, userIds: [host.user.id] } });
  expect(latest()?.value).toEqual(stored.reactions);
});
