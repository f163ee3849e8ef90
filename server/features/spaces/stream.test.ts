import type { Post, Space } from '../../../shared/api/spaces.routes';
import type { Ack } from '../../../shared/protocol/errors';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { nextEvent, startTestServer, watch, type TestServer, type TestSocket } from '../../../test/support/server';

let testDb: TestDatabase;
let server: TestServer;
let admin: Member;
let host: Member;
let member: Member;
let outsider: Member;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  admin = await createMember(server.url, { handle: uniqueHandle('admin') });
  [host, member, outsider] = await Promise.all([
    createMember(server.url, { handle: uniqueHandle('host') }),
    createMember(server.url, { handle: uniqueHandle('member') }),
    createMember(server.url, { handle: uniqueHandle('outsider') }),
  ]);
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

let slugCounter = 0;
async function createSpace(by: Member, options: Partial<{ visibility: string; joinPolicy: string; name: string }> = {}): Promise<Space> {
  slugCounter += 1;
  const res = await by.call<Space>('POST', '/api/v1/spaces', {
    name: options.name ?? `Space ${slugCounter}`,
    slug: `space-${process.pid}-${slugCounter}`,
    visibility: options.visibility ?? 'public',
    joinPolicy: options.joinPolicy ?? 'open',
  });
  if (res.status !== 201) throw new Error(`create space: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function addToSpace(space: Space, who: Member) {
  const invited = await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: who.user.handle });
  if (invited.status !== 201) throw new Error(`invite: ${invited.status} ${JSON.stringify(invited.body)}`);
  const joined = await who.call('POST', `/api/v1/spaces/${space.id}/join`);
  if (joined.status !== 200) throw new Error(`join: ${joined.status} ${JSON.stringify(joined.body)}`);
}

function command<T>(socket: TestSocket, name: string, payload: unknown): Promise<Ack<T>> {
  return (socket.timeout(5_000).emitWithAck as (event: string, payload: unknown) => Promise<Ack<T>>)(name, payload);
}

async function post(socket: TestSocket, spaceId: string, bodyMarkdown: string): Promise<Post> {
  const ack = await command<Post>(socket, 'post:create', { spaceId, bodyMarkdown });
  if ('error' in ack) throw new Error(`post:create: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

/** Collects every event of the given names a socket receives, in arrival order. */
function record(socket: TestSocket, names: string[]) {
  const seen: { event: string; payload: { seq?: number; post?: Post } & Record<string, unknown> }[] = [];
  for (const name of names) {
    (socket as unknown as { on(e: string, l: (p: never) => void): void }).on(name, (payload) => seen.push({ event: name, payload }));
  }
  return seen;
}

/** Every element and attribute in rendered HTML (enough to judge what a browser would run). */
function tagsOf(html: string): { tag: string; attributes: Record<string, string> }[] {
  return [...html.matchAll(/<([a-z][a-z0-9]*)((?:\s+[^\s=>]+(?:=(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*\/?>/gi)].map((m) => ({
    tag: m[1]!.toLowerCase(),
    attributes: Object.fromEntries(
      [...m[2]!.matchAll(/([^\s=>]+)(?:=("[^"]*"|'[^']*'|[^\s>]+))?/g)].map((a) => [a[1]!.toLowerCase(), (a[2] ?? '').replace(/^["']|["']$/g, '')]),
    ),
  }));
}

const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

describe('posting in a private space', () => {
  test('when a member posts, then the sender gets the ack, another member gets the event, and a non-member gets nothing', async () => {
    const space = await createSpace(host, { visibility: 'private', joinPolicy: 'invite' });
    await addToSpace(space, member);
    const [hostSocket, memberSocket, outsiderSocket] = await Promise.all([host.connect(), member.connect(), outsider.connect()]);
    try {
      const arrived = nextEvent<{ seq: number; post: Post }>(memberSocket, 'post:created');
      const leaked = watch(outsiderSocket, 'post:created');

      const created = await post(hostSocket, space.id, 'Hello **everyone**');

      expect(created.bodyHtml).toContain('<strong>everyone</strong>');
      const event = await arrived;
      expect(event.post).toEqual(created);
      expect(event.seq).toBe(1);
      expect(await leaked.after(500)).toEqual([]);
    } finally {
      [hostSocket, memberSocket, outsiderSocket].forEach((s) => s.close());
    }
  });

  test('when a non-member reads anything of a private space, then every path answers 404 and the room is refused', async () => {
    const space = await createSpace(host, { visibility: 'private', joinPolicy: 'request' });
    const hostSocket = await host.connect();
    const created = await post(hostSocket, space.id, 'private words about gardening');
    hostSocket.close();

    for (const path of [
      `/api/v1/posts/${created.id}`,
      `/api/v1/spaces/${space.id}/posts`,
      `/api/v1/spaces/${space.id}/members`,
      `/api/v1/posts/${created.id}/history`,
    ]) {
      expect({ path, status: (await outsider.call('GET', path)).status }).toEqual({ path, status: 404 });
    }
    const search = await outsider.call<{ items: unknown[] }>('GET', '/api/v1/search?q=gardening');
    expect(search.body.items).toEqual([]);
    const memberSearch = await host.call<{ items: { id: string }[] }>('GET', '/api/v1/search?q=gardening');
    expect(memberSearch.body.items.map((i) => i.id)).toContain(created.id);

    const socket = await outsider.connect();
    try {
      const subscribe = await command(socket, 'space:subscribe', { spaceId: space.id });
      expect(subscribe).toMatchObject({ error: { code: 'not_found' } });
      const resume = await command<{ spaces: { reset: boolean; events: unknown[] }[] }>(socket, 'stream:resume', {
        spaces: [{ spaceId: space.id, afterSeq: 0 }],
      });
      expect(resume).toEqual({ data: { spaces: [{ spaceId: space.id, events: [], reset: true }] } });
      const comment = await command(socket, 'comment:create', { postId: created.id, bodyMarkdown: 'let me in' });
      expect(comment).toMatchObject({ error: { code: 'not_found' } });
    } finally {
      socket.close();
    }
    // A private space is listed (so one can ask to join) but its stream is not readable.
    const listed = await outsider.call<Space>('GET', `/api/v1/spaces/${space.slug}`);
    expect(listed.body).toMatchObject({ canRead: false, membership: null });
  });

  test('when a space is secret, then a non-member cannot even find it', async () => {
    const space = await createSpace(host, { visibility: 'secret', joinPolicy: 'invite', name: 'Zzz secret circle' });

    expect((await outsider.call('GET', `/api/v1/spaces/${space.slug}`)).status).toBe(404);
    const directory = await outsider.call<{ items: { id: string }[] }>('GET', '/api/v1/spaces?q=secret%20circle');
    expect(directory.body.items.map((s) => s.id)).not.toContain(space.id);
    const hostView = await host.call<{ items: { id: string }[] }>('GET', '/api/v1/spaces?q=secret%20circle');
    expect(hostView.body.items.map((s) => s.id)).toContain(space.id);
  });

  test('when a member is removed while connected, then they stop receiving the space at once', async () => {
    const space = await createSpace(host, { visibility: 'private', joinPolicy: 'invite' });
    const leaving = await createMember(server.url);
    await addToSpace(space, leaving);
    const [hostSocket, leavingSocket] = await Promise.all([host.connect(), leaving.connect()]);
    try {
      const first = nextEvent(leavingSocket, 'post:created');
      await post(hostSocket, space.id, 'before removal');
      await first;

      const told = nextEvent<{ membership: null }>(leavingSocket, 'space:membership-changed');
      expect((await host.call('DELETE', `/api/v1/spaces/${space.id}/members/${leaving.user.id}`)).status).toBe(200);
      await told;
      const after = watch(leavingSocket, 'post:created');
      await post(hostSocket, space.id, 'after removal');

      expect(await after.after(700)).toEqual([]);
    } finally {
      hostSocket.close();
      leavingSocket.close();
    }
  });

  test('when a public space becomes private, then a viewer who is not a member stops receiving it', async () => {
    const space = await createSpace(host);
    const [hostSocket, viewerSocket] = await Promise.all([host.connect(), outsider.connect()]);
    try {
      expect(await command(viewerSocket, 'space:subscribe', { spaceId: space.id })).toMatchObject({ data: { seq: 0 } });
      const seen = nextEvent(viewerSocket, 'post:created');
      await post(hostSocket, space.id, 'public for now');
      await seen;

      expect((await host.call('PATCH', `/api/v1/spaces/${space.id}`, { visibility: 'private' })).status).toBe(200);
      await settle();
      const hidden = watch(viewerSocket, 'post:created');
      await post(hostSocket, space.id, 'members only now');

      expect(await hidden.after(700)).toEqual([]);
    } finally {
      hostSocket.close();
      viewerSocket.close();
    }
  });
});

describe('watching spaces', () => {
  test('when a viewer unsubscribes, then they stop receiving the space; a member who unsubscribes keeps receiving it', async () => {
    const space = await createSpace(host);
    await member.call('POST', `/api/v1/spaces/${space.id}/join`);
    const [hostSocket, memberSocket, viewerSocket] = await Promise.all([host.connect(), member.connect(), outsider.connect()]);
    try {
      await command(viewerSocket, 'space:subscribe', { spaceId: space.id });
      await command(viewerSocket, 'space:unsubscribe', { spaceId: space.id });
      await command(memberSocket, 'space:unsubscribe', { spaceId: space.id });
      const toMember = nextEvent(memberSocket, 'post:created');
      const toViewer = watch(viewerSocket, 'post:created');

      await post(hostSocket, space.id, 'still here?');

      await expect(toMember).resolves.toMatchObject({ spaceId: space.id });
      expect(await toViewer.after(600)).toEqual([]);
    } finally {
      [hostSocket, memberSocket, viewerSocket].forEach((s) => s.close());
    }
  });
});

describe('a public space that turns private', () => {
  test('when a host makes a watched public space private, then a viewer who is not a member hears nothing of it, not even the change; members do', async () => {
    const space = await createSpace(host);
    await member.call('POST', `/api/v1/spaces/${space.id}/join`);
    const [memberSocket, viewerSocket] = await Promise.all([member.connect(), outsider.connect()]);
    try {
      await command(viewerSocket, 'space:subscribe', { spaceId: space.id });
      const toMember = nextEvent<{ space: { visibility: string } }>(memberSocket, 'space:updated', 5_000);
      const toViewer = watch(viewerSocket, 'space:updated');

      expect((await host.call('PATCH', `/api/v1/spaces/${space.id}`, { visibility: 'private', joinPolicy: 'invite' })).status).toBe(200);

      expect((await toMember).space.visibility).toBe('private');
      expect(await toViewer.after(500)).toEqual([]);
    } finally {
      [memberSocket, viewerSocket].forEach((s) => s.close());
    }
  });
});

describe('who may change what', () => {
  test('when a member edits or deletes someone else’s post, then it is forbidden and nothing changes', async () => {
    const space = await createSpace(host);
    await member.call('POST', `/api/v1/spaces/${space.id}/join`);
    const [hostSocket, memberSocket] = await Promise.all([host.connect(), member.connect()]);
    try {
      const original = await post(hostSocket, space.id, 'the host’s words');

      expect(await command(memberSocket, 'post:update', { postId: original.id, bodyMarkdown: 'mine now' })).toMatchObject({
        error: { code: 'forbidden' },
      });
      expect(await command(memberSocket, 'post:delete', { postId: original.id })).toMatchObject({ error: { code: 'forbidden' } });
      expect(await command(memberSocket, 'post:pin', { postId: original.id, pinned: true })).toMatchObject({ error: { code: 'forbidden' } });
      const unchanged = await member.call<{ post: Post }>('GET', `/api/v1/posts/${original.id}`);
      expect(unchanged.body.post).toMatchObject({ bodyMarkdown: 'the host’s words', deleted: false, pinned: false });
    } finally {
      hostSocket.close();
      memberSocket.close();
    }
  });

  test('when a space moderator deletes a post in their space, then it becomes a tombstone; in another space they cannot', async () => {
    const space = await createSpace(host);
    const other = await createSpace(host);
    const moderator = await createMember(server.url);
    await moderator.call('POST', `/api/v1/spaces/${space.id}/join`);
    await moderator.call('POST', `/api/v1/spaces/${other.id}/join`);
    expect((await host.call('PATCH', `/api/v1/spaces/${space.id}/members/${moderator.user.id}`, { role: 'moderator' })).status).toBe(200);
    const [hostSocket, modSocket] = await Promise.all([host.connect(), moderator.connect()]);
    try {
      const here = await post(hostSocket, space.id, 'moderate me');
      const there = await post(hostSocket, other.id, 'not yours to moderate');

      const deleted = await command<Post>(modSocket, 'post:delete', { postId: here.id });
      const refused = await command(modSocket, 'post:delete', { postId: there.id });

      expect(deleted).toMatchObject({ data: { id: here.id, deleted: true, bodyMarkdown: '', bodyHtml: '' } });
      expect(refused).toMatchObject({ error: { code: 'forbidden' } });
    } finally {
      hostSocket.close();
      modSocket.close();
    }
  });

  test('when a post is edited, then the history keeps the earlier text for moderators only', async () => {
    const space = await createSpace(host);
    await member.call('POST', `/api/v1/spaces/${space.id}/join`);
    const memberSocket = await member.connect();
    try {
      const original = await post(memberSocket, space.id, 'first draft');
      const edited = await command<Post>(memberSocket, 'post:update', { postId: original.id, bodyMarkdown: 'second draft' });

      expect(edited).toMatchObject({ data: { bodyMarkdown: 'second draft', editedAt: expect.any(String) } });
      const history = await host.call<{ items: { bodyMarkdown: string }[] }>('GET', `/api/v1/posts/${original.id}/history`);
      expect(history.body.items.map((i) => i.bodyMarkdown)).toEqual(['first draft']);
      expect((await member.call('GET', `/api/v1/posts/${original.id}/history`)).status).toBe(403);
    } finally {
      memberSocket.close();
    }
  });

  test('when a host pins a post and a member reacts, then both changes arrive as the post’s new state', async () => {
    const space = await createSpace(host);
    await member.call('POST', `/api/v1/spaces/${space.id}/join`);
    const [hostSocket, memberSocket] = await Promise.all([host.connect(), member.connect()]);
    try {
      const p = await post(hostSocket, space.id, 'pin me');
      const updates = record(memberSocket, ['post:updated']);

      await command(hostSocket, 'post:pin', { postId: p.id, pinned: true });
      await command(memberSocket, 'post:react', { postId: p.id, emoji: '🎉' });
      await command(hostSocket, 'post:react', { postId: p.id, emoji: '🎉' });
      const toggledOff = await command<Post>(memberSocket, 'post:react', { postId: p.id, emoji: '🎉' });
      await settle();

      expect(toggledOff).toMatchObject({ data: { pinned: true, reactions: { '🎉': { count: 1, userIds: [host.user.id] } } } });
      expect(updates.map((u) => u.payload.post?.reactions['🎉']?.count ?? 0)).toEqual([0, 1, 2, 1]);
      const page = await member.call<{ pinned: Post[] }>('GET', `/api/v1/spaces/${space.id}/posts`);
      expect(page.body.pinned.map((x) => x.id)).toEqual([p.id]);
      expect(await command(memberSocket, 'post:react', { postId: p.id, emoji: '🦄' })).toMatchObject({ error: { code: 'validation_failed' } });
    } finally {
      hostSocket.close();
      memberSocket.close();
    }
  });
});

describe('bad input', () => {
  test('when posts are empty, oversized, for unknown spaces or malformed, then clear errors come back and nothing is written', async () => {
    const space = await createSpace(host);
    const socket = await host.connect();
    try {
      expect(await command(socket, 'post:create', { spaceId: space.id, bodyMarkdown: '   ' })).toMatchObject({ error: { code: 'validation_failed' } });
      expect(await command(socket, 'post:create', { spaceId: space.id, bodyMarkdown: 'x'.repeat(20_001) })).toMatchObject({
        error: { code: 'validation_failed' },
      });
      expect(
        await command(socket, 'post:create', { spaceId: '00000000-0000-4000-8000-000000000000', bodyMarkdown: 'hello' }),
      ).toMatchObject({ error: { code: 'not_found' } });
      expect(await command(socket, 'post:create', { spaceId: 'not-a-uuid', bodyMarkdown: 'hello' })).toMatchObject({
        error: { code: 'validation_failed' },
      });
      expect(await command(socket, 'post:create', 'just a string')).toMatchObject({ error: { code: 'validation_failed' } });
      const page = await host.call<{ items: unknown[] }>('GET', `/api/v1/spaces/${space.id}/posts`);
      expect(page.body.items).toEqual([]);
      expect((await host.call('GET', `/api/v1/spaces/${space.id}/posts?before=bm90IGEgY3Vyc29y`)).status).toBe(400);
      expect((await host.call('GET', `/api/v1/spaces/${space.id}/posts?limit=1000`)).status).toBe(400);
    } finally {
      socket.close();
    }
  });

  test('when a post carries an XSS corpus, then it is stored as written and rendered inert', async () => {
    const space = await createSpace(host);
    const socket = await host.connect();
    try {
      const corpus = [
        '<script>alert(1)</script>',
        '<img src=x onerror=alert(1)>',
        '[click](javascript:alert(1))',
        '[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
        '![x](javascript:alert(1))',
        '<a href="javascript:alert(1)">a</a>',
        '[ok](https://example.org "title\\" onmouseover=\\"alert(1)")',
        `@${member.user.handle} <b onclick=alert(1)>hi</b>`,
      ].join('\n\n');

      const created = await post(socket, space.id, corpus);

      expect(created.bodyMarkdown).toBe(corpus);
      const tags = tagsOf(created.bodyHtml);
      expect(tags.map((t) => t.tag).filter((t) => !['p', 'a', 'strong', 'em', 'code'].includes(t))).toEqual([]);
      for (const { attributes } of tags) {
        expect(Object.keys(attributes).filter((name) => name.startsWith('on'))).toEqual([]);
        expect(attributes.href ?? '').not.toMatch(/^\s*(javascript|data|vbscript):/i);
      }
      expect(created.bodyHtml).toContain('rel="nofollow noopener noreferrer"');
      expect(created.bodyHtml).toContain(`href="/u/${member.user.handle}"`);
    } finally {
      socket.close();
    }
  });
});

describe('comments and mentions', () => {
  test('when a member comments and replies, then replies stay one level deep and the post’s count follows', async () => {
    const space = await createSpace(host);
    await member.call('POST', `/api/v1/spaces/${space.id}/join`);
    const [hostSocket, memberSocket] = await Promise.all([host.connect(), member.connect()]);
    try {
      const p = await post(hostSocket, space.id, 'discuss');
      const arrived = nextEvent<{ comment: { id: string }; commentCount: number }>(hostSocket, 'comment:created');
      const top = await command<{ id: string }>(memberSocket, 'comment:create', { postId: p.id, bodyMarkdown: 'first!' });
      const topId = 'data' in top ? top.data.id : '';
      expect((await arrived).commentCount).toBe(1);
      const reply = await command<{ id: string; parentId: string }>(hostSocket, 'comment:create', { postId: p.id, parentId: topId, bodyMarkdown: 'reply' });
      const replyId = 'data' in reply ? reply.data.id : '';
      const nested = await command<{ parentId: string }>(memberSocket, 'comment:create', { postId: p.id, parentId: replyId, bodyMarkdown: 'nested' });

      expect(nested).toMatchObject({ data: { parentId: topId } });
      const loaded = await member.call<{ post: Post; comments: { id: string }[] }>('GET', `/api/v1/posts/${p.id}`);
      expect(loaded.body.post.commentCount).toBe(3);
      expect(loaded.body.comments).toHaveLength(3);
    } finally {
      hostSocket.close();
      memberSocket.close();
    }
  });

  test('when a member is @mentioned, then they are notified live; a member who cannot read the space is not', async () => {
    const space = await createSpace(host, { visibility: 'private', joinPolicy: 'invite' });
    await addToSpace(space, member);
    const [hostSocket, memberSocket, outsiderSocket] = await Promise.all([host.connect(), member.connect(), outsider.connect()]);
    try {
      const mentioned = nextEvent<{ postId: string; by: { handle: string } }>(memberSocket, 'mention:received');
      const leaked = watch(outsiderSocket, 'mention:received');

      const p = await post(hostSocket, space.id, `Thanks @${member.user.handle} and @${outsider.user.handle}!`);

      expect(await mentioned).toMatchObject({ postId: p.id, by: { handle: host.user.handle } });
      expect(await leaked.after(500)).toEqual([]);
      expect(p.mentions).toEqual([member.user.handle]);
    } finally {
      [hostSocket, memberSocket, outsiderSocket].forEach((s) => s.close());
    }
  });
});

describe('nothing is lost on reconnect', () => {
  test('when a member is away while 50 changes happen, then resuming replays each once, in order, to the state of a fresh load', async () => {
    const space = await createSpace(host);
    await member.call('POST', `/api/v1/spaces/${space.id}/join`);
    const hostSocket = await host.connect();
    const seed = await post(hostSocket, space.id, 'before the gap');
    const before = await member.call<{ items: Post[]; seq: number }>('GET', `/api/v1/spaces/${space.id}/posts`);
    const lastSeq = before.body.seq;

    // 50 changes while the member is offline: posts, comments, edits, reactions, a delete.
    const made: Post[] = [];
    for (let i = 0; i < 20; i++) made.push(await post(hostSocket, space.id, `update ${i}`));
    for (let i = 0; i < 15; i++) await command(hostSocket, 'comment:create', { postId: made[i]!.id, bodyMarkdown: `note ${i}` });
    for (let i = 0; i < 10; i++) await command(hostSocket, 'post:update', { postId: made[i]!.id, bodyMarkdown: `update ${i} (edited)` });
    for (let i = 0; i < 4; i++) await command(hostSocket, 'post:react', { postId: made[19 - i]!.id, emoji: '❤️' });
    await command(hostSocket, 'post:delete', { postId: seed.id });
    hostSocket.close();

    const socket = await member.connect();
    try {
      const resumed = await command<{ spaces: { events: { event: string; payload: { seq: number; post?: Post; comment?: { postId: string }; commentCount?: number } }[]; reset: boolean }[] }>(
        socket,
        'stream:resume',
        { spaces: [{ spaceId: space.id, afterSeq: lastSeq }] },
      );
      if (!('data' in resumed)) throw new Error(JSON.stringify(resumed));
      const { events, reset } = resumed.data.spaces[0]!;

      expect(reset).toBe(false);
      expect(events).toHaveLength(50);
      expect(events.map((e) => e.payload.seq)).toEqual(Array.from({ length: 50 }, (_, i) => lastSeq + 1 + i));

      // Apply the events to the page the member had, exactly as the client does.
      const state = new Map(before.body.items.map((p) => [p.id, p]));
      for (const { event, payload } of events) {
        if (payload.post) state.set(payload.post.id, payload.post);
        if (event.startsWith('comment:') && payload.comment) {
          const target = state.get(payload.comment.postId)!;
          state.set(target.id, { ...target, commentCount: payload.commentCount! });
        }
      }
      const fresh = await member.call<{ items: Post[] }>('GET', `/api/v1/spaces/${space.id}/posts`);
      const applied = [...state.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
      expect(applied).toEqual(fresh.body.items);

      const again = await command<{ spaces: { events: unknown[] }[] }>(socket, 'stream:resume', {
        spaces: [{ spaceId: space.id, afterSeq: lastSeq + 50 }],
      });
      expect(again).toMatchObject({ data: { spaces: [{ events: [], reset: false }] } });
    } finally {
      socket.close();
    }
  });

  test('when posts keep arriving while a member pages back, then no post is repeated or skipped', async () => {
    const space = await createSpace(host);
    const socket = await host.connect();
    try {
      for (let i = 0; i < 12; i++) await post(socket, space.id, `old ${i}`);
      const first = await host.call<{ items: Post[]; nextCursor: string }>('GET', `/api/v1/spaces/${space.id}/posts?limit=5`);
      for (let i = 0; i < 4; i++) await post(socket, space.id, `new ${i}`);
      const second = await host.call<{ items: Post[]; nextCursor: string }>('GET', `/api/v1/spaces/${space.id}/posts?limit=5&before=${first.body.nextCursor}`);
      const third = await host.call<{ items: Post[]; nextCursor: string | null }>('GET', `/api/v1/spaces/${space.id}/posts?limit=5&before=${second.body.nextCursor}`);

      const seen = [...first.body.items, ...second.body.items, ...third.body.items].map((p) => p.bodyMarkdown);
      expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `old ${11 - i}`));
      expect(third.body.nextCursor).toBeNull();
    } finally {
      socket.close();
    }
  });
});

describe('spaces', () => {
  test('when a space is created, then it needs a free slug and its hosts exist; the creator hosts it', async () => {
    const space = await createSpace(host);
    expect(space.membership).toMatchObject({ role: 'host', status: 'active' });

    const taken = await host.call('POST', '/api/v1/spaces', { name: 'Again', slug: space.slug });
    expect(taken.status).toBe(409);
    const unknownHost = await host.call('POST', '/api/v1/spaces', { name: 'Ghost hosted', slug: `ghost-${process.pid}`, hostHandles: ['nobody_here'] });
    expect(unknownHost.status).toBe(400);
  });

  test('when a space takes requests, then a request waits for a host, who approves it', async () => {
    const space = await createSpace(host, { joinPolicy: 'request' });
    const asker = await createMember(server.url);

    const requested = await asker.call<Space>('POST', `/api/v1/spaces/${space.id}/join`);
    expect(requested.body.membership).toMatchObject({ status: 'requested' });
    expect((await asker.call('PATCH', `/api/v1/spaces/${space.id}/members/${asker.user.id}`, { role: 'member' })).status).toBe(403);

    const approved = await host.call('PATCH', `/api/v1/spaces/${space.id}/members/${asker.user.id}`, { role: 'member' });
    expect(approved.body).toMatchObject({ status: 'active' });
    const mine = await asker.call<{ items: { id: string; unread: number }[] }>('GET', '/api/v1/me/spaces');
    expect(mine.body.items.map((s) => s.id)).toContain(space.id);
  });

  test('when posts arrive, then my unread count rises, and marking read brings it to zero', async () => {
    const space = await createSpace(host);
    await member.call('POST', `/api/v1/spaces/${space.id}/join`);
    const socket = await host.connect();
    try {
      await post(socket, space.id, 'one');
      await post(socket, space.id, 'two');
      const unread = async () =>
        (await member.call<{ items: { id: string; unread: number; seq: number }[] }>('GET', '/api/v1/me/spaces')).body.items.find(
          (s) => s.id === space.id,
        )!;
      expect((await unread()).unread).toBe(2);

      await member.call('POST', `/api/v1/spaces/${space.id}/read`, { seq: (await unread()).seq });

      expect((await unread()).unread).toBe(0);
    } finally {
      socket.close();
    }
  });

  test('when a space is archived, then it is read-only', async () => {
    const space = await createSpace(host);
    const socket = await host.connect();
    try {
      await host.call('PATCH', `/api/v1/spaces/${space.id}`, { archived: true });
      expect(await command(socket, 'post:create', { spaceId: space.id, bodyMarkdown: 'too late' })).toMatchObject({ error: { code: 'forbidden' } });
    } finally {
      socket.close();
    }
  });

  test('when the only host tries to leave, then they are asked to name another host first', async () => {
    const space = await createSpace(host);
    expect((await host.call('POST', `/api/v1/spaces/${space.id}/leave`)).status).toBe(409);
  });

  test('when the last host would be demoted or removed, then it is refused; with a second host it works', async () => {
    const space = await createSpace(host);
    await member.call('POST', `/api/v1/spaces/${space.id}/join`);

    expect((await admin.call('PATCH', `/api/v1/spaces/${space.id}/members/${host.user.id}`, { role: 'member' })).status).toBe(409);
    expect((await admin.call('DELETE', `/api/v1/spaces/${space.id}/members/${host.user.id}`)).status).toBe(409);

    expect((await host.call('PATCH', `/api/v1/spaces/${space.id}/members/${member.user.id}`, { role: 'host' })).status).toBe(200);
    expect((await host.call('POST', `/api/v1/spaces/${space.id}/leave`)).status).toBe(200);
  });

  test('when a member who is not a host changes settings or members, then it is forbidden', async () => {
    const space = await createSpace(host);
    await member.call('POST', `/api/v1/spaces/${space.id}/join`);
    expect((await member.call('PATCH', `/api/v1/spaces/${space.id}`, { name: 'Hijacked' })).status).toBe(403);
    expect((await member.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: outsider.user.handle })).status).toBe(403);
    expect((await member.call('DELETE', `/api/v1/spaces/${space.id}/members/${host.user.id}`)).status).toBe(403);
    expect((await admin.call('PATCH', `/api/v1/spaces/${space.id}`, { description: 'site admins can' })).status).toBe(200);
  });
});

describe('the home stream', () => {
  test('when a member belongs to several spaces, then their home stream merges them newest first and leaves out the rest', async () => {
    const a = await createSpace(host);
    const b = await createSpace(host);
    const c = await createSpace(host);
    const reader = await createMember(server.url);
    await reader.call('POST', `/api/v1/spaces/${a.id}/join`);
    await reader.call('POST', `/api/v1/spaces/${b.id}/join`);
    const socket = await host.connect();
    try {
      const inA = await post(socket, a.id, 'in a');
      await post(socket, c.id, 'in c, not joined');
      const inB = await post(socket, b.id, 'in b');

      const home = await reader.call<{ items: Post[] }>('GET', '/api/v1/stream');

      expect(home.body.items.map((p) => p.id)).toEqual([inB.id, inA.id]);

      // Paging merges the spaces by time, page after page, without repeats or gaps.
      const made: string[] = [inA.id, inB.id];
      for (let i = 0; i < 7; i++) made.push((await post(socket, i % 2 ? a.id : b.id, `more ${i}`)).id);
      await post(socket, c.id, 'still not joined');
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 10; pages++) {
        const res: { body: { items: Post[]; nextCursor: string | null } } = await reader.call('GET', `/api/v1/stream?limit=2${cursor ? `&before=${cursor}` : ''}`);
        seen.push(...res.body.items.map((p) => p.id));
        cursor = res.body.nextCursor;
        if (!cursor) break;
      }
      expect(seen).toEqual([...made].reverse());
    } finally {
      socket.close();
    }
  });
});
