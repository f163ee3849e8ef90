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
});
