import type { z } from 'zod';
import type { inviteSchema } from '../../../shared/api/admin.routes';
import type { Space } from '../../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { nextEvent, startTestServer, watch, type TestServer } from '../../../test/support/server';

type Invite = z.output<typeof inviteSchema>;

let testDb: TestDatabase;
let server: TestServer;
let admin: Member;
let host: Member;
let guest: Member;
let other: Member;

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  admin = await createMember(server.url, { handle: uniqueHandle('admin') });
  [host, guest, other] = await Promise.all([
    createMember(server.url, { handle: uniqueHandle('host') }),
    createMember(server.url, { handle: uniqueHandle('guest') }),
    createMember(server.url, { handle: uniqueHandle('other') }),
  ]);
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

let counter = 0;
async function createSpace(visibility: 'public' | 'private' | 'secret', joinPolicy: 'open' | 'request' | 'invite' = 'invite'): Promise<Space> {
  counter += 1;
  const res = await host.call<Space>('POST', '/api/v1/spaces', {
    name: `Invite space ${counter}`,
    slug: `inv-${process.pid}-${counter}`,
    visibility,
    joinPolicy,
  });
  if (res.status !== 201) throw new Error(`create space: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const tokenOf = (invite: Invite) => new URL(invite.url!).pathname.split('/').pop()!;

describe('space invitation links', () => {
  test('when a host makes a link to a secret space, then a member who follows it sees the space, joins it and its events reach them', async () => {
    const space = await createSpace('secret');
    const created = await host.call<Invite>('POST', `/api/v1/spaces/${space.id}/invites`, { expiresInHours: 24, maxUses: 2, note: 'for the newsletter' });
    expect(created.status).toBe(201);
    expect(created.body.url).toMatch(/\/invite\/[A-Za-z0-9_-]{32}$/);
    const token = tokenOf(created.body);

    // Without the link, the space does not exist for the guest.
    expect((await guest.call('GET', `/api/v1/spaces/${space.slug}`)).status).toBe(404);
    const preview = await guest.call<{ valid: boolean; space: { name: string } | null; alreadyMember: boolean }>('GET', `/api/v1/space-invites/${token}`);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ valid: true, space: { name: space.name }, alreadyMember: false });

    const socket = await guest.connect();
    try {
      const told = nextEvent(socket, 'space:membership-changed');
      const joined = await guest.call<Space>('POST', `/api/v1/space-invites/${token}/accept`);
      expect(joined.status).toBe(200);
      expect(joined.body.membership).toMatchObject({ role: 'member', status: 'active' });
      expect(await told).toMatchObject({ spaceId: space.id, membership: { status: 'active' } });
      // The guest's open connection is now in the space's room.
      const updated = nextEvent(socket, 'space:updated');
      expect((await host.call('PATCH', `/api/v1/spaces/${space.id}`, { description: 'now with guests' })).status).toBe(200);
      expect(await updated).toMatchObject({ space: { description: 'now with guests' } });
    } finally {
      socket.disconnect();
    }

    // Following it again does not use it up; the list shows one use.
    expect((await guest.call('POST', `/api/v1/space-invites/${token}/accept`)).status).toBe(200);
    const list = await host.call<{ items: Invite[] }>('GET', `/api/v1/spaces/${space.id}/invites`);
    expect(list.body.items).toEqual([expect.objectContaining({ id: created.body.id, uses: 1, maxUses: 2, note: 'for the newsletter', url: null, createdBy: host.user.handle })]);
  });

  test('when a link is used up, withdrawn or made up, then it is refused with invite_invalid and nobody joins', async () => {
    const space = await createSpace('private');
    const once = await host.call<Invite>('POST', `/api/v1/spaces/${space.id}/invites`, { maxUses: 1 });
    expect((await guest.call('POST', `/api/v1/space-invites/${tokenOf(once.body)}/accept`)).status).toBe(200);
    const usedUp = await other.call<{ code: string }>('POST', `/api/v1/space-invites/${tokenOf(once.body)}/accept`);
    expect(usedUp.status).toBe(400);
    expect(usedUp.body.code).toBe('invite_invalid');
    expect((await other.call<{ valid: boolean; space: unknown }>('GET', `/api/v1/space-invites/${tokenOf(once.body)}`)).body).toMatchObject({ valid: false, space: null });

    const withdrawn = await host.call<Invite>('POST', `/api/v1/spaces/${space.id}/invites`, { maxUses: null });
    expect((await host.call<Invite>('DELETE', `/api/v1/spaces/${space.id}/invites/${withdrawn.body.id}`)).body.revoked).toBe(true);
    expect((await other.call('POST', `/api/v1/space-invites/${tokenOf(withdrawn.body)}/accept`)).status).toBe(400);

    const madeUp = await other.call<{ code: string }>('POST', `/api/v1/space-invites/${'x'.repeat(32)}/accept`);
    expect(madeUp.status).toBe(400);
    expect((await other.call('POST', '/api/v1/space-invites/short/accept')).status).toBe(400);
    expect((await other.call('GET', `/api/v1/spaces/${space.id}/members`)).status).toBe(404);
  });

  test('when someone who is not a host manages links, then they get 403 or 404 and nothing changes', async () => {
    const space = await createSpace('public', 'open');
    const invite = await host.call<Invite>('POST', `/api/v1/spaces/${space.id}/invites`, {});
    expect((await other.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBe(200);
    expect((await other.call('GET', `/api/v1/spaces/${space.id}/invites`)).status).toBe(403);
    expect((await other.call('POST', `/api/v1/spaces/${space.id}/invites`, {})).status).toBe(403);
    expect((await other.call('DELETE', `/api/v1/spaces/${space.id}/invites/${invite.body.id}`)).status).toBe(403);
    const secret = await createSpace('secret');
    expect((await other.call('POST', `/api/v1/spaces/${secret.id}/invites`, {})).status).toBe(404);
    // A link of one space cannot be withdrawn through another space the caller hosts.
    const own = await other.call<Space>('POST', '/api/v1/spaces', { name: 'Other’s space', slug: `other-${process.pid}`, visibility: 'public', joinPolicy: 'open' });
    expect((await other.call('DELETE', `/api/v1/spaces/${own.body.id}/invites/${invite.body.id}`)).status).toBe(404);
    expect((await host.call<{ items: Invite[] }>('GET', `/api/v1/spaces/${space.id}/invites`)).body.items[0]!.revoked).toBe(false);
    // Site admins may manage any space's links.
    expect((await admin.call('GET', `/api/v1/spaces/${secret.id}/invites`)).status).toBe(200);
    // Bad input gets a clear problem.
    const bad = await host.call<{ code: string }>('POST', `/api/v1/spaces/${space.id}/invites`, { maxUses: 0, extra: true });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
  });
});

describe('space images', () => {
  function upload(who: Member, spaceId: string, bytes: Buffer, type = 'image/png') {
    const form = new FormData();
    form.append('avatar', new Blob([bytes], { type }), 'space.png');
    return fetch(`${server.url}/api/v1/spaces/${spaceId}/avatar`, {
      method: 'PUT',
      headers: { cookie: who.cookie, 'x-csrf-token': who.csrfToken },
      body: form,
    });
  }

  test('when a host uploads an image to a private space, then members fetch it, the room hears of it, and outsiders get nothing for a secret one', async () => {
    const space = await createSpace('secret');
    const socket = await host.connect();
    try {
      const heard = nextEvent(socket, 'space:updated');
      const res = await upload(host, space.id, PNG);
      expect(res.status).toBe(200);
      const updated = (await res.json()) as Space;
      expect(updated.avatarUrl).toBe(`/api/v1/spaces/${space.id}/avatar?v=1`);
      expect(await heard).toMatchObject({ space: { avatarUrl: updated.avatarUrl } });
    } finally {
      socket.disconnect();
    }
    const image = await fetch(`${server.url}/api/v1/spaces/${space.id}/avatar`, { headers: { cookie: host.cookie } });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('x-content-type-options')).toBe('nosniff');
    // Re-encoded on upload (metadata stripped, issue #12 item 10): a PNG, no longer the same bytes.
    expect(Buffer.from(await image.arrayBuffer()).subarray(0, 8).equals(PNG.subarray(0, 8))).toBe(true);
    expect((await fetch(`${server.url}/api/v1/spaces/${space.id}/avatar`, { headers: { cookie: other.cookie } })).status).toBe(404);
    expect((await fetch(`${server.url}/api/v1/spaces/${space.id}/avatar`)).status).toBe(401);

    const removed = await host.call<Space>('DELETE', `/api/v1/spaces/${space.id}/avatar`);
    expect(removed.body.avatarUrl).toBeNull();
    expect((await fetch(`${server.url}/api/v1/spaces/${space.id}/avatar`, { headers: { cookie: host.cookie } })).status).toBe(404);
  });

  test('when a non-host uploads, or the file is not an image or too big, then it is refused and the space keeps its image', async () => {
    const space = await createSpace('public', 'open');
    await other.call('POST', `/api/v1/spaces/${space.id}/join`);
    const socket = await host.connect();
    try {
      const quiet = watch(socket, 'space:updated');
      expect((await upload(other, space.id, PNG)).status).toBe(403);
      expect((await upload(host, space.id, Buffer.from('<svg onload="alert(1)"/>'), 'image/svg+xml')).status).toBe(415);
      expect((await upload(host, space.id, Buffer.concat([PNG, Buffer.alloc(1024 * 1024)]))).status).toBe(413);
      expect(await quiet.after(200)).toEqual([]);
    } finally {
      socket.disconnect();
    }
    expect((await host.call<Space>('GET', `/api/v1/spaces/${space.slug}`)).body.avatarUrl).toBeNull();
  });
});
