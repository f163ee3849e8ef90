import type { z } from 'zod';
import type { Space, spaceMemberSchema } from '../../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { startTestServer, type TestServer } from '../../../test/support/server';

// Permission edges of issue #12, item 9: hosts accept first, no address oracle, a private space's
// about text and greeting stay inside it.
type SpaceMember = z.output<typeof spaceMemberSchema>;

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

const slug = (prefix: string) => uniqueHandle(prefix).replace(/_/g, '-');

async function rolesIn(who: Member, spaceId: string): Promise<Record<string, [string, string]>> {
  const members = (await who.call<{ items: SpaceMember[] }>('GET', `/api/v1/spaces/${spaceId}/members`)).body.items;
  return Object.fromEntries(members.map((m) => [m.user.handle, [m.role, m.status]]));
}

describe('hosts accept first', () => {
  test('when a space is created naming someone else as its only host, then they are only invited, the creator stays host, and they can decline', async () => {
    const [creator, victim] = await Promise.all([createMember(server.url, { handle: uniqueHandle('creator') }), createMember(server.url, { handle: uniqueHandle('victim') })]);
    const created = await creator.call<Space>('POST', '/api/v1/spaces', {
      name: 'Not asked',
      slug: slug('notasked'),
      visibility: 'private',
      joinPolicy: 'invite',
      hostHandles: [victim.user.handle],
      creatorIsHost: false,
    });
    expect(created.status).toBe(201);
    expect(created.body.membership).toMatchObject({ role: 'host', status: 'active' });
    expect(await rolesIn(creator, created.body.id)).toEqual({
      [creator.user.handle]: ['host', 'active'],
      [victim.user.handle]: ['host', 'invited'],
    });

    // Not a host until they accept: declining (leaving) works and leaves the creator as host.
    expect((await victim.call('POST', `/api/v1/spaces/${created.body.id}/leave`)).status).toBe(200);
    expect(await rolesIn(creator, created.body.id)).toEqual({ [creator.user.handle]: ['host', 'active'] });
  });

  test('when a named host accepts, then they become host and a creator who asked not to host steps down to member', async () => {
    const [creator, named] = await Promise.all([createMember(server.url, { handle: uniqueHandle('creator') }), createMember(server.url, { handle: uniqueHandle('named') })]);
    const space = (
      await creator.call<Space>('POST', '/api/v1/spaces', {
        name: 'Handed over',
        slug: slug('handover'),
        visibility: 'private',
        joinPolicy: 'invite',
        hostHandles: [named.user.handle],
        creatorIsHost: false,
      })
    ).body;
    const joined = await named.call<Space>('POST', `/api/v1/spaces/${space.id}/join`);
    expect(joined.status).toBe(200);
    expect(joined.body.membership).toMatchObject({ role: 'host', status: 'active' });
    expect(await rolesIn(named, space.id)).toEqual({
      [creator.user.handle]: ['member', 'active'],
      [named.user.handle]: ['host', 'active'],
    });
  });

  test('when a creator who hosts names a co-host, then the co-host is invited and the creator stays host after they accept', async () => {
    const [creator, cohost] = await Promise.all([createMember(server.url, { handle: uniqueHandle('creator') }), createMember(server.url, { handle: uniqueHandle('cohost') })]);
    const space = (
      await creator.call<Space>('POST', '/api/v1/spaces', { name: 'Co-hosted', slug: slug('cohosted'), visibility: 'public', hostHandles: [cohost.user.handle] })
    ).body;
    expect((await rolesIn(creator, space.id))[cohost.user.handle]).toEqual(['host', 'invited']);
    await cohost.call('POST', `/api/v1/spaces/${space.id}/join`);
    expect(await rolesIn(creator, space.id)).toEqual({
      [creator.user.handle]: ['host', 'active'],
      [cohost.user.handle]: ['host', 'active'],
    });
  });
});

describe('a space address is no oracle', () => {
  test('when someone outside a secret space tries its address, then the answer is the same as for any unavailable address', async () => {
    const [host, outsider] = await Promise.all([createMember(server.url, { handle: uniqueHandle('host') }), createMember(server.url, { handle: uniqueHandle('outsider') })]);
    const secretSlug = slug('hidden');
    expect((await host.call('POST', '/api/v1/spaces', { name: 'Hidden', slug: secretSlug, visibility: 'secret', joinPolicy: 'invite' })).status).toBe(201);
    expect((await outsider.call('GET', `/api/v1/spaces/${secretSlug}`)).status).toBe(404);

    const answer = async (address: string) => {
      const res = await outsider.call<{ code: string; detail?: string; errors?: unknown }>('POST', '/api/v1/spaces', { name: 'Probe', slug: address });
      return { status: res.status, code: res.body.code, detail: res.body.detail, errors: res.body.errors };
    };
    const secret = await answer(secretSlug);
    const reserved = await answer('settings');
    expect(secret.status).toBe(409);
    expect(secret).toEqual(reserved);
    expect(JSON.stringify(secret)).not.toMatch(/taken/i);
    expect((await outsider.call('GET', '/api/v1/spaces/settings')).status).toBe(404);
  });
});

describe('a private space shows outsiders its name and description only', () => {
  test('when a non-member reads a private space by its address or finds it in the directory, then its about text and greeting are empty; members see them', async () => {
    const [host, outsider] = await Promise.all([createMember(server.url, { handle: uniqueHandle('host') }), createMember(server.url, { handle: uniqueHandle('outsider') })]);
    const address = slug('closed');
    const space = (
      await host.call<Space>('POST', '/api/v1/spaces', {
        name: `Closed circle ${address}`,
        slug: address,
        description: 'A support group',
        aboutMarkdown: 'We meet **Tuesdays** at 12 Elm Street',
        visibility: 'private',
        joinPolicy: 'request',
      })
    ).body;
    expect((await host.call('PATCH', `/api/v1/spaces/${space.id}`, { welcomeMarkdown: 'Welcome {name}, the door code is 4711', welcomeBot: true })).status).toBe(200);

    const byAddress = (await outsider.call<Space>('GET', `/api/v1/spaces/${address}`)).body;
    const found = (await outsider.call<{ items: Space[] }>('GET', `/api/v1/spaces?q=${encodeURIComponent(address)}`)).body.items;
    expect(found).toHaveLength(1);
    for (const seen of [byAddress, found[0]!]) {
      expect(seen).toMatchObject({ name: `Closed circle ${address}`, description: 'A support group', canRead: false, aboutMarkdown: '', aboutHtml: '', welcomeMarkdown: '', welcomeBot: false });
    }

    const asHost = (await host.call<Space>('GET', `/api/v1/spaces/${address}`)).body;
    expect(asHost.aboutMarkdown).toContain('Tuesdays');
    expect(asHost.aboutHtml).toContain('<strong>Tuesdays</strong>');
    expect(asHost.welcomeMarkdown).toContain('door code');
    expect(asHost.welcomeBot).toBe(true);
  });
});
