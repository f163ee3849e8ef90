import http from 'node:http';
import type { z } from 'zod';
import type { Conversation, Message } from '../shared/api/chat.routes';
import { apiRoutes } from '../shared/api/routes';
import type { RouteSpec } from '../shared/api/route-spec';
import { clientCommands } from '../shared/protocol/events';
import type { Post, Space } from '../shared/api/spaces.routes';
import type { Ack } from '../shared/protocol/errors';
import { openTestDatabase, type TestDatabase } from './support/database';
import { createMember, uniqueHandle, type Member } from './support/members';
import { startTestServer, type TestServer, type TestSocket } from './support/server';

// Issue #12, items 11 and 12: input that looks valid but that PostgreSQL, the Markdown renderer or
// a reader's screen cannot take is refused at the shared schemas with `validation_failed`, never
// answered `internal`; names cannot be spoofed with invisible or direction-changing characters.

let testDb: TestDatabase;
let server: TestServer;
let member: Member;
let socket: TestSocket;
let space: Space;
let post: Post;
let chat: Conversation;
let loggedErrors: jest.SpyInstance;

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'broken \ud800 text';

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  member = await createMember(server.url, { handle: uniqueHandle('input') });
  const created = await member.call<Space>('POST', '/api/v1/spaces', { name: 'Input checks', slug: `input-${process.pid}` });
  if (created.status !== 201) throw new Error(`create space: ${created.status} ${JSON.stringify(created.body)}`);
  space = created.body;
  socket = await member.connect();
  const posted = await command<Post>('post:create', { spaceId: space.id, bodyMarkdown: 'The first post' });
  if ('error' in posted) throw new Error(`post:create: ${JSON.stringify(posted.error)}`);
  post = posted.data;
  chat = (await member.call<Conversation>('GET', `/api/v1/spaces/${space.id}/chat`)).body;
  loggedErrors = jest.spyOn(server.app.logger, 'error');
});

afterEach(() => {
  // Nothing a caller sends is the server's fault: no error line, ever.
  const logged = loggedErrors.mock.calls.map(([, message]: unknown[]) => message);
  loggedErrors.mockClear();
  expect(logged).toEqual([]);
});

afterAll(async () => {
  socket?.close();
  await server?.stop();
  await testDb?.close();
});

function command<T>(name: string, payload: unknown): Promise<Ack<T>> {
  return (socket.timeout(5_000).emitWithAck as (event: string, payload: unknown) => Promise<Ack<T>>)(name, payload);
}

async function expectProblem(answer: Promise<{ status: number; body: unknown; headers: Headers }>, status = 400, code = 'validation_failed') {
  const res = await answer;
  expect({ status: res.status, type: res.headers.get('content-type'), code: (res.body as { code?: string }).code }).toEqual({
    status,
    type: expect.stringContaining('application/problem+json'),
    code,
  });
  return res.body as { detail?: string; errors?: { path: string; message: string }[] };
}

async function expectRefusedAck(answer: Promise<Ack<unknown>>) {
  const ack = await answer;
  expect(ack).toEqual({ error: expect.objectContaining({ code: 'validation_failed' }) });
}

const cursorOf = (text: string) => Buffer.from(text).toString('base64url');
const query = (value: string) => encodeURIComponent(value);

describe('a NUL character in text a member writes', () => {
  test('when a post, comment or chat message holds one, then the command is refused as invalid', async () => {
    await expectRefusedAck(command('post:create', { spaceId: space.id, bodyMarkdown: NUL }));
    await expectRefusedAck(command('post:update', { postId: post.id, bodyMarkdown: NUL }));
    await expectRefusedAck(command('comment:create', { postId: post.id, bodyMarkdown: NUL }));
    await expectRefusedAck(command('chat:send', { conversationId: chat.id, clientId: 'nul-message-1', bodyMarkdown: NUL }));
    await expectProblem(member.call('POST', `/api/v1/chat/conversations/${chat.id}/messages`, { clientId: 'nul-message-2', bodyMarkdown: NUL }));
  });

  test('when a bio, location or space name holds one, then the change is refused with 400', async () => {
    await expectProblem(member.call('PATCH', '/api/v1/me/profile', { bio: NUL }));
    await expectProblem(member.call('PATCH', '/api/v1/me/profile', { location: NUL }));
    await expectProblem(member.call('POST', '/api/v1/spaces', { name: `Name ${NUL}`, slug: `nul-${process.pid}` }));
    await expectProblem(member.call('PATCH', `/api/v1/spaces/${space.id}`, { description: NUL }));
  });

  test('when a report note holds one, then the report is refused with 400', async () => {
    await expectProblem(member.call('POST', '/api/v1/reports', { targetKind: 'post', targetId: post.id, reason: 'spam', note: NUL }));
  });

  test('when a search or a lookup holds one, then it is refused with 400', async () => {
    await expectProblem(member.call('GET', `/api/v1/search?q=${query(NUL)}`));
    await expectProblem(member.call('GET', `/api/v1/chat/search?q=${query(NUL)}`));
    await expectProblem(member.call('GET', `/api/v1/spaces?q=${query(NUL)}`));
    await expectProblem(member.call('GET', `/api/v1/users?q=${query(NUL)}`));
    await expectProblem(member.call('GET', `/api/v1/spaces/${query(`x${NUL}`)}`));
    await expectProblem(member.call('POST', '/api/v1/me/blocks', { handle: NUL }));
  });
});

describe('a lone surrogate (text that is not valid Unicode)', () => {
  test('when a post or a message holds one, then the command is refused as invalid', async () => {
    await expectRefusedAck(command('post:create', { spaceId: space.id, bodyMarkdown: LONE_SURROGATE }));
    await expectRefusedAck(command('chat:send', { conversationId: chat.id, clientId: 'surrogate-message', bodyMarkdown: LONE_SURROGATE }));
    await expectRefusedAck(command('chat:edit', { messageId: chat.id, bodyMarkdown: LONE_SURROGATE }));
  });

  test('when a post holds a proper pair (an emoji), then it is accepted', async () => {
    const ack = await command<Post>('post:create', { spaceId: space.id, bodyMarkdown: 'A fire 🔥 in the hearth' });
    expect(ack).toEqual({ data: expect.objectContaining({ bodyMarkdown: 'A fire 🔥 in the hearth' }) });
  });
});

describe('cursors the server did not make', () => {
  const id = '0190a9b2-6f1e-7c3a-9d2b-1a2b3c4d5e6f';
  const valid = cursorOf(`2024-01-01T00:00:00.000Z|${id}`);

  test('when a stream cursor carries trailing junk, then it is refused with 400', async () => {
    expect((await member.call('GET', `/api/v1/stream?before=${valid}`)).status).toBe(200);
    await expectProblem(member.call('GET', `/api/v1/stream?before=${valid}!!!`));
    await expectProblem(member.call('GET', `/api/v1/stream?before=${valid}junk`));
    await expectProblem(member.call('GET', `/api/v1/stream?before=${valid}A`));
    await expectProblem(member.call('GET', `/api/v1/stream?before=${cursorOf(`2024-01-01T00:00:00.000Z|${id}|junk`)}`));
  });

  test('when a cursor is dated beyond what PostgreSQL holds, or names no uuid, then it is refused with 400', async () => {
    await expectProblem(member.call('GET', `/api/v1/stream?before=${cursorOf(`+275760-09-13T00:00:00.000Z|${id}`)}`));
    await expectProblem(member.call('GET', `/api/v1/spaces/${space.id}/posts?before=${cursorOf(`+275760-09-13T00:00:00.000Z|${id}`)}`));
    await expectProblem(member.call('GET', `/api/v1/stream?before=${cursorOf(`2024-01-01T00:00:00.000Z|${'-'.repeat(36)}`)}`));
  });

  test('when a directory cursor is bytes ff fe 00 41, then it is refused with 400', async () => {
    await expectProblem(member.call('GET', `/api/v1/spaces?cursor=${Buffer.from([0xff, 0xfe, 0x00, 0x41]).toString('base64url')}`));
    await expectProblem(member.call('GET', `/api/v1/spaces?cursor=${cursorOf('Input checks')}%25`));
    expect((await member.call('GET', `/api/v1/spaces?cursor=${cursorOf('Input checks')}`)).status).toBe(200);
  });
});

describe('numbers larger than the database columns', () => {
  test('when messages are asked before 9007199254740991, then it is refused with 400', async () => {
    await expectProblem(member.call('GET', `/api/v1/chat/conversations/${chat.id}/messages?before=9007199254740991`));
    expect((await member.call('GET', `/api/v1/chat/conversations/${chat.id}/messages?before=2147483647`)).status).toBe(200);
  });

  test('when a sequence number or version beyond int4 is sent, then it is refused as invalid', async () => {
    await expectProblem(member.call('POST', `/api/v1/spaces/${space.id}/read`, { seq: 9007199254740991 }));
    await expectProblem(member.call('POST', '/api/v1/guidelines/accept', { version: 2 ** 31, confirmAge: true }));
    await expectProblem(member.call('GET', `/api/v1/moderation/log?before=${2 ** 31}`));
    await expectRefusedAck(command('chat:read', { conversationId: chat.id, seq: 2 ** 40 }));
    await expectRefusedAck(command('stream:resume', { spaces: [{ spaceId: space.id, afterSeq: 2 ** 40 }] }));
    await expectRefusedAck(command('member:resume', { afterSeq: 2 ** 40 }));
  });
});

describe('a multipart upload that stops short', () => {
  test('when the body ends before the form does, then it is answered 400 and the server goes on', async () => {
    const boundary = 'hearthboundary';
    const partial = `--${boundary}\r\nContent-Disposition: form-data; name="avatar"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n`;
    const answer = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const url = new URL('/api/v1/me/avatar', server.url);
      const req = http.request(url, {
        method: 'PUT',
        headers: {
          cookie: member.cookie,
          'x-csrf-token': member.csrfToken,
          origin: server.url,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': Buffer.byteLength(partial, 'latin1'),
        },
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.end(partial, 'latin1');
    });

    expect({ status: answer.status, type: answer.type, code: (JSON.parse(answer.body) as { code: string }).code }).toEqual({
      status: 400,
      type: expect.stringContaining('application/problem+json'),
      code: 'validation_failed',
    });
    expect((await member.call('GET', '/api/v1/session')).status).toBe(200);
  });
});

describe('names that could pass for someone else', () => {
  test('when a display name is only zero-width or invisible characters, then it is refused with 400', async () => {
    for (const displayName of ['\u200b\u200b\u200b', '\u200d\ufeff', '\u3164', '\u2800 \u200c']) {
      const body = await expectProblem(member.call('PATCH', '/api/v1/me/profile', { displayName }));
      expect(body.errors).toEqual([expect.objectContaining({ path: 'displayName', message: expect.stringContaining('visible') })]);
    }
  });

  test('when a display name or space name holds a right-to-left override or another bidi control, then it is refused with 400', async () => {
    for (const control of ['\u202e', '\u202a', '\u2066', '\u2069', '\u200f', '\u200e', '\u061c']) {
      const body = await expectProblem(member.call('PATCH', '/api/v1/me/profile', { displayName: `Ada${control}nimda` }));
      expect(body.errors).toEqual([expect.objectContaining({ path: 'displayName', message: expect.stringContaining('direction') })]);
    }
    await expectProblem(member.call('POST', '/api/v1/spaces', { name: 'Official\u202e sfaets', slug: `bidi-${process.pid}` }));
    await expectProblem(member.call('PATCH', `/api/v1/spaces/${space.id}`, { name: '\u200b\u200b' }));
  });

  test('when a name is written with combining characters, then it is stored in NFC', async () => {
    const decomposed = 'Zoe\u0308 Cafe\u0301';
    const changed = await member.call<{ displayName: string }>('PATCH', '/api/v1/me/profile', { displayName: decomposed });
    expect(changed.status).toBe(200);
    expect(changed.body.displayName).toBe('Zoë Café');

    const renamed = await member.call<Space>('PATCH', `/api/v1/spaces/${space.id}`, { name: 'Cafe\u0301 talk' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Café talk');
  });

  test('when a name uses another script or an emoji, then it is accepted', async () => {
    for (const displayName of ['محمد', 'Łukasz 🔥', '李小龍']) {
      expect((await member.call('PATCH', '/api/v1/me/profile', { displayName })).status).toBe(200);
    }
  });

  test('when a handle is looked up with invisible characters, then it is refused, not matched', async () => {
    await expectProblem(member.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: `\u200b${member.user.handle}` }));
  });
});

describe('the server after all of that', () => {
  test('when a member acts normally, then the server answers as before', async () => {
    const ack = await command<Message>('chat:send', { conversationId: chat.id, clientId: 'after-all-that', bodyMarkdown: 'Still here' });
    expect(ack).toEqual({ data: expect.objectContaining({ bodyMarkdown: 'Still here' }) });
  });
});

// Every string a caller can send, found by walking the shared schemas themselves, so a field added
// later without the shared text() helper fails here rather than in production.

/** Compared with a stored hash, never stored or shown: refusing an old password's NUL would lock its owner out. */
const HASHED_ONLY = new Set(['signIn body.password', 'changePassword body.currentPassword', 'deleteAccount body.password', 'changeEmail body.currentPassword']);

/** Values one of which passes each plain text field, so the same value with a NUL or a lone surrogate must be refused for the field's own reason. */
const CANDIDATES = ['hello world', 'ab', 'abcdef', 'ada_lovelace', 'ada@example.org', 'a long and unusual passphrase', 'tok-0123456789abcdef0123', 'delete my account'];

type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType; element?: z.ZodType; options?: z.ZodType[] };
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The objects inside a schema (through optional, default, pipes, arrays and unions), each with its path. */
function objectsIn(schema: z.ZodType, path: string): { path: string; shape: Record<string, z.ZodType> }[] {
  const def = defOf(schema);
  if (def.type === 'object') {
    return [
      { path, shape: def.shape! },
      ...Object.entries(def.shape!).flatMap(([key, field]) => objectsIn(field, `${path}.${key}`)),
    ];
  }
  const inner = [def.innerType, def.in, def.element, ...(def.options ?? [])].filter((s): s is z.ZodType => Boolean(s));
  return inner.flatMap((s) => objectsIn(s, path));
}

const withNul = (value: string) => `${value.slice(0, 1)}\u0000${value.slice(1)}`;
const withLoneSurrogate = (value: string) => `${value}\ud800`;

/** "where field: what got through" for each string field that takes a NUL or a lone surrogate. */
function unguardedFields(where: string, schema: z.ZodType): string[] {
  const found: string[] = [];
  for (const object of objectsIn(schema, where)) {
    for (const [key, field] of Object.entries(object.shape)) {
      const path = `${object.path}.${key}`;
      if (HASHED_ONLY.has(path)) continue;
      for (const wrap of [(v: string) => v, (v: string) => [v]]) {
        const accepted = CANDIDATES.find((candidate) => field.safeParse(wrap(candidate)).success);
        if (accepted === undefined) continue;
        if (field.safeParse(wrap(withNul(accepted))).success) found.push(`${path}: NUL`);
        if (field.safeParse(wrap(withLoneSurrogate(accepted))).success) found.push(`${path}: lone surrogate`);
      }
    }
  }
  return found;
}

describe('every input the shared schemas describe', () => {
  test('when any REST parameter, query or body string holds a NUL or a lone surrogate, then its schema refuses it', () => {
    const found = (Object.entries(apiRoutes) as [string, RouteSpec][]).flatMap(([name, route]) => [
      ...(route.params ? unguardedFields(`${name} params`, route.params) : []),
      ...(route.query ? unguardedFields(`${name} query`, route.query) : []),
      ...(route.body ? unguardedFields(`${name} body`, route.body) : []),
    ]);
    expect(found).toEqual([]);
  });

  test('when any socket command payload string holds a NUL or a lone surrogate, then its schema refuses it', () => {
    const found = Object.entries(clientCommands).flatMap(([name, command]) => unguardedFields(`${name} payload`, command.payload));
    expect(found).toEqual([]);
  });
});
