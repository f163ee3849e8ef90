import { sql } from 'drizzle-orm';
import type { Conversation, Message } from '../shared/api/chat.routes';
import type { Post, Space } from '../shared/api/spaces.routes';
import type { Ack } from '../shared/protocol/errors';
import { openTestDatabase, type TestDatabase } from './support/database';
import { createMember, signIn, uniqueHandle, type Member } from './support/members';
import { connectSocket, startTestServer, type TestServer, type TestSocket } from './support/server';

// Issue #12, items 4, 5, 6 and two points of 9: limits that hold under concurrency, resume that
// does not amplify, per-member write limits, and read-only meaning read-only.
let testDb: TestDatabase;
let server: TestServer;
let host: Member;
let member: Member;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  await createMember(server.url, { handle: uniqueHandle('admin') });
  [host, member] = await Promise.all([createMember(server.url, { handle: uniqueHandle('host') }), createMember(server.url, { handle: uniqueHandle('member') })]);
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

async function connect(who: Member, on: TestServer = server): Promise<TestSocket> {
  const socket = await connectSocket(on.url, { extraHeaders: { cookie: who.cookie } });
  sockets.push(socket);
  return socket;
}

function command<T>(socket: TestSocket, name: string, payload: unknown): Promise<Ack<T>> {
  return (socket.timeout(20_000).emitWithAck as (event: string, payload: unknown) => Promise<Ack<T>>)(name, payload);
}

async function ok<T>(socket: TestSocket, name: string, payload: unknown): Promise<T> {
  const ack = await command<T>(socket, name, payload);
  if ('error' in ack) throw new Error(`${name}: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

let slugCounter = 0;
async function createSpace(by: Member, options: { visibility?: string } = {}): Promise<Space> {
  slugCounter += 1;
  const res = await by.call<Space>('POST', '/api/v1/spaces', {
    name: `Limits ${slugCounter}`,
    slug: `limits-${process.pid}-${slugCounter}`,
    visibility: options.visibility ?? 'public',
    joinPolicy: 'open',
  });
  if (res.status !== 201) throw new Error(`create space: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const errorsOf = <T>(acks: Ack<T>[]) => acks.filter((a): a is Extract<Ack<T>, { error: unknown }> => 'error' in a);

describe('sign-in limits under concurrency (item 4)', () => {
  test('when 20 wrong passwords for one account arrive at once, then at most 5 are checked and the rest are rate limited', async () => {
    const victim = await createMember(server.url);

    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => signIn(server.url, victim.user.email!, `wrong guess ${i}`)));

    expect(answers.filter((a) => a.status === 401).length).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(15);
    expect(answers.every((a) => a.status === 401 || a.status === 429)).toBe(true);
  });

  test('when 30 failures from one address arrive at once, then only the address limit is checked; successful sign-ins are refunded', async () => {
    const own = await startTestServer({ database: testDb.database, env: { SIGNIN_FAILURE_LIMIT_PER_HOUR: '10' } });
    try {
      const regular = await createMember(own.url);
      for (let i = 0; i < 12; i++) expect((await signIn(own.url, regular.user.email!, regular.password)).status).toBe(200);

      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => signIn(own.url, `guess-${i}-${uniqueHandle()}@example.org`, 'not a password 123')));

      expect(answers.filter((a) => a.status === 401).length).toBeLessThanOrEqual(10);
      expect(answers.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(20);
    } finally {
      await own.stop();
    }
  });
});

describe('resume does not amplify (item 5)', () => {
  test('when one stream:resume names a space 60 times, then its events are answered once, after the smallest afterSeq', async () => {
    const space = await createSpace(host);
    const hostSocket = await connect(host);
    for (let i = 0; i < 5; i++) await ok<Post>(hostSocket, 'post:create', { spaceId: space.id, bodyMarkdown: `replayed ${i}` });
    const reader = await connect(member);

    const spaces = [{ spaceId: space.id, afterSeq: 3 }, ...Array.from({ length: 59 }, () => ({ spaceId: space.id, afterSeq: 0 }))];
    const answer = await ok<{ spaces: { spaceId: string; events: { payload: { seq: number } }[]; reset: boolean }[] }>(reader, 'stream:resume', { spaces });

    expect(answer.spaces).toHaveLength(1);
    expect(answer.spaces[0]!.reset).toBe(false);
    expect(answer.spaces[0]!.events.map((e) => e.payload.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  test('when a resume would answer more events than one command may carry, then the spaces beyond the budget are told to reset', async () => {
    const own = await startTestServer({ database: testDb.database, env: { RESUME_EVENTS_PER_COMMAND: '8' } });
    try {
      const hostSocket = await connect(host, own);
      const made = [await createSpace(host), await createSpace(host), await createSpace(host)];
      for (const space of made) for (let i = 0; i < 5; i++) await ok<Post>(hostSocket, 'post:create', { spaceId: space.id, bodyMarkdown: `budget ${i}` });
      const reader = await connect(member, own);

      const answer = await ok<{ spaces: { spaceId: string; events: unknown[]; reset: boolean }[] }>(reader, 'stream:resume', {
        spaces: made.map((s) => ({ spaceId: s.id, afterSeq: 0 })),
      });

      expect(answer.spaces.map((s) => [s.events.length, s.reset])).toEqual([[5, false], [0, true], [0, true]]);
    } finally {
      await own.stop();
    }
  });

  test('when one chat:resume names a conversation 60 times, then its events are answered once', async () => {
    const space = await createSpace(host);
    const hostSocket = await connect(host);
    const chat = (await host.call<Conversation>('GET', `/api/v1/spaces/${space.id}/chat`)).body;
    for (let i = 0; i < 3; i++) await ok<Message>(hostSocket, 'chat:send', { conversationId: chat.id, clientId: `resume-${process.pid}-${i}-${Date.now()}`, bodyMarkdown: `said ${i}` });

    const answer = await ok<{ conversations: { events: unknown[]; reset: boolean }[] }>(hostSocket, 'chat:resume', {
      conversations: Array.from({ length: 60 }, () => ({ conversationId: chat.id, afterSeq: 0 })),
    });

    expect(answer.conversations).toHaveLength(1);
    expect(answer.conversations[0]!.events).toHaveLength(3);
  });

  test('when one member sends 20 resumes at once, then the ones beyond what the node queues are refused and another member is answered', async () => {
    const space = await createSpace(host);
    const hostSocket = await connect(host);
    for (let i = 0; i < 3; i++) await ok<Post>(hostSocket, 'post:create', { spaceId: space.id, bodyMarkdown: `queued ${i}` });
    const greedy = await connect(member);
    const spaces = Array.from({ length: 60 }, () => ({ spaceId: space.id, afterSeq: 0 }));

    const flood = Promise.all(Array.from({ length: 20 }, () => command(greedy, 'stream:resume', { spaces })));
    const other = await command(hostSocket, 'stream:resume', { spaces: [{ spaceId: space.id, afterSeq: 0 }] });
    const refused = errorsOf(await flood);

    expect(other).toHaveProperty('data');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.error).toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: expect.any(Number) } });
  });
});

describe('per-member write limits (item 6)', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({
      database: testDb.database,
      env: { POSTS_PER_MINUTE: '5', COMMENTS_PER_MINUTE: '5', REACTIONS_PER_MINUTE: '5', EDITS_PER_MINUTE: '5', REPORTS_PER_HOUR: '5' },
    });
  });
  afterAll(() => limited?.stop());

  test('when a member floods posts, then the flood is answered rate_limited with the retry time while another member still posts', async () => {
    const space = await createSpace(host);
    await member.call('POST', `/api/v1/spaces/${space.id}/join`);
    const [flooder, calm] = await Promise.all([connect(member, limited), connect(host, limited)]);

    const flood = Promise.all(Array.from({ length: 30 }, (_, i) => command<Post>(flooder, 'post:create', { spaceId: space.id, bodyMarkdown: `flood ${i}` })));
    const calmAck = await command<Post>(calm, 'post:create', { spaceId: space.id, bodyMarkdown: 'calm' });
    const acks = await flood;

    expect(calmAck).toHaveProperty('data');
    expect(acks.filter((a) => 'data' in a)).toHaveLength(5);
    expect(errorsOf(acks)[0]!.error).toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: expect.any(Number) } });
  });

  test('when a member floods comments, reactions, edits, chat reactions and chat edits, then each is limited', async () => {
    const space = await createSpace(host);
    const fresh = await createMember(limited.url);
    await fresh.call('POST', `/api/v1/spaces/${space.id}/join`);
    const socket = await connect(fresh, limited);
    const target = await ok<Post>(socket, 'post:create', { spaceId: space.id, bodyMarkdown: 'target' });
    const chat = (await fresh.call<Conversation>('GET', `/api/v1/spaces/${space.id}/chat`)).body;
    const message = await ok<Message>(socket, 'chat:send', { conversationId: chat.id, clientId: `lim-${process.pid}-${Date.now()}`, bodyMarkdown: 'hello' });
    const floods: Record<string, (i: number) => [string, unknown]> = {
      comments: (i) => ['comment:create', { postId: target.id, bodyMarkdown: `c ${i}` }],
      reactions: (i) => ['post:react', { postId: target.id, emoji: i % 2 ? '👍' : '❤️' }],
      edits: (i) => ['post:update', { postId: target.id, bodyMarkdown: `edited ${i}` }],
      'chat reactions': (i) => ['chat:react', { messageId: message.id, emoji: i % 2 ? '👍' : '❤️' }],
      'chat edits': (i) => ['chat:edit', { messageId: message.id, bodyMarkdown: `edited ${i}` }],
    };
    const outcome: Record<string, number> = {};
    for (const [kind, make] of Object.entries(floods)) {
      const acks = await Promise.all(Array.from({ length: 12 }, (_, i) => command(socket, ...make(i))));
      outcome[kind] = errorsOf(acks).filter((a) => a.error.code === 'rate_limited').length;
    }

    // 5 of each per minute (chat's reactions and edits are limits of their own).
    expect(outcome).toEqual({ comments: 7, reactions: 7, edits: 7, 'chat reactions': 7, 'chat edits': 7 });
  });

  test('when a member files reports in a row, then those beyond the limit answer 429 with Retry-After', async () => {
    const space = await createSpace(host);
    const hostSocket = await connect(host, limited);
    const reported = await ok<Post>(hostSocket, 'post:create', { spaceId: space.id, bodyMarkdown: 'reported' });
    const reporter = await createMember(limited.url);

    const statuses = [];
    let last: Headers | undefined;
    for (let i = 0; i < 8; i++) {
      const res = await reporter.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: reported.id, reason: 'spam', note: `again ${i}` });
      statuses.push(res.status);
      last = res.headers;
    }

    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
    expect(Number(last!.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('read-only and muted (item 9)', () => {
  test('when a space is archived, then its posts can no longer be pinned or deleted', async () => {
    const space = await createSpace(host);
    const socket = await connect(host);
    const pinned = await ok<Post>(socket, 'post:create', { spaceId: space.id, bodyMarkdown: 'to pin' });
    const commented = await ok<{ id: string }>(socket, 'comment:create', { postId: pinned.id, bodyMarkdown: 'a comment' });
    await host.call('PATCH', `/api/v1/spaces/${space.id}`, { archived: true });

    expect(await command(socket, 'post:pin', { postId: pinned.id, pinned: true })).toMatchObject({ error: { code: 'forbidden' } });
    expect(await command(socket, 'post:delete', { postId: pinned.id })).toMatchObject({ error: { code: 'forbidden' } });
    expect(await command(socket, 'comment:delete', { commentId: commented.id })).toMatchObject({ error: { code: 'forbidden' } });
  });

  test('when a member is muted, then they cannot edit their posts', async () => {
    const space = await createSpace(host);
    await member.call('POST', `/api/v1/spaces/${space.id}/join`);
    const socket = await connect(member);
    const own = await ok<Post>(socket, 'post:create', { spaceId: space.id, bodyMarkdown: 'before the mute' });
    await server.app.database.db.execute(
      sql`update space_members set muted_until = now() + interval '1 day' where space_id = ${space.id} and user_id = ${member.user.id}`,
    );

    expect(await command(socket, 'post:update', { postId: own.id, bodyMarkdown: 'while muted' })).toMatchObject({ error: { code: 'muted' } });
  });
});
