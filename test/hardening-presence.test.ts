import type { Space } from '../shared/api/spaces.routes';
import { PRESENCE_GRACE_MS } from '../shared/protocol/chat';
import { openTestDatabase, type TestDatabase } from './support/database';
import { createMember, uniqueHandle } from './support/members';
import { nextEvent, startTestServer, watch, type TestServer } from './support/server';

// Issue #12, item 13: REST and events agree on presence across a quick reload.
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

test('when a member closes their only tab, then REST lists them online for the grace period, as the events do, and offline once the event says so', async () => {
  const host = await createMember(server.url, { handle: uniqueHandle('host') });
  const walker = await createMember(server.url, { handle: uniqueHandle('walker') });
  const space = (await host.call<Space>('POST', '/api/v1/spaces', { name: 'Porch', slug: `porch-${process.pid}`, visibility: 'public', joinPolicy: 'open' })).body;
  await walker.call('POST', `/api/v1/spaces/${space.id}/join`);
  const hostSocket = await host.connect();
  const presence = async () => (await host.call<{ online: string[] }>('GET', `/api/v1/spaces/${space.id}/presence`)).body.online;
  try {
    const tab = await walker.connect();
    expect(await presence()).toContain(walker.user.id);
    const changes = watch<{ userId: string; online: boolean }>(hostSocket, 'presence:changed');
    tab.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Within the grace: no event said offline, and REST does not either.
    expect((await changes.after(0)).filter((c) => c.userId === walker.user.id && !c.online)).toEqual([]);
    expect(await presence()).toContain(walker.user.id);

    const offline = nextEvent<{ userId: string; online: boolean }>(hostSocket, 'presence:changed', PRESENCE_GRACE_MS + 3_000);
    expect(await offline).toMatchObject({ userId: walker.user.id, online: false });
    expect(await presence()).not.toContain(walker.user.id);
  } finally {
    hostSocket.disconnect();
  }
});
