import type { LanguageSetting, Session } from '../shared/api/accounts.routes';
import { openTestDatabase, type TestDatabase } from './support/database';
import { call, createMember, memberFromCookie, signIn, uniqueHandle, type Member } from './support/members';
import { startTestServer, type TestServer } from './support/server';

// The member's language setting (issue #13): PUT /api/v1/me/language saves it, the session answers
// it so every device follows, and the server writes mail in it, else in the browser's language
// seen at the last sign-in.

let testDb: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

const chooseLanguage = (member: Member, body: unknown) => member.call<LanguageSetting & { code?: string }>('PUT', '/api/v1/me/language', body);

async function sessionLanguage(member: Member): Promise<Session['language']> {
  return (await member.refreshSession()).language;
}

describe('choosing a language', () => {
  test('when a member has never chosen, then the session says auto', async () => {
    const member = await createMember(server.url);

    expect(await sessionLanguage(member)).toBe('auto');
  });

  test('when a member chooses French, then it is saved, the session answers it and the server writes to them in French', async () => {
    const member = await createMember(server.url);

    const res = await chooseLanguage(member, { language: 'fr' });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ language: 'fr', mailLanguage: 'fr' });
    expect(await sessionLanguage(member)).toBe('fr');
    expect(await server.app.platform.languages.of(member.user.id)).toBe('fr');
    // A page they ask for from an English browser is still in their language.
    expect(await server.app.platform.languages.forRequest({ headers: { 'accept-language': 'en-GB' } }, member.user.id)).toBe('fr');
  });

  test('when a member signs in on another device, then that session answers the language they chose', async () => {
    const member = await createMember(server.url);
    expect((await chooseLanguage(member, { language: 'ar' })).status).toBe(200);

    const other = await signIn(server.url, member.user.email!, member.password);
    const session = (await call<Session>(server.url, 'GET', '/api/v1/session', { cookie: other.cookie })).body;

    expect(session.language).toBe('ar');
  });

  test('when a member goes back to "as my browser", then the session says auto again', async () => {
    const member = await createMember(server.url);
    await chooseLanguage(member, { language: 'fr' });

    const res = await chooseLanguage(member, { language: 'auto' });

    expect(res.status).toBe(200);
    expect(res.body.language).toBe('auto');
    expect(await sessionLanguage(member)).toBe('auto');
  });

  test('when a newcomer has not accepted the guidelines yet, then they can still choose the language they read them in', async () => {
    const newcomer = await createMember(server.url, { acceptGuidelines: false });

    const res = await chooseLanguage(newcomer, { language: 'fr' });

    expect(res.status).toBe(200);
    expect((await newcomer.refreshSession()).language).toBe('fr');
  });

  test('when a signed-out visitor reads the session, then it names no language', async () => {
    const res = await call<Session>(server.url, 'GET', '/api/v1/session');

    expect(res.status).toBe(200);
    expect(res.body.language).toBeNull();
  });
});

describe('untrusted input', () => {
  test.each([
    ['a language Hearth does not speak', { language: 'de' }],
    ['a full tag instead of a language', { language: 'fr-FR' }],
    ['no language', {}],
    ['a number', { language: 1 }],
    ['an unknown field', { language: 'fr', userId: '00000000-0000-4000-8000-000000000000' }],
  ])('when the body has %s, then it is validation_failed and nothing changes', async (_case, body) => {
    const member = await createMember(server.url);
    await chooseLanguage(member, { language: 'ar' });

    const res = await chooseLanguage(member, body);

    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('validation_failed');
    expect(await sessionLanguage(member)).toBe('ar');
  });
});

describe('only the member sets their language', () => {
  test('when another member chooses a language, then mine does not change', async () => {
    const me = await createMember(server.url);
    const other = await createMember(server.url);
    await chooseLanguage(me, { language: 'fr' });

    expect((await chooseLanguage(other, { language: 'ar' })).status).toBe(200);

    expect(await sessionLanguage(me)).toBe('fr');
    expect(await server.app.platform.languages.of(me.user.id)).toBe('fr');
    expect(await sessionLanguage(other)).toBe('ar');
  });

  test('when a signed-out visitor tries to set a language, then it is unauthorized', async () => {
    const res = await call<{ code: string }>(server.url, 'PUT', '/api/v1/me/language', { body: { language: 'fr' } });

    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');
  });

  test('when a request carries the session cookie but not its CSRF token, then it is refused and nothing changes', async () => {
    const member = await createMember(server.url);

    const res = await call<{ code: string }>(server.url, 'PUT', '/api/v1/me/language', { body: { language: 'fr' }, cookie: member.cookie });

    expect(res.status).toBe(403);
    expect(await sessionLanguage(member)).toBe('auto');
  });
});

describe('the language mail is written in', () => {
  test('when a member on "auto" signs in from a French browser, then the server writes to them in French until they sign in from another', async () => {
    const member = await createMember(server.url);
    expect(await server.app.platform.languages.of(member.user.id)).toBe('en');

    const french = await call(server.url, 'POST', '/api/v1/auth/sign-in', {
      body: { email: member.user.email, password: member.password },
      headers: { 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' },
    });
    expect(french.status).toBe(200);
    expect(await server.app.platform.languages.of(member.user.id)).toBe('fr');

    await call(server.url, 'POST', '/api/v1/auth/sign-in', {
      body: { email: member.user.email, password: member.password },
      headers: { 'accept-language': 'ar-EG' },
    });
    expect(await server.app.platform.languages.of(member.user.id)).toBe('ar');
  });

  test('when a member who chose English signs in from an Arabic browser, then their choice wins, and "auto" gives the browser back', async () => {
    const member = await createMember(server.url);
    await chooseLanguage(member, { language: 'en' });

    const signedIn = await call(server.url, 'POST', '/api/v1/auth/sign-in', {
      body: { email: member.user.email, password: member.password },
      headers: { 'accept-language': 'ar' },
    });
    expect(signedIn.status).toBe(200);
    expect(await server.app.platform.languages.of(member.user.id)).toBe('en');

    const res = await chooseLanguage(member, { language: 'auto' });
    expect(res.body).toEqual({ language: 'auto', mailLanguage: 'ar' });
    expect(await server.app.platform.languages.of(member.user.id)).toBe('ar');
  });

  test('when a newcomer signs up from a French browser, then the server writes to them in French', async () => {
    const handle = uniqueHandle('lea');
    const res = await call(server.url, 'POST', '/api/v1/auth/sign-up', {
      body: { email: `${handle}@example.org`, displayName: 'Léa', handle, password: 'a long and unusual passphrase' },
      headers: { 'accept-language': 'fr-FR' },
    });
    expect(res.status).toBe(201);
    const cookie = res.response.headers.getSetCookie().find((c) => c.startsWith('hearth.sid='))!.split(';')[0]!;
    const member = await memberFromCookie(server.url, cookie, 'a long and unusual passphrase');

    expect(await server.app.platform.languages.of(member.user.id)).toBe('fr');
    expect(await sessionLanguage(member)).toBe('auto');
  });

  test('when a sign-in fails, then the browser language kept for mail does not change', async () => {
    const member = await createMember(server.url);

    const res = await call(server.url, 'POST', '/api/v1/auth/sign-in', {
      body: { email: member.user.email, password: 'not the right password' },
      headers: { 'accept-language': 'fr' },
    });

    expect(res.status).toBe(401);
    expect(await server.app.platform.languages.of(member.user.id)).toBe('en');
  });
});
