import type { Conversation, Message } from '../../../shared/api/chat.routes';
import type { Space } from '../../../shared/api/spaces.routes';
import type { Ack } from '../../../shared/protocol/errors';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { connectSocket, nextEvent, startTestServer, watch, type TestServer, type TestSocket } from '../../../test/support/server';

// Space chats and direct messages over real socket.io-client connections and REST, on the test
// database (PGlite, or PostgreSQL when DATABASE_URL is set).
let testDb: TestDatabase;
let server: TestServer;
let admin: Member;
let ada: Member;
let bea: Member;
let cal: Member;
let outsider: Member;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  testDb = await openTestDatabase();
  // The rate-limit test runs its own node with the default limits; here, tests send in quick bursts.
  server = await startTestServer({ database: testDb.database, env: { CHAT_MESSAGES_PER_SECOND: '1000' } });
  admin = await createMember(server.url, { handle: uniqueHandle('admin') });
  [ada, bea, cal, outsider] = await Promise.all([
    createMember(server.url, { handle: uniqueHandle('ada'), displayName: 'Ada' }),
    createMember(server.url, { handle: uniqueHandle('bea'), displayName: 'Bea' }),
    createMember(server.url, { handle: uniqueHandle('cal'), displayName: 'Cal' }),
    createMember(server.url, { handle: uniqueHandle('out'), displayName: 'Outsider' }),
  ]);
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

async function connect(member: Member): Promise<TestSocket> {
  const socket = await member.connect();
  sockets.push(socket);
  return socket;
}

function command<T>(socket: TestSocket, name: string, payload: unknown): Promise<Ack<T>> {
  return (socket.timeout(5_000).emitWithAck as (event: string, payload: unknown) => Promise<Ack<T>>)(name, payload);
}

async function ok<T>(socket: TestSocket, name: string, payload: unknown): Promise<T> {
  const ack = await command<T>(socket, name, payload);
  if ('error' in ack) throw new Error(`${name}: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

let counter = 0;
const clientId = () => `c${process.pid}x${(counter += 1)}x${Math.random().toString(36).slice(2, 10)}`;

async function privateSpaceWith(...members: Member[]): Promise<{ space: Space; chat: Conversation }> {
  counter += 1;
  const created = await ada.call<Space>('POST', '/api/v1/spaces', {
    name: `Chat space ${counter}`,
    slug: `chat-${process.pid}-${counter}`,
    visibility: 'private',
    joinPolicy: 'invite',
  });
  if (created.status !== 201) throw new Error(`create space: ${created.status} ${JSON.stringify(created.body)}`);
  const space = created.body;
  for (const member of members) {
    if ((await ada.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: member.user.handle })).status !== 201) throw new Error('invite failed');
    if ((await member.call('POST', `/api/v1/spaces/${space.id}/join`)).status !== 200) throw new Error('join failed');
  }
  const chat = await ada.call<Conversation>('GET', `/api/v1/spaces/${space.id}/chat`);
  expect(chat.status).toBe(200);
  return { space, chat: chat.body };
}

async function directWith(from: Member, ...to: Member[]): Promise<Conversation> {
  const res = await from.call<Conversation>('POST', '/api/v1/chat/conversations', { handles: to.map((m) => m.user.handle) });
  if (res.status !== 200) throw new Error(`open conversation: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const send = (socket: TestSocket, conversationId: string, bodyMarkdown: string, extra: Record<string, unknown> = {}) =>
  ok<Message>(socket, 'chat:send', { conversationId, clientId: clientId(), bodyMarkdown, ...extra });

describe('space chat', () => {
  test('when three members chat, then the sender gets the ack, the others the event, and a non-member nothing', async () => {
    const { chat } = await privateSpaceWith(bea, cal);
    const [adaSocket, beaSocket, calSocket, outsiderSocket] = await Promise.all([connect(ada), connect(bea), connect(cal), connect(outsider)]);
    const silentOutsider = watch(outsiderSocket, 'chat:message-created');
    const atBea = nextEvent<{ conversationId: string; seq: number; message: Message }>(beaSocket, 'chat:message-created');
    const atCal = nextEvent<{ message: Message }>(calSocket, 'chat:message-created');
    const message = await send(adaSocket, chat.id, 'Hello **both** of you, @' + bea.user.handle);
    expect(message).toMatchObject({ conversationId: chat.id, seq: 1, author: { id: ada.user.id }, deleted: false });
    expect(message.bodyHtml).toContain('<strong>both</strong>');
    expect(message.bodyHtml).toContain(`href="/u/${bea.user.handle}"`);
    expect(await atBea).toEqual({ conversationId: chat.id, seq: 1, message });
    expect((await atCal).message.id).toBe(message.id);

    // Cal answers in a thread; everyone sees the reply and the root's new reply count.
    const updates = watch<{ message: Message }>(adaSocket, 'chat:message-updated');
    const reply = await send(calSocket, chat.id, 'Replying in the thread', { parentId: message.id });
    expect(reply.parentId).toBe(message.id);
    expect((await updates.after(300)).map((u) => u.message)).toEqual([expect.objectContaining({ id: message.id, replyCount: 1 })]);
    const thread = await bea.call<{ root: Message; replies: Message[] }>('GET', `/api/v1/chat/messages/${message.id}/thread`);
    expect(thread.body.replies.map((r) => r.id)).toEqual([reply.id]);
    // Replies stay out of the channel's own pages.
    const page = await bea.call<{ items: Message[] }>('GET', `/api/v1/chat/conversations/${chat.id}/messages`);
    expect(page.body.items.map((m) => m.id)).toEqual([message.id]);
    expect(await silentOutsider.after(100)).toEqual([]);

    // Outsiders (not members of the private space) get 404 everywhere and cannot send.
    for (const path of [`/api/v1/chat/conversations/${chat.id}`, `/api/v1/chat/conversations/${chat.id}/messages`, `/api/v1/chat/messages/${message.id}/thread`]) {
      expect((await outsider.call('GET', path)).status).toBe(404);
    }
    const refused = await command(outsiderSocket, 'chat:send', { conversationId: chat.id, clientId: clientId(), bodyMarkdown: 'let me in' });
    expect(refused).toEqual({ error: expect.objectContaining({ code: 'not_found' }) });
    const search = await outsider.call<{ items: unknown[] }>('GET', '/api/v1/chat/search?q=thread');
    expect(search.body.items).toEqual([]);
    expect((await bea.call<{ items: { message: Message }[] }>('GET', '/api/v1/chat/search?q=thread')).body.items.map((i) => i.message.id)).toEqual([reply.id]);
  });

  test('when a member edits, reacts and deletes, then every screen gets the new state, and the history keeps the old text for hosts', async () => {
    const { chat } = await privateSpaceWith(bea);
    const [adaSocket, beaSocket] = await Promise.all([connect(ada), connect(bea)]);
    const message = await send(beaSocket, chat.id, 'fisrt draft');
    const seen = watch<{ seq: number; message: Message }>(adaSocket, 'chat:message-updated');
    await ok(beaSocket, 'chat:edit', { messageId: message.id, bodyMarkdown: 'first draft' });
    await ok(adaSocket, 'chat:react', { messageId: message.id, emoji: '🎉' });
    // Not the author: Ada (a host) may delete but not edit; Cal is not even in the space.
    expect(await command(adaSocket, 'chat:edit', { messageId: message.id, bodyMarkdown: 'hijacked' })).toEqual({ error: expect.objectContaining({ code: 'forbidden' }) });
    const history = await ada.call<{ items: { bodyMarkdown: string }[] }>('GET', `/api/v1/chat/messages/${message.id}/history`);
    expect(history.body.items.map((i) => i.bodyMarkdown)).toEqual(['fisrt draft']);
    await ok(adaSocket, 'chat:delete', { messageId: message.id });
    const updates = await seen.after(300);
    expect(updates.map((u) => u.seq)).toEqual([2, 3, 4]);
    expect(updates[0]!.message).toMatchObject({ bodyMarkdown: 'first draft', editedAt: expect.any(String) });
    expect(updates[1]!.message.reactions).toEqual({ '🎉': { count: 1, userIds: [ada.user.id] } });
    expect(updates[2]!.message).toMatchObject({ deleted: true, bodyMarkdown: '', bodyHtml: '', reactions: {} });
  });

  test('when payloads are malformed, oversized or aimed at unknown ids, then each gets a clear error ack and the server stays up', async () => {
    const { chat } = await privateSpaceWith(bea);
    const socket = await connect(bea);
    const cases: [unknown, string][] = [
      [{ conversationId: chat.id, clientId: clientId(), bodyMarkdown: '   ' }, 'validation_failed'],
      [{ conversationId: chat.id, clientId: clientId(), bodyMarkdown: 'x'.repeat(4_001) }, 'validation_failed'],
      [{ conversationId: chat.id, clientId: 'no', bodyMarkdown: 'short id' }, 'validation_failed'],
      [{ conversationId: 'not-a-uuid', clientId: clientId(), bodyMarkdown: 'hi' }, 'validation_failed'],
      [{ conversationId: '00000000-0000-4000-8000-000000000000', clientId: clientId(), bodyMarkdown: 'hi' }, 'not_found'],
      [{ conversationId: chat.id, clientId: clientId(), bodyMarkdown: 'hi', parentId: '00000000-0000-4000-8000-000000000000' }, 'not_found'],
      ['a string', 'validation_failed'],
    ];
    for (const [payload, code] of cases) {
      expect(await command(socket, 'chat:send', payload)).toEqual({ error: expect.objectContaining({ code }) });
    }
    const page = await bea.call<{ code: string }>('GET', `/api/v1/chat/conversations/${chat.id}/messages?before=abc`);
    expect(page.status).toBe(400);
    expect((await send(socket, chat.id, 'still here')).seq).toBe(1);
  });
});

describe('exactly-once sends and replay', () => {
  test('when the same client id is sent three times, including across a reconnect, then there is one message', async () => {
    const { chat } = await privateSpaceWith(bea);
    const beaSocket = await connect(bea);
    const created = watch<{ message: Message }>(beaSocket, 'chat:message-created');
    const adaSocket = await connect(ada);
    const id = clientId();
    const payload = { conversationId: chat.id, clientId: id, bodyMarkdown: 'only once' };
    // Two at once (a retry racing the first), then again after a reconnect.
    const [first, second] = await Promise.all([ok<Message>(adaSocket, 'chat:send', payload), ok<Message>(adaSocket, 'chat:send', payload)]);
    adaSocket.disconnect();
    const again = await connect(ada);
    const third = await ok<Message>(again, 'chat:send', payload);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect((await created.after(300)).map((e) => e.message.id)).toEqual([first.id]);
    const page = await bea.call<{ items: Message[] }>('GET', `/api/v1/chat/conversations/${chat.id}/messages`);
    expect(page.body.items.map((m) => m.bodyMarkdown)).toEqual(['only once']);
    // The same client id in another conversation is a conflict, not a silent duplicate.
    const dm = await directWith(ada, bea);
    expect(await command(again, 'chat:send', { ...payload, conversationId: dm.id })).toEqual({ error: expect.objectContaining({ code: 'conflict' }) });
  });

  test('when a member was offline while messages, edits and reactions happened, then resuming replays each once, in order, to the same state as a fresh load', async () => {
    const { chat } = await privateSpaceWith(bea);
    const adaSocket = await connect(ada);
    await send(adaSocket, chat.id, 'before the gap');
    const lastApplied = (await bea.call<Conversation>('GET', `/api/v1/chat/conversations/${chat.id}`)).body.seq;
    const sent: Message[] = [];
    for (let i = 0; i < 20; i += 1) sent.push(await send(adaSocket, chat.id, `missed ${i}`));
    await ok(adaSocket, 'chat:edit', { messageId: sent[3]!.id, bodyMarkdown: 'missed 3, edited' });
    await ok(adaSocket, 'chat:react', { messageId: sent[5]!.id, emoji: '❤️' });
    await ok(adaSocket, 'chat:delete', { messageId: sent[7]!.id });

    const beaSocket = await connect(bea);
    const result = await ok<{ conversations: { events: { event: string; payload: { seq: number; message: Message } }[]; reset: boolean; upToSeq: number }[] }>(
      beaSocket,
      'chat:resume',
      { conversations: [{ conversationId: chat.id, afterSeq: lastApplied }] },
    );
    const [replay] = result.conversations;
    expect(replay!.reset).toBe(false);
    expect(replay!.events.map((e) => e.payload.seq)).toEqual(Array.from({ length: 23 }, (_, i) => lastApplied + 1 + i));
    expect(replay!.upToSeq).toBe(lastApplied + 23);
    // Applying the replay (by id, last state wins) gives what a fresh page load shows.
    const state = new Map<string, Message>();
    for (const e of replay!.events) state.set(e.payload.message.id, e.payload.message);
    const fresh = (await bea.call<{ items: Message[] }>('GET', `/api/v1/chat/conversations/${chat.id}/messages`)).body.items.filter((m) => m.seq > lastApplied);
    expect([...state.values()]).toEqual(fresh);
    // Outsiders resuming get a reset and nothing else.
    const outsiderSocket = await connect(outsider);
    const denied = await ok<{ conversations: { events: unknown[]; reset: boolean }[] }>(outsiderSocket, 'chat:resume', { conversations: [{ conversationId: chat.id, afterSeq: 0 }] });
    expect(denied.conversations[0]).toMatchObject({ events: [], reset: true });
  });
});

describe('rate limits', () => {
  test('when one member floods, then they get rate_limited acks while another member’s messages keep flowing', async () => {
    const limitedNode = await startTestServer({ database: testDb.database });
    try {
      await floodOn(limitedNode);
    } finally {
      await limitedNode.stop();
    }
  });

  async function floodOn(node: TestServer) {
    const { chat } = await privateSpaceWith(bea);
    const onNode = (member: Member) => connectSocket(node.url, { extraHeaders: { cookie: member.cookie } }).then((socket) => (sockets.push(socket), socket));
    const [adaSocket, beaSocket] = await Promise.all([onNode(ada), onNode(bea)]);
    const flood = Array.from({ length: 30 }, (_, i) => command<Message>(adaSocket, 'chat:send', { conversationId: chat.id, clientId: clientId(), bodyMarkdown: `flood ${i}` }));
    const calm = [];
    for (let i = 0; i < 3; i += 1) calm.push(await command<Message>(beaSocket, 'chat:send', { conversationId: chat.id, clientId: clientId(), bodyMarkdown: `calm ${i}` }));
    const flooded = await Promise.all(flood);
    const limited = flooded.filter((a) => 'error' in a);
    expect(limited.length).toBeGreaterThanOrEqual(15);
    expect(limited[0]).toEqual({ error: expect.objectContaining({ code: 'rate_limited' }) });
    expect(flooded.filter((a) => 'data' in a).length).toBeLessThanOrEqual(10);
    expect(calm.every((a) => 'data' in a)).toBe(true);
  }
});

describe('direct messages', () => {
  test('when two members talk directly, then only they can read it: an admin gets 404 and no events', async () => {
    const ada = await createMember(server.url, { handle: uniqueHandle('dm_ada'), displayName: 'Ada' });
    const bea = await createMember(server.url, { handle: uniqueHandle('dm_bea'), displayName: 'Bea' });
    const [adaSocket, beaSocket, adminSocket] = await Promise.all([connect(ada), connect(bea), connect(admin)]);
    const opened = nextEvent<Conversation>(beaSocket, 'chat:conversation-updated');
    const dm = await directWith(ada, bea);
    expect(dm).toMatchObject({ kind: 'direct', title: 'Bea', participants: expect.arrayContaining([expect.objectContaining({ id: bea.user.id, online: true })]) });
    expect((await opened).title).toBe('Ada');
    // The same two people get the same conversation.
    expect((await directWith(bea, ada)).id).toBe(dm.id);
    const silentAdmin = watch(adminSocket, 'chat:message-created');
    const atBea = nextEvent<{ message: Message }>(beaSocket, 'chat:message-created');
    const message = await send(adaSocket, dm.id, 'just between us');
    expect((await atBea).message.id).toBe(message.id);
    for (const path of [`/api/v1/chat/conversations/${dm.id}`, `/api/v1/chat/conversations/${dm.id}/messages`, `/api/v1/chat/messages/${message.id}/thread`, `/api/v1/chat/messages/${message.id}/history`]) {
      expect((await admin.call('GET', path)).status).toBe(404);
    }
    expect((await admin.call<{ items: unknown[] }>('GET', '/api/v1/chat/search?q=between')).body.items).toEqual([]);
    expect(await command(adminSocket, 'chat:send', { conversationId: dm.id, clientId: clientId(), bodyMarkdown: 'admin here' })).toEqual({
      error: expect.objectContaining({ code: 'not_found' }),
    });
    expect(await command(adminSocket, 'chat:resume', { conversations: [{ conversationId: dm.id, afterSeq: 0 }] })).toEqual({
      data: { conversations: [expect.objectContaining({ events: [], reset: true })] },
    });
    expect(await silentAdmin.after(200)).toEqual([]);
    // The list shows it to both, with Bea's unread count; reading clears it on all her tabs.
    const list = await bea.call<{ items: Conversation[]; unreadTotal: number }>('GET', '/api/v1/chat/conversations');
    expect(list.body.items.find((c) => c.id === dm.id)).toMatchObject({ unread: 1 });
    const secondTab = await connect(bea);
    const synced = nextEvent<{ unread: number; lastReadSeq: number }>(secondTab, 'chat:read');
    expect(await ok(beaSocket, 'chat:read', { conversationId: dm.id, seq: message.seq })).toEqual({ conversationId: dm.id, lastReadSeq: message.seq, unread: 0 });
    expect(await synced).toMatchObject({ lastReadSeq: message.seq, unread: 0 });
  });

  test('when a group would exceed the admin’s limit, then it is refused; within it, all participants hear each message', async () => {
    expect((await admin.call('PATCH', '/api/v1/admin/settings', { maxGroupSize: 3 })).status).toBe(200);
    try {
      const tooMany = await ada.call<{ code: string }>('POST', '/api/v1/chat/conversations', { handles: [bea.user.handle, cal.user.handle, outsider.user.handle] });
      expect(tooMany.status).toBe(400);
      const group = await directWith(ada, bea, cal);
      const [adaSocket, calSocket] = await Promise.all([connect(ada), connect(cal)]);
      const atCal = nextEvent<{ message: Message }>(calSocket, 'chat:message-created');
      const message = await send(adaSocket, group.id, 'group hello');
      expect((await atCal).message.id).toBe(message.id);
      expect((await outsider.call('GET', `/api/v1/chat/conversations/${group.id}`)).status).toBe(404);
    } finally {
      await admin.call('PATCH', '/api/v1/admin/settings', { maxGroupSize: 8 });
    }
  });

  test('when a member blocks another, then no new direct messages come from them and their space messages are hidden from the blocker only', async () => {
    const blocker = await createMember(server.url, { handle: uniqueHandle('blocker') });
    const pest = await createMember(server.url, { handle: uniqueHandle('pest') });
    const dm = await directWith(pest, blocker);
    const blocked = await blocker.call<{ user: { id: string } }>('POST', '/api/v1/me/blocks', { handle: pest.user.handle });
    expect(blocked.status).toBe(200);
    const pestSocket = await connect(pest);
    expect(await command(pestSocket, 'chat:send', { conversationId: dm.id, clientId: clientId(), bodyMarkdown: 'hello?' })).toEqual({ error: expect.objectContaining({ code: 'forbidden' }) });
    expect((await pest.call('POST', '/api/v1/chat/conversations', { handles: [blocker.user.handle] })).status).toBe(403);

    // In a shared space: the blocker hears nothing from the pest, a third member hears it all.
    const created = await ada.call<Space>('POST', '/api/v1/spaces', { name: 'Shared', slug: `shared-${process.pid}`, visibility: 'public', joinPolicy: 'open' });
    for (const m of [blocker, pest, bea]) await m.call('POST', `/api/v1/spaces/${created.body.id}/join`);
    const chat = (await bea.call<Conversation>('GET', `/api/v1/spaces/${created.body.id}/chat`)).body;
    const [blockerSocket, beaSocket] = await Promise.all([connect(blocker), connect(bea)]);
    const silent = watch(blockerSocket, 'chat:message-created');
    const quietTyping = watch(blockerSocket, 'chat:typing');
    const atBea = nextEvent<{ message: Message }>(beaSocket, 'chat:message-created');
    const typingAtBea = nextEvent(beaSocket, 'chat:typing');
    await ok(pestSocket, 'chat:typing', { conversationId: chat.id });
    await typingAtBea;
    const message = await send(pestSocket, chat.id, 'look at me');
    expect((await atBea).message.id).toBe(message.id);
    expect(await silent.after(300)).toEqual([]);
    expect(await quietTyping.after(0)).toEqual([]);
    const blockerPage = await blocker.call<{ items: Message[] }>('GET', `/api/v1/chat/conversations/${chat.id}/messages`);
    expect(blockerPage.body.items).toEqual([]);
    // Unblocking shows them again.
    expect((await blocker.call<{ items: unknown[] }>('DELETE', `/api/v1/me/blocks/${pest.user.id}`)).body.items).toEqual([]);
    expect((await blocker.call<{ items: Message[] }>('GET', `/api/v1/chat/conversations/${chat.id}/messages`)).body.items.map((m) => m.id)).toEqual([message.id]);
  });
});

describe('presence and typing', () => {
  test('when a member opens two tabs and closes them, then they stay online until the last one closes, and go offline shortly after', async () => {
    const watcher = await createMember(server.url, { handle: uniqueHandle('watch') });
    const walker = await createMember(server.url, { handle: uniqueHandle('walk') });
    await directWith(watcher, walker);
    const watcherSocket = await connect(watcher);
    const online = nextEvent<{ userId: string; online: boolean }>(watcherSocket, 'presence:changed');
    const firstTab = await connect(walker);
    expect(await online).toEqual({ userId: walker.user.id, online: true, lastSeenAt: null });
    const secondTab = await connect(walker);
    const changes = watch<{ online: boolean }>(watcherSocket, 'presence:changed');
    firstTab.disconnect();
    // Still online: the second tab is open (longer than the grace period).
    expect(await changes.after(2_600)).toEqual([]);
    const conversation = (await watcher.call<{ items: Conversation[] }>('GET', '/api/v1/chat/conversations')).body.items[0]!;
    expect(conversation.participants.find((p) => p.id === walker.user.id)?.online).toBe(true);
    const offline = nextEvent<{ online: boolean; lastSeenAt: string }>(watcherSocket, 'presence:changed', 5_000);
    secondTab.disconnect();
    expect(await offline).toMatchObject({ online: false, lastSeenAt: expect.any(String) });
    const after = (await watcher.call<{ items: Conversation[] }>('GET', '/api/v1/chat/conversations')).body.items[0]!;
    expect(after.participants.find((p) => p.id === walker.user.id)).toMatchObject({ online: false, lastSeenAt: expect.any(String) });
  });

  test('when a member types, then the others in the space see it (throttled) and a non-member does not; the space lists who is online only to readers', async () => {
    const { space, chat } = await privateSpaceWith(bea);
    const [adaSocket, beaSocket, outsiderSocket] = await Promise.all([connect(ada), connect(bea), connect(outsider)]);
    const typing = watch<{ user: { id: string }; expiresInMs: number }>(beaSocket, 'chat:typing');
    const ownTabs = watch(adaSocket, 'chat:typing');
    const outsiderSees = watch(outsiderSocket, 'chat:typing');
    for (let i = 0; i < 3; i += 1) await ok(adaSocket, 'chat:typing', { conversationId: chat.id });
    const seen = await typing.after(300);
    expect(seen).toEqual([expect.objectContaining({ user: expect.objectContaining({ id: ada.user.id }), expiresInMs: 5_000 })]);
    expect(await ownTabs.after(0)).toEqual([]);
    expect(await outsiderSees.after(0)).toEqual([]);
    expect(await command(outsiderSocket, 'chat:typing', { conversationId: chat.id })).toEqual({ error: expect.objectContaining({ code: 'not_found' }) });
    const presence = await bea.call<{ online: string[] }>('GET', `/api/v1/spaces/${space.id}/presence`);
    expect(presence.body.online.sort()).toEqual([ada.user.id, bea.user.id].sort());
    expect((await outsider.call('GET', `/api/v1/spaces/${space.id}/presence`)).status).toBe(404);
  });
});
