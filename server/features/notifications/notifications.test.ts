import type { Space } from '../../../shared/api/spaces.routes';
import type { NotificationView } from '../../../shared/api/notifications.routes';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { commandAs, nextEvent, startTestServer, watch, type TestServer } from '../../../test/support/server';

type Page = { items: NotificationView[]; unread: number; nextCursor: string | null };

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

/** New members, one per prefix. */
async function members<const P extends readonly string[]>(...prefixes: P): Promise<{ [K in keyof P]: Member }> {
  return (await Promise.all(prefixes.map((p) => createMember(server.url, { handle: uniqueHandle(p) })))) as { [K in keyof P]: Member };
}

async function spaceOf(host: Member, visibility: 'public' | 'private' | 'secret', joinPolicy: 'open' | 'request' | 'invite'): Promise<Space> {
  const res = await host.call<Space>('POST', '/api/v1/spaces', { name: `Allotment ${uniqueHandle('s')}`, slug: uniqueHandle('allot').replace(/_/g, '-'), visibility, joinPolicy });
  expect(res.status).toBe(201);
  return res.body;
}

/** Writes through the member's socket, as the client does. */
const write = <T extends { id: string }>(member: Member, event: 'post:create' | 'comment:create', payload: Record<string, unknown>) =>
  commandAs<T>(server.url, member.cookie, event, payload);

async function notificationsOf(member: Member, query = ''): Promise<Page> {
  await server.app.settle();
  const res = await member.call<Page>('GET', `/api/v1/notifications${query}`);
  expect(res.status).toBe(200);
  return res.body;
}

test('when two members ask to join a space, then its host has one notification that groups them, live and in the list, and the askers have none', async () => {
  const [host, ann, bo] = await Promise.all([
    createMember(server.url, { handle: uniqueHandle('host') }),
    createMember(server.url, { handle: uniqueHandle('ann') }),
    createMember(server.url, { handle: uniqueHandle('bo') }),
  ]);
  const space = await spaceOf(host, 'public', 'request');
  const socket = await host.connect();
  const annSocket = await ann.connect();
  try {
    const silentAtAnn = watch(annSocket, 'notification:changed');
    const first = nextEvent<{ notificationId: string; kind: string; created: boolean; unread: number; memberSeq: number }>(socket, 'notification:changed', 5_000);
    expect((await ann.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBe(200);
    await server.app.settle();
    expect(await first).toMatchObject({ kind: 'join-request', created: true, unread: 1, memberSeq: expect.any(Number) });

    const second = nextEvent<{ notificationId: string; created: boolean; unread: number }>(socket, 'notification:changed', 5_000);
    await bo.call('POST', `/api/v1/spaces/${space.id}/join`);
    await server.app.settle();
    const grown = await second;
    expect(grown).toMatchObject({ notificationId: (await first).notificationId, created: false, unread: 1 });

    const page = await notificationsOf(host);
    expect(page.unread).toBe(1);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      kind: 'join-request',
      actorCount: 2,
      space: { id: space.id, name: space.name },
      subject: { kind: 'space', id: space.id, available: true },
      read: false,
    });
    expect(page.items[0]!.actors.map((a) => a.handle)).toEqual([bo.user.handle, ann.user.handle]);
    expect(await silentAtAnn.after(300)).toEqual([]);
    expect((await notificationsOf(ann)).items).toEqual([]);
  } finally {
    socket.disconnect();
    annSocket.disconnect();
  }
});

test('when a request is approved, then the member hears of it; when a host invites a member, then they hear of the invitation', async () => {
  const [host, ann, cy] = await Promise.all([
    createMember(server.url, { handle: uniqueHandle('host') }),
    createMember(server.url, { handle: uniqueHandle('ann') }),
    createMember(server.url, { handle: uniqueHandle('cy') }),
  ]);
  const space = await spaceOf(host, 'private', 'request');
  await ann.call('POST', `/api/v1/spaces/${space.id}/join`);
  expect((await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: ann.user.handle })).status).toBe(201);
  expect((await notificationsOf(ann)).items.map((n) => [n.kind, n.space?.id])).toEqual([['request-approved', space.id]]);

  expect((await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: cy.user.handle })).status).toBe(201);
  const invited = await notificationsOf(cy);
  expect(invited.items.map((n) => [n.kind, n.space?.name, n.link])).toEqual([['invitation', space.name, `/s/${space.slug}`]]);
});

test('when a member marks notifications read in one tab, then their other tab hears it with the unread count, and the list says read', async () => {
  const [host, ann] = await Promise.all([createMember(server.url, { handle: uniqueHandle('host') }), createMember(server.url, { handle: uniqueHandle('ann') })]);
  const spaces = await Promise.all([spaceOf(host, 'public', 'request'), spaceOf(host, 'public', 'request')]);
  for (const space of spaces) await ann.call('POST', `/api/v1/spaces/${space.id}/join`);
  const before = await notificationsOf(host);
  expect(before.unread).toBe(2);

  const otherTab = await host.connect();
  try {
    const heard = nextEvent<{ ids: string[] | null; unread: number }>(otherTab, 'notification:read', 5_000);
    const one = before.items[0]!.id;
    const marked = await host.call<{ unread: number }>('POST', '/api/v1/notifications/read', { ids: [one] });
    expect(marked.body).toEqual({ unread: 1 });
    expect(await heard).toMatchObject({ ids: [one], unread: 1 });

    const all = nextEvent<{ ids: string[] | null; unread: number }>(otherTab, 'notification:read', 5_000);
    expect((await host.call<{ unread: number }>('POST', '/api/v1/notifications/read', {})).body).toEqual({ unread: 0 });
    expect(await all).toMatchObject({ ids: null, unread: 0 });
  } finally {
    otherTab.disconnect();
  }
  const after = await notificationsOf(host);
  expect(after.items.every((n) => n.read)).toBe(true);
  expect((await notificationsOf(host, '?unread=true')).items).toEqual([]);
});

test('when a member is no longer in a secret space, then its notifications show as gone: no name, no people, nothing of it', async () => {
  const [host, ann] = await Promise.all([createMember(server.url, { handle: uniqueHandle('host') }), createMember(server.url, { handle: uniqueHandle('ann') })]);
  const space = await spaceOf(host, 'secret', 'invite');
  await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: ann.user.handle });
  expect((await notificationsOf(ann)).items[0]).toMatchObject({ kind: 'invitation', space: { name: space.name } });

  expect((await host.call('DELETE', `/api/v1/spaces/${space.id}/members/${ann.user.id}`)).status).toBe(200);
  const [gone] = (await notificationsOf(ann)).items;
  expect(gone).toMatchObject({ kind: 'invitation', space: null, actors: [], actorCount: 0, data: {}, link: null });
  expect(gone!.subject).toMatchObject({ available: false, excerpt: '', link: null });
  expect(JSON.stringify(gone)).not.toContain(space.name);
});

test('when a host mutes a space, or blocked the asker, then a join request tells them nothing; a timed mute says until when; reset returns to the default', async () => {
  const [host, ann, bo] = await Promise.all([
    createMember(server.url, { handle: uniqueHandle('host') }),
    createMember(server.url, { handle: uniqueHandle('ann') }),
    createMember(server.url, { handle: uniqueHandle('bo') }),
  ]);
  const space = await spaceOf(host, 'public', 'request');
  const levelPath = `/api/v1/notifications/levels/space/${space.id}`;
  expect((await host.call('GET', levelPath)).body).toMatchObject({ level: 'mentions', isDefault: true, mutedUntil: null });

  const muted = await host.call<{ level: string; mutedUntil: string }>('PUT', levelPath, { level: 'muted', muteFor: '1h' });
  expect(muted.status).toBe(200);
  expect(muted.body.level).toBe('muted');
  expect(Date.parse(muted.body.mutedUntil) - Date.now()).toBeGreaterThan(59 * 60_000);
  await ann.call('POST', `/api/v1/spaces/${space.id}/join`);
  expect((await notificationsOf(host)).items).toEqual([]);

  expect((await host.call('DELETE', levelPath)).body).toMatchObject({ level: 'mentions', isDefault: true });
  expect((await host.call('POST', '/api/v1/me/blocks', { handle: bo.user.handle })).status).toBeLessThan(300);
  await bo.call('POST', `/api/v1/spaces/${space.id}/join`);
  expect((await notificationsOf(host)).items).toEqual([]);
});

test('when the input is wrong or the target is not mine to see, then the level routes answer 400 and 404, and another member cannot read my notification', async () => {
  const [host, ann] = await Promise.all([createMember(server.url, { handle: uniqueHandle('host') }), createMember(server.url, { handle: uniqueHandle('ann') })]);
  const secret = await spaceOf(host, 'secret', 'invite');
  expect((await ann.call('GET', `/api/v1/notifications/levels/space/${secret.id}`)).status).toBe(404);
  expect((await ann.call('PUT', `/api/v1/notifications/levels/space/${secret.id}`, { level: 'muted' })).status).toBe(404);
  const wrong = await host.call<{ code: string }>('PUT', `/api/v1/notifications/levels/space/${secret.id}`, { level: 'all', muteFor: '1h' });
  expect([wrong.status, wrong.body.code]).toEqual([400, 'validation_failed']);
  expect((await host.call('PUT', `/api/v1/notifications/levels/planet/${secret.id}`, { level: 'all' })).status).toBe(400);
  expect((await host.call('GET', '/api/v1/notifications?cursor=!!')).status).toBe(400);

  const open = await spaceOf(host, 'public', 'request');
  await ann.call('POST', `/api/v1/spaces/${open.id}/join`);
  const [mine] = (await notificationsOf(host)).items;
  expect((await ann.call('GET', `/api/v1/notifications/${mine!.id}`)).status).toBe(404);
  expect((await host.call('GET', `/api/v1/notifications/${mine!.id}`)).body).toMatchObject({ id: mine!.id, kind: 'join-request' });
  // Marking someone else's notification read changes nothing of theirs.
  expect((await ann.call('POST', '/api/v1/notifications/read', { ids: [mine!.id] })).body).toEqual({ unread: 0 });
  expect((await notificationsOf(host)).unread).toBe(1);
});

describe('posts and comments', () => {
  test('when members comment on a post, then its author hears of the replies grouped, an earlier commenter follows the thread, and who is mentioned hears it once as a mention', async () => {
    const [host, author, ann, bo, cy] = await members('host', 'author', 'ann', 'bo', 'cy');
    const space = await spaceOf(host, 'public', 'open');
    for (const m of [author, ann, bo, cy]) await m.call('POST', `/api/v1/spaces/${space.id}/join`);
    const post = await write<{ id: string }>(author, 'post:create', { spaceId: space.id, bodyMarkdown: 'Seed swap on Saturday?' });

    await write(ann, 'comment:create', { postId: post.id, bodyMarkdown: `Yes! @${cy.user.handle} has beans.` });
    await write(bo, 'comment:create', { postId: post.id, bodyMarkdown: 'Count me in' });

    const [reply] = (await notificationsOf(author)).items;
    expect(reply).toMatchObject({ kind: 'reply', actorCount: 2, space: { id: space.id }, subject: { kind: 'comment', available: true } });
    expect(reply!.actors.map((a) => a.handle)).toEqual([bo.user.handle, ann.user.handle]);
    expect(reply!.subject!.excerpt).toBe('Count me in');

    // Ann commented, so she follows the thread: Bo's comment reaches her; Cy was mentioned, once.
    expect((await notificationsOf(ann)).items.map((n) => [n.kind, n.actors.map((a) => a.handle)])).toEqual([['thread', [bo.user.handle]]]);
    const cys = (await notificationsOf(cy)).items;
    expect(cys.map((n) => [n.kind, n.actors[0]?.handle, n.subject?.excerpt])).toEqual([['mention', ann.user.handle, `Yes! @${cy.user.handle} has beans.`]]);
    expect((await notificationsOf(bo)).items).toEqual([]);
  });

  test('when a member follows a space at "all", then each new post reaches them, grouped per space; others hear nothing; a mention in a private space reaches no outsider', async () => {
    const [host, fan, quiet, outsider] = await members('host', 'fan', 'quiet', 'outsider');
    const space = await spaceOf(host, 'public', 'open');
    for (const m of [fan, quiet]) await m.call('POST', `/api/v1/spaces/${space.id}/join`);
    expect((await fan.call('PUT', `/api/v1/notifications/levels/space/${space.id}`, { level: 'all' })).status).toBe(200);
    await write(host, 'post:create', { spaceId: space.id, bodyMarkdown: 'First harvest' });
    await write(host, 'post:create', { spaceId: space.id, bodyMarkdown: 'Second harvest' });
    const [news] = (await notificationsOf(fan)).items;
    expect(news).toMatchObject({ kind: 'new-post', actorCount: 1, subject: { kind: 'post', excerpt: 'Second harvest' } });
    expect((await notificationsOf(quiet)).items).toEqual([]);

    const hidden = await spaceOf(host, 'private', 'invite');
    await write(host, 'post:create', { spaceId: hidden.id, bodyMarkdown: `Psst @${outsider.user.handle}` });
    expect((await notificationsOf(outsider)).items).toEqual([]);
  });

  test('when the post author blocked the commenter, then the reply tells them nothing', async () => {
    const [host, author, troll] = await members('host', 'author', 'troll');
    const space = await spaceOf(host, 'public', 'open');
    for (const m of [author, troll]) await m.call('POST', `/api/v1/spaces/${space.id}/join`);
    const post = await write<{ id: string }>(author, 'post:create', { spaceId: space.id, bodyMarkdown: 'Compost tips' });
    await author.call('POST', '/api/v1/me/blocks', { handle: troll.user.handle });
    await write(troll, 'comment:create', { postId: post.id, bodyMarkdown: 'Boring' });
    expect((await notificationsOf(author)).items).toEqual([]);
  });
});
