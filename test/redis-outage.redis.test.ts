import { spawn, type ChildProcess } from 'node:child_process';
import { createClient } from 'redis';
import type { Post, Space } from '../shared/api/spaces.routes';
import type { Ack } from '../shared/protocol/errors';
import { openTestDatabase, type TestDatabase } from './support/database';
import { createMember, signIn, uniqueHandle, type Member } from './support/members';
import { connectSocket, freePort, nextEvent, startTestServer, watch, type TestServer, type TestSocket } from './support/server';

// Issue #12, items 2 and 3: two nodes share a Redis of their own (started here, so stopping it touches
// no other test). While it is down a member signs out and a host removes a member on node A; once
// it is back, node B's sockets reconnect, so the sign-out and the removal take effect there too,
// and a reader that replays its stream misses no post made during the outage.
let redisPort: number;
let redis: ChildProcess | undefined;
let testDb: TestDatabase;
let nodeA: TestServer;
let nodeB: TestServer;

async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let tries = 0; ; tries += 1) {
    const probe = createClient({ url: `redis://127.0.0.1:${redisPort}`, socket: { reconnectStrategy: false } });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.quit();
      return;
    } catch (error) {
      if (tries > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function stopRedis(): Promise<void> {
  const running = redis;
  redis = undefined;
  if (!running || running.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    running.once('exit', () => resolve());
    running.kill('SIGKILL');
  });
}

const ok = async <T>(socket: TestSocket, event: string, payload: unknown): Promise<T> => {
  const ack = await (socket.timeout(5_000).emitWithAck as (e: string, p: unknown) => Promise<Ack<T>>)(event, payload);
  if ('error' in ack) throw new Error(`${event}: ${JSON.stringify(ack.error)}`);
  return ack.data;
};

const cut = (socket: TestSocket, ms: number) =>
  new Promise<boolean>((resolve) => {
    if (!socket.connected) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('disconnect', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

beforeAll(async () => {
  redisPort = await freePort();
  await startRedis();
  testDb = await openTestDatabase();
  const env = { REDIS_URL: `redis://127.0.0.1:${redisPort}` };
  nodeA = await startTestServer({ database: testDb.database, env });
  nodeB = await startTestServer({ database: testDb.database, env });
});

afterAll(async () => {
  if (!redis) await startRedis().catch(() => undefined);
  await nodeA?.stop();
  await nodeB?.stop();
  await stopRedis();
  await testDb?.close();
});

test('when Redis is down while a member signs out and another is removed on node A, then sign-in and chat still answer at once, and once it is back node B cuts and re-admits its sockets and a reader replays every post of the outage', async () => {
  const host = await createMember(nodeA.url, { handle: uniqueHandle('host') });
  const [leaver, removed, reader] = await Promise.all(['leaver', 'removed', 'reader'].map((p) => createMember(nodeA.url, { handle: uniqueHandle(p) })));
  const space = (await host.call<Space>('POST', '/api/v1/spaces', { name: 'Quiet room', slug: `quiet-${process.pid}`, visibility: 'private', joinPolicy: 'invite' })).body;
  for (const who of [removed, reader] as Member[]) {
    await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: who.user.handle });
    await who.call('POST', `/api/v1/spaces/${space.id}/join`);
  }
  const onB = (who: Member) => connectSocket(nodeB.url, { extraHeaders: { cookie: who.cookie } });
  const [leaverB, removedB, readerB] = await Promise.all([onB(leaver!), onB(removed!), onB(reader!)]);
  const hostA = await connectSocket(nodeA.url, { extraHeaders: { cookie: host.cookie } });
  const readerSeq = (await reader!.call<Space>('GET', `/api/v1/spaces/${space.slug}`)).body.seq;
  const sockets = [leaverB, removedB, readerB, hostA];
  try {
    await stopRedis();
    // Node A goes on without Redis: the sign-out, the removal and a post all succeed there.
    expect((await leaver!.call('POST', '/api/v1/auth/sign-out')).status).toBe(200);
    expect((await host.call('DELETE', `/api/v1/spaces/${space.id}/members/${removed!.user.id}`)).status).toBeLessThan(300);
    const during = await ok<Post>(hostA, 'post:create', { spaceId: space.id, bodyMarkdown: 'Said while Redis was down' });
    // Item 3: nothing waits on Redis — sign-in, chat and the conversation list answer at once.
    const bounded = async <T>(work: () => Promise<T>): Promise<T> => {
      const started = Date.now();
      const result = await work();
      expect(Date.now() - started).toBeLessThan(3_000);
      return result;
    };
    expect((await bounded(() => signIn(nodeA.url, `${reader!.user.handle}@example.org`, reader!.password))).status).toBe(200);
    const chat = (await bounded(() => host.call<{ id: string }>('GET', `/api/v1/spaces/${space.id}/chat`))).body;
    await bounded(() => ok(hostA, 'chat:send', { conversationId: chat.id, clientId: `outage-${process.pid}`, bodyMarkdown: 'Chat while Redis is down' }));
    expect((await bounded(() => host.call('GET', '/api/v1/chat/conversations'))).status).toBe(200);

    const told = nextEvent<{ reconnectAfterMs: number }>(readerB, 'system:reconnect-requested', 15_000);
    await startRedis();
    // Both nodes' links come back: each of their sockets is asked to reconnect, and cut.
    expect((await told).reconnectAfterMs).toBeGreaterThanOrEqual(0);
    expect(await Promise.all([cut(leaverB, 10_000), cut(removedB, 10_000), cut(readerB, 10_000), cut(hostA, 10_000)])).toEqual([true, true, true, true]);
    const hostAgain = await connectSocket(nodeA.url, { extraHeaders: { cookie: host.cookie } });
    sockets.push(hostAgain);

    // The signed-out session cannot come back; the removed member comes back without the space.
    await expect(onB(leaver!)).rejects.toThrow();
    const removedAgain = await onB(removed!);
    const readerAgain = await onB(reader!);
    sockets.push(removedAgain, readerAgain);
    const silence = watch(removedAgain, 'post:created');
    // (The post of the outage may also arrive now, late, from node A's queue: the feeds apply each seq once.)
    const seen = watch<{ post: Post }>(readerAgain, 'post:created');
    await ok(hostAgain, 'post:create', { spaceId: space.id, bodyMarkdown: 'After the outage' });
    expect((await seen.after(1_000)).map((e) => e.post.bodyMarkdown)).toContain('After the outage');
    expect(await silence.after(0)).toEqual([]);

    // The reader replays from where it was: the post of the outage is there, once.
    const replay = await ok<{ spaces: { events: { event: string; payload: { post?: Post } }[]; reset: boolean }[] }>(readerAgain, 'stream:resume', {
      spaces: [{ spaceId: space.id, afterSeq: readerSeq }],
    });
    const posts = replay.spaces[0]!.events.filter((e) => e.event === 'post:created').map((e) => e.payload.post!.id);
    expect(replay.spaces[0]!.reset).toBe(false);
    expect(posts.filter((id) => id === during.id)).toHaveLength(1);
  } finally {
    for (const socket of sockets) socket.disconnect();
  }
});

test('when Redis restarts again and again, then after each restart a post on node A still reaches a member’s socket on node B', async () => {
  const host = await createMember(nodeA.url, { handle: uniqueHandle('again') });
  const listener = await createMember(nodeA.url, { handle: uniqueHandle('listen') });
  const space = (await host.call<Space>('POST', '/api/v1/spaces', { name: 'Echo', slug: `echo-${process.pid}`, visibility: 'public', joinPolicy: 'open' })).body;
  await listener.call('POST', `/api/v1/spaces/${space.id}/join`);
  for (let round = 1; round <= 3; round += 1) {
    await stopRedis();
    await startRedis();
    // Both nodes ask their sockets to reconnect once their links are back; connect after that.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const onB = await connectSocket(nodeB.url, { extraHeaders: { cookie: listener.cookie } });
    const onA = await connectSocket(nodeA.url, { extraHeaders: { cookie: host.cookie } });
    try {
      const heard = nextEvent<{ post: Post }>(onB, 'post:created', 5_000);
      await ok(onA, 'post:create', { spaceId: space.id, bodyMarkdown: `round ${round}` });
      expect((await heard).post.bodyMarkdown).toBe(`round ${round}`);
    } finally {
      onA.disconnect();
      onB.disconnect();
    }
  }
});
