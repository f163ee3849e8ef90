import { openTestDatabase, type TestDatabase } from './support/database';
import { call, createMember, memberFromCookie } from './support/members';
import { connectSocket, nextEvent, startTestServer, watch, type TestServer } from './support/server';

const redisUrl = process.env.REDIS_URL;

describe('two nodes sharing PostgreSQL/PGlite and Redis', () => {
  let testDb: TestDatabase;
  let nodeA: TestServer;
  let nodeB: TestServer;

  beforeAll(async () => {
    testDb = await openTestDatabase();
    nodeA = await startTestServer({ database: testDb.database, env: { REDIS_URL: redisUrl } });
    nodeB = await startTestServer({ database: testDb.database, env: { REDIS_URL: redisUrl } });
  });

  afterAll(async () => {
    await nodeA?.stop();
    await nodeB?.stop();
    await testDb?.close();
  });

  test('when node A publishes to a member whose socket is on node B, then that member receives it and another does not', async () => {
    const ada = await createMember(nodeA.url);
    const bob = await createMember(nodeA.url);
    const adaOnB = await connectSocket(nodeB.url, { extraHeaders: { cookie: ada.cookie } });
    const bobOnB = await connectSocket(nodeB.url, { extraHeaders: { cookie: bob.cookie } });
    try {
      const received = nextEvent(adaOnB, 'me:updated');
      const silence = watch(bobOnB, 'me:updated');

      const res = await ada.call('PATCH', '/api/v1/me/profile', { bio: 'changed on node A' });

      expect(res.status).toBe(200);
      await expect(received).resolves.toMatchObject({ bio: 'changed on node A' });
      expect(await silence.after(500)).toEqual([]);
    } finally {
      adaOnB.close();
      bobOnB.close();
    }
  });

  test('when a member signs out on node A, then their socket on node B is cut within a second', async () => {
    const member = await createMember(nodeA.url);
    const onB = await connectSocket(nodeB.url, { extraHeaders: { cookie: member.cookie } });
    const cut = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('still connected after 1 s')), 1_000);
      onB.once('disconnect', (reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
    });

    await member.call('POST', '/api/v1/auth/sign-out');

    await expect(cut).resolves.toBe('io server disconnect');
  });

  test('when a member signs in on node A, then node B knows the session (it is in the shared database)', async () => {
    const member = await createMember(nodeA.url);
    const onB = await memberFromCookie(nodeB.url, member.cookie, member.password);

    expect(onB.user.id).toBe(member.user.id);
    expect((await call(nodeB.url, 'GET', '/api/v1/session', { cookie: member.cookie })).status).toBe(200);
  });

  test('when a member on node B is removed from a space on node A, then their socket on B stops receiving the space at once', async () => {
    const host = await createMember(nodeA.url);
    const guest = await createMember(nodeA.url);
    const created = await host.call<{ id: string }>('POST', '/api/v1/spaces', {
      name: 'Two nodes',
      slug: `two-nodes-${process.pid}`,
      visibility: 'private',
      joinPolicy: 'invite',
    });
    await host.call('POST', `/api/v1/spaces/${created.body.id}/members`, { handle: guest.user.handle });
    await guest.call('POST', `/api/v1/spaces/${created.body.id}/join`);
    const hostOnA = await connectSocket(nodeA.url, { extraHeaders: { cookie: host.cookie } });
    const guestOnB = await connectSocket(nodeB.url, { extraHeaders: { cookie: guest.cookie } });
    const send = (body: string) =>
      (hostOnA.timeout(5_000).emitWithAck as (e: string, p: unknown) => Promise<unknown>)('post:create', {
        spaceId: created.body.id,
        bodyMarkdown: body,
      });
    try {
      const first = nextEvent(guestOnB, 'post:created');
      await send('across nodes');
      await expect(first).resolves.toMatchObject({ seq: 1 });

      await host.call('DELETE', `/api/v1/spaces/${created.body.id}/members/${guest.user.id}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const after = watch(guestOnB, 'post:created');
      await send('members only');

      expect(await after.after(700)).toEqual([]);
    } finally {
      hostOnA.close();
      guestOnB.close();
    }
  });

  test('when members chat directly from two nodes, then messages cross nodes, and a member stays online while any tab on any node is open', async () => {
    const ada = await createMember(nodeA.url);
    const bea = await createMember(nodeA.url);
    const opened = await ada.call<{ id: string }>('POST', '/api/v1/chat/conversations', { handles: [bea.user.handle] });
    const adaOnA = await connectSocket(nodeA.url, { extraHeaders: { cookie: ada.cookie } });
    const beaOnA = await connectSocket(nodeA.url, { extraHeaders: { cookie: bea.cookie } });
    const beaOnB = await connectSocket(nodeB.url, { extraHeaders: { cookie: bea.cookie } });
    try {
      const arrived = nextEvent<{ message: { bodyMarkdown: string } }>(beaOnB, 'chat:message-created');
      const ack = await (adaOnA.timeout(5_000).emitWithAck as (e: string, p: unknown) => Promise<{ data?: unknown }>)('chat:send', {
        conversationId: opened.body.id,
        clientId: `two-nodes-${process.pid}`,
        bodyMarkdown: 'from node A to node B',
      });
      expect(ack.data).toBeDefined();
      await expect(arrived).resolves.toMatchObject({ message: { bodyMarkdown: 'from node A to node B' } });

      // Bea closes her tab on node A; her tab on node B keeps her online (node A asks node B).
      const presence = watch<{ online: boolean }>(adaOnA, 'presence:changed');
      beaOnA.close();
      expect(await presence.after(3_000)).toEqual([]);
      const list = await ada.call<{ items: { participants: { id: string; online: boolean }[] }[] }>('GET', '/api/v1/chat/conversations');
      expect(list.body.items[0]!.participants.find((p) => p.id === bea.user.id)?.online).toBe(true);
      const offline = nextEvent<{ userId: string; online: boolean }>(adaOnA, 'presence:changed', 5_000);
      beaOnB.close();
      await expect(offline).resolves.toMatchObject({ userId: bea.user.id, online: false });
    } finally {
      adaOnA.close();
      beaOnA.close();
      beaOnB.close();
    }
  });
});
