import { sql } from 'drizzle-orm';
import type { Conversation, Message } from '../../../shared/api/chat.routes';
import type { ModerationCase } from '../../../shared/api/moderation.routes';
import type { Post, Space } from '../../../shared/api/spaces.routes';
import type { Ack } from '../../../shared/protocol/errors';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { nextEvent, startTestServer, watch, type TestServer, type TestSocket } from '../../../test/support/server';

// Reports and the live moderation queue: who hears of a case, one case per reported thing, taking
// and dismissing, and the append-only audit log.
let testDb: TestDatabase;
let server: TestServer;
let admin: Member;
let host: Member;
let spaceMod: Member;
let member: Member;
let otherHost: Member;
let space: Space;
const sockets: TestSocket[] = [];

async function connect(who: Member): Promise<TestSocket> {
  const socket = await who.connect();
  sockets.push(socket);
  return socket;
}

async function post(who: Member, spaceId: string, bodyMarkdown: string): Promise<Post> {
  const socket = await connect(who);
  const ack = await (socket.timeout(5_000).emitWithAck as (e: string, p: unknown) => Promise<Ack<Post>>)('post:create', { spaceId, bodyMarkdown });
  if ('error' in ack) throw new Error(JSON.stringify(ack.error));
  return ack.data;
}

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  admin = await createMember(server.url, { handle: uniqueHandle('admin') });
  [host, spaceMod, member, otherHost] = await Promise.all([
    createMember(server.url, { handle: uniqueHandle('host') }),
    createMember(server.url, { handle: uniqueHandle('mod') }),
    createMember(server.url, { handle: uniqueHandle('member') }),
    createMember(server.url, { handle: uniqueHandle('elsewhere') }),
  ]);
  space = (await host.call<Space>('POST', '/api/v1/spaces', { name: 'Garden', slug: `garden-${process.pid}`, visibility: 'private', joinPolicy: 'invite' })).body;
  for (const [who, role] of [
    [spaceMod, 'moderator'],
    [member, 'member'],
  ] as const) {
    await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: who.user.handle, role });
    await who.call('POST', `/api/v1/spaces/${space.id}/join`);
  }
  await otherHost.call('POST', '/api/v1/spaces', { name: 'Elsewhere', slug: `elsewhere-${process.pid}`, visibility: 'public', joinPolicy: 'open' });
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

describe('reports reach the right moderators live', () => {
  test('when a member reports a post, then the site admin, the space’s host and moderator get the case at once, and another space’s host and the author get nothing', async () => {
    const author = await createMember(server.url, { handle: uniqueHandle('author') });
    await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: author.user.handle });
    await author.call('POST', `/api/v1/spaces/${space.id}/join`);
    const reported = await post(author, space.id, 'Buy cheap watches at spam.example');
    const [adminSocket, hostSocket, modSocket, otherSocket, authorSocket] = await Promise.all([
      connect(admin),
      connect(host),
      connect(spaceMod),
      connect(otherHost),
      connect(author),
    ]);
    const heard = [adminSocket, hostSocket, modSocket].map((s) => nextEvent<ModerationCase>(s, 'moderation:case-opened', 5_000));
    const quiet = [otherSocket, authorSocket].map((s) => watch(s, 'moderation:case-opened'));

    const res = await member.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: reported.id, reason: 'spam', note: 'third time today' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ received: true });
    for (const got of await Promise.all(heard)) {
      expect(got).toMatchObject({
        targetKind: 'post',
        targetId: reported.id,
        spaceId: space.id,
        subject: { id: author.user.id },
        status: 'open',
        reasons: ['spam'],
        reportCount: 1,
        reports: [{ reason: 'spam', note: 'third time today' }],
        snapshot: { excerpt: 'Buy cheap watches at spam.example', link: `/p/${reported.id}` },
      });
      // Reporters are not named to moderators.
      expect(JSON.stringify(got)).not.toContain(member.user.id);
    }
    for (const silence of quiet) expect(await silence.after(300)).toEqual([]);

    // A second reporter adds to the same case; reporting again does not count twice.
    const updated = nextEvent<ModerationCase>(hostSocket, 'moderation:case-updated', 5_000);
    expect((await host.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: reported.id, reason: 'other' })).status).toBe(201);
    expect(await updated).toMatchObject({ reportCount: 2, reasons: ['other', 'spam'] });
    expect((await member.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: reported.id, reason: 'spam' })).status).toBe(201);
    const queue = await spaceMod.call<{ items: ModerationCase[]; openCount: number }>('GET', '/api/v1/moderation/cases');
    expect(queue.body.items.filter((c) => c.targetId === reported.id)).toEqual([expect.objectContaining({ reportCount: 2 })]);
    expect((await otherHost.call('GET', '/api/v1/moderation/cases')).status).toBe(200);
    expect((await otherHost.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases')).body.items).toEqual([]);
    expect((await member.call('GET', '/api/v1/moderation/cases')).status).toBe(403);
  });

  test('when a space’s host is reported, then only site moderators hear of it: not the host, not the space’s moderator', async () => {
    const hostPost = await post(host, space.id, 'A post by the host');
    const [adminSocket, hostSocket, modSocket] = await Promise.all([connect(admin), connect(host), connect(spaceMod)]);
    const atAdmin = nextEvent<ModerationCase>(adminSocket, 'moderation:case-opened', 5_000);
    const quiet = [hostSocket, modSocket].map((s) => watch(s, 'moderation:case-opened'));
    expect((await member.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: hostPost.id, reason: 'harassment' })).status).toBe(201);
    expect(await atAdmin).toMatchObject({ siteOnly: true, subject: { id: host.user.id } });
    for (const silence of quiet) expect(await silence.after(300)).toEqual([]);
    const modQueue = await spaceMod.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases');
    expect(modQueue.body.items.some((c) => c.targetId === hostPost.id)).toBe(false);
    // Reporting a member: site moderators only (no space).
    const atAdminAgain = nextEvent<ModerationCase>(adminSocket, 'moderation:case-opened', 5_000);
    expect((await member.call('POST', '/api/v1/reports', { targetKind: 'member', targetId: otherHost.user.id, reason: 'other', note: 'odd messages' })).status).toBe(201);
    expect(await atAdminAgain).toMatchObject({ targetKind: 'member', spaceId: null, snapshot: { link: `/u/${otherHost.user.handle}` } });
  });

  test('when someone reports what they cannot read, themselves, or nonsense, then it is refused and no case opens', async () => {
    const secret = await post(host, space.id, 'members only');
    expect((await otherHost.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: secret.id, reason: 'spam' })).status).toBe(404);
    const own = await post(member, space.id, 'my own words');
    expect((await member.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: own.id, reason: 'spam' })).status).toBe(409);
    expect((await member.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: own.id, reason: 'because' })).status).toBe(400);
    expect((await member.call('POST', '/api/v1/reports', { targetKind: 'comment', targetId: '00000000-0000-4000-8000-000000000000', reason: 'spam' })).status).toBe(404);
    const queue = await admin.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases');
    expect(queue.body.items.some((c) => c.targetId === secret.id || c.targetId === own.id)).toBe(false);
  });

  test('when a direct message is reported, then moderators see only its snapshot, never the conversation', async () => {
    const sender = await createMember(server.url, { handle: uniqueHandle('sender') });
    const dm = (await sender.call<Conversation>('POST', '/api/v1/chat/conversations', { handles: [member.user.handle] })).body;
    const socket = await connect(sender);
    const ack = await (socket.timeout(5_000).emitWithAck as (e: string, p: unknown) => Promise<Ack<Message>>)('chat:send', {
      conversationId: dm.id,
      clientId: `report-dm-${process.pid}`,
      bodyMarkdown: 'send me your password',
    });
    if ('error' in ack) throw new Error(JSON.stringify(ack.error));
    // Only a participant can report it.
    expect((await admin.call('POST', '/api/v1/reports', { targetKind: 'message', targetId: ack.data.id, reason: 'safeguarding' })).status).toBe(404);
    expect((await member.call('POST', '/api/v1/reports', { targetKind: 'message', targetId: ack.data.id, reason: 'safeguarding' })).status).toBe(201);
    const queue = await admin.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases');
    expect(queue.body.items.find((c) => c.targetId === ack.data.id)).toMatchObject({ snapshot: { excerpt: 'send me your password', link: null }, reasons: ['safeguarding'] });
    expect((await admin.call('GET', `/api/v1/chat/conversations/${dm.id}`)).status).toBe(404);
  });
});

describe('handling a case', () => {
  test('when two moderators act on one case, then the second sees who has it; dismissing closes it for everyone, and the audit log records both and cannot be changed', async () => {
    const spam = await post(member, space.id, 'not really spam');
    expect((await otherHost.call('POST', '/api/v1/reports', { targetKind: 'member', targetId: member.user.id, reason: 'spam' })).status).toBe(201);
    expect((await host.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: spam.id, reason: 'spam' })).status).toBe(201);
    const theCase = (await spaceMod.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases')).body.items.find((c) => c.targetId === spam.id)!;

    const hostSocket = await connect(host);
    const taken = nextEvent<ModerationCase>(hostSocket, 'moderation:case-updated', 5_000);
    expect((await spaceMod.call<ModerationCase>('POST', `/api/v1/moderation/cases/${theCase.id}/take`, {})).body.assignee?.id).toBe(spaceMod.user.id);
    expect((await taken).assignee?.id).toBe(spaceMod.user.id);
    const clash = await admin.call<{ code: string; detail?: string; title?: string }>('POST', `/api/v1/moderation/cases/${theCase.id}/take`, {});
    expect(clash.status).toBe(409);
    expect(JSON.stringify(clash.body)).toContain(`@${spaceMod.user.handle}`);
    // Outsiders to the queue (another space's host, a member) are refused.
    expect((await otherHost.call('POST', `/api/v1/moderation/cases/${theCase.id}/dismiss`, { reason: 'x' })).status).toBe(403);
    expect((await member.call('POST', `/api/v1/moderation/cases/${theCase.id}/dismiss`, { reason: 'x' })).status).toBe(403);

    const closed = nextEvent<ModerationCase>(hostSocket, 'moderation:case-updated', 5_000);
    const dismissed = await spaceMod.call<ModerationCase>('POST', `/api/v1/moderation/cases/${theCase.id}/dismiss`, { reason: 'A joke between friends' });
    expect(dismissed.body).toMatchObject({ status: 'closed', outcome: 'dismissed' });
    expect((await closed).status).toBe('closed');
    expect((await spaceMod.call('POST', `/api/v1/moderation/cases/${theCase.id}/dismiss`, { reason: 'again' })).status).toBe(409);

    const logged = await admin.call<{ items: { action: string; caseId: string; reason: string; actor: { id: string } }[] }>('GET', '/api/v1/moderation/log');
    expect(logged.body.items.filter((e) => e.caseId === theCase.id).map((e) => [e.action, e.actor.id, e.reason])).toEqual([
      ['dismiss', spaceMod.user.id, 'A joke between friends'],
      ['take', spaceMod.user.id, ''],
    ]);
    expect((await host.call('GET', '/api/v1/moderation/log')).status).toBe(403);
    const db = testDb.database.db;
    const refusal = (statement: Promise<unknown>) =>
      statement.then(
        () => 'changed',
        (error: { cause?: unknown }) => String(error.cause ?? error),
      );
    expect(await refusal(db.execute(sql`update moderation_log set reason = 'rewritten'`))).toMatch(/append-only/);
    expect(await refusal(db.execute(sql`delete from moderation_log`))).toMatch(/append-only/);
    expect(await refusal(db.execute(sql`truncate moderation_log`))).toMatch(/append-only/);
    // A new report of the same post opens a new case.
    expect((await host.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: spam.id, reason: 'spam' })).status).toBe(201);
    const open = (await spaceMod.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases')).body.items.filter((c) => c.targetId === spam.id);
    expect(open).toHaveLength(1);
    expect(open[0]!.id).not.toBe(theCase.id);
  });
});
