import type { Session } from '../../../shared/api/accounts.routes';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { call, cookieFrom, createMember, memberFromCookie, signIn, uniqueHandle, type Member } from '../../../test/support/members';
import { connectSocket, nextEvent, startTestServer, type TestServer } from '../../../test/support/server';
import { ensureDefaultGuidelines } from './guidelines.service';

let testDb: TestDatabase;
let server: TestServer;
let admin: Member;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  admin = await createMember(server.url, { handle: uniqueHandle('admin') });
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
});

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

async function setPolicy(policy: 'open' | 'invite' | 'approval') {
  const res = await admin.call('PATCH', '/api/v1/admin/settings', { registrationPolicy: policy });
  expect(res.status).toBe(200);
}

function waitForDisconnect(socket: { once(event: 'disconnect', listener: (reason: string) => void): unknown }, ms = 1_000) {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still connected after ${ms} ms`)), ms);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

describe('the first account', () => {
  test('when the first member signs up on a fresh network, then they are its admin and must accept the guidelines', async () => {
    const freshDb = await openTestDatabase('pglite');
    const fresh = await startTestServer({ database: freshDb.database });
    try {
      const first = await createMember(fresh.url, { acceptGuidelines: false });
      const second = await createMember(fresh.url, { acceptGuidelines: false });

      expect(first.user.role).toBe('admin');
      expect(second.user.role).toBe('member');
      expect((await first.refreshSession()).guidelinesRequired).toBe(true);
    } finally {
      await fresh.stop();
      await freshDb.close();
    }
  });

  test('when an address is listed in ADMIN_EMAILS, then that account is created as admin', async () => {
    const own = await startTestServer({ database: testDb.database, env: { ADMIN_EMAILS: 'Chair@Example.org' } });
    try {
      const chair = await createMember(own.url, { email: 'chair@example.org' });
      expect(chair.user.role).toBe('admin');
    } finally {
      await own.stop();
    }
  });
});

describe('local sign-up, sign-in and sign-out', () => {
  test('when a newcomer signs up, then they are signed in with a session cookie and a CSRF token', async () => {
    const handle = uniqueHandle('ada');
    const res = await call<{ user: { handle: string; hasPassword: boolean; role: string }; signedIn: boolean }>(
      server.url,
      'POST',
      '/api/v1/auth/sign-up',
      { body: { email: `${handle}@example.org`, displayName: 'Ada Lovelace', handle, password: 'analytical engine notes' } },
    );

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ signedIn: true, user: { handle, hasPassword: true, role: 'member' } });
    const cookie = cookieFrom(res.response);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=Lax/i);
    const session = (await call<Session>(server.url, 'GET', '/api/v1/session', { cookie })).body;
    expect(session.user?.handle).toBe(handle);
    expect(session.csrfToken).toEqual(expect.any(String));
  });

  test('when a password breaks the rules, then each reason is given and no account is created', async () => {
    const handle = uniqueHandle('weak');
    const cases: [string, RegExp][] = [
      ['short', /at least 10 characters/],
      ['password123', /most common/],
      [`${handle}-is-me-ok`, /handle/],
      ['aaaaaaaaaaaa', /repeated/],
    ];
    for (const [password, reason] of cases) {
      const res = await call<{ code: string; errors?: { path: string; message: string }[] }>(server.url, 'POST', '/api/v1/auth/sign-up', {
        body: { email: `${handle}@example.org`, displayName: 'Weak', handle, password },
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors?.map((e) => e.message).join(' ')).toMatch(reason);
    }
    expect((await admin.call('GET', `/api/v1/users/${handle}`)).status).toBe(404);
  });

  test('when the email or handle is already in use, then sign-up answers 409 naming the field', async () => {
    const existing = await createMember(server.url);
    const res = await call<{ code: string; errors: { path: string }[] }>(server.url, 'POST', '/api/v1/auth/sign-up', {
      body: { email: existing.user.email, displayName: 'Copy', handle: existing.user.handle, password: 'another long passphrase' },
    });

    expect(res.status).toBe(409);
    expect(res.body.code).toBe('conflict');
    expect(res.body.errors.map((e) => e.path).sort()).toEqual(['email', 'handle']);
  });

  test('when a malformed sign-up arrives, then a validation problem names the fields', async () => {
    const res = await call<{ code: string; errors: { path: string }[] }>(server.url, 'POST', '/api/v1/auth/sign-up', {
      body: { email: 'not-an-email', displayName: '', handle: '9lives', password: 'x', admin: true },
    });

    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['email', 'handle', 'password']));
  });

  test('when a member signs in, then the session id is rotated and sign-out ends it', async () => {
    const member = await createMember(server.url);
    const res = await signIn(server.url, member.user.email!, member.password);

    expect(res.status).toBe(200);
    expect(res.cookie).toBeDefined();
    expect(res.cookie).not.toBe(member.cookie);

    const fresh = await memberFromCookie(server.url, res.cookie!, member.password);
    const out = await fresh.call<{ redirectUrl: string | null }>('POST', '/api/v1/auth/sign-out');
    expect(out.status).toBe(200);
    expect(out.body.redirectUrl).toBeNull();
    const after = (await call<Session>(server.url, 'GET', '/api/v1/session', { cookie: res.cookie })).body;
    expect(after.user).toBeNull();
  });

  test('when the password is wrong, then sign-in answers invalid_credentials, the same as for an unknown email', async () => {
    const member = await createMember(server.url);
    const wrong = await signIn(server.url, member.user.email!, 'not the password at all');
    const unknown = await signIn(server.url, 'nobody-here@example.org', 'not the password at all');

    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: 'invalid_credentials' });
    expect(unknown.body).toMatchObject({ code: 'invalid_credentials' });
  });

  test('when sign-in fails repeatedly for one account, then it is rate limited with 429 even with the right password', async () => {
    const member = await createMember(server.url);
    for (let i = 0; i < 5; i++) expect((await signIn(server.url, member.user.email!, `wrong guess ${i}`)).status).toBe(401);

    const blocked = await signIn(server.url, member.user.email!, member.password);

    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ code: 'rate_limited' });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  test('when sign-in fails from one address across many accounts, then that address is rate limited', async () => {
    const own = await startTestServer({ database: testDb.database, env: { SIGNIN_FAILURE_LIMIT_PER_HOUR: '30' } });
    try {
      let last = 0;
      for (let i = 0; i < 31; i++) last = (await signIn(own.url, `guess-${i}-${uniqueHandle()}@example.org`, 'not a password 123')).status;
      expect(last).toBe(429);
    } finally {
      await own.stop();
    }
  });
});

describe('sign-up limits', () => {
  test('when one address signs up more often than the hourly limit, then it gets 429 and no account', async () => {
    const own = await startTestServer({ database: testDb.database, env: { SIGNUP_LIMIT_PER_HOUR: '2' } });
    try {
      await createMember(own.url);
      await createMember(own.url);
      const third = await createMember(own.url).catch((error: Error) => error);
      expect(String(third)).toContain('429');
    } finally {
      await own.stop();
    }
  });
});

describe('CSRF protection', () => {
  test('when a signed-in request changes state without the CSRF token, then it is refused and nothing changes', async () => {
    const member = await createMember(server.url);
    const res = await call(server.url, 'PATCH', '/api/v1/me/profile', { body: { bio: 'hijacked' }, cookie: member.cookie });

    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'csrf_failed' });
    expect((await member.refreshSession()).user?.bio).toBe('');
  });

  test('when a request comes from another site, then it is refused even with the token', async () => {
    const member = await createMember(server.url);
    const res = await call(server.url, 'PATCH', '/api/v1/me/profile', {
      body: { bio: 'from evil' },
      cookie: member.cookie,
      csrfToken: member.csrfToken,
      headers: { origin: 'https://evil.example' },
    });

    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'csrf_failed' });
  });
});

describe('community guidelines', () => {
  test('when a member has not accepted the guidelines, then other APIs and socket commands answer guidelines_required', async () => {
    const member = await createMember(server.url, { acceptGuidelines: false });

    const rest = await member.call('PATCH', '/api/v1/me/profile', { bio: 'hello' });
    expect(rest.status).toBe(403);
    expect(rest.body).toMatchObject({ code: 'guidelines_required' });
    expect((await member.call('GET', `/api/v1/users/${admin.user.handle}`)).body).toMatchObject({ code: 'guidelines_required' });

    // The live connection opens (so the member hears of new versions), but commands are refused.
    const socket = await member.connect();
    try {
      const ping = await socket.timeout(2_000).emitWithAck('system:ping', { sentAt: 1 });
      expect(ping).toMatchObject({ data: { sentAt: 1 } });
    } finally {
      socket.close();
    }
  });

  test('when the member accepts the current version, then they pass and a consent record is kept', async () => {
    const member = await createMember(server.url, { acceptGuidelines: false });
    const current = (await call<{ version: number }>(server.url, 'GET', '/api/v1/guidelines')).body;

    const accepted = await member.call<Session>('POST', '/api/v1/guidelines/accept', { version: current.version });

    expect(accepted.status).toBe(200);
    expect(accepted.body.guidelinesRequired).toBe(false);
    expect((await member.call('PATCH', '/api/v1/me/profile', { bio: 'hello' })).status).toBe(200);
    const consents = await member.call<{ items: { version: number; acceptedAt: string }[] }>('GET', '/api/v1/me/consents');
    expect(consents.body.items).toEqual([{ version: current.version, acceptedAt: expect.any(String), ageConfirmed: false }]);
  });

  test('when an older version is accepted, then it is refused with 409', async () => {
    const member = await createMember(server.url, { acceptGuidelines: false });
    const current = (await call<{ version: number }>(server.url, 'GET', '/api/v1/guidelines')).body;

    const res = await member.call('POST', '/api/v1/guidelines/accept', { version: current.version + 1 });

    expect(res.status).toBe(409);
  });

  test('when a minimum age is set, then acceptance needs the age confirmation', async () => {
    await admin.call('PATCH', '/api/v1/admin/settings', { minimumAge: 16 });
    try {
      const member = await createMember(server.url, { acceptGuidelines: false });
      const current = (await call<{ version: number }>(server.url, 'GET', '/api/v1/guidelines')).body;

      const without = await member.call('POST', '/api/v1/guidelines/accept', { version: current.version });
      const withAge = await member.call('POST', '/api/v1/guidelines/accept', { version: current.version, confirmAge: true });

      expect(without.status).toBe(400);
      expect(without.body).toMatchObject({ code: 'validation_failed' });
      expect(withAge.status).toBe(200);
    } finally {
      await admin.call('PATCH', '/api/v1/admin/settings', { minimumAge: null });
    }
  });

  test('when an admin publishes a new version, then connected members are told live and must accept again', async () => {
    const member = await createMember(server.url);
    const outsider = await connectSocket(server.url).catch(() => undefined);
    const socket = await member.connect();
    try {
      const told = nextEvent<{ version: number }>(socket, 'guidelines:published');

      const published = await admin.call<{ version: number; bodyHtml: string }>('POST', '/api/v1/admin/guidelines', {
        bodyMarkdown: '# Be kind\n\n<script>alert(1)</script> [x](javascript:alert(1))',
      });

      expect(published.status).toBe(201);
      expect(published.body.bodyHtml).not.toContain('<script');
      expect(published.body.bodyHtml).not.toMatch(/href="javascript:/i);
      expect(await told).toEqual({ version: published.body.version });
      expect((await member.call('PATCH', '/api/v1/me/profile', { bio: 'x' })).body).toMatchObject({ code: 'guidelines_required' });
      const command = await socket.timeout(2_000).emitWithAck('system:ping', { sentAt: 2 });
      expect(command).toMatchObject({ data: { sentAt: 2 } });
      expect(outsider).toBeUndefined();
    } finally {
      socket.close();
      // Leave the shared admin able to act in later tests.
      const current = (await call<{ version: number }>(server.url, 'GET', '/api/v1/guidelines')).body;
      await admin.call('POST', '/api/v1/guidelines/accept', { version: current.version, confirmAge: true });
    }
  });

  test('when an admin publishes a version, then their own acceptance of it is recorded', async () => {
    const published = await admin.call<{ version: number }>('POST', '/api/v1/admin/guidelines', { bodyMarkdown: 'Be kind, again.' });

    const session = await admin.refreshSession();

    expect(session.guidelinesRequired).toBe(false);
    expect(session.user?.acceptedGuidelinesVersion).toBe(published.body.version);
  });

  test('when no account exists yet, then the auth config says the next sign-up creates the first account', async () => {
    const freshDb = await openTestDatabase('pglite');
    const fresh = await startTestServer({ database: freshDb.database });
    try {
      expect((await call(fresh.url, 'GET', '/api/v1/auth/config')).body).toMatchObject({ firstAccount: true });
      await createMember(fresh.url);
      expect((await call(fresh.url, 'GET', '/api/v1/auth/config')).body).toMatchObject({ firstAccount: false });
    } finally {
      await fresh.stop();
      await freshDb.close();
    }
  });

  test('when a non-admin tries to publish guidelines, then it is forbidden and nothing is published', async () => {
    const member = await createMember(server.url);
    const before = (await call<{ version: number }>(server.url, 'GET', '/api/v1/guidelines')).body.version;

    const res = await member.call('POST', '/api/v1/admin/guidelines', { bodyMarkdown: 'mine now' });

    expect(res.status).toBe(403);
    expect((await call<{ version: number }>(server.url, 'GET', '/api/v1/guidelines')).body.version).toBe(before);
  });

  test('when the default guidelines are ensured again, then no second version 1 appears', async () => {
    await ensureDefaultGuidelines(testDb.database.db);
    const versions = await admin.call<{ items: { version: number }[] }>('GET', '/api/v1/admin/guidelines');
    expect(versions.body.items.filter((v) => v.version === 1)).toHaveLength(1);
  });
});

describe('registration policy', () => {
  afterEach(() => setPolicy('open'));

  test('when the network is invite-only, then sign-up without an invitation is refused', async () => {
    await setPolicy('invite');
    const handle = uniqueHandle('noinv');
    const res = await call(server.url, 'POST', '/api/v1/auth/sign-up', {
      body: { email: `${handle}@example.org`, displayName: 'No invite', handle, password: 'a fine long passphrase' },
    });

    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'registration_closed' });
  });

  test('when an invitation allows one use, then the first newcomer joins with it and the second is refused', async () => {
    await setPolicy('invite');
    const invite = await admin.call<{ url: string }>('POST', '/api/v1/admin/invites', { expiresInHours: 2, maxUses: 1, note: 'for Grace' });
    expect(invite.status).toBe(201);
    const token = invite.body.url.split('/join/')[1]!;
    expect((await call(server.url, 'GET', `/api/v1/invites/${token}`)).body).toMatchObject({ valid: true });

    const grace = await createMember(server.url, { inviteToken: token });
    const second = await createMember(server.url, { inviteToken: token }).catch((error: Error) => error);

    expect(grace.user.status).toBe('active');
    expect(second).toBeInstanceOf(Error);
    expect(String(second)).toContain('invite_invalid');
    expect((await call(server.url, 'GET', `/api/v1/invites/${token}`)).body).toMatchObject({ valid: false });
  });

  test('when an invitation is revoked, then it no longer works', async () => {
    await setPolicy('invite');
    const invite = await admin.call<{ id: string; url: string }>('POST', '/api/v1/admin/invites', { maxUses: 5 });
    await admin.call('DELETE', `/api/v1/admin/invites/${invite.body.id}`);

    const res = await createMember(server.url, { inviteToken: invite.body.url.split('/join/')[1] }).catch((e: Error) => e);

    expect(String(res)).toContain('invite_invalid');
  });

  test('when the network needs approval, then a newcomer waits, cannot sign in, and can once an admin approves', async () => {
    await setPolicy('approval');
    const handle = uniqueHandle('wait');
    const email = `${handle}@example.org`;
    const password = 'patiently waiting here';
    const signUp = await call<{ signedIn: boolean; user: { id: string; status: string } }>(server.url, 'POST', '/api/v1/auth/sign-up', {
      body: { email, displayName: 'Waiting', handle, password },
    });
    expect(signUp.status).toBe(201);
    expect(signUp.body).toMatchObject({ signedIn: false, user: { status: 'pending' } });
    expect(cookieFrom(signUp.response)).toBeUndefined();
    expect((await signIn(server.url, email, password)).body).toMatchObject({ code: 'account_pending' });

    const queue = await admin.call<{ items: { id: string }[] }>('GET', '/api/v1/admin/users?status=pending');
    expect(queue.body.items.map((u) => u.id)).toContain(signUp.body.user.id);
    expect((await admin.call('POST', `/api/v1/admin/users/${signUp.body.user.id}/approve`)).status).toBe(200);

    expect((await signIn(server.url, email, password)).status).toBe(200);
  });
});

describe('profiles', () => {
  test('when a member edits their profile, then it shows on their profile page and their other tabs hear of it', async () => {
    const member = await createMember(server.url);
    const socket = await member.connect();
    try {
      const updated = nextEvent<{ bio: string }>(socket, 'me:updated');
      const res = await member.call('PATCH', '/api/v1/me/profile', {
        displayName: 'Grace Hopper',
        bio: 'Compilers and community',
        location: 'Arlington',
        interests: ['Gardening', 'gardening', 'repair cafés'],
      });

      expect(res.status).toBe(200);
      expect((await updated).bio).toBe('Compilers and community');
      const profile = await admin.call(`GET`, `/api/v1/users/${member.user.handle}`);
      expect(profile.body).toMatchObject({ displayName: 'Grace Hopper', location: 'Arlington', interests: ['gardening', 'repair cafés'] });
      expect(profile.body).not.toHaveProperty('email');
    } finally {
      socket.close();
    }
  });

  test('when a member takes a handle that is in use, then 409 and nothing changes', async () => {
    const member = await createMember(server.url);
    const res = await member.call('PATCH', '/api/v1/me/profile', { handle: admin.user.handle });

    expect(res.status).toBe(409);
    expect((await member.refreshSession()).user?.handle).toBe(member.user.handle);
  });

  test('when a member uploads an avatar, then members can fetch it and anonymous visitors cannot', async () => {
    const member = await createMember(server.url);
    const form = new FormData();
    form.append('avatar', new Blob([PNG], { type: 'image/png' }), 'me.png');
    const res = await fetch(`${server.url}/api/v1/me/avatar`, {
      method: 'PUT',
      headers: { cookie: member.cookie, 'x-csrf-token': member.csrfToken },
      body: form,
    });
    const me = (await res.json()) as { avatarUrl: string };

    expect(res.status).toBe(200);
    expect(me.avatarUrl).toMatch(new RegExp(`^/api/v1/users/${member.user.id}/avatar\\?v=1$`));
    const image = await fetch(`${server.url}${me.avatarUrl}`, { headers: { cookie: admin.cookie } });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    // Re-encoded on upload (metadata stripped, issue #12 item 10): a PNG, no longer the same bytes.
    expect(Buffer.from(await image.arrayBuffer()).subarray(0, 8).equals(PNG.subarray(0, 8))).toBe(true);
    expect((await fetch(`${server.url}${me.avatarUrl}`)).status).toBe(401);
  });

  test('when an avatar is not an image or too large, then it is refused with 415 or 413', async () => {
    const member = await createMember(server.url);
    const upload = (bytes: Buffer, type: string) => {
      const form = new FormData();
      form.append('avatar', new Blob([bytes], { type }), 'file');
      return fetch(`${server.url}/api/v1/me/avatar`, { method: 'PUT', headers: { cookie: member.cookie, 'x-csrf-token': member.csrfToken }, body: form });
    };

    const html = await upload(Buffer.from('<html><script>alert(1)</script></html>'), 'image/png');
    const huge = await upload(Buffer.concat([PNG, Buffer.alloc(1024 * 1024 + 10)]), 'image/png');

    expect(html.status).toBe(415);
    expect(huge.status).toBe(413);
    expect((await member.refreshSession()).user?.avatarUrl).toBeNull();
  });

  test('when a member changes their password, then their other sessions end and the new password works', async () => {
    const member = await createMember(server.url);
    const other = await signIn(server.url, member.user.email!, member.password);
    const otherSocket = await connectSocket(server.url, { extraHeaders: { cookie: other.cookie! } });
    const cut = waitForDisconnect(otherSocket);

    const res = await member.call('POST', '/api/v1/me/password', { currentPassword: member.password, newPassword: 'a brand new passphrase' });

    expect(res.status).toBe(200);
    await cut;
    expect((await call<Session>(server.url, 'GET', '/api/v1/session', { cookie: other.cookie })).body.user).toBeNull();
    expect((await member.refreshSession()).user).not.toBeNull();
    expect((await signIn(server.url, member.user.email!, 'a brand new passphrase')).status).toBe(200);
  });
});

describe('the live connection and the session', () => {
  test('when a member signs out, then every live socket of that session is cut within a second', async () => {
    const member = await createMember(server.url);
    const [a, b] = await Promise.all([member.connect(), member.connect()]);
    const ended = nextEvent<{ reason: string }>(a, 'session:ended', 1_000);
    const cutA = waitForDisconnect(a);
    const cutB = waitForDisconnect(b);

    await member.call('POST', '/api/v1/auth/sign-out');

    await Promise.all([cutA, cutB]);
    await expect(ended).resolves.toEqual({ reason: 'signed_out' });
    await expect(member.connect()).rejects.toThrow();
  });

  test('when a member is suspended, then their sockets are cut within a second and they cannot sign in or reconnect', async () => {
    const member = await createMember(server.url);
    const socket = await member.connect();
    const cut = waitForDisconnect(socket);

    const res = await admin.call('PATCH', `/api/v1/admin/users/${member.user.id}`, { status: 'suspended' });

    expect(res.status).toBe(200);
    await cut;
    expect(((await member.connect().catch((e: unknown) => e)) as Error).message).toBeDefined();
    expect((await signIn(server.url, member.user.email!, member.password)).body).toMatchObject({ code: 'account_suspended' });

    await admin.call('PATCH', `/api/v1/admin/users/${member.user.id}`, { status: 'active' });
    expect((await signIn(server.url, member.user.email!, member.password)).status).toBe(200);
  });

  test('when a suspension ends by itself, then the member can sign in again', async () => {
    const member = await createMember(server.url);
    await admin.call('PATCH', `/api/v1/admin/users/${member.user.id}`, {
      status: 'suspended',
      suspendedUntil: new Date(Date.now() + 1_500).toISOString(),
    });
    expect((await signIn(server.url, member.user.email!, member.password)).status).toBe(403);

    await new Promise((resolve) => setTimeout(resolve, 1_600));

    expect((await signIn(server.url, member.user.email!, member.password)).status).toBe(200);
  });
});

describe('deleting an account', () => {
  test('when a member deletes their account, then their personal data is gone, their sockets drop and they cannot sign in', async () => {
    const member = await createMember(server.url, { displayName: 'Temporary Tess' });
    await member.call('PATCH', '/api/v1/me/profile', { bio: 'about me', location: 'Leeds' });
    const socket = await member.connect();
    const cut = waitForDisconnect(socket);

    const wrong = await member.call('DELETE', '/api/v1/me', { password: 'not it at all', confirm: 'delete my account' });
    expect(wrong.status).toBe(401);

    const res = await member.call('DELETE', '/api/v1/me', { password: member.password, confirm: 'delete my account' });

    expect(res.status).toBe(200);
    await cut;
    expect((await signIn(server.url, member.user.email!, member.password)).status).toBe(401);
    expect((await admin.call('GET', `/api/v1/users/${member.user.handle}`)).status).toBe(404);
    const listed = await admin.call<{ items: { id: string; email: string | null; displayName: string; bio: string; status: string }[] }>(
      'GET',
      '/api/v1/admin/users?status=deleted',
    );
    expect(listed.body.items.find((u) => u.id === member.user.id)).toMatchObject({
      email: null,
      displayName: 'Deleted member',
      bio: '',
      status: 'deleted',
    });
  });

  test('when the only admin tries to delete their account, then it is refused until another admin exists', async () => {
    const freshDb = await openTestDatabase('pglite');
    const fresh = await startTestServer({ database: freshDb.database });
    try {
      const only = await createMember(fresh.url);
      const res = await only.call('DELETE', '/api/v1/me', { password: only.password, confirm: 'delete my account' });
      expect(res.status).toBe(409);
    } finally {
      await fresh.stop();
      await freshDb.close();
    }
  });
});

describe('admin permissions', () => {
  test.each([
    ['GET', '/api/v1/admin/settings', undefined],
    ['PATCH', '/api/v1/admin/settings', { registrationPolicy: 'open' }],
    ['GET', '/api/v1/admin/users', undefined],
    ['POST', '/api/v1/admin/invites', {}],
    ['GET', '/api/v1/admin/invites', undefined],
    ['GET', '/api/v1/admin/guidelines', undefined],
  ])('when a member who is not an admin calls %s %s, then it is forbidden', async (method, path, body) => {
    const member = await createMember(server.url);
    const res = await member.call(method, path, body);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'forbidden' });
  });

  test('when a member tries to suspend someone, then it is forbidden and the target stays active', async () => {
    const member = await createMember(server.url);
    const target = await createMember(server.url);

    expect((await member.call('PATCH', `/api/v1/admin/users/${target.user.id}`, { status: 'suspended' })).status).toBe(403);
    expect((await target.refreshSession()).user?.status).toBe('active');
  });

  test('when an anonymous visitor calls a member API, then it answers 401', async () => {
    expect((await call(server.url, 'GET', `/api/v1/users/${admin.user.handle}`)).status).toBe(401);
    expect((await call(server.url, 'GET', '/api/v1/admin/users')).status).toBe(401);
  });

  test('when the admin pages through members, then the cursor gives the next page without repeats', async () => {
    await Promise.all([createMember(server.url), createMember(server.url), createMember(server.url)]);
    const first = await admin.call<{ items: { id: string }[]; nextCursor: string }>('GET', '/api/v1/admin/users?limit=2');
    const second = await admin.call<{ items: { id: string }[] }>('GET', `/api/v1/admin/users?limit=2&cursor=${first.body.nextCursor}`);

    expect(first.body.items).toHaveLength(2);
    expect(second.body.items).toHaveLength(2);
    expect(second.body.items.map((u) => u.id)).not.toEqual(expect.arrayContaining(first.body.items.map((u) => u.id)));
    expect((await admin.call('GET', '/api/v1/admin/users?cursor=garbage')).status).toBe(400);
  });
});

describe('finding members', () => {
  test('when a member types the start of a handle or of a name, then active members match, handles first, and deleted ones never', async () => {
    const stem = `zq${process.pid % 1000}`;
    const byHandle = await createMember(server.url, { handle: `${stem}_rowan`, displayName: 'Rowan Field' });
    const byName = await createMember(server.url, { handle: uniqueHandle('other'), displayName: `Mara ${stem}son` });
    const gone = await createMember(server.url, { handle: `${stem}_gone`, displayName: 'Gone Soon' });
    expect((await gone.call('DELETE', '/api/v1/me', { password: gone.password, confirm: 'delete my account' })).status).toBe(200);

    const found = await byName.call<{ items: { id: string }[] }>('GET', `/api/v1/users?q=${stem}`);
    expect(found.status).toBe(200);
    expect(found.body.items.map((u) => u.id)).toEqual([byHandle.user.id, byName.user.id]);
    expect((await byName.call<{ items: unknown[] }>('GET', `/api/v1/users?q=@${stem}_r`)).body.items).toHaveLength(1);
    // LIKE's wildcards are plain characters here.
    expect((await byName.call<{ items: unknown[] }>('GET', '/api/v1/users?q=%25')).body.items).toEqual([]);
    expect((await byName.call('GET', '/api/v1/users?q=')).status).toBe(400);
    expect((await call(server.url, 'GET', `/api/v1/users?q=${stem}`)).status).toBe(401);
  });
});
