// Fault test (issue #12): a node killed with SIGKILL in the middle of a stream of writes loses no
// acknowledged write and duplicates none. The real server runs as a process of its own over a scratch
// PostgreSQL database; one member keeps several `post:create` and `chat:send` commands in flight, the
// process is killed about a second in, started again on the same database and port, and the rows are
// counted in the database. Chat sends retried with the same clientId after the restart yield one row each.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Ack } from '../shared/protocol/errors';
import { createScratchPostgres } from './support/database';
import { createMember, type Member } from './support/members';
import { connectSocket, freePort, type TestSocket } from './support/server';

jest.setTimeout(120_000);

/** Starts `server/main.ts` as one process of its own (no wrapper: SIGKILL must reach the server itself). */
async function startProcess(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: path.join(__dirname, '..'),
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      LOG_LEVEL: 'warn',
      SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
      SIGNUP_LIMIT_PER_HOUR: '1000000',
      POSTS_PER_MINUTE: '100000',
      CHAT_MESSAGES_PER_SECOND: '1000',
      CHAT_BURST: '10000',
      JOB_POLL_MS: '200',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited ${child.exitCode ?? child.signalCode}: ${stderr.slice(-2000)}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready: ${stderr.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const emit = <T>(socket: TestSocket, event: string, payload: unknown) =>
  (socket.timeout(5_000).emitWithAck as (e: string, p: unknown) => Promise<Ack<T>>)(event, payload);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sent {
  body: string;
  clientId?: string;
}

test('when a node is killed with SIGKILL under a stream of writes, then after a restart every acknowledged post and message is there exactly once, and retried sends are not duplicated', async () => {
  const scratch = await createScratchPostgres();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-kill-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { DATABASE_URL: scratch.url, DATA_DIR: dataDir };
  const tag = randomBytes(4).toString('hex');
  let running: ChildProcess | undefined;
  const sockets: TestSocket[] = [];
  const check = new pg.Client({ connectionString: scratch.url });
  let checkOpen = false;
  try {
    running = await startProcess(port, env);
    const member: Member = await createMember(url);
    const space = await member.call<{ id: string }>('POST', '/api/v1/spaces', {
      name: 'Under load',
      slug: `under-load-${tag}`,
      visibility: 'public',
      joinPolicy: 'open',
    });
    expect(space.status).toBe(201);
    const spaceId = space.body.id;
    const chat = await member.call<{ id: string }>('GET', `/api/v1/spaces/${spaceId}/chat`);
    expect(chat.status).toBe(200);
    const conversationId = chat.body.id;

    const socket = await connectSocket(url, { extraHeaders: { cookie: member.cookie } });
    sockets.push(socket);

    // Writers: several commands in flight at once, each body unique, every ack recorded.
    const ackedPosts = new Map<string, string>(); // body -> post id
    const ackedMessages = new Map<string, { id: string; body: string }>(); // clientId -> message
    const unackedMessages: Sent[] = [];
    let attempted = 0;
    let stop = false;
    const writer = async (lane: number) => {
      for (let i = 0; !stop && socket.connected; i += 1) {
        attempted += 1;
        if ((lane + i) % 2 === 0) {
          const body = `kill-load ${tag} post ${lane}-${i}`;
          const ack = await emit<{ id: string }>(socket, 'post:create', { spaceId, bodyMarkdown: body }).catch(() => undefined);
          if (ack && 'data' in ack) ackedPosts.set(body, ack.data.id);
        } else {
          const clientId = `kill-${tag}-${lane}-${i}`;
          const body = `kill-load ${tag} message ${lane}-${i}`;
          const ack = await emit<{ id: string }>(socket, 'chat:send', { conversationId, clientId, bodyMarkdown: body }).catch(() => undefined);
          if (ack && 'data' in ack) ackedMessages.set(clientId, { id: ack.data.id, body });
          else unackedMessages.push({ clientId, body });
        }
      }
    };
    const lanes = Array.from({ length: 8 }, (_, lane) => writer(lane));
    await sleep(1_000);
    const child = running;
    await kill9(child);
    running = undefined;
    const ackedAtKill = { posts: ackedPosts.size, messages: ackedMessages.size };
    await Promise.all(lanes);
    stop = true;
    socket.close();

    expect(ackedPosts.size).toBeGreaterThan(0);
    expect(ackedMessages.size).toBeGreaterThan(0);

    running = await startProcess(port, env);

    // Retry some sends with their clientIds: acknowledged ones, and ones whose ack never came.
    const acked = [...ackedMessages.entries()];
    const retries: Sent[] = [
      ...acked.slice(0, 3).map(([clientId, m]) => ({ clientId, body: m.body })),
      ...acked.slice(-3).map(([clientId, m]) => ({ clientId, body: m.body })),
      ...unackedMessages.slice(0, 5),
    ];
    const again = await connectSocket(url, { extraHeaders: { cookie: member.cookie } });
    sockets.push(again);
    for (const retry of retries) {
      const ack = await emit<{ id: string }>(again, 'chat:send', { conversationId, clientId: retry.clientId, bodyMarkdown: retry.body });
      expect(ack).toHaveProperty('data');
      const original = ackedMessages.get(retry.clientId!);
      if (original && 'data' in ack) expect(ack.data.id).toBe(original.id);
    }
    // Retry twice more at once: still one row per clientId.
    await Promise.all(
      retries.slice(0, 4).map((retry) => emit(again, 'chat:send', { conversationId, clientId: retry.clientId, bodyMarkdown: retry.body })),
    );
    again.close();

    await check.connect();
    checkOpen = true;
    const posts = (
      await check.query<{ id: string; body_markdown: string }>('select id, body_markdown from posts where space_id = $1 and body_markdown like $2', [
        spaceId,
        `kill-load ${tag} %`,
      ])
    ).rows;
    const messages = (
      await check.query<{ id: string; client_id: string; body_markdown: string }>(
        'select id, client_id, body_markdown from messages where conversation_id = $1 and (client_id like $2 or body_markdown like $3)',
        [conversationId, `kill-${tag}-%`, `kill-load ${tag} %`],
      )
    ).rows;

    const countBy = <T>(rows: T[], key: (row: T) => string) => {
      const counts = new Map<string, number>();
      for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1);
      return counts;
    };
    const postsByBody = countBy(posts, (p) => p.body_markdown);
    const messagesByBody = countBy(messages, (m) => m.body_markdown);
    const messagesByClientId = countBy(messages, (m) => m.client_id);
    const postIdByBody = new Map(posts.map((p) => [p.body_markdown, p.id]));
    const messageIdByClientId = new Map(messages.map((m) => [m.client_id, m.id]));

    // Every acknowledged write is there, once, under the id its ack gave.
    const missingPosts = [...ackedPosts].filter(([body, id]) => postsByBody.get(body) !== 1 || postIdByBody.get(body) !== id);
    const missingMessages = [...ackedMessages].filter(
      ([clientId, m]) => messagesByClientId.get(clientId) !== 1 || messageIdByClientId.get(clientId) !== m.id || messagesByBody.get(m.body) !== 1,
    );
    expect(missingPosts).toEqual([]);
    expect(missingMessages).toEqual([]);
    // Nothing is duplicated, acknowledged or not; each retried clientId is exactly one row.
    expect([...postsByBody].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...messagesByBody].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...messagesByClientId].filter(([, n]) => n !== 1)).toEqual([]);
    for (const retry of retries) expect(messagesByClientId.get(retry.clientId!)).toBe(1);

    process.stdout.write(
      `kill-under-load: ${attempted} writes attempted; acked at the kill ${ackedAtKill.posts} posts + ${ackedAtKill.messages} messages, ` +
        `acked in all ${ackedPosts.size} posts + ${ackedMessages.size} messages; unacked sends ${unackedMessages.length}; ` +
        `rows after restart ${posts.length} posts + ${messages.length} messages; ${retries.length} clientIds retried\n`,
    );
  } finally {
    for (const s of sockets) s.close();
    if (checkOpen) await check.end();
    if (running) await kill9(running);
    await scratch.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
