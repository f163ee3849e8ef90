import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Conversation, Message } from '../../../shared/api/chat.routes';
import type { Post, Space } from '../../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { startSmtp, type ReceivedMail, type TestSmtp } from '../../../test/support/smtp';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { freePort, nextEvent, startTestServer, watch, type TestServer } from '../../../test/support/server';

// The welcome bot and the welcome email, against a real SMTP server on loopback (smtp-server).
let testDb: TestDatabase;
let server: TestServer;
let smtp: TestSmtp;
let admin: Member;
let welcomeSpace: Space;
let inbox: ReceivedMail[] = [];
/** What arrived, less the sign-up confirmation mail (decision 022), which these tests are not about. */
const received = (): ReceivedMail[] => inbox.filter((m) => !m.raw.includes('/verify-email?token='));

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  smtp = await startSmtp();
  inbox = smtp.inbox;
  testDb = await openTestDatabase();
  server = await startTestServer({
    database: testDb.database,
    welcome: true,
    env: { SMTP_URL: smtp.url, SITE_NAME: 'Riverside Mutual Aid', MAIL_FROM: 'Riverside <hello@riverside.example>' },
  });
  admin = await createMember(server.url, { handle: uniqueHandle('admin'), displayName: 'Ada Admin' });
  welcomeSpace = (
    await admin.call<Space>('POST', '/api/v1/spaces', { name: 'Welcome', slug: `welcome-${process.pid}`, visibility: 'public', joinPolicy: 'open' })
  ).body;
  await admin.call('POST', '/api/v1/spaces', {
    name: 'Community gardening',
    slug: `gardening-${process.pid}`,
    description: 'Allotments, seed swaps and compost',
    visibility: 'public',
    joinPolicy: 'open',
  });
  const set = await admin.call('PATCH', '/api/v1/admin/welcome', { welcomeSpaceId: welcomeSpace.id, managerName: 'Maya, community manager' });
  expect(set.status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
  await smtp?.close();
});

describe('the welcome bot and the welcome email', () => {
  test('when a newcomer accepts the guidelines, then the bot posts a welcome, sends a direct message live, and the email reaches the SMTP server', async () => {
    const handle = uniqueHandle('newbie');
    const newcomer = await createMember(server.url, {
      handle,
      displayName: 'Nia Newcomer',
      acceptGuidelines: false,
      profile: { interests: ['gardening'], location: 'Riverside' },
    });
    const socket = await newcomer.connect();
    try {
      const dm = nextEvent<{ message: Message }>(socket, 'chat:message-created', 5_000);
      const guidelines = (await newcomer.call<{ version: number }>('GET', '/api/v1/guidelines')).body;
      expect((await newcomer.call('POST', '/api/v1/guidelines/accept', { version: guidelines.version, confirmAge: true })).status).toBe(200);

      // The direct message arrives live, from an account marked as a bot.
      const { message } = await dm;
      expect(message.author.isBot).toBe(true);
      expect(message.bodyMarkdown).toContain('Hi Nia Newcomer, welcome to Riverside Mutual Aid!');
      expect(message.bodyMarkdown).toContain(`${server.url}/guidelines`);
      expect(message.bodyMarkdown).toContain(`@${admin.user.handle}`);
      expect(message.bodyMarkdown).toContain(`[Community gardening](/s/gardening-${process.pid})`);
    } finally {
      socket.disconnect();
    }
    const conversations = await newcomer.call<{ items: Conversation[] }>('GET', '/api/v1/chat/conversations');
    expect(conversations.body.items.filter((c) => c.participants.some((p) => p.isBot))).toHaveLength(1);

    // The welcome post in the network's welcome space.
    const post = await until('the welcome post', async () => {
      const page = await admin.call<{ items: Post[] }>('GET', `/api/v1/spaces/${welcomeSpace.id}/posts`);
      return page.body.items.find((p) => p.bodyMarkdown.includes('Nia Newcomer'));
    });
    expect(post.author.isBot).toBe(true);
    expect(post.bodyHtml).toContain('<strong>Nia Newcomer</strong>');

    // The email, through SMTP, to the newcomer, signed by the community manager.
    const email = await until('the welcome email', async () => received().find((m) => m.to.includes(`${handle}@example.org`)));
    expect(email.from).toBe('hello@riverside.example');
    expect(email.raw).toMatch(/Subject: Welcome to Riverside Mutual Aid, Nia Newcomer/);
    expect(email.raw).toContain('Maya, community manager');
    expect(email.raw).toContain(`${server.url}/s/gardening-${process.pid}`);
    const outbox = await admin.call<{ items: { to: string; subject: string; status: string }[]; transport: string }>('GET', '/api/v1/admin/emails');
    expect(outbox.body.transport).toBe('smtp');
    expect(outbox.body.items.find((e) => e.to === `${handle}@example.org` && e.subject.startsWith('Welcome'))?.status).toBe('sent');

    // Accepting a later version of the guidelines does not greet again.
    await admin.call('POST', '/api/v1/admin/guidelines', { bodyMarkdown: 'Be kind. Version two.' });
    const v2 = (await newcomer.call<{ version: number }>('GET', '/api/v1/guidelines')).body;
    expect((await newcomer.call('POST', '/api/v1/guidelines/accept', { version: v2.version, confirmAge: true })).status).toBe(200);
    await server.app.settle();
    expect(received().filter((m) => m.to.includes(`${handle}@example.org`))).toHaveLength(1);
  });

  test('when a member joins a space whose hosts wrote a greeting, then the bot says it in the space chat with the placeholders filled; switched off, it says nothing', async () => {
    const host = await createMember(server.url, { handle: uniqueHandle('host'), displayName: 'Hal Host' });
    const space = (
      await host.call<Space>('POST', '/api/v1/spaces', { name: 'Bike repair', slug: `bikes-${process.pid}`, visibility: 'public', joinPolicy: 'open' })
    ).body;
    const updated = await host.call<Space>('PATCH', `/api/v1/spaces/${space.id}`, { welcomeMarkdown: 'Hello {name}, welcome to {space}! Ask {hosts} anything.' });
    expect(updated.body.welcomeMarkdown).toContain('{name}');
    const joiner = await createMember(server.url, { handle: uniqueHandle('joiner'), displayName: 'Jo Joiner' });
    await server.app.settle();
    const socket = await joiner.connect();
    try {
      const greeted = nextEvent<{ message: Message }>(socket, 'chat:message-created', 5_000);
      expect((await joiner.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBe(200);
      const { message } = await greeted;
      expect(message.author.isBot).toBe(true);
      expect(message.bodyMarkdown).toBe('Hello Jo Joiner, welcome to Bike repair! Ask Hal Host anything.');

      // Hosts switch it off for their space: the next member is not greeted.
      expect((await host.call('PATCH', `/api/v1/spaces/${space.id}`, { welcomeBot: false })).status).toBe(200);
      const second = await createMember(server.url, { handle: uniqueHandle('second') });
      await server.app.settle();
      const quiet = watch(socket, 'chat:message-created');
      expect((await second.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBe(200);
      await server.app.settle();
      expect(await quiet.after(300)).toEqual([]);
    } finally {
      socket.disconnect();
    }
  });

  test('when the bot is switched off network-wide, then a newcomer gets no message and no post, and only admins may change it', async () => {
    const member = await createMember(server.url);
    expect((await member.call('PATCH', '/api/v1/admin/welcome', { botEnabled: false })).status).toBe(403);
    expect((await member.call('GET', '/api/v1/admin/welcome')).status).toBe(403);
    expect((await admin.call('PATCH', '/api/v1/admin/welcome', { botEnabled: false, emailEnabled: false })).status).toBe(200);
    try {
      const quietOne = await createMember(server.url, { handle: uniqueHandle('quiet'), displayName: 'Quinn Quiet' });
      await server.app.settle();
      const conversations = await quietOne.call<{ items: Conversation[] }>('GET', '/api/v1/chat/conversations');
      expect(conversations.body.items.filter((c) => c.kind === 'direct')).toEqual([]);
      const page = await admin.call<{ items: Post[] }>('GET', `/api/v1/spaces/${welcomeSpace.id}/posts`);
      expect(page.body.items.some((p) => p.bodyMarkdown.includes('Quinn Quiet'))).toBe(false);
      expect(received().some((m) => m.to.includes(`${quietOne.user.handle}@example.org`))).toBe(false);
    } finally {
      await admin.call('PATCH', '/api/v1/admin/welcome', { botEnabled: true, emailEnabled: true });
    }
    const bad = await admin.call<{ code: string }>('PATCH', '/api/v1/admin/welcome', { postTemplate: '', extra: 1 });
    expect(bad.status).toBe(400);
  });

  test('when the welcome space is deleted, then the settings name no welcome space and a newcomer still gets the direct message', async () => {
    const doomed = (
      await admin.call<Space>('POST', '/api/v1/spaces', { name: 'Doomed', slug: `doomed-${process.pid}`, visibility: 'public', joinPolicy: 'open' })
    ).body;
    expect((await admin.call('PATCH', '/api/v1/admin/welcome', { welcomeSpaceId: doomed.id })).status).toBe(200);
    try {
      // The app archives spaces and never deletes one; an operator still may, by hand.
      await testDb.database.db.execute(sql`delete from spaces where id = ${doomed.id}`);

      const settings = await admin.call<{ welcomeSpaceId: string | null }>('GET', '/api/v1/admin/welcome');
      expect(settings.body.welcomeSpaceId).toBeNull();
      const newcomer = await createMember(server.url, { handle: uniqueHandle('after'), displayName: 'Dee After' });
      await server.app.settle();
      const conversations = await newcomer.call<{ items: Conversation[] }>('GET', '/api/v1/chat/conversations');
      expect(conversations.body.items.filter((c) => c.kind === 'direct')).toHaveLength(1);
    } finally {
      await admin.call('PATCH', '/api/v1/admin/welcome', { welcomeSpaceId: welcomeSpace.id });
    }
  });
});

describe('email without SMTP_URL, and a mail server that is down', () => {
  test('when SMTP_URL is unset, then the welcome email is written as an .eml file under DATA_DIR/outbox', async () => {
    const db = await openTestDatabase();
    const node = await startTestServer({ database: db.database, welcome: true });
    try {
      await createMember(node.url, { handle: uniqueHandle('first') });
      const handle = uniqueHandle('files');
      await createMember(node.url, { handle, displayName: 'Fay Files' });
      await node.app.settle();
      const dir = path.join(node.dataDir, 'outbox');
      const file = await until('the .eml file', async () => fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).find((t) => t.includes(`${handle}@example.org`) && t.includes('Subject: Welcome')));
      expect(file).toMatch(/Subject: Welcome to Hearth, Fay Files/);
    } finally {
      await node.stop();
      await db.close();
    }
  });

  test('when the mail server refuses connections, then the email waits for a retry with its error, visible to admins, and a retry can be asked for', async () => {
    const db = await openTestDatabase();
    const deadPort = await freePort();
    const node = await startTestServer({ database: db.database, welcome: true, env: { SMTP_URL: `smtp://127.0.0.1:${deadPort}` } });
    try {
      const first = await createMember(node.url, { handle: uniqueHandle('first') });
      await node.app.settle();
      const listed = await until('a failed attempt', async () => {
        const outbox = await first.call<{ items: { id: string; status: string; attempts: number; lastError: string | null; nextAttemptAt: string | null }[] }>('GET', '/api/v1/admin/emails');
        return outbox.body.items.find((e) => e.attempts === 1 && e.lastError);
      });
      expect(listed).toMatchObject({ status: 'pending', lastError: expect.stringMatching(/ECONNREFUSED|connect/i), nextAttemptAt: expect.any(String) });
      const retried = await first.call<{ status: string; attempts: number }>('POST', `/api/v1/admin/emails/${listed.id}/retry`);
      expect(retried.body).toMatchObject({ status: 'pending', attempts: 0 });
      const member = await createMember(node.url, { handle: uniqueHandle('member') });
      expect((await member.call('GET', '/api/v1/admin/emails')).status).toBe(403);
    } finally {
      await node.stop();
      await db.close();
    }
  });
});
