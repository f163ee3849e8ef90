// The triggers beyond posts and memberships (issue #14): reactions, direct messages left unread,
// mentions in a space's chat, a new guidelines version, the moderators' notices — each makes one
// notification for the right member and none for the actor.
import { sql } from 'drizzle-orm';
import type { Space } from '../../../shared/api/spaces.routes';
import type { NotificationView } from '../../../shared/api/notifications.routes';
import type { ModerationCase } from '../../../shared/api/moderation.routes';
import type { Conversation } from '../../../shared/api/chat.routes';
import { useTestServer } from '../../../test/support/harness';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { commandAs } from '../../../test/support/server';
import { MESSAGE_UNREAD_JOB } from './notifications.module';

type Page = { items: NotificationView[]; unread: number; nextCursor: string | null };

const ctx = useTestServer();

const member = (prefix: string) => createMember(ctx.server.url, { handle: uniqueHandle(prefix) });

async function spaceOf(host: Member, visibility: 'public' | 'private' = 'public'): Promise<Space> {
  const res = await host.call<Space>('POST', '/api/v1/spaces', { name: `Orchard ${uniqueHandle('s')}`, slug: uniqueHandle('orch').replace(/_/g, '-'), visibility, joinPolicy: 'open' });
  expect(res.status).toBe(201);
  return res.body;
}

async function notificationsOf(who: Member): Promise<Page> {
  await ctx.server.app.settle();
  const res = await who.call<Page>('GET', '/api/v1/notifications');
  expect(res.status).toBe(200);
  return res.body;
}

const kindsOf = async (who: Member) => (await notificationsOf(who)).items.map((item) => item.kind);

/** Makes the delayed "unread direct message" jobs due now, as if the minutes had passed. */
async function minutesPass(): Promise<void> {
  await ctx.server.app.settle();
  await ctx.testDb.database.db.execute(sql`update jobs set run_at = now() where kind = ${MESSAGE_UNREAD_JOB} and status = 'pending'`);
  await ctx.server.app.settle();
}

async function directWith(from: Member, to: Member): Promise<Conversation> {
  const res = await from.call<Conversation>('POST', '/api/v1/chat/conversations', { handles: [to.user.handle] });
  expect(res.status).toBe(200);
  return res.body;
}

const send = (from: Member, conversationId: string, bodyMarkdown: string) =>
  commandAs<{ id: string; seq: number }>(ctx.server.url, from.cookie, 'chat:send', { conversationId, clientId: uniqueHandle('c'), bodyMarkdown });

test('when two members react to a post, then its author has one notification that groups them; taking a reaction back and reacting alone to my own post tell nobody', async () => {
  const [author, ann, bo] = await Promise.all([member('author'), member('ann'), member('bo')]);
  const space = await spaceOf(author);
  for (const who of [ann, bo]) await who.call('POST', `/api/v1/spaces/${space.id}/join`);
  const post = await commandAs<{ id: string }>(ctx.server.url, author.cookie, 'post:create', { spaceId: space.id, bodyMarkdown: 'First plums of the year' });
  await commandAs(ctx.server.url, author.cookie, 'post:react', { postId: post.id, emoji: '👍' });
  await commandAs(ctx.server.url, ann.cookie, 'post:react', { postId: post.id, emoji: '👍' });
  await commandAs(ctx.server.url, ann.cookie, 'post:react', { postId: post.id, emoji: '👍' }); // taken back
  await commandAs(ctx.server.url, bo.cookie, 'post:react', { postId: post.id, emoji: '❤️' });
  await commandAs(ctx.server.url, ann.cookie, 'post:react', { postId: post.id, emoji: '🎉' });

  const page = await notificationsOf(author);
  expect(page.items.map((item) => [item.kind, item.actorCount, item.subject?.id])).toEqual([['reaction', 2, post.id]]);
  expect(page.items[0]!.actors.map((a) => a.handle)).toEqual([ann.user.handle, bo.user.handle]);
  expect(await kindsOf(ann)).toEqual([]);
  expect(await kindsOf(bo)).toEqual([]);
});

test('when a direct message stays unread for a few minutes, then its reader hears of it once per conversation; read in time, nothing', async () => {
  const [ann, bo, cy] = await Promise.all([member('ann'), member('bo'), member('cy')]);
  const withBo = await directWith(ann, bo);
  await send(ann, withBo.id, 'Are you coming to the apple day?');
  await send(ann, withBo.id, 'Bring a basket');
  await ctx.server.app.settle();
  expect(await kindsOf(bo)).toEqual([]); // not yet: the chat's own badge covers the first minutes

  const withCy = await directWith(ann, cy);
  const sent = await send(ann, withCy.id, 'Can you lend me your ladder?');
  expect((await cy.call('POST', `/api/v1/chat/conversations/${withCy.id}/read`, { seq: sent.seq })).status).toBe(200);

  await minutesPass();
  const page = await notificationsOf(bo);
  expect(page.items.map((item) => [item.kind, item.actorCount, item.actors[0]?.handle])).toEqual([['message', 1, ann.user.handle]]);
  expect(page.items[0]!.subject).toMatchObject({ kind: 'message', available: true });
  expect(await kindsOf(cy)).toEqual([]);
  expect(await kindsOf(ann)).toEqual([]);
});

test('when a member mutes a direct conversation, then its unread messages tell them nothing; a stranger cannot set a level on it', async () => {
  const [ann, bo, stranger] = await Promise.all([member('ann'), member('bo'), member('stranger')]);
  const dm = await directWith(ann, bo);
  const muted = await bo.call<{ level: string; mutedUntil: string | null }>('PUT', `/api/v1/notifications/levels/conversation/${dm.id}`, { level: 'muted', muteFor: '1d' });
  expect(muted.status).toBe(200);
  expect(muted.body).toMatchObject({ level: 'muted', mutedUntil: expect.any(String) });
  expect((await stranger.call('PUT', `/api/v1/notifications/levels/conversation/${dm.id}`, { level: 'muted' })).status).toBe(404);

  await send(ann, dm.id, 'Quiet please');
  await minutesPass();
  expect(await kindsOf(bo)).toEqual([]);
});

test('when someone is mentioned in a private space’s chat, then a reader hears of it and a non-member mentioned there hears nothing', async () => {
  const [host, reader, outsider] = await Promise.all([member('host'), member('reader'), member('outsider')]);
  const space = await spaceOf(host, 'private');
  expect((await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: reader.user.handle })).status).toBe(201);
  await reader.call('POST', `/api/v1/spaces/${space.id}/join`);
  const chat = await host.call<Conversation>('GET', `/api/v1/spaces/${space.id}/chat`);
  expect(chat.status).toBe(200);
  await send(host, chat.body.id, `@${reader.user.handle} and @${outsider.user.handle}, the cider press is free`);

  const page = await notificationsOf(reader);
  expect(page.items.filter((item) => item.kind === 'mention').map((item) => [item.subject?.kind, item.space?.id])).toEqual([['message', space.id]]);
  expect(await kindsOf(outsider)).toEqual([]);
});

test('when an admin publishes new guidelines, then every other member hears of it with a link to them, and the admin does not', async () => {
  const [ann, bo] = await Promise.all([member('ann'), member('bo')]);
  const published = await ctx.admin.call<{ version: number }>('POST', '/api/v1/admin/guidelines', { bodyMarkdown: `Be kind. Version ${uniqueHandle('v')}` });
  expect(published.status).toBe(201);
  for (const who of [ann, bo]) {
    // Nothing opens before the new version is accepted; the notification is what reaches a member who is away (mail, push).
    expect((await who.call('POST', '/api/v1/guidelines/accept', { version: published.body.version })).status).toBe(200);
    const items = (await notificationsOf(who)).items.filter((item) => item.kind === 'guidelines');
    expect(items.map((item) => item.link)).toEqual(['/guidelines']);
  }
  expect((await notificationsOf(ctx.admin)).items.filter((item) => item.kind === 'guidelines')).toEqual([]);
});

test('when the moderators tell a reporter the outcome, then it is an item of the centre, and reading the notices marks it read', async () => {
  const [author, reporter] = await Promise.all([member('author'), member('reporter')]);
  const space = await spaceOf(author);
  await reporter.call('POST', `/api/v1/spaces/${space.id}/join`);
  const post = await commandAs<{ id: string }>(ctx.server.url, author.cookie, 'post:create', { spaceId: space.id, bodyMarkdown: 'Buy cheap pears here' });
  expect((await reporter.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: post.id, reason: 'spam' })).status).toBe(201);
  const queue = await ctx.admin.call<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases');
  const theCase = queue.body.items.find((c) => c.targetId === post.id)!;
  expect((await ctx.admin.call('POST', `/api/v1/moderation/cases/${theCase.id}/actions`, { action: 'hide', reason: 'Spam' })).status).toBe(200);

  const told = await notificationsOf(reporter);
  expect(told.items.map((item) => [item.kind, item.link, item.read])).toEqual([['moderation', '/notices', false]]);
  const authorTold = await notificationsOf(author);
  expect(authorTold.items.map((item) => item.kind)).toEqual(['moderation']);

  expect((await reporter.call('POST', '/api/v1/moderation/notices/read')).status).toBe(200);
  const after = await notificationsOf(reporter);
  expect(after.unread).toBe(0);
  expect(after.items.map((item) => item.read)).toEqual([true]);
});
