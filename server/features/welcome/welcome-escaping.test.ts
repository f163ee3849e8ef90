import type { Message } from '../../../shared/api/chat.routes';
import type { Post, Space } from '../../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { nextEvent, startTestServer, type TestServer } from '../../../test/support/server';

// Issue #12, item 7: what a newcomer calls themselves goes into the bot's Markdown as text — no
// link, no mention under the bot's name — while the admins' and hosts' own template text stays Markdown.
let testDb: TestDatabase;
let server: TestServer;
let admin: Member;
let target: Member;
let welcomeSpace: Space;

// 60 characters at most: a display name's limit.
const evilName = () => `[Verify account](https://evil.example/x) @${target.user.handle} x.com`;

function expectInert(html: string, markdownMentions: string[]) {
  expect(html).not.toMatch(/<a [^>]*href="https:\/\/evil/);
  expect(html).not.toMatch(/href="http:\/\/x\.com/);
  expect(html).not.toContain(`/u/${target.user.handle}`);
  expect(html).toContain(`[Verify account](https://evil.example/x) @${target.user.handle} x.com`);
  expect(markdownMentions).not.toContain(target.user.handle);
}

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database, welcome: true });
  admin = await createMember(server.url, { handle: uniqueHandle('admin'), displayName: 'Ada Admin' });
  target = await createMember(server.url, { handle: uniqueHandle('h') });
  welcomeSpace = (
    await admin.call<Space>('POST', '/api/v1/spaces', { name: 'Welcome', slug: `welcome-esc-${process.pid}`, visibility: 'public', joinPolicy: 'open' })
  ).body;
  // The admin's own template keeps its Markdown (bold, a link) while the placeholders are text.
  const set = await admin.call('PATCH', '/api/v1/admin/welcome', {
    welcomeSpaceId: welcomeSpace.id,
    postTemplate: 'Please welcome **{name}** (@{handle})! Read [the guide](https://hearth.example/guide).',
  });
  expect(set.status).toBe(200);
  await server.app.settle();
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

test('when a newcomer named like a link and a mention is welcomed, then the welcome post and the direct message show the name as text, without a link or a mention', async () => {
  const newcomer = await createMember(server.url, { handle: uniqueHandle('newbie'), displayName: evilName(), acceptGuidelines: false });
  const socket = await newcomer.connect();
  try {
    const dm = nextEvent<{ message: Message }>(socket, 'chat:message-created', 5_000);
    const guidelines = (await newcomer.call<{ version: number }>('GET', '/api/v1/guidelines')).body;
    expect((await newcomer.call('POST', '/api/v1/guidelines/accept', { version: guidelines.version, confirmAge: true })).status).toBe(200);
    const { message } = await dm;
    expect(message.author.isBot).toBe(true);
    expectInert(message.bodyHtml, message.mentions);
  } finally {
    socket.disconnect();
  }
  await server.app.settle();
  const page = await admin.call<{ items: Post[] }>('GET', `/api/v1/spaces/${welcomeSpace.id}/posts`);
  const post = page.body.items.find((p) => p.author.isBot && p.bodyHtml.includes('Verify account'));
  if (!post) throw new Error('no welcome post');
  expectInert(post.bodyHtml, post.mentions);
  // The template's own Markdown and the newcomer's own handle still work.
  expect(post.bodyHtml).toContain('<strong>[Verify account]');
  expect(post.bodyHtml).toContain('<a href="https://hearth.example/guide"');
  expect(post.bodyHtml).toContain(`/u/${newcomer.user.handle}`);
});

test('when a member named like a link and a mention joins a space with a greeting, then the bot greets them by that name as text', async () => {
  const host = await createMember(server.url, { handle: uniqueHandle('spacehost'), displayName: 'Hal Host' });
  const space = (
    await host.call<Space>('POST', '/api/v1/spaces', { name: 'Bike repair', slug: `bikes-esc-${process.pid}`, visibility: 'public', joinPolicy: 'open' })
  ).body;
  expect((await host.call('PATCH', `/api/v1/spaces/${space.id}`, { welcomeMarkdown: 'Hello **{name}**, welcome to {space}! See [the rules](https://bikes.example/rules).' })).status).toBe(200);
  const joiner = await createMember(server.url, { handle: uniqueHandle('joiner'), displayName: evilName() });
  await server.app.settle();
  const socket = await joiner.connect();
  try {
    const greeted = nextEvent<{ message: Message }>(socket, 'chat:message-created', 5_000);
    expect((await joiner.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBe(200);
    const { message } = await greeted;
    expect(message.author.isBot).toBe(true);
    expectInert(message.bodyHtml, message.mentions);
    expect(message.bodyHtml).toContain('<strong>[Verify account]');
    expect(message.bodyHtml).toContain('<a href="https://bikes.example/rules"');
  } finally {
    socket.disconnect();
  }
});
