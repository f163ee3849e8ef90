import type { z } from 'zod';
import type { Space, spaceMemberSchema } from '../../../shared/api/spaces.routes';

type SpaceMember = z.output<typeof spaceMemberSchema>;
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { nextEvent, startTestServer, type TestServer } from '../../../test/support/server';

let testDb: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  await createMember(server.url, { handle: uniqueHandle('admin') });
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

async function spaceOf(host: Member, ...members: { who: Member; role?: 'moderator' | 'member' }[]): Promise<Space> {
  const space = (
    await host.call<Space>('POST', '/api/v1/spaces', { name: 'Keeps a host', slug: uniqueHandle('hosted').replace(/_/g, '-'), visibility: 'private', joinPolicy: 'invite' })
  ).body;
  for (const { who, role } of members) {
    await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: who.user.handle, role: role ?? 'member' });
    await who.call('POST', `/api/v1/spaces/${space.id}/join`);
  }
  return space;
}

test('when the only host deletes their account, then the longest-standing moderator becomes host and is told live; the deleted member is gone from the space', async () => {
  const [host, early, moderator] = await Promise.all([
    createMember(server.url, { handle: uniqueHandle('host') }),
    createMember(server.url, { handle: uniqueHandle('early') }),
    createMember(server.url, { handle: uniqueHandle('mod') }),
  ]);
  const space = await spaceOf(host, { who: early }, { who: moderator, role: 'moderator' });
  const socket = await moderator.connect();
  try {
    const told = nextEvent<{ spaceId: string; membership: { role: string } }>(socket, 'space:membership-changed');
    expect((await host.call('DELETE', '/api/v1/me', { password: host.password, confirm: 'delete my account' })).status).toBe(200);
    expect(await told).toMatchObject({ spaceId: space.id, membership: { role: 'host' } });
  } finally {
    socket.disconnect();
  }
  const members = (await early.call<{ items: SpaceMember[] }>('GET', `/api/v1/spaces/${space.id}/members`)).body.items;
  expect(members.map((m) => [m.user.id, m.role]).sort()).toEqual(
    [
      [early.user.id, 'member'],
      [moderator.user.id, 'host'],
    ].sort(),
  );
});

test('when a host who is not the only one deletes their account, then the other hosts stay and nobody is promoted', async () => {
  const [host, cohost, member] = await Promise.all([
    createMember(server.url, { handle: uniqueHandle('host') }),
    createMember(server.url, { handle: uniqueHandle('cohost') }),
    createMember(server.url, { handle: uniqueHandle('member') }),
  ]);
  const space = await spaceOf(host, { who: member });
  await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: cohost.user.handle, role: 'host' });
  await cohost.call('POST', `/api/v1/spaces/${space.id}/join`);
  expect((await host.call('DELETE', '/api/v1/me', { password: host.password, confirm: 'delete my account' })).status).toBe(200);
  const members = (await member.call<{ items: SpaceMember[] }>('GET', `/api/v1/spaces/${space.id}/members`)).body.items;
  expect(members.map((m) => [m.user.id, m.role]).sort()).toEqual(
    [
      [cohost.user.id, 'host'],
      [member.user.id, 'member'],
    ].sort(),
  );
});
