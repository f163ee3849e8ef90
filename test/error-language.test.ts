// Errors are said in the caller's language: a problem document follows the request's
// Accept-Language, a socket's error acks its handshake language (docs/decisions/017, addendum).
import type { Space } from '../shared/api/spaces.routes';
import type { Ack, Problem } from '../shared/protocol/errors';
import { openTestDatabase, type TestDatabase } from './support/database';
import { call, createMember, uniqueHandle, type Member } from './support/members';
import { connectSocket, startTestServer, type TestServer, type TestSocket } from './support/server';

let testDb: TestDatabase;
let server: TestServer;
let host: Member;
let outsider: Member;
let space: Space;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  host = await createMember(server.url, { handle: uniqueHandle('host') });
  outsider = await createMember(server.url, { handle: uniqueHandle('outsider') });
  const created = await host.call<Space>('POST', '/api/v1/spaces', {
    name: 'Garden club',
    slug: `garden-${process.pid}`,
    visibility: 'public',
    joinPolicy: 'open',
  });
  if (created.status !== 201) throw new Error(`create space: ${created.status} ${JSON.stringify(created.body)}`);
  space = created.body;
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

const malformedSignUp = { email: 'not-an-email', displayName: 5, handle: '9lives', password: 'x' };

function signUp(headers: Record<string, string> = {}) {
  return call<Problem>(server.url, 'POST', '/api/v1/auth/sign-up', { body: malformedSignUp, headers });
}

async function connect(member: Member, options: { auth?: Record<string, unknown>; headers?: Record<string, string> } = {}): Promise<TestSocket> {
  const socket = await connectSocket(server.url, { extraHeaders: { cookie: member.cookie, ...options.headers }, auth: options.auth ?? {} });
  sockets.push(socket);
  return socket;
}

function command<T>(socket: TestSocket, name: string, payload: unknown): Promise<Ack<T>> {
  return (socket.timeout(5_000).emitWithAck as (event: string, payload: unknown) => Promise<Ack<T>>)(name, payload);
}

describe('REST problems', () => {
  test('when a request asks for no language, then a validation problem is in English', async () => {
    const res = await signUp();

    expect(res.status).toBe(400);
    expect(res.headers.get('content-language')).toBe('en');
    expect(res.body).toMatchObject({ code: 'validation_failed', title: 'The request is not valid' });
    const byPath = Object.fromEntries((res.body.errors ?? []).map((e) => [e.path, e.message]));
    expect(byPath).toMatchObject({
      handle: 'must be 3–30 characters: letters, digits or _, starting with a letter',
      password: 'must be at least 10 characters',
      displayName: 'Invalid input: expected string, received number',
    });
    expect(res.body.detail).toMatch(/^Invalid body: /);
  });

  test('when a request asks for French, then its title, detail and field messages are in French, with the same code', async () => {
    const res = await signUp({ 'accept-language': 'fr-CA, en;q=0.5' });

    expect(res.status).toBe(400);
    expect(res.headers.get('content-language')).toBe('fr');
    expect(res.body).toMatchObject({ code: 'validation_failed', type: 'urn:hearth:problem:validation_failed', title: 'La requête n’est pas valide' });
    const byPath = Object.fromEntries((res.body.errors ?? []).map((e) => [e.path, e.message]));
    expect(byPath).toMatchObject({
      // The schemas' own words, from the problems catalogue…
      handle: 'doit compter de 3 à 30 caractères : lettres, chiffres ou _, en commençant par une lettre',
      password: 'doit compter au moins 10 caractères',
      // …and zod's, from its French locale.
      displayName: 'Entrée invalide : chaîne de caractères attendu, nombre reçu',
    });
    expect(res.body.detail).toMatch(/^corps de la requête non valide : /);
  });

  test('when a problem has values, then they are filled into the translated sentence', async () => {
    const res = await outsider.call<Problem>('GET', '/api/v1/no-such-thing');
    const fr = await call<Problem>(server.url, 'GET', '/api/v1/no-such-thing', { headers: { 'accept-language': 'fr' } });
    const ar = await call<Problem>(server.url, 'GET', '/api/v1/no-such-thing', { headers: { 'accept-language': 'ar' } });

    expect(res.body).toMatchObject({ code: 'not_found', title: 'Not found', detail: 'No route for GET /api/v1/no-such-thing' });
    expect(fr.body).toMatchObject({ code: 'not_found', title: 'Introuvable', detail: 'Aucune route pour GET /api/v1/no-such-thing' });
    expect(ar.body).toMatchObject({ code: 'not_found', title: 'غير موجود', detail: 'لا يوجد مسار لـ GET /api/v1/no-such-thing' });
  });
});

describe('socket error acks', () => {
  test('when a socket gave no language, then a forbidden command is answered in English', async () => {
    const socket = await connect(outsider);

    const ack = await command(socket, 'post:create', { spaceId: space.id, bodyMarkdown: 'Hello' });

    expect(ack).toEqual({ error: { code: 'forbidden', message: 'Join this space to post in it' } });
  });

  test('when a socket said lang fr at its handshake, then a forbidden command is answered in French, with the same code', async () => {
    const socket = await connect(outsider, { auth: { lang: 'fr' } });

    const ack = await command(socket, 'post:create', { spaceId: space.id, bodyMarkdown: 'Bonjour' });

    expect(ack).toEqual({ error: { code: 'forbidden', message: 'Rejoignez cet espace pour y publier' } });
  });

  test('when a socket’s handshake only carried Accept-Language, then that language is used', async () => {
    const socket = await connect(outsider, { headers: { 'accept-language': 'ar' } });

    const ack = await command(socket, 'post:create', { spaceId: space.id, bodyMarkdown: 'مرحبا' });

    expect(ack).toEqual({ error: { code: 'forbidden', message: 'انضم إلى هذه المساحة لتنشر فيها' } });
  });

  test('when a French socket sends a malformed payload, then each field error is in French', async () => {
    const socket = await connect(host, { auth: { lang: 'fr' } });

    const ack = await command(socket, 'post:create', { spaceId: space.id, bodyMarkdown: 5 });

    expect(ack).toMatchObject({ error: { code: 'validation_failed', details: { errors: [{ path: 'bodyMarkdown', message: 'Entrée invalide : chaîne de caractères attendu, nombre reçu' }] } } });
    expect('error' in ack && ack.error.message).toMatch(/^contenu non valide : bodyMarkdown /);
  });

  test('when a handshake without a session is refused, then the refusal is in the language it asked for', async () => {
    const english = await connectSocket(server.url, {}).catch((error: Error & { data?: { code?: string } }) => error);
    const french = await connectSocket(server.url, { auth: { lang: 'fr' } }).catch((error: Error & { data?: { code?: string } }) => error);

    expect(english).toMatchObject({ data: { code: 'unauthorized' } });
    expect(french).toMatchObject({ data: { code: 'unauthorized' } });
    expect((english as Error).message).toBe('Sign in to connect');
    expect((french as Error).message).toBe('Connectez-vous pour rejoindre le direct');
  });
});

describe('a member who chose a language', () => {
  test('when a member chose French, then their problems and error acks are in French even when the request asks for none, and change with the choice', async () => {
    const member = await createMember(server.url, { handle: uniqueHandle('francophone') });
    expect((await member.call('PUT', '/api/v1/me/language', { language: 'fr' })).status).toBe(200);
    const socket = await connect(member);

    const problem = await member.call<Problem>('POST', '/api/v1/spaces', { name: '', slug: 'x', visibility: 'public', joinPolicy: 'open' });
    const ack = await command(socket, 'post:create', { spaceId: space.id, bodyMarkdown: 'Bonjour' });

    expect(problem.body).toMatchObject({ code: 'validation_failed', title: 'La requête n’est pas valide' });
    expect(ack).toEqual({ error: { code: 'forbidden', message: 'Rejoignez cet espace pour y publier' } });

    // Back to the browser's language, on the same connection: the next error follows.
    expect((await member.call('PUT', '/api/v1/me/language', { language: 'auto' })).status).toBe(200);
    expect(await command(socket, 'post:create', { spaceId: space.id, bodyMarkdown: 'Hello' })).toEqual({ error: { code: 'forbidden', message: 'Join this space to post in it' } });
  });
});
