import pg from 'pg';
import type { Message } from '../shared/api/chat.routes';
import type { Post, Space } from '../shared/api/spaces.routes';
import type { Ack } from '../shared/protocol/errors';
import { createMember, uniqueHandle, type Member } from './support/members';
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres';
import { startTestServer, type TestServer, type TestSocket } from './support/server';

// Issue #12: PostgreSQL restarted mid-write. The restart happens on a PostgreSQL server of this
// test's own (initdb in a temporary folder), never on the shared one other suites use in parallel.
// A member keeps several post:create and chat:send commands in flight while the server restarts;
// afterwards Hearth is ready again, writes succeed, every acknowledged write is stored exactly
// once, a write that failed is stored at most once, and re-sending a message's clientId adds nothing.
jest.setTimeout(120_000);

type Phase = 'before' | 'during' | 'after';
type Outcome = 'ok' | 'error' | 'timeout';
interface Write {
  kind: 'post' | 'chat';
  body: string;
  clientId?: string;
  phase: Phase;
  issuedAt: number;
  outcome?: Outcome;
  id?: string;
  code?: string;
}

const ACK_TIMEOUT_MS = 10_000;
const WRITERS_PER_KIND = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let postgres: PrivatePostgres | undefined;
let server: TestServer | undefined;
let socket: TestSocket | undefined;

async function emit<T>(s: TestSocket, event: string, payload: unknown): Promise<{ outcome: Outcome; data?: T; code?: string }> {
  try {
    const ack = await (s.timeout(ACK_TIMEOUT_MS).emitWithAck as (e: string, p: unknown) => Promise<Ack<T>>)(event, payload);
    if ('error' in ack) return { outcome: 'error', code: ack.error.code };
    return { outcome: 'ok', data: ack.data };
  } catch {
    return { outcome: 'timeout' };
  }
}

async function readyStatus(url: string): Promise<number> {
  try {
    return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })).status;
  } catch {
    return 0;
  }
}

afterAll(async () => {
  socket?.disconnect();
  await server?.stop().catch(() => undefined);
  await postgres?.destroy();
});

test('when PostgreSQL restarts while posts and chat messages are being written, then Hearth stays up and ready, and every acknowledged write is stored exactly once', async () => {
  postgres = await startPrivatePostgres();
  // Without `database`, the app opens (and migrates) its own pool from DATABASE_URL.
  server = await startTestServer({
    env: { DATABASE_URL: postgres.url, POSTS_PER_MINUTE: '100000', CHAT_MESSAGES_PER_SECOND: '1000', CHAT_BURST: '10000' },
  });
  const url = server.url;
  const member: Member = await createMember(url, { handle: uniqueHandle('writer') });
  const space = (await member.call<Space>('POST', '/api/v1/spaces', { name: 'Restart room', slug: `restart-${process.pid}`, visibility: 'public' })).body;
  expect(space.id).toBeDefined();
  const chat = (await member.call<{ id: string }>('GET', `/api/v1/spaces/${space.id}/chat`)).body;
  expect(chat.id).toBeDefined();

  socket = await member.connect();
  let disconnects = 0;
  let reconnecting: Promise<void> | undefined;
  const watchDisconnect = (s: TestSocket) => s.on('disconnect', () => (disconnects += 1));
  watchDisconnect(socket);
  // The server may drop the socket while its database is away; a client would reconnect, so do we.
  const liveSocket = async (): Promise<TestSocket> => {
    while (!socket!.connected) {
      reconnecting ??= member
        .connect()
        .then((fresh) => {
          socket = fresh;
          watchDisconnect(fresh);
        })
        .catch(async () => {
          await sleep(200);
        })
        .finally(() => (reconnecting = undefined));
      await reconnecting;
    }
    return socket!;
  };

  const writes: Write[] = [];
  let phase: Phase = 'before';
  let writing = true;
  const tag = `${process.pid}-${Date.now().toString(36)}`;

  const postWriter = async (w: number) => {
    for (let n = 0; writing; n += 1) {
      const write: Write = { kind: 'post', body: `post ${tag} w${w} n${n}`, phase, issuedAt: Date.now() };
      writes.push(write);
      const result = await emit<Post>(await liveSocket(), 'post:create', { spaceId: space.id, bodyMarkdown: write.body });
      Object.assign(write, { outcome: result.outcome, id: result.data?.id, code: result.code });
      await sleep(5);
    }
  };
  const chatWriter = async (w: number) => {
    for (let n = 0; writing; n += 1) {
      const write: Write = { kind: 'chat', body: `chat ${tag} w${w} n${n}`, clientId: `rs-${tag}-${w}-${n}`, phase, issuedAt: Date.now() };
      writes.push(write);
      const result = await emit<Message>(await liveSocket(), 'chat:send', { conversationId: chat.id, clientId: write.clientId, bodyMarkdown: write.body });
      Object.assign(write, { outcome: result.outcome, id: result.data?.id, code: result.code });
      await sleep(5);
    }
  };
  const writers = [
    ...Array.from({ length: WRITERS_PER_KIND }, (_, w) => postWriter(w)),
    ...Array.from({ length: WRITERS_PER_KIND }, (_, w) => chatWriter(w)),
  ];

  // A steady stream first, then the restart in the middle of it.
  await sleep(2_000);
  phase = 'during';
  const restartStarted = Date.now();
  await postgres.restart();
  const restartDone = Date.now();
  let readyAt: number | undefined;
  while (Date.now() - restartDone < 15_000) {
    if ((await readyStatus(url)) === 200) {
      readyAt = Date.now();
      break;
    }
    await sleep(50);
  }
  phase = 'after';
  // Keep writing for a while after it is back.
  await sleep(3_000);
  writing = false;
  await Promise.all(writers);

  const count = (p: Phase, outcome: Outcome) => writes.filter((w) => w.phase === p && w.outcome === outcome).length;
  const figures = {
    restartMs: restartDone - restartStarted,
    readyAfterRestartMs: readyAt === undefined ? null : readyAt - restartDone,
    disconnects,
    acked: { before: count('before', 'ok'), during: count('during', 'ok'), after: count('after', 'ok') },
    errors: { before: count('before', 'error'), during: count('during', 'error'), after: count('after', 'error') },
    timeouts: { before: count('before', 'timeout'), during: count('during', 'timeout'), after: count('after', 'timeout') },
    errorCodes: [...new Set(writes.filter((w) => w.code).map((w) => w.code))],
  };
  console.log(`postgres restart: ${JSON.stringify(figures)}`);

  // Hearth stayed up and is ready again within 10 s of the restart.
  expect(readyAt).toBeDefined();
  expect(readyAt! - restartDone).toBeLessThan(10_000);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  // A write refused while the database was away says so (try again), never "something went wrong on our side".
  expect(figures.errorCodes.filter((code) => code !== 'unavailable')).toEqual([]);
  // Writes went through before, and go through again after: once it is ready, none fails.
  expect(figures.acked.before).toBeGreaterThan(0);
  expect(figures.acked.after).toBeGreaterThan(0);
  const settled = writes.filter((w) => w.issuedAt > readyAt! + 1_000);
  expect(settled.length).toBeGreaterThan(0);
  expect(settled.filter((w) => w.outcome !== 'ok')).toEqual([]);

  // Re-sending every message with its clientId answers the message already stored (or stores it now, once).
  const chats = writes.filter((w) => w.kind === 'chat');
  const s = await liveSocket();
  for (let i = 0; i < chats.length; i += 25) {
    await Promise.all(
      chats.slice(i, i + 25).map(async (write) => {
        const again = await emit<Message>(s, 'chat:send', { conversationId: chat.id, clientId: write.clientId, bodyMarkdown: write.body });
        expect({ clientId: write.clientId, outcome: again.outcome }).toEqual({ clientId: write.clientId, outcome: 'ok' });
        if (write.outcome === 'ok') expect(again.data!.id).toBe(write.id);
      }),
    );
  }

  // What the database holds, read directly from the private server.
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  let postRows: { body: string; n: number; ids: string[] }[];
  let messageRows: { body: string; client_id: string; n: number; ids: string[] }[];
  try {
    postRows = (
      await client.query<{ body: string; n: number; ids: string[] }>(
        'select body_markdown as body, count(*)::int as n, array_agg(id::text) as ids from posts where space_id = $1 group by body_markdown',
        [space.id],
      )
    ).rows;
    messageRows = (
      await client.query<{ body: string; client_id: string; n: number; ids: string[] }>(
        'select body_markdown as body, min(client_id) as client_id, count(*)::int as n, array_agg(id::text) as ids from messages where conversation_id = $1 group by body_markdown',
        [chat.id],
      )
    ).rows;
  } finally {
    await client.end();
  }
  const posts = new Map(postRows.map((r) => [r.body, r]));
  const messages = new Map(messageRows.map((r) => [r.body, r]));

  // Nothing is stored twice.
  expect(postRows.filter((r) => r.n !== 1)).toEqual([]);
  expect(messageRows.filter((r) => r.n !== 1)).toEqual([]);
  // Every acknowledged post is there once, with the id its ack named; a failed one at most once.
  for (const write of writes.filter((w) => w.kind === 'post')) {
    const row = posts.get(write.body);
    if (write.outcome === 'ok') expect({ body: write.body, ids: row?.ids }).toEqual({ body: write.body, ids: [write.id] });
    else expect(row?.n ?? 0).toBeLessThanOrEqual(1);
  }
  // Every message (acknowledged, failed and then re-sent) is there exactly once under its clientId.
  for (const write of chats) {
    const row = messages.get(write.body);
    expect({ body: write.body, n: row?.n, clientId: row?.client_id }).toEqual({ body: write.body, n: 1, clientId: write.clientId });
    if (write.outcome === 'ok') expect(row!.ids).toEqual([write.id]);
  }
  // And nothing is stored that the test did not write.
  expect(postRows.length).toBeLessThanOrEqual(writes.filter((w) => w.kind === 'post').length);
  expect(messageRows.length).toBe(chats.length);
});
