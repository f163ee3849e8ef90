import { sql } from 'drizzle-orm';
import type { ModerationCase } from '../shared/api/moderation.routes';
import type { Post, Space } from '../shared/api/spaces.routes';
import type { Ack } from '../shared/protocol/errors';
import { MEMBER_REPLAY_PAGE, MAX_MEMBER_REPLAY } from '../server/core/replay-log/member-log';
import { openTestDatabase, type TestDatabase } from './support/database';
import { createMember, uniqueHandle, type Member } from './support/members';
import { acked, nextEvent, startTestServer, type TestServer, type TestSocket } from './support/server';

// A member's own log (server/core/replay-log/member-log.ts): the events only they receive —
// mentions, notices from the moderators, read markers — are numbered per member, so what is sent
// while their socket is away is replayed once, in order, when it is back.
let testDb: TestDatabase;
let server: TestServer;
let host: Member;
let neighbour: Member;
let reporter: Member;
let space: Space;
const sockets: TestSocket[] = [];

type Logged = { event: string; payload: { memberSeq: number } & Record<string, unknown> };
type Resumed = { events: Logged[]; reset: boolean; upToSeq: number; more: boolean };

async function connect(who: Member): Promise<TestSocket> {
  const socket = await who.connect();
  sockets.push(socket);
  return socket;
}

const ok = acked;

const memberSeqOf = async (who: Member) => (await who.call<{ memberSeq: number | null }>('GET', '/api/v1/session')).body.memberSeq;

async function member(prefix: string): Promise<Member> {
  const who = await createMember(server.url, { handle: uniqueHandle(prefix) });
  await who.call('POST', `/api/v1/spaces/${space.id}/join`);
  return who;
}

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  host = await createMember(server.url, { handle: uniqueHandle('host') });
  space = (await host.call<Space>('POST', '/api/v1/spaces', { name: 'Orchard', slug: `orchard-${process.pid}`, visibility: 'public', joinPolicy: 'open' })).body;
  neighbour = await member('neighbour');
  reporter = await member('reporter');
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

test('when a member is mentioned and warned while offline, then on reconnect their own log replays each once, in order, and then goes on live', async () => {
  const target = await member('target');
  const targetSocket = await connect(target);
  const own = await ok<Post>(targetSocket, 'post:create', { spaceId: space.id, bodyMarkdown: 'Selling cheap apples, DM me' });
  targetSocket.disconnect();
  const from = await memberSeqOf(target);
  expect(from).toEqual(expect.any(Number));

  // While the target is away: a mention in a post, a warning about their post, a mention in a comment.
  const neighbourSocket = await connect(neighbour);
  const mentioning = await ok<Post>(neighbourSocket, 'post:create', { spaceId: space.id, bodyMarkdown: `Ask @${target.user.handle} about the ladder` });
  expect((await reporter.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: own.id, reason: 'spam', note: 'selling' })).status).toBe(201);
  const theCase = (await host.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases')).body.items.find((c) => c.targetId === own.id)!;
  expect((await host.call('POST', `/api/v1/moderation/cases/${theCase.id}/actions`, { action: 'warn', reason: 'No selling here' })).status).toBe(200);
  await ok(neighbourSocket, 'comment:create', { postId: mentioning.id, bodyMarkdown: `@${target.user.handle} it is in the shed` });
  await server.app.settle();

  const back = await connect(target);
  const replayed = await ok<Resumed>(back, 'member:resume', { afterSeq: from });
  expect(replayed).toMatchObject({ reset: false, more: false });
  // Every event once, numbered on from where the session stood, in order.
  const upTo = replayed.upToSeq;
  expect(replayed.events.map((e) => e.payload.memberSeq)).toEqual(Array.from({ length: upTo - from! }, (_, i) => from! + 1 + i));
  // The notification centre's events (made by a job after each write) fall in between.
  const logged = replayed.events.filter((e) => !e.event.startsWith('notification:'));
  expect(logged.map((e) => e.event)).toEqual(['mention:received', 'moderation:notice', 'mention:received']);
  // One notification each: the two mentions and the moderators' notice (an item of the centre too).
  expect(replayed.events.filter((e) => e.event === 'notification:changed').map((e) => e.payload.kind)).toEqual(['mention', 'moderation', 'mention']);
  expect(logged[0]!.payload).toMatchObject({ postId: mentioning.id, commentId: null, by: { handle: neighbour.user.handle } });
  expect(logged[1]!.payload).toMatchObject({ kind: 'action', text: expect.stringContaining('No selling here') });
  expect(logged[2]!.payload).toMatchObject({ postId: mentioning.id, commentId: expect.any(String) });
  // Asked again from where it got to: nothing more (each is replayed once).
  expect((await ok<Resumed>(back, 'member:resume', { afterSeq: upTo })).events).toEqual([]);

  // From now on live, numbered next.
  const live = nextEvent<{ memberSeq: number }>(back, 'mention:received', 5_000);
  const notified = nextEvent<{ memberSeq: number }>(back, 'notification:changed', 5_000);
  await ok(neighbourSocket, 'post:create', { spaceId: space.id, bodyMarkdown: `Thanks @${target.user.handle}` });
  expect((await live).memberSeq).toBe(upTo + 1);
  expect((await notified).memberSeq).toBe(upTo + 2);
  await server.app.settle();
  expect(await memberSeqOf(target)).toBe(upTo + 2);

  // Reading the notices is one more event of their own, told to their other tabs.
  const read = nextEvent<{ unread: number; memberSeq: number }>(back, 'moderation:notices-read', 5_000);
  await target.call('POST', '/api/v1/moderation/notices/read');
  expect(await read).toEqual({ unread: 0, memberSeq: upTo + 3 });
});

test('when another member resumes, then they get only their own log, never someone else’s', async () => {
  const target = await member('private');
  const from = (await memberSeqOf(neighbour)) ?? 0;
  const hostSocket = await connect(host);
  await ok(hostSocket, 'post:create', { spaceId: space.id, bodyMarkdown: `A secret for @${target.user.handle}` });
  const neighbourSocket = await connect(neighbour);
  const theirs = await ok<Resumed>(neighbourSocket, 'member:resume', { afterSeq: from });
  expect(theirs.events).toEqual([]);
  expect(JSON.stringify(await ok<Resumed>(neighbourSocket, 'member:resume', { afterSeq: 0 }))).not.toContain('A secret');
  // A malformed resume is refused with a stable code; the server goes on.
  const bad = await (neighbourSocket.timeout(5_000).emitWithAck as (e: string, p: unknown) => Promise<Ack<unknown>>)('member:resume', { afterSeq: -1 });
  expect(bad).toMatchObject({ error: { code: 'validation_failed' } });
  const targetSocket = await connect(target);
  expect((await ok<Resumed>(targetSocket, 'member:resume', { afterSeq: 0 })).events.map((e) => e.payload.excerpt)).toEqual([expect.stringContaining('A secret')]);
});

test('when a member missed more than a page, then resume answers in pages; far behind, or pruned, it answers reset', async () => {
  const { memberLog, work, db } = server.app.platform;
  const target = await member('busy');
  const total = MEMBER_REPLAY_PAGE * 2 + 50;
  await work.transaction(async (uow) => {
    for (let unread = total; unread > 0; unread -= 1) await memberLog.tell(uow, target.user.id, 'moderation:notices-read', { unread });
  });
  const socket = await connect(target);
  const pages: Resumed[] = [];
  for (let after = 0, more = true; more; ) {
    const page = await ok<Resumed>(socket, 'member:resume', { afterSeq: after });
    pages.push(page);
    more = page.more;
    after = page.upToSeq;
  }
  expect(pages.map((p) => p.events.length)).toEqual([MEMBER_REPLAY_PAGE, MEMBER_REPLAY_PAGE, 50]);
  const seqs = pages.flatMap((p) => p.events.map((e) => e.payload.memberSeq));
  expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));

  // The oldest events pruned: a client that needs them reloads instead.
  await db.execute(sql`delete from member_events where user_id = ${target.user.id} and seq <= 10`);
  expect(await ok<Resumed>(socket, 'member:resume', { afterSeq: 5 })).toMatchObject({ reset: true, events: [] });
  expect((await ok<Resumed>(socket, 'member:resume', { afterSeq: 10 })).events).toHaveLength(MEMBER_REPLAY_PAGE);
  // Further behind than the log replays.
  await db.execute(sql`update member_logs set seq = seq + ${MAX_MEMBER_REPLAY} where user_id = ${target.user.id}`);
  expect(await ok<Resumed>(socket, 'member:resume', { afterSeq: total })).toMatchObject({ reset: true, events: [], upToSeq: total + MAX_MEMBER_REPLAY });
});

test('when a member deletes their account, then their own log goes with it', async () => {
  const target = await member('leaving');
  const hostSocket = await connect(host);
  await ok(hostSocket, 'post:create', { spaceId: space.id, bodyMarkdown: `Goodbye @${target.user.handle}` });
  const count = async () =>
    ((await server.app.platform.db.execute(sql`select count(*)::int as n from member_events where user_id = ${target.user.id}`)) as unknown as { rows: { n: number }[] }).rows[0]!.n;
  await server.app.settle();
  // The mention, and the notification the centre made of it.
  expect(await count()).toBe(2);
  expect((await target.call('DELETE', '/api/v1/me', { password: target.password, confirm: 'delete my account' })).status).toBe(200);
  await server.app.settle();
  expect(await count()).toBe(0);
  const notifications = await server.app.platform.db.execute(sql`select count(*)::int as n from notifications where user_id = ${target.user.id}`);
  expect((notifications as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
});
