import { sql } from 'drizzle-orm';
import type { Message, Conversation } from '../../../shared/api/chat.routes';
import type { ModerationCase, ModerationNotice } from '../../../shared/api/moderation.routes';
import type { Comment, Post, Space } from '../../../shared/api/spaces.routes';
import type { Ack } from '../../../shared/protocol/errors';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createMember, signIn, uniqueHandle, type Member } from '../../../test/support/members';
import { nextEvent, startTestServer, watch, type TestServer, type TestSocket } from '../../../test/support/server';

// Moderators' actions and what follows them: the effect on every screen, the notices to the member
// acted on and to the reporters, appeals, the audit log, the word list, safeguarding contacts and
// escalation. Who may see a case is tested in moderation.test.ts.
let testDb: TestDatabase;
let server: TestServer;
let admin: Member;
let host: Member;
let spaceMod: Member;
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

async function post(who: Member, bodyMarkdown: string): Promise<Post> {
  const socket = await connect(who);
  const ack = await emit<Post>(socket, 'post:create', { spaceId: space.id, bodyMarkdown });
  if ('error' in ack) throw new Error(JSON.stringify(ack.error));
  return ack.data;
}

/** A new member of the space (the one the moderators act on). */
async function newAuthor(): Promise<Member> {
  const author = await createMember(server.url, { handle: uniqueHandle('author') });
  await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: author.user.handle });
  await author.call('POST', `/api/v1/spaces/${space.id}/join`);
  return author;
}

/** Reports and waits for the case to reach the host's queue. */
async function report(targetKind: string, targetId: string, reason = 'harassment', by = reporter): Promise<ModerationCase> {
  const res = await by.call('POST', '/api/v1/reports', { targetKind, targetId, reason, note: 'please look' });
  expect(res.status).toBe(201);
  const queue = await admin.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases');
  const found = queue.body.items.find((c) => c.targetId === targetId);
  if (!found) throw new Error('the case did not open');
  return found;
}

const act = (who: Member, caseId: string, body: Record<string, unknown>) => who.call<ModerationCase>('POST', `/api/v1/moderation/cases/${caseId}/actions`, body);

const notices = async (who: Member) => (await who.call<{ items: ModerationNotice[]; unread: number }>('GET', '/api/v1/moderation/notices')).body;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  admin = await createMember(server.url, { handle: uniqueHandle('admin') });
  [host, spaceMod, reporter, outsider] = await Promise.all([
    createMember(server.url, { handle: uniqueHandle('host') }),
    createMember(server.url, { handle: uniqueHandle('mod') }),
    createMember(server.url, { handle: uniqueHandle('reporter') }),
    createMember(server.url, { handle: uniqueHandle('outsider') }),
  ]);
  space = (await host.call<Space>('POST', '/api/v1/spaces', { name: 'Allotment', slug: `allotment-${process.pid}`, visibility: 'private', joinPolicy: 'invite' })).body;
  for (const [who, role] of [
    [spaceMod, 'moderator'],
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

describe('content actions', () => {
  test('when a host hides a reported post, then it disappears live for a connected reader, the author and the reporter are told, the log records it, and reversing brings it back', async () => {
    const author = await newAuthor();
    const bad = await post(author, 'You are all idiots');
    const theCase = await report('post', bad.id);
    const [readerSocket, authorSocket, reporterSocket] = await Promise.all([connect(spaceMod), connect(author), connect(reporter)]);

    // A member who moderates nothing is refused, and nothing changes.
    const refused = await act(outsider, theCase.id, { action: 'hide', reason: 'no' });
    expect(refused.status).toBe(403);
    expect((await reporter.call('POST', `/api/v1/moderation/cases/${theCase.id}/actions`, { action: 'hide', reason: 'no' })).status).toBe(403);
    expect((await host.call<{ items: Post[] }>('GET', `/api/v1/spaces/${space.id}/posts`)).body.items.find((p) => p.id === bad.id)).toMatchObject({ hidden: false });

    const hiddenLive = nextEvent<{ post: Post }>(readerSocket, 'post:updated', 5_000);
    const authorNotice = nextEvent<ModerationNotice>(authorSocket, 'moderation:notice', 5_000);
    const reporterNotice = nextEvent<ModerationNotice>(reporterSocket, 'moderation:notice', 5_000);
    const acted = await act(host, theCase.id, { action: 'hide', reason: 'Insults break guideline 2' });
    expect(acted.status).toBe(200);
    expect(acted.body).toMatchObject({ status: 'closed', outcome: 'hidden', contentHidden: true });
    expect((await hiddenLive).post).toMatchObject({ id: bad.id, hidden: true, bodyMarkdown: '', bodyHtml: '' });
    const toAuthor = await authorNotice;
    expect(toAuthor).toMatchObject({ kind: 'action', caseId: theCase.id, canAppeal: true });
    expect(toAuthor.text).toContain('hid your post in Allotment');
    expect(toAuthor.text).toContain('Insults break guideline 2');
    const toReporter = await reporterNotice;
    expect(toReporter).toMatchObject({ kind: 'report_outcome', canAppeal: false });
    expect(toReporter.text).toContain('took action');
    // The reporter hears the outcome, not the details.
    expect(toReporter.text).not.toContain('guideline 2');
    // A reload shows what the live event showed, and search no longer finds it.
    expect((await reporter.call<{ items: Post[] }>('GET', `/api/v1/spaces/${space.id}/posts`)).body.items.find((p) => p.id === bad.id)).toMatchObject({ hidden: true, bodyMarkdown: '' });
    const edit = await emit<Post>(await connect(author), 'post:update', { postId: bad.id, bodyMarkdown: 'sorry' });
    expect('error' in edit && edit.error.code).toBe('conflict');

    const log = await admin.call<{ items: { action: string; caseId: string; reason: string; actor: { id: string } | null }[] }>('GET', '/api/v1/moderation/log');
    expect(log.body.items.find((e) => e.caseId === theCase.id && e.action === 'hide')).toMatchObject({ actor: { id: host.user.id }, reason: 'Insults break guideline 2' });

    const shownLive = nextEvent<{ post: Post }>(readerSocket, 'post:updated', 5_000);
    const reversed = await act(spaceMod, theCase.id, { action: 'reverse', reason: 'Context: a quote from a film' });
    expect(reversed.body).toMatchObject({ outcome: 'reversed', contentHidden: false });
    expect((await shownLive).post).toMatchObject({ id: bad.id, hidden: false, bodyMarkdown: 'You are all idiots' });
    expect((await act(spaceMod, theCase.id, { action: 'reverse', reason: 'again' })).status).toBe(409);
  });

  test('when a moderator deletes a reported comment and a chat message, then they become tombstones live, and a deletion cannot be reversed', async () => {
    const author = await newAuthor();
    const parent = await post(reporter, 'What shall we plant?');
    const authorSocket = await connect(author);
    const commentAck = await emit<Comment>(authorSocket, 'comment:create', { postId: parent.id, bodyMarkdown: 'Nothing, you fool' });
    if ('error' in commentAck) throw new Error(JSON.stringify(commentAck.error));
    const chat = (await author.call<Conversation>('GET', `/api/v1/spaces/${space.id}/chat`)).body;
    const messageAck = await emit<Message>(authorSocket, 'chat:send', { conversationId: chat.id, clientId: `c-${Date.now()}`, bodyMarkdown: 'Buy followers cheap' });
    if ('error' in messageAck) throw new Error(JSON.stringify(messageAck.error));

    const viewer = await connect(reporter);
    const commentCase = await report('comment', commentAck.data.id);
    const commentGone = nextEvent<{ comment: Comment }>(viewer, 'comment:deleted', 5_000);
    expect((await act(spaceMod, commentCase.id, { action: 'delete', reason: 'Insult' })).body).toMatchObject({ outcome: 'deleted', contentDeleted: true });
    expect((await commentGone).comment).toMatchObject({ id: commentAck.data.id, deleted: true, bodyMarkdown: '' });
    expect((await act(spaceMod, commentCase.id, { action: 'reverse', reason: 'oops' })).status).toBe(409);

    const messageCase = await report('message', messageAck.data.id, 'spam');
    const messageHidden = nextEvent<{ message: Message }>(viewer, 'chat:message-updated', 5_000);
    expect((await act(host, messageCase.id, { action: 'hide', reason: 'Spam' })).status).toBe(200);
    expect((await messageHidden).message).toMatchObject({ id: messageAck.data.id, hidden: true, bodyMarkdown: '' });
    // Hiding what is hidden already is a conflict, and changes nothing.
    const again = await report('message', messageAck.data.id, 'spam', host);
    expect((await act(spaceMod, again.id, { action: 'hide', reason: 'Spam' })).status).toBe(409);
  });
});

describe('actions on members', () => {
  test('when a member is warned and then muted, then they are told why, cannot post, comment or chat in the space until the mute is lifted, and can still read', async () => {
    const author = await newAuthor();
    const bad = await post(author, 'Shouting in all caps');
    const authorSocket = await connect(author);
    const first = await report('post', bad.id, 'off_topic');
    const warned = nextEvent<ModerationNotice>(authorSocket, 'moderation:notice', 5_000);
    expect((await act(host, first.id, { action: 'warn', reason: 'Please keep it friendly' })).body).toMatchObject({ outcome: 'warned' });
    expect((await warned).text).toContain('warning you about your post in Allotment');

    const second = await report('post', bad.id, 'harassment', spaceMod);
    const muteChanged = nextEvent<{ spaceId: string; membership: { mutedUntil: string | null } }>(authorSocket, 'space:membership-changed', 5_000);
    const mute = await act(host, second.id, { action: 'mute', reason: 'Second time today', hours: 24 });
    expect(mute.body).toMatchObject({ outcome: 'muted' });
    const until = (await muteChanged).membership.mutedUntil;
    expect(new Date(until!).getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);

    const postAck = await emit<Post>(authorSocket, 'post:create', { spaceId: space.id, bodyMarkdown: 'Am I muted?' });
    expect('error' in postAck && postAck.error.code).toBe('muted');
    const commentAck = await emit<Comment>(authorSocket, 'comment:create', { postId: bad.id, bodyMarkdown: 'And now?' });
    expect('error' in commentAck && commentAck.error.code).toBe('muted');
    const chat = (await author.call<Conversation>('GET', `/api/v1/spaces/${space.id}/chat`)).body;
    const chatAck = await emit<Message>(authorSocket, 'chat:send', { conversationId: chat.id, clientId: `m-${Date.now()}`, bodyMarkdown: 'Hello?' });
    expect('error' in chatAck && chatAck.error.code).toBe('muted');
    // Reading is still allowed, and the space says until when.
    const seen = await author.call<Space>('GET', `/api/v1/spaces/${space.slug}`);
    expect(seen.body.membership?.mutedUntil).toBe(until);

    const lifted = nextEvent<{ membership: { mutedUntil: string | null } }>(authorSocket, 'space:membership-changed', 5_000);
    expect((await act(host, second.id, { action: 'reverse', reason: 'Apologised' })).status).toBe(200);
    expect((await lifted).membership.mutedUntil).toBeNull();
    const after = await emit<Post>(authorSocket, 'post:create', { spaceId: space.id, bodyMarkdown: 'Thanks, sorry.' });
    expect('data' in after).toBe(true);
  });

  test('when a member is removed from the space, then their sockets stop receiving it at once; reversing restores them', async () => {
    const author = await newAuthor();
    const bad = await post(author, 'Off to another group, bye losers');
    const authorSocket = await connect(author);
    const theCase = await report('post', bad.id);
    const removed = nextEvent<{ spaceId: string; membership: unknown }>(authorSocket, 'space:membership-changed', 5_000);
    expect((await act(spaceMod, theCase.id, { action: 'remove', reason: 'Repeated insults' })).body).toMatchObject({ outcome: 'removed' });
    expect(await removed).toEqual({ spaceId: space.id, membership: null });
    const silence = watch(authorSocket, 'post:created');
    await post(reporter, 'Members only from now on');
    expect(await silence.after(300)).toEqual([]);
    expect((await author.call('GET', `/api/v1/spaces/${space.id}/posts`)).status).toBe(404);

    // Suspension and bans are for site moderators: a space moderator is refused.
    const again = await report('member', author.user.id, 'harassment', host);
    expect((await act(spaceMod, again.id, { action: 'suspend', reason: 'x', hours: 1 })).status).toBe(403);

    const restored = nextEvent<{ membership: { role: string } | null }>(authorSocket, 'space:membership-changed', 5_000);
    expect((await act(host, theCase.id, { action: 'reverse', reason: 'Misunderstanding' })).status).toBe(200);
    expect((await restored).membership).toMatchObject({ role: 'member' });
  });

  test('when a site moderator suspends a member, then every socket of theirs is cut within a second, reconnecting and signing in are refused, and they are emailed why', async () => {
    const author = await newAuthor();
    const theCase = await report('member', author.user.id, 'harassment');
    const [a, b] = [await connect(author), await connect(author)];
    const ended = nextEvent<{ reason: string }>(a, 'session:ended', 5_000);
    const cut = Promise.all([a, b].map((s) => new Promise<void>((resolve) => s.once('disconnect', () => resolve()))));
    const started = Date.now();
    // The welcome email and this one go to the outbox: count the moderation ones.
    expect((await act(admin, theCase.id, { action: 'suspend', reason: 'Threats to another member', hours: 48 })).body).toMatchObject({ outcome: 'suspended' });
    await cut;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await ended).toEqual({ reason: 'suspended' });
    expect(await author.connect().then(() => 'connected', (e: Error) => e.message)).not.toBe('connected');
    expect((await signIn(server.url, author.user.email!, author.password)).body).toMatchObject({ code: 'account_suspended' });
    const emails = await testDb.database.db.execute(sql`select to_address, subject, text_body from emails where kind = 'moderation' and user_id = ${author.user.id}`);
    const rows = (emails as unknown as { rows: { to_address: string; text_body: string }[] }).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.to_address).toBe(author.user.email);
    expect(rows[0]!.text_body).toContain('Threats to another member');
  });

  test('when a site moderator bans a member, then their sockets are cut and they cannot come back until an admin reinstates them', async () => {
    const author = await newAuthor();
    const theCase = await report('member', author.user.id, 'illegal');
    const socket = await connect(author);
    const ended = nextEvent<{ reason: string }>(socket, 'session:ended', 5_000);
    expect((await act(admin, theCase.id, { action: 'ban', reason: 'Illegal content' })).body).toMatchObject({ outcome: 'banned' });
    expect(await ended).toEqual({ reason: 'banned' });
    expect((await signIn(server.url, author.user.email!, author.password)).body).toMatchObject({ code: 'account_banned' });
    expect((await admin.call('PATCH', `/api/v1/admin/users/${author.user.id}`, { status: 'active' })).status).toBe(200);
    expect((await signIn(server.url, author.user.email!, author.password)).status).toBe(200);
  });
});

describe('appeals', () => {
  test('when the member acted on appeals, then the case returns to the queue live with the appeal, they may appeal only once, and upholding it reverses the action', async () => {
    const author = await newAuthor();
    const bad = await post(author, 'A picture of my neighbour’s car');
    const theCase = await report('post', bad.id, 'other');
    await act(host, theCase.id, { action: 'hide', reason: 'Privacy of a third person' });
    const notice = (await notices(author)).items.find((n) => n.caseId === theCase.id && n.kind === 'action')!;
    expect(notice.canAppeal).toBe(true);

    const hostSocket = await connect(host);
    const back = nextEvent<ModerationCase>(hostSocket, 'moderation:case-opened', 5_000);
    const appealed = await author.call<ModerationNotice>('POST', `/api/v1/moderation/notices/${notice.id}/appeal`, { text: 'It is my own car, with my permission.' });
    expect(appealed.status).toBe(200);
    expect(appealed.body).toMatchObject({ canAppeal: false });
    expect(await back).toMatchObject({ id: theCase.id, status: 'open', appeal: { text: 'It is my own car, with my permission.' } });
    expect((await author.call('POST', `/api/v1/moderation/notices/${notice.id}/appeal`, { text: 'again' })).status).toBe(409);
    // Someone else's notice does not exist for them.
    expect((await reporter.call('POST', `/api/v1/moderation/notices/${notice.id}/appeal`, { text: 'me too' })).status).toBe(404);

    const authorSocket = await connect(author);
    const answer = nextEvent<ModerationNotice>(authorSocket, 'moderation:notice', 5_000);
    expect((await act(host, theCase.id, { action: 'reverse', reason: 'Fair enough' })).status).toBe(200);
    expect(await answer).toMatchObject({ kind: 'appeal_outcome' });
    expect((await host.call<{ items: Post[] }>('GET', `/api/v1/spaces/${space.id}/posts`)).body.items.find((p) => p.id === bad.id)).toMatchObject({ hidden: false });
    const mine = await notices(author);
    expect(mine.items.filter((n) => n.caseId === theCase.id).every((n) => !n.canAppeal)).toBe(true);
    expect(mine.unread).toBeGreaterThan(0);
    expect((await author.call<{ unread: number }>('POST', '/api/v1/moderation/notices/read')).body).toEqual({ unread: 0 });
    expect((await notices(author)).unread).toBe(0);
  });

  test('when a moderator rejects an appeal, then the action stands and the member is told', async () => {
    const author = await newAuthor();
    const bad = await post(author, 'Rude again');
    const theCase = await report('post', bad.id);
    await act(host, theCase.id, { action: 'hide', reason: 'Rude' });
    const notice = (await notices(author)).items.find((n) => n.caseId === theCase.id && n.kind === 'action')!;
    await author.call('POST', `/api/v1/moderation/notices/${notice.id}/appeal`, { text: 'It was a joke' });
    const rejected = await host.call<ModerationCase>('POST', `/api/v1/moderation/cases/${theCase.id}/dismiss`, { reason: 'Still rude' });
    expect(rejected.body).toMatchObject({ status: 'closed', outcome: 'appeal_rejected', contentHidden: true });
    const answer = (await notices(author)).items.find((n) => n.kind === 'appeal_outcome' && n.caseId === theCase.id);
    expect(answer?.text).toContain('kept their decision');
  });
});

describe('word list, safeguarding contacts, help and escalation', () => {
  test('when an admin lists a word, then a post or message with it opens a case for the moderators by itself; with automatic hiding on, it is hidden too', async () => {
    expect((await host.call('PATCH', '/api/v1/admin/moderation', { wordList: ['scam'] })).status).toBe(403);
    const set = await admin.call<{ wordList: string[] }>('PATCH', '/api/v1/admin/moderation', { wordList: ['Crypto Doubler', 'scam'], autoHide: false });
    expect(set.body.wordList).toEqual(['crypto doubler', 'scam']);
    const hostSocket = await connect(host);
    const author = await newAuthor();
    const opened = nextEvent<ModerationCase>(hostSocket, 'moderation:case-opened', 5_000);
    const flagged = await post(author, 'Try the CRYPTO   doubler today!');
    await server.app.settle();
    expect(await opened).toMatchObject({ targetId: flagged.id, reports: [{ automatic: true, note: expect.stringContaining('CRYPTO') }], contentHidden: false });
    // Whole words only: "scampi" is fine.
    const quiet = watch(hostSocket, 'moderation:case-opened');
    await post(author, 'Scampi for dinner');
    await server.app.settle();
    expect(await quiet.after(200)).toEqual([]);

    await admin.call('PATCH', '/api/v1/admin/moderation', { autoHide: true });
    const viewer = await connect(reporter);
    const hidden = nextEvent<{ post: Post }>(viewer, 'post:updated', 5_000);
    const second = await post(author, 'This is not a scam, honest');
    await server.app.settle();
    expect((await hidden).post).toMatchObject({ id: second.id, hidden: true });
    const authorNotices = await notices(author);
    expect(authorNotices.items[0]).toMatchObject({ kind: 'action', canAppeal: false });
    // Within the guidelines after all: dismissing the case shows the post again, live.
    const autoCase = (await admin.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases')).body.items.find((c) => c.targetId === second.id)!;
    expect(autoCase).toMatchObject({ contentHidden: true, status: 'open' });
    const shown = nextEvent<{ post: Post }>(viewer, 'post:updated', 5_000);
    expect((await host.call<ModerationCase>('POST', `/api/v1/moderation/cases/${autoCase.id}/dismiss`, { reason: 'Harmless' })).body).toMatchObject({ outcome: 'dismissed', contentHidden: false });
    expect((await shown).post).toMatchObject({ id: second.id, hidden: false });
    // And a moderator's hide of an automatically hidden post confirms it.
    const third = await post(author, 'Another scam offer');
    await server.app.settle();
    const thirdCase = (await admin.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases')).body.items.find((c) => c.targetId === third.id)!;
    expect((await act(host, thirdCase.id, { action: 'hide', reason: 'Spam' })).body).toMatchObject({ status: 'closed', outcome: 'hidden', contentHidden: true });
    await admin.call('PATCH', '/api/v1/admin/moderation', { wordList: [], autoHide: false });
  });

  test('when a safeguarding concern is reported, then the named safeguarding contacts hear of it too, and "Need help?" shows them to every member', async () => {
    const contact = await createMember(server.url, { handle: uniqueHandle('contact') });
    expect((await admin.call('PATCH', '/api/v1/admin/moderation', { safeguardingContactHandles: ['nobody_here_at_all'] })).status).toBe(400);
    await admin.call('PATCH', '/api/v1/admin/moderation', { safeguardingContactHandles: [contact.user.handle], helpMarkdown: 'Call **Sam** on 0123' });
    const help = await reporter.call<{ helpHtml: string; contacts: { handle: string }[] }>('GET', '/api/v1/help');
    expect(help.body.helpHtml).toContain('<strong>Sam</strong>');
    expect(help.body.contacts.map((c) => c.handle)).toEqual([contact.user.handle]);

    const author = await newAuthor();
    const worrying = await post(author, 'I do not want to be here any more');
    const [contactSocket, outsiderSocket] = await Promise.all([connect(contact), connect(outsider)]);
    const heard = nextEvent<ModerationCase>(contactSocket, 'moderation:case-opened', 5_000);
    const quiet = watch(outsiderSocket, 'moderation:case-opened');
    await reporter.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: worrying.id, reason: 'safeguarding', note: 'worried' });
    expect(await heard).toMatchObject({ targetId: worrying.id, safeguarding: true });
    expect(await quiet.after(200)).toEqual([]);
    const queue = await contact.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases');
    expect(queue.body.items.map((c) => c.targetId)).toEqual([worrying.id]);
    // A contact who moderates nothing may take the case but not act on it.
    const theCase = queue.body.items[0]!;
    expect((await contact.call('POST', `/api/v1/moderation/cases/${theCase.id}/take`, {})).status).toBe(200);
    expect((await act(contact, theCase.id, { action: 'hide', reason: 'x' })).status).toBe(403);
    await admin.call('PATCH', '/api/v1/admin/moderation', { safeguardingContactHandles: [] });
  });

  test('when a case waits past the admins’ limit, then it is escalated to the site moderators live and by email, once', async () => {
    await admin.call('PATCH', '/api/v1/admin/moderation', { escalateAfterMinutes: 30 });
    const author = await newAuthor();
    const ignored = await post(author, 'Nobody looks at this');
    const theCase = await report('post', ignored.id, 'spam');
    const adminSocket = await connect(admin);
    expect(await server.app.escalateModeration(new Date(Date.now() + 10 * 60_000))).toBe(0);
    const updates = watch<ModerationCase>(adminSocket, 'moderation:case-updated');
    // Earlier tests left cases open too: they are escalated alongside.
    expect(await server.app.escalateModeration(new Date(Date.now() + 31 * 60_000))).toBeGreaterThanOrEqual(1);
    expect((await updates.after(300)).find((c) => c.id === theCase.id)).toMatchObject({ escalated: true });
    expect(await server.app.escalateModeration(new Date(Date.now() + 62 * 60_000))).toBe(0);
    const emails = await testDb.database.db.execute(sql`select subject from emails where kind = 'moderation' and user_id = ${admin.user.id}`);
    expect((emails as unknown as { rows: { subject: string }[] }).rows.map((r) => r.subject)).toEqual([expect.stringContaining('waiting for a moderator')]);
    await admin.call('PATCH', '/api/v1/admin/moderation', { escalateAfterMinutes: 60 });
  });

  test('when an admin exports the log, then every action is there as CSV; others are refused', async () => {
    const res = await fetch(`${server.url}/api/v1/moderation/log/export`, { headers: { cookie: admin.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const csv = await res.text();
    const [header, ...lines] = csv.trim().split('\r\n');
    expect(header).toBe('id,at,actor,action,case_id,target_kind,target_id,subject,space_id,reason,details');
    expect(lines.some((l) => l.includes(',hide,') && l.includes(host.user.handle))).toBe(true);
    expect(lines.some((l) => l.includes(',settings,'))).toBe(true);
    expect((await spaceMod.call('GET', '/api/v1/moderation/log/export')).status).toBe(403);
  });

  test('when a member who moderates nothing tries any action, then each is refused with 403 and the case and the content stay as they were; every action taken so far is in the log', async () => {
    const author = await newAuthor();
    const target = await post(author, 'Still here');
    const theCase = await report('post', target.id, 'spam');
    for (const action of ['hide', 'delete', 'warn', 'mute', 'remove', 'suspend', 'ban', 'reverse']) {
      expect((await act(outsider, theCase.id, { action, reason: 'no right', hours: 1 })).status).toBe(403);
    }
    expect((await outsider.call('POST', `/api/v1/moderation/cases/${theCase.id}/dismiss`, { reason: 'no right' })).status).toBe(403);
    expect((await outsider.call('POST', `/api/v1/moderation/cases/${theCase.id}/take`, {})).status).toBe(403);
    const still = (await admin.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases')).body.items.find((c) => c.id === theCase.id);
    expect(still).toMatchObject({ status: 'open', assignee: null, contentHidden: false, contentDeleted: false });
    expect((await author.call<{ post: Post }>('GET', `/api/v1/posts/${target.id}`)).body.post).toMatchObject({ hidden: false, deleted: false });

    const logged = new Set<string>();
    let before: number | null | undefined;
    do {
      const page = await admin.call<{ items: { action: string }[]; nextBefore: number | null }>('GET', `/api/v1/moderation/log${before ? `?before=${before}` : ''}`);
      for (const entry of page.body.items) logged.add(entry.action);
      before = page.body.nextBefore;
    } while (before);
    for (const action of ['take', 'hide', 'delete', 'warn', 'mute', 'remove', 'suspend', 'ban', 'reverse', 'appeal', 'reject_appeal', 'auto_hide', 'escalate', 'settings']) {
      expect([action, logged.has(action)]).toEqual([action, true]);
    }
  });
});
