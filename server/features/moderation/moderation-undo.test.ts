import type { ModerationCase, ModerationNotice } from '../../../shared/api/moderation.routes';
import type { Post, Space } from '../../../shared/api/spaces.routes';
import type { Ack } from '../../../shared/protocol/errors';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { nextEvent, startTestServer, watch, type TestServer, type TestSocket } from '../../../test/support/server';

// The confirmation after "Do it" offers an undo (issue #13): the moderator who acted takes their
// action back right after it, over REST or the socket; the case is as it was, the member hears it
// was reversed, the log keeps both. Later, or for someone else's action, `reverse` remains.
let testDb: TestDatabase;
let server: TestServer;
let admin: Member;
let host: Member;
let spaceMod: Member;
let reader: Member;
let reporter: Member;
let outsider: Member;
let space: Space;
const sockets: TestSocket[] = [];

async function connect(who: Member): Promise<TestSocket> {
  const socket = await who.connect();
  sockets.push(socket);
  return socket;
}

async function emit<T>(socket: TestSocket, event: string, payload: unknown): Promise<Ack<T>> {
  return (socket.timeout(5_000).emitWithAck as (e: string, p: unknown) => Promise<Ack<T>>)(event, payload);
}

async function newAuthor(): Promise<Member> {
  const author = await createMember(server.url, { handle: uniqueHandle('author') });
  await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: author.user.handle });
  await author.call('POST', `/api/v1/spaces/${space.id}/join`);
  return author;
}

async function post(who: Member, bodyMarkdown: string): Promise<Post> {
  const ack = await emit<Post>(await connect(who), 'post:create', { spaceId: space.id, bodyMarkdown });
  if ('error' in ack) throw new Error(JSON.stringify(ack.error));
  return ack.data;
}

async function report(targetKind: string, targetId: string): Promise<ModerationCase> {
  expect((await reporter.call('POST', '/api/v1/reports', { targetKind, targetId, reason: 'harassment', note: '' })).status).toBe(201);
  const queue = await admin.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases');
  const found = queue.body.items.find((c) => c.targetId === targetId);
  if (!found) throw new Error('the case did not open');
  return found;
}

const act = (who: Member, caseId: string, body: Record<string, unknown>) => who.call<ModerationCase>('POST', `/api/v1/moderation/cases/${caseId}/actions`, body);
const undo = (who: Member, caseId: string) => who.call<ModerationCase & { code?: string }>('POST', `/api/v1/moderation/cases/${caseId}/undo`);
const logOf = async (caseId: string) =>
  (await admin.call<{ items: { action: string; caseId: string; actor: { id: string } | null; details: Record<string, unknown> }[] }>('GET', '/api/v1/moderation/log')).body.items.filter(
    (e) => e.caseId === caseId,
  );

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  admin = await createMember(server.url, { handle: uniqueHandle('admin') });
  [host, spaceMod, reader, reporter, outsider] = await Promise.all([
    createMember(server.url, { handle: uniqueHandle('host') }),
    createMember(server.url, { handle: uniqueHandle('mod') }),
    createMember(server.url, { handle: uniqueHandle('reader') }),
    createMember(server.url, { handle: uniqueHandle('reporter') }),
    createMember(server.url, { handle: uniqueHandle('outsider') }),
  ]);
  space = (await host.call<Space>('POST', '/api/v1/spaces', { name: 'Orchard', slug: `orchard-${process.pid}`, visibility: 'private', joinPolicy: 'invite' })).body;
  for (const [who, role] of [
    [spaceMod, 'moderator'],
    [reader, 'member'],
    [reporter, 'member'],
  ] as const) {
    await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: who.user.handle, role });
    await who.call('POST', `/api/v1/spaces/${space.id}/join`);
  }
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

describe('undoing a moderator’s action', () => {
  test('when a host hides a post and undoes it, then a second member sees it again live, the case is back in the queue, the author is told, and the log records both', async () => {
    const author = await newAuthor();
    const bad = await post(author, 'Apples are **overrated**');
    const theCase = await report('post', bad.id);
    const [readerSocket, authorSocket, outsiderSocket] = await Promise.all([connect(reader), connect(author), connect(outsider)]);
    expect((await act(host, theCase.id, { action: 'hide', reason: 'Rude' })).body).toMatchObject({ status: 'closed', outcome: 'hidden', contentHidden: true });

    const shownLive = nextEvent<{ post: Post }>(readerSocket, 'post:updated', 5_000);
    const reversedNotice = nextEvent<ModerationNotice>(authorSocket, 'moderation:notice', 5_000);
    const leaked = watch(outsiderSocket, 'post:updated');

    const undone = await undo(host, theCase.id);

    expect(undone.status).toBe(200);
    expect(undone.body).toMatchObject({ id: theCase.id, status: 'open', outcome: null, contentHidden: false });
    expect((await shownLive).post).toMatchObject({ id: bad.id, hidden: false, bodyMarkdown: 'Apples are **overrated**' });
    expect((await reversedNotice).text).toContain('reversed their decision about your post in Orchard');
    expect(await leaked.after(300)).toEqual([]);
    const queue = await host.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases');
    expect(queue.body.items.find((c) => c.id === theCase.id)).toMatchObject({ status: 'open' });
    expect((await logOf(theCase.id)).map((e) => [e.action, e.actor?.id])).toEqual([
      ['undo', host.user.id],
      ['hide', host.user.id],
    ]);
    expect((await logOf(theCase.id))[0]!.details).toMatchObject({ undone: 'hide' });
    // Undone once: there is nothing left to undo.
    expect((await undo(host, theCase.id)).status).toBe(409);
  });

  test('when a non-moderator or another moderator tries to undo, then it is refused and the post stays hidden', async () => {
    const author = await newAuthor();
    const bad = await post(author, 'Pears are for people with no taste');
    const theCase = await report('post', bad.id);
    await act(host, theCase.id, { action: 'hide', reason: 'Rude' });

    expect((await undo(outsider, theCase.id)).status).toBe(403);
    expect((await undo(reader, theCase.id)).status).toBe(403);
    expect((await undo(author, theCase.id)).status).toBe(403);
    const byOther = await undo(spaceMod, theCase.id);
    expect(byOther.status).toBe(403);
    expect((await host.call<{ items: Post[] }>('GET', `/api/v1/spaces/${space.id}/posts`)).body.items.find((p) => p.id === bad.id)).toMatchObject({ hidden: true });
    expect((await logOf(theCase.id)).map((e) => e.action)).toEqual(['hide']);
  });

  test('when a moderator mutes a member and undoes it over the socket, then the member can post again; a deletion offers no undo', async () => {
    const author = await newAuthor();
    const first = await post(author, 'Plums!');
    const theCase = await report('post', first.id);
    expect((await act(spaceMod, theCase.id, { action: 'mute', reason: 'Cool down', hours: 2 })).status).toBe(200);
    const muted = await emit<Post>(await connect(author), 'post:create', { spaceId: space.id, bodyMarkdown: 'still here' });
    expect('error' in muted && muted.error.code).toBe('muted');

    const modSocket = await connect(spaceMod);
    const refused = await emit(await connect(outsider), 'moderation:undo', { caseId: theCase.id });
    expect('error' in refused && refused.error.code).toBe('forbidden');
    const bad = await emit(modSocket, 'moderation:undo', { caseId: 'not-a-uuid' });
    expect('error' in bad && bad.error.code).toBe('validation_failed');
    const undone = await emit<ModerationCase>(modSocket, 'moderation:undo', { caseId: theCase.id });
    expect(undone).toMatchObject({ data: { id: theCase.id, status: 'open' } });
    const again = await emit<Post>(await connect(author), 'post:create', { spaceId: space.id, bodyMarkdown: 'back again' });
    expect('data' in again).toBe(true);

    const deleted = await report('post', (await post(author, 'Quinces')).id);
    expect((await act(spaceMod, deleted.id, { action: 'delete', reason: 'Spam' })).status).toBe(200);
    expect((await undo(spaceMod, deleted.id)).status).toBe(409);
  });

  test('when a case is undone and closed again, then the reporter is told the outcome only once', async () => {
    const author = await newAuthor();
    const bad = await post(author, 'Cherries are a scam');
    const theCase = await report('post', bad.id);
    await act(host, theCase.id, { action: 'hide', reason: 'Rude' });
    await undo(host, theCase.id);
    await host.call('POST', `/api/v1/moderation/cases/${theCase.id}/dismiss`, { reason: 'Fine after all' });

    const told = (await reporter.call<{ items: ModerationNotice[] }>('GET', '/api/v1/moderation/notices')).body.items.filter((n) => n.caseId === theCase.id);
    expect(told.map((n) => n.kind)).toEqual(['report_outcome']);
  });
});
