import type { Conversation, Message } from '../../../shared/api/chat.routes';
import type { Space } from '../../../shared/api/spaces.routes';
import type { Checklist, HelpRequest } from '../../../shared/api/welcome.routes';
import { allowedOriginsOf } from '../../config';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { startSmtp, type ReceivedMail, type TestSmtp } from '../../../test/support/smtp';
import { call, createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { connectSocket, nextEvent, startTestServer, type TestServer } from '../../../test/support/server';

// A newcomer's first minutes (issue #13): replies to the welcome bot reach the community managers
// (in the app and by email) and their answer reaches the newcomer; newcomers join the welcome
// space; the admins' first-run checklist ticks itself; a wrong address is named, not hidden.
let testDb: TestDatabase;
let server: TestServer;
let smtp: TestSmtp;
let admin: Member;
let manager: Member;
let welcomeSpace: Space;
let inbox: ReceivedMail[] = [];
/** What arrived, less the sign-up confirmation mail (decision 022), which these tests are not about. */
const received = (): ReceivedMail[] => inbox.filter((m) => !m.raw.includes('/verify-email?token='));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function botConversationOf(member: Member): Promise<Conversation> {
  return until('the bot conversation', async () => {
    const list = await member.call<{ items: Conversation[] }>('GET', '/api/v1/chat/conversations');
    return list.body.items.find((c) => c.kind === 'direct' && c.participants.some((p) => p.isBot));
  });
}

async function say(member: Member, conversationId: string, text: string): Promise<Message> {
  const sent = await member.call<Message>('POST', `/api/v1/chat/conversations/${conversationId}/messages`, { clientId: `c-${Math.random().toString(36).slice(2)}`, bodyMarkdown: text });
  expect(sent.status).toBe(200);
  return sent.body;
}

const helpRequestsOf = async (member: Member) => (await member.call<{ items: HelpRequest[] }>('GET', '/api/v1/admin/help-requests')).body.items;

beforeAll(async () => {
  smtp = await startSmtp();
  inbox = smtp.inbox;
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database, welcome: true, env: { SMTP_URL: smtp.url, SITE_NAME: 'Riverside' } });
  admin = await createMember(server.url, { handle: uniqueHandle('admin'), displayName: 'Ada Admin' });
  manager = await createMember(server.url, { handle: uniqueHandle('maya'), displayName: 'Maya Manager' });
  welcomeSpace = (await admin.call<Space>('POST', '/api/v1/spaces', { name: 'Welcome', slug: `welcome-${process.pid}`, visibility: 'public', joinPolicy: 'open' })).body;
  const set = await admin.call<{ managers: { handle: string }[]; joinWelcomeSpace: boolean }>('PATCH', '/api/v1/admin/welcome', {
    welcomeSpaceId: welcomeSpace.id,
    managerHandles: [manager.user.handle],
  });
  expect(set.status).toBe(200);
  expect(set.body.managers.map((m) => m.handle)).toEqual([manager.user.handle]);
  expect(set.body.joinWelcomeSpace).toBe(true);
  await server.app.settle();
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
  await smtp?.close();
});

describe('replies to the welcome bot reach the community manager', () => {
  test('when a newcomer replies to the bot, then the manager sees it in the help requests and by email, the bot says who will answer, and the manager’s answer reaches the newcomer as a direct message', async () => {
    const newcomer = await createMember(server.url, { handle: uniqueHandle('nia'), displayName: 'Nia Newcomer' });
    await server.app.settle();
    const botChat = await botConversationOf(newcomer);
    const greeting = await newcomer.call<{ items: Message[] }>('GET', `/api/v1/chat/conversations/${botChat.id}/messages`);
    expect(greeting.body.items[0]?.bodyMarkdown).toContain(`@${manager.user.handle}`);

    const socket = await newcomer.connect();
    try {
      const ack = until('the bot’s acknowledgement', async () => {
        const page = await newcomer.call<{ items: Message[] }>('GET', `/api/v1/chat/conversations/${botChat.id}/messages`);
        return page.body.items.find((m) => m.author.isBot && m.bodyMarkdown.includes('passed your message'));
      });
      await say(newcomer, botChat.id, 'Hello! How do I find the allotment group?');
      expect((await ack).bodyMarkdown).toContain(`@${manager.user.handle}`);

      // In the app: the manager's help requests list it, open.
      await server.app.settle();
      const [request] = (await helpRequestsOf(manager)).filter((r) => r.member.id === newcomer.user.id);
      expect(request).toMatchObject({ status: 'open', answeredBy: null, member: { handle: newcomer.user.handle } });
      expect(request!.messages.map((m) => m.bodyMarkdown)).toEqual(['Hello! How do I find the allotment group?']);

      // By email, to the manager (not to the admin: a manager is named).
      const email = await until('the help request email', () => received().find((m) => m.to.includes(`${manager.user.handle}@example.org`) && m.raw.includes('allotment group')));
      expect(email.raw).toMatch(/Subject: Nia Newcomer asked for help on Riverside/);
      expect(email.raw).toContain(`${server.url}/admin/help`);
      expect(received().some((m) => m.to.includes(`${admin.user.handle}@example.org`) && m.raw.includes('allotment group'))).toBe(false);

      // A second message while the request is open is listed, without another email or acknowledgement.
      await say(newcomer, botChat.id, 'Also: is there a bike group?');
      await server.app.settle();
      const [again] = (await helpRequestsOf(manager)).filter((r) => r.member.id === newcomer.user.id);
      expect(again!.messages).toHaveLength(2);
      expect(received().filter((m) => m.to.includes(`${manager.user.handle}@example.org`) && m.raw.includes('Nia Newcomer asked'))).toHaveLength(1);

      // The manager answers: a direct message from them reaches the newcomer live.
      const dm = nextEvent<{ message: Message }>(socket, 'chat:message-created', 5_000);
      const answered = await manager.call<{ conversationId: string }>('POST', `/api/v1/admin/help-requests/${newcomer.user.id}/answer`, {
        clientId: 'answer-one',
        bodyMarkdown: 'Welcome Nia! The allotment group is in Community gardening.',
      });
      expect(answered.status).toBe(200);
      const { message } = await dm;
      expect(message).toMatchObject({ conversationId: answered.body.conversationId, author: { id: manager.user.id }, bodyMarkdown: 'Welcome Nia! The allotment group is in Community gardening.' });
      const conversation = await newcomer.call<Conversation>('GET', `/api/v1/chat/conversations/${answered.body.conversationId}`);
      expect(conversation.body.participants.map((p) => p.id).sort()).toEqual([manager.user.id, newcomer.user.id].sort());

      const [done] = (await helpRequestsOf(admin)).filter((r) => r.member.id === newcomer.user.id);
      expect(done).toMatchObject({ status: 'answered', answeredBy: { id: manager.user.id } });

      // Writing to the bot again opens a new request: a new email.
      await say(newcomer, botChat.id, 'Thanks! One more question.');
      await until('the second help request email', () => received().filter((m) => m.to.includes(`${manager.user.handle}@example.org`) && m.raw.includes('Nia Newcomer asked')).length === 2 || undefined);
      expect((await helpRequestsOf(manager)).find((r) => r.member.id === newcomer.user.id)).toMatchObject({ status: 'open', messages: [{ bodyMarkdown: 'Thanks! One more question.' }] });
    } finally {
      socket.disconnect();
    }
  });

  test('when someone who is neither admin nor manager asks for the help requests, then they get 403; answering a member who never wrote to the bot is 404', async () => {
    const someone = await createMember(server.url);
    await server.app.settle();
    expect((await someone.call('GET', '/api/v1/admin/help-requests')).status).toBe(403);
    const nosy = await someone.call('POST', `/api/v1/admin/help-requests/${admin.user.id}/answer`, { clientId: 'nosy-answer', bodyMarkdown: 'hi' });
    expect(nosy.status).toBe(403);
    const quiet = await createMember(server.url);
    await server.app.settle();
    const res = await manager.call<{ code: string }>('POST', `/api/v1/admin/help-requests/${quiet.user.id}/answer`, { clientId: 'quiet-answer', bodyMarkdown: 'hi' });
    expect(res.status).toBe(404);
    const bad = await manager.call<{ code: string }>('POST', `/api/v1/admin/help-requests/${quiet.user.id}/answer`, { clientId: 'empty-answer', bodyMarkdown: '' });
    expect(bad.status).toBe(400);
    const unknown = await admin.call<{ code: string }>('PATCH', '/api/v1/admin/welcome', { managerHandles: ['nobody_here_at_all'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('validation_failed');
  });

  test('when a member asks whom to turn to, then they get the named managers; with none named, the admins; signed out, 401', async () => {
    const member = await createMember(server.url);
    const named = await member.call<{ items: { handle: string }[] }>('GET', '/api/v1/community-managers');
    expect(named.body.items.map((m) => m.handle)).toEqual([manager.user.handle]);
    expect((await admin.call('PATCH', '/api/v1/admin/welcome', { managerHandles: [] })).status).toBe(200);
    try {
      const admins = await member.call<{ items: { handle: string }[] }>('GET', '/api/v1/community-managers');
      expect(admins.body.items.map((m) => m.handle)).toEqual([admin.user.handle]);
    } finally {
      await admin.call('PATCH', '/api/v1/admin/welcome', { managerHandles: [manager.user.handle] });
    }
    expect((await call(server.url, 'GET', '/api/v1/community-managers')).status).toBe(401);
  });

  test('when a member writes to someone else, then no help request is made', async () => {
    const a = await createMember(server.url);
    const b = await createMember(server.url);
    await server.app.settle();
    const opened = await a.call<Conversation>('POST', '/api/v1/chat/conversations', { handles: [b.user.handle] });
    await say(a, opened.body.id, 'just chatting');
    await server.app.settle();
    expect((await helpRequestsOf(manager)).some((r) => r.member.id === a.user.id)).toBe(false);
  });
});

describe('newcomers join the welcome space', () => {
  const memberOfWelcome = async (member: Member) => {
    const res = await member.call<{ membership: { status: string } | null }>('GET', `/api/v1/spaces/${welcomeSpace.slug}`);
    return res.body.membership?.status ?? null;
  };

  test('when the setting is on (the default), then a newcomer is an active member of the welcome space, and is told so live', async () => {
    const newcomer = await createMember(server.url, { handle: uniqueHandle('joiner'), acceptGuidelines: false });
    const socket = await newcomer.connect();
    try {
      const told = nextEvent<{ spaceId: string; membership: { status: string } }>(socket, 'space:membership-changed', 5_000);
      const guidelines = (await newcomer.call<{ version: number }>('GET', '/api/v1/guidelines')).body;
      expect((await newcomer.call('POST', '/api/v1/guidelines/accept', { version: guidelines.version, confirmAge: true })).status).toBe(200);
      expect(await told).toMatchObject({ spaceId: welcomeSpace.id, membership: { status: 'active' } });
    } finally {
      socket.disconnect();
    }
    await server.app.settle();
    expect(await memberOfWelcome(newcomer)).toBe('active');
  });

  test('when the admins switch it off, then a newcomer is not made a member', async () => {
    expect((await admin.call('PATCH', '/api/v1/admin/welcome', { joinWelcomeSpace: false })).status).toBe(200);
    try {
      const newcomer = await createMember(server.url, { handle: uniqueHandle('stayout') });
      await server.app.settle();
      expect(await memberOfWelcome(newcomer)).toBeNull();
    } finally {
      await admin.call('PATCH', '/api/v1/admin/welcome', { joinWelcomeSpace: true });
    }
  });
});

describe('the first-run checklist', () => {
  test('when an admin sets each thing up, then its item ticks; members cannot read it; dismissing is remembered', async () => {
    const db = await openTestDatabase();
    const node = await startTestServer({ database: db.database });
    try {
      const first = await createMember(node.url, { handle: uniqueHandle('first') });
      const read = async () => (await first.call<Checklist>('GET', '/api/v1/admin/checklist')).body;
      const done = async () => Object.fromEntries((await read()).items.map((i) => [i.id, i.done]));
      expect(await read()).toMatchObject({ complete: false, dismissed: false });
      expect(await done()).toEqual({ siteName: false, guidelines: false, welcomeSpace: false, firstSpace: false, invite: false, sso: false });

      expect((await first.call('PATCH', '/api/v1/admin/settings', { siteName: 'Riverside' })).status).toBe(200);
      expect((await done()).siteName).toBe(true);
      expect((await first.call('POST', '/api/v1/admin/guidelines', { bodyMarkdown: 'Be kind to each other.' })).status).toBe(201);
      expect((await done()).guidelines).toBe(true);
      const space = await first.call<Space>('POST', '/api/v1/spaces', { name: 'Hello', slug: `hello-${process.pid}`, visibility: 'public', joinPolicy: 'open' });
      expect((await done()).firstSpace).toBe(true);
      expect((await first.call('PATCH', '/api/v1/admin/welcome', { welcomeSpaceId: space.body.id })).status).toBe(200);
      // The welcome space is not the first space of its own.
      expect(await done()).toMatchObject({ welcomeSpace: true, firstSpace: false });
      await first.call('POST', '/api/v1/spaces', { name: 'Gardening', slug: `garden-${process.pid}`, visibility: 'public', joinPolicy: 'open' });
      expect((await first.call('POST', '/api/v1/admin/invites', { note: 'friends' })).status).toBe(201);
      expect(await read()).toMatchObject({ complete: true, items: expect.arrayContaining([{ id: 'sso', done: false, optional: true }]) });

      const member = await createMember(node.url);
      expect((await member.call('GET', '/api/v1/admin/checklist')).status).toBe(403);
      expect((await member.call('PATCH', '/api/v1/admin/checklist', { dismissed: true })).status).toBe(403);
      expect((await first.call<Checklist>('PATCH', '/api/v1/admin/checklist', { dismissed: true })).body.dismissed).toBe(true);
      expect((await read()).dismissed).toBe(true);
      expect((await first.call('PATCH', '/api/v1/admin/checklist', { dismissed: 'yes' })).status).toBe(400);
    } finally {
      await node.stop();
      await db.close();
    }
  });
});

describe('opening the server by another address than PUBLIC_URL', () => {
  const signIn = (origin: string, site = 'same-origin') =>
    call<{ code: string; detail?: string; publicUrl?: string }>(server.url, 'POST', '/api/v1/auth/sign-in', {
      body: { email: `${admin.user.handle}@example.org`, password: admin.password },
      headers: { origin, 'sec-fetch-site': site },
    });

  test('when a page opened by a LAN address signs in, then the answer is origin_refused naming the public URL, and the log warns once per address', async () => {
    const warnings: unknown[] = [];
    const original = server.app.logger.warn.bind(server.app.logger);
    const spy = jest.spyOn(server.app.logger, 'warn').mockImplementation(((obj: unknown, ...rest: unknown[]) => {
      warnings.push(obj);
      return (original as (...args: unknown[]) => void)(obj, ...rest);
    }) as never);
    try {
      const port = new URL(server.url).port;
      const wrong = await signIn(`http://192.168.1.20:${port}`);
      expect(wrong.status).toBe(403);
      expect(wrong.body.code).toBe('origin_refused');
      expect(wrong.body.detail).toContain(server.url);
      expect(wrong.body.publicUrl).toBe(server.url);
      await signIn(`http://192.168.1.20:${port}`);
      await signIn(`http://10.0.0.7:${port}`);
      const told = warnings.filter((w) => typeof w === 'object' && w !== null && 'origin' in w);
      expect(told).toEqual([
        expect.objectContaining({ origin: `http://192.168.1.20:${port}`, publicUrl: server.url }),
        expect.objectContaining({ origin: `http://10.0.0.7:${port}`, publicUrl: server.url }),
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  test('when another site posts, then it is still csrf_failed, not a hint about our address', async () => {
    const res = await signIn('https://evil.example', 'cross-site');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('csrf_failed');
    expect(JSON.stringify(res.body)).not.toContain(server.url);
  });

  test('when the public URL is 127.0.0.1 and a development browser uses localhost, then sign-in works', async () => {
    const port = new URL(server.url).port;
    expect((await signIn(`http://localhost:${port}`)).status).toBe(200);
    expect((await signIn(`http://[::1]:${port}`)).status).toBe(200);
    expect((await signIn(`http://localhost:${Number(port) + 1}`)).body.code).toBe('origin_refused');
  });

  test('when the public URL is 127.0.0.1, then a development page on localhost also gets its live connection, and another port does not', async () => {
    const port = new URL(server.url).port;
    const socket = await connectSocket(server.url, { extraHeaders: { origin: `http://localhost:${port}`, cookie: admin.cookie } });
    expect(socket.connected).toBe(true);
    socket.disconnect();
    await expect(connectSocket(server.url, { extraHeaders: { origin: `http://localhost:${Number(port) + 1}`, cookie: admin.cookie } })).rejects.toThrow();
  });

  test('when the public URL is localhost, then development accepts every loopback name on its port and production only the public origin', () => {
    expect([...allowedOriginsOf('http://localhost:3000', 'development')].sort()).toEqual(['http://127.0.0.1:3000', 'http://[::1]:3000', 'http://localhost:3000']);
    expect([...allowedOriginsOf('http://localhost:3000', 'production')]).toEqual(['http://localhost:3000']);
    expect([...allowedOriginsOf('https://hearth.example', 'development')]).toEqual(['https://hearth.example']);
  });
});

describe('the bot writes in the newcomer’s language', () => {
  test('when a newcomer’s language is French, then the bot’s built-in message and the email are French; a text the admins wrote stays as written', async () => {
    const platform = server.app.platform;
    const newcomer = await createMember(server.url, { handle: uniqueHandle('fr'), displayName: 'Françoise', acceptGuidelines: false });
    await platform.languages.choose(platform.db, newcomer.user.id, 'fr');
    const guidelines = (await newcomer.call<{ version: number }>('GET', '/api/v1/guidelines')).body;
    expect((await newcomer.call('POST', '/api/v1/guidelines/accept', { version: guidelines.version, confirmAge: true })).status).toBe(200);
    await server.app.settle();
    const botChat = await botConversationOf(newcomer);
    const page = await newcomer.call<{ items: Message[] }>('GET', `/api/v1/chat/conversations/${botChat.id}/messages`);
    expect(page.body.items[0]!.bodyMarkdown).toContain('Bonjour Françoise, bienvenue sur Riverside');
    expect(page.body.items[0]!.bodyMarkdown).toContain('je le transmettrai à');
    const email = await until('the French welcome email', () => received().find((m) => m.to.includes(`${newcomer.user.handle}@example.org`)));
    expect(email.raw).toContain('Bienvenue sur Riverside ! Nous sommes ravis');

    expect((await admin.call('PATCH', '/api/v1/admin/welcome', { messageTemplate: 'Hello {name}, from the admins.' })).status).toBe(200);
    try {
      const second = await createMember(server.url, { handle: uniqueHandle('fr2'), displayName: 'Fabien', acceptGuidelines: false });
      await platform.languages.choose(platform.db, second.user.id, 'fr');
      const v = (await second.call<{ version: number }>('GET', '/api/v1/guidelines')).body;
      await second.call('POST', '/api/v1/guidelines/accept', { version: v.version, confirmAge: true });
      await server.app.settle();
      const chat = await botConversationOf(second);
      const messages = await second.call<{ items: Message[] }>('GET', `/api/v1/chat/conversations/${chat.id}/messages`);
      expect(messages.body.items[0]!.bodyMarkdown).toBe('Hello Fabien, from the admins.');
    } finally {
      await admin.call('PATCH', '/api/v1/admin/welcome', { messageTemplate: 'Hi {name}, welcome to {site}! I am the welcome bot (a program, not a person) and I am here to help you find your way.\n\n- Our community guidelines: {guidelines}\n- Need help? {help}\n\n{suggestions}' });
    }
  });
});
