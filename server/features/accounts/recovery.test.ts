// Getting back in without an admin, against a real SMTP server on loopback.
import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { accountTokens, users } from '../../core/db/schema';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database';
import { call, createMember, signIn, uniqueHandle, type Member } from '../../../test/support/members';
import { nextEvent, startTestServer, type TestServer } from '../../../test/support/server';
import { startSmtp, type TestSmtp } from '../../../test/support/smtp';

let testDb: TestDatabase;
let server: TestServer;
let smtp: TestSmtp;
let admin: Member;

beforeAll(async () => {
  smtp = await startSmtp();
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database, env: { SMTP_URL: smtp.url, SITE_NAME: 'Riverside Mutual Aid' } });
  admin = await createMember(server.url, { handle: uniqueHandle('admin') });
});

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
  await smtp?.close();
});

const emailOf = (member: Member) => member.user.email!;

/** A new member whose sign-up confirmation mail has left already (so it is not taken for the mail a test waits for). */
async function newMember(prefix: string): Promise<Member> {
  const member = await createMember(server.url, { handle: uniqueHandle(prefix) });
  await server.app.settle();
  return member;
}

function tokenIn(raw: string, path: string): string {
  const match = new RegExp(`${path}\\?token=([A-Za-z0-9_-]{43})`).exec(raw);
  if (!match) throw new Error(`no ${path} link in:\n${raw}`);
  return match[1]!;
}

async function requestReset(email: string) {
  return call<{ accepted: boolean }>(server.url, 'POST', '/api/v1/password-reset', { body: { email } });
}

test('when a member who forgot their password asks for a link, then the mail brings a single-use link that sets a new password and ends every other session', async () => {
  const member = await newMember('forgot');
  const otherDevice = await signIn(server.url, emailOf(member), member.password);
  const socket = await member.connect();
  try {
    const since = smtp.inbox.length;
    const asked = await requestReset(emailOf(member));
    expect([asked.status, asked.body]).toEqual([202, { accepted: true }]);
    await server.app.settle();
    const mail = await smtp.mailTo(emailOf(member), { since });
    expect(mail.raw).toContain('Choose a new password for Riverside Mutual Aid');
    const token = tokenIn(mail.raw, '/reset-password');

    // Only the token's hash is stored.
    const rows = await testDb.database.db
      .select()
      .from(accountTokens)
      .where(and(eq(accountTokens.userId, member.user.id), eq(accountTokens.purpose, 'password-reset')));
    expect(rows.map((r) => r.tokenHash)).toEqual([createHash('sha256').update(token).digest('hex')]);
    expect(JSON.stringify(rows)).not.toContain(token);

    expect((await call(server.url, 'GET', `/api/v1/password-reset/${token}`)).body).toMatchObject({ valid: true });
    const ended = nextEvent<{ reason: string }>(socket, 'session:ended', 5_000);
    const set = await call(server.url, 'POST', '/api/v1/password-reset/confirm', { body: { token, password: 'a brand new harbour lantern' } });
    expect(set.status).toBe(200);
    expect(await ended).toEqual({ reason: 'password_changed' });

    // Both old sessions are over; the old password no longer opens the account, the new one does.
    for (const cookie of [member.cookie, otherDevice.cookie]) {
      expect((await call<{ user: unknown }>(server.url, 'GET', '/api/v1/session', { cookie })).body.user).toBeNull();
    }
    expect((await signIn(server.url, emailOf(member), member.password)).status).toBe(401);
    expect((await signIn(server.url, emailOf(member), 'a brand new harbour lantern')).status).toBe(200);

    // Single use.
    const again = await call<{ code: string }>(server.url, 'POST', '/api/v1/password-reset/confirm', { body: { token, password: 'yet another long passphrase' } });
    expect([again.status, again.body.code]).toEqual([400, 'validation_failed']);
    expect((await call(server.url, 'GET', `/api/v1/password-reset/${token}`)).body).toEqual({ valid: false, expiresAt: null });
  } finally {
    socket.disconnect();
  }
});

test('when someone asks for a reset of an address with no account, then the answer is the same and no mail leaves; a link past its hour does not work', async () => {
  const member = await newMember('expired');
  const since = smtp.inbox.length;
  const unknown = await requestReset(`nobody-${uniqueHandle()}@example.org`);
  const known = await requestReset(emailOf(member));
  expect([unknown.status, unknown.body]).toEqual([known.status, known.body]);
  expect(Object.fromEntries(unknown.headers)).toMatchObject({ 'content-type': known.headers.get('content-type') });
  await server.app.settle();
  const mail = await smtp.mailTo(emailOf(member), { since });
  expect(smtp.inbox.slice(since)).toHaveLength(1);

  const token = tokenIn(mail.raw, '/reset-password');
  await testDb.database.db.update(accountTokens).set({ expiresAt: sql`now() - interval '1 minute'` }).where(eq(accountTokens.userId, member.user.id));
  const late = await call<{ code: string }>(server.url, 'POST', '/api/v1/password-reset/confirm', { body: { token, password: 'a brand new harbour lantern' } });
  expect([late.status, late.body.code]).toEqual([400, 'validation_failed']);
  expect((await signIn(server.url, emailOf(member), member.password)).status).toBe(200);
});

test('when one address is asked for again and again, then at most three links an hour leave, each retiring the one before, and the answer never changes', async () => {
  const member = await newMember('often');
  const since = smtp.inbox.length;
  for (let i = 0; i < 5; i++) expect((await requestReset(emailOf(member))).status).toBe(202);
  await server.app.settle();
  await smtp.mailTo(emailOf(member), { since });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const mails = smtp.inbox.slice(since).filter((m) => m.to.includes(emailOf(member)));
  expect(mails).toHaveLength(3);
  // Mails may leave in any order; whichever was issued last is the only one in force.
  const states = await Promise.all(
    mails.map(async (m) => (await call<{ valid: boolean }>(server.url, 'GET', `/api/v1/password-reset/${tokenIn(m.raw, '/reset-password')}`)).body.valid),
  );
  expect(states.filter(Boolean)).toHaveLength(1);
});

test('when an admin sends a member a password link, then it arrives in the member’s language; a member who is not an admin cannot', async () => {
  const member = await newMember('french');
  expect((await member.call('PUT', '/api/v1/me/language', { language: 'fr' })).status).toBe(200);
  const since = smtp.inbox.length;
  expect((await admin.call('POST', `/api/v1/admin/members/${member.user.id}/password-reset`)).status).toBe(202);
  await server.app.settle();
  const mail = await smtp.mailTo(emailOf(member), { since });
  expect(mail.raw).toContain('Choisissez un nouveau mot de passe pour Riverside Mutual Aid');
  expect(mail.raw).toContain('Un administrateur de Riverside Mutual Aid');
  const refused = await member.call<{ code: string }>('POST', `/api/v1/admin/members/${admin.user.id}/password-reset`);
  expect([refused.status, refused.body.code]).toEqual([403, 'forbidden']);
  expect((await admin.call('POST', `/api/v1/admin/members/00000000-0000-4000-8000-000000000000/password-reset`)).status).toBe(404);
});

test('when a new member confirms their address with the mailed link, then it is verified once; a malformed token is a 400, never a crash', async () => {
  const member = await newMember('verify');
  const verifiedAt = async () => (await testDb.database.db.select({ at: users.emailVerifiedAt }).from(users).where(eq(users.id, member.user.id)))[0]!.at;
  expect(await verifiedAt()).toBeNull();
  const since = smtp.inbox.length;
  expect((await member.call('POST', '/api/v1/me/email/verification')).status).toBe(202);
  await server.app.settle();
  const token = tokenIn((await smtp.mailTo(emailOf(member), { since })).raw, '/verify-email');
  expect((await call(server.url, 'POST', '/api/v1/email-verification/confirm', { body: { token } })).status).toBe(200);
  expect(await verifiedAt()).toBeInstanceOf(Date);
  expect((await call(server.url, 'POST', '/api/v1/email-verification/confirm', { body: { token } })).status).toBe(400);
  const already = await member.call<{ code: string }>('POST', '/api/v1/me/email/verification');
  expect([already.status, already.body.code]).toEqual([409, 'conflict']);

  for (const body of [{ token: 'short' }, { token: 'x'.repeat(43), extra: 1 }, { token: 42 }, {}]) {
    const bad = await call<{ code: string }>(server.url, 'POST', '/api/v1/email-verification/confirm', { body });
    expect([bad.status, bad.body.code]).toEqual([400, 'validation_failed']);
  }
  expect((await call(server.url, 'GET', '/api/v1/password-reset/not-a-token')).status).toBe(400);
});
