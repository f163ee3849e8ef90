import { sql } from 'drizzle-orm';
import type { Space } from '../shared/api/spaces.routes';
import type { Ack } from '../shared/protocol/errors';
import { openTestDatabase, type TestDatabase } from './support/database';
import { createMember, signIn, memberFromCookie, uniqueHandle, type Member } from './support/members';
import { connectSocket, startTestServer, type TestServer, type TestSocket } from './support/server';

// Issue #12, item 1: a live connection never outlives its session. Signing out deletes the
// session row before it disconnects the session's sockets; a handshake that raced it, or a
// socket the disconnect missed, is refused at its next step.
let testDb: TestDatabase;
let server: TestServer;
let host: Member;
let space: Space;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  host = await createMember(server.url, { handle: uniqueHandle('host') });
  space = (await host.call<Space>('POST', '/api/v1/spaces', { name: 'Allotment', slug: `allotment-${process.pid}`, visibility: 'public', joinPolicy: 'open' })).body;
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

const emit = (socket: TestSocket, event: string, payload: unknown) =>
  (socket.timeout(5_000).emitWithAck as (e: string, p: unknown) => Promise<Ack<unknown>>)(event, payload);

const disconnected = (socket: TestSocket, ms = 2_000) =>
  new Promise<boolean>((resolve) => {
    if (!socket.connected) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('disconnect', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

async function postCount(): Promise<number> {
  const rows = (await testDb.database.db.execute(sql`select count(*)::int as n from posts where space_id = ${space.id}`)) as unknown as { rows: { n: number }[] };
  return rows.rows[0]!.n;
}

test('when a socket’s session has ended but the disconnect missed it, then its next command is refused and the socket is cut', async () => {
  const member = await createMember(server.url, { handle: uniqueHandle('missed') });
  await member.call('POST', `/api/v1/spaces/${space.id}/join`);
  const socket = await member.connect();
  const before = await postCount();
  // The session row goes (as a sign-out on a node whose disconnect never reached this one).
  await testDb.database.db.execute(sql`delete from sessions where user_id = ${member.user.id}`);

  const answer = await emit(socket, 'post:create', { spaceId: space.id, bodyMarkdown: 'still here?' });

  expect(answer).toMatchObject({ error: { code: 'unauthorized' } });
  expect(await disconnected(socket)).toBe(true);
  expect(await postCount()).toBe(before);
  expect((await member.call('GET', '/api/v1/session')).body).toMatchObject({ user: null });
});

test('when handshakes race a sign-out, then not one socket of that session stays connected or can post', async () => {
  const member = await createMember(server.url, { handle: uniqueHandle('racer'), password: 'a long and unusual passphrase' });
  await member.call('POST', `/api/v1/spaces/${space.id}/join`);
  // A second session of the same member, whose sockets must not be touched.
  const other = await signIn(server.url, `${member.user.handle}@example.org`, member.password);
  const kept = await memberFromCookie(server.url, other.cookie!, member.password);
  const keptSocket = await kept.connect();
  const before = await postCount();

  const sockets: TestSocket[] = [];
  const attempts: Promise<void>[] = [];
  for (let i = 0; i < 40; i += 1) {
    attempts.push(
      connectSocket(server.url, { extraHeaders: { cookie: member.cookie } }).then(
        (socket) => void sockets.push(socket),
        () => undefined,
      ),
    );
    if (i === 20) attempts.push(member.call('POST', '/api/v1/auth/sign-out').then(() => undefined));
  }
  await Promise.all(attempts);
  await Promise.all(sockets.map((socket) => disconnected(socket, 1_000)));

  try {
    const stillConnected = sockets.filter((socket) => socket.connected);
    const posted = await Promise.all(stillConnected.map((socket) => emit(socket, 'post:create', { spaceId: space.id, bodyMarkdown: 'ghost' })));
    expect(posted.filter((answer) => 'data' in answer)).toEqual([]);
    expect(stillConnected).toEqual([]);
    expect(await postCount()).toBe(before);
    // The member's other session is untouched.
    expect(keptSocket.connected).toBe(true);
    expect(await emit(keptSocket, 'system:ping', { sentAt: 1 })).toMatchObject({ data: { sentAt: 1 } });
  } finally {
    for (const socket of sockets) socket.disconnect();
    keptSocket.disconnect();
  }
});
