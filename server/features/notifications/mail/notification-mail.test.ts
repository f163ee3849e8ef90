// Notification email against a real SMTP server on loopback (decision 022).
import { and, eq, inArray } from 'drizzle-orm';
import type { Space } from '../../../../shared/api/spaces.routes';
import { notifications, users } from '../../../core/db/schema';
import { useTestServer } from '../../../../test/support/harness';
import { call, createMember, uniqueHandle, type Member } from '../../../../test/support/members';
import { commandAs } from '../../../../test/support/server';
import { startSmtp, tokenAfter, unfolded, type ReceivedMail } from '../../../../test/support/smtp';
import { DIGEST_JOB, IMMEDIATE_JOB } from './notification-mail.module';

const SITE = 'Riverside Mutual Aid';
const MINUTE = 60_000;

/** Addresses the SMTP server refuses for good (550). */
const refused = new Set<string>();

const ctx = useTestServer({
  services: { smtp: () => startSmtp({ rejects: (address) => refused.has(address) }) },
  env: ({ smtp }) => ({ SMTP_URL: smtp.url, SITE_NAME: SITE }),
});

const db = () => ctx.testDb.database.db;
const emailOf = (member: Member) => member.user.email!;

/** Members whose address is confirmed (as by the link), their sign-up mail already sent. */
async function confirmedMembers<const P extends readonly string[]>(...prefixes: P): Promise<{ [K in keyof P]: Member }> {
  const made = await Promise.all(prefixes.map((prefix) => createMember(ctx.server.url, { handle: uniqueHandle(prefix) })));
  await db()
    .update(users)
    .set({ emailVerifiedAt: new Date() })
    .where(inArray(users.id, made.map((m) => m.user.id)));
  await ctx.server.app.settle();
  return made as { [K in keyof P]: Member };
}

async function spaceOf(host: Member, visibility: 'public' | 'private' | 'secret', joinPolicy: 'open' | 'request' | 'invite'): Promise<Space> {
  const res = await host.call<Space>('POST', '/api/v1/spaces', { name: `Allotment ${uniqueHandle('s')}`, slug: uniqueHandle('allot').replace(/_/g, '-'), visibility, joinPolicy });
  expect(res.status).toBe(201);
  return res.body;
}

/** Runs a job as the schedule would at `at`, and waits for the mail it queued to be sent. */
async function runAt(job: string, at: Date): Promise<void> {
  await ctx.server.app.platform.jobs.enqueue(db(), { kind: job, payload: { at: at.toISOString() } });
  await ctx.server.app.settle();
}

const later = (ms: number) => new Date(Date.now() + ms);

/** Notification mail to the address after `since` (sign-up confirmation mail left out). */
const mailsTo = (address: string, since: number): ReceivedMail[] =>
  ctx.smtp.inbox.slice(since).filter((mail) => mail.to.includes(address) && !mail.raw.includes('Confirm your email address'));

/** Headers unfolded (a long header goes on over lines that start with white space). */
async function askToJoin(host: Member, asker: Member): Promise<Space> {
  const space = await spaceOf(host, 'public', 'request');
  expect((await asker.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBe(200);
  await ctx.server.app.settle();
  return space;
}

const stateOf = async (member: Member) =>
  (await db().select({ emailState: notifications.emailState }).from(notifications).where(eq(notifications.userId, member.user.id))).map((row) => row.emailState);

describe('immediate mail', () => {
  test('when a notification is still unread after the delay, then one mail with an HTML and a text part and both unsubscribe headers reaches the member; none before the delay', async () => {
    const [host, ann] = await confirmedMembers('host', 'ann');
    const since = ctx.smtp.inbox.length;
    const space = await askToJoin(host, ann);
    expect(await stateOf(host)).toEqual(['due']);

    await runAt(IMMEDIATE_JOB, later(MINUTE));
    expect(mailsTo(emailOf(host), since)).toEqual([]);

    await runAt(IMMEDIATE_JOB, later(11 * MINUTE));
    const [mail, ...more] = mailsTo(emailOf(host), since);
    expect(more).toEqual([]);
    const raw = unfolded(mail!.raw);
    expect(raw).toContain(`Subject: ${ann.user.displayName} asked to join ${space.name}\r\n`);
    expect(raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(raw).toMatch(/Content-Type: text\/plain/);
    expect(raw).toMatch(/Content-Type: text\/html/);
    expect(raw).toMatch(new RegExp(`List-Unsubscribe: <${ctx.server.url}/api/v1/notifications/unsubscribe\\?token=[^>]+>`));
    expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(raw).toContain(`${ctx.server.url}/unsubscribe?token=`);
    expect(raw).toContain(`<p style="font-size:13px;color:#6b6357;margin:0 0 16px;">${SITE}</p>`);
    expect(await stateOf(host)).toEqual(['sent']);

    // The next run sends nothing again.
    await runAt(IMMEDIATE_JOB, later(12 * MINUTE));
    expect(mailsTo(emailOf(host), since)).toHaveLength(1);
  });

  test('when the member reads the notification in time, then no mail goes and it is marked skipped', async () => {
    const [host, ann] = await confirmedMembers('host', 'ann');
    const since = ctx.smtp.inbox.length;
    await askToJoin(host, ann);
    expect((await host.call('POST', '/api/v1/notifications/read', {})).status).toBe(200);
    await runAt(IMMEDIATE_JOB, later(11 * MINUTE));
    expect(mailsTo(emailOf(host), since)).toEqual([]);
    expect(await stateOf(host)).toEqual(['skipped']);
  });

  test('when the address is not confirmed, then no notification mail goes to it', async () => {
    const [ann] = await confirmedMembers('ann');
    const host = await createMember(ctx.server.url, { handle: uniqueHandle('unconfirmed') });
    await ctx.server.app.settle();
    const since = ctx.smtp.inbox.length;
    await askToJoin(host, ann);
    await runAt(IMMEDIATE_JOB, later(11 * MINUTE));
    expect(mailsTo(emailOf(host), since)).toEqual([]);
    expect(await stateOf(host)).toEqual(['none']);
  });

  test('when it is quiet hours for the member, then the mail waits until they end, and is in their language', async () => {
    const [host, ann] = await confirmedMembers('host', 'ann');
    expect((await host.call('PUT', '/api/v1/me/language', { language: 'fr' })).status).toBe(200);
    const at = later(11 * MINUTE);
    const hhmm = (date: Date) => date.toISOString().slice(11, 16);
    await ctx.server.app.platform.settings
      .group('member', 'notifications')
      .update(db(), { quietHours: { from: hhmm(new Date(at.getTime() - 60 * MINUTE)), to: hhmm(new Date(at.getTime() + 60 * MINUTE)), timeZone: 'UTC' } }, host.user.id);
    const since = ctx.smtp.inbox.length;
    const space = await askToJoin(host, ann);

    await runAt(IMMEDIATE_JOB, at);
    expect(mailsTo(emailOf(host), since)).toEqual([]);
    expect(await stateOf(host)).toEqual(['due']);

    await runAt(IMMEDIATE_JOB, new Date(at.getTime() + 90 * MINUTE));
    const [mail] = mailsTo(emailOf(host), since);
    expect(unfolded(mail!.raw)).toContain(`${ann.user.displayName} demande à rejoindre ${space.name}`);
    expect(await stateOf(host)).toEqual(['sent']);
  });
});

describe('unsubscribing', () => {
  test('when the member follows the footer link, then that kind’s email is off, said so, and the next one is not mailed; the one-click POST needs no sign-in; an altered token is refused', async () => {
    const [host, ann, bo] = await confirmedMembers('host', 'ann', 'bo');
    const since = ctx.smtp.inbox.length;
    await askToJoin(host, ann);
    await runAt(IMMEDIATE_JOB, later(11 * MINUTE));
    const [mail] = mailsTo(emailOf(host), since);
    const footerToken = tokenAfter(mail!.raw, '/unsubscribe');
    const headerToken = tokenAfter(mail!.raw, '/api/v1/notifications/unsubscribe');

    // Forged: one character of the signature changed, or another member's id under the same signature.
    const [body, signature] = footerToken.split('.');
    const flipped = `${body}.${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`;
    const otherBody = Buffer.from(`${ann.user.id}|join-request`).toString('base64url');
    for (const token of [flipped, `${otherBody}.${signature}`, 'not-a-token']) {
      const refused = await call<{ code: string }>(ctx.server.url, 'POST', `/api/v1/notifications/unsubscribe?token=${encodeURIComponent(token)}`);
      expect([refused.status, refused.body.code]).toEqual(token === 'not-a-token' ? [400, 'validation_failed'] : [404, 'not_found']);
    }
    const prefs = ctx.server.app.platform.settings.group('member', 'notifications');
    expect(JSON.stringify(await prefs.get(host.user.id))).not.toContain('"off"');

    // The page behind the footer link posts the token, signed in or not.
    const page = await call(ctx.server.url, 'POST', `/api/v1/notifications/unsubscribe?token=${encodeURIComponent(footerToken)}`);
    expect([page.status, page.body]).toEqual([200, { scope: 'join-request', turnedOff: 'email' }]);
    expect(((await prefs.get(host.user.id)) as { channels: Record<string, { email?: string }> }).channels['join-request']).toMatchObject({ email: 'off' });

    // RFC 8058: a form POST with List-Unsubscribe=One-Click, no cookie, no confirmation.
    const oneClick = await fetch(`${ctx.server.url}/api/v1/notifications/unsubscribe?token=${encodeURIComponent(headerToken)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);

    const next = ctx.smtp.inbox.length;
    await askToJoin(host, bo);
    await runAt(IMMEDIATE_JOB, later(11 * MINUTE));
    expect(mailsTo(emailOf(host), next)).toEqual([]);
  });
});

describe('digests', () => {
  test('when a daily digest is due, then it groups the member’s unread notifications by space, adds the popular post of their spaces, leaves out what they may no longer read, and comes once', async () => {
    const [host, member, fan1, fan2] = await confirmedMembers('host', 'digest', 'fan', 'fan');
    const prefs = ctx.server.app.platform.settings.group('member', 'notifications');
    await prefs.update(db(), { digest: 'daily' }, member.user.id);
    const open = await spaceOf(host, 'public', 'open');
    const hidden = await spaceOf(host, 'secret', 'invite');
    for (const m of [member, fan1, fan2]) expect((await m.call('POST', `/api/v1/spaces/${open.id}/join`)).status).toBe(200);
    expect((await host.call('POST', `/api/v1/spaces/${hidden.id}/members`, { handle: member.user.handle })).status).toBe(201);
    expect((await member.call('POST', `/api/v1/spaces/${hidden.id}/join`)).status).toBe(200);
    for (const space of [open, hidden]) expect((await member.call('PUT', `/api/v1/notifications/levels/space/${space.id}`, { level: 'all' })).status).toBe(200);

    const popular = await commandAs<{ id: string }>(ctx.server.url, host.cookie, 'post:create', { spaceId: open.id, bodyMarkdown: 'Seed swap on Saturday at the shed' });
    await commandAs(ctx.server.url, fan1.cookie, 'comment:create', { postId: popular.id, bodyMarkdown: 'I will bring beans' });
    await commandAs(ctx.server.url, fan2.cookie, 'comment:create', { postId: popular.id, bodyMarkdown: 'Squash seeds from me' });
    await commandAs(ctx.server.url, host.cookie, 'post:create', { spaceId: hidden.id, bodyMarkdown: 'Secret plans for the orchard' });
    await ctx.server.app.settle();
    // Removed from the private space: its notification is gone for them.
    expect((await host.call('DELETE', `/api/v1/spaces/${hidden.id}/members/${member.user.id}`)).status).toBe(200);
    await ctx.server.app.settle();
    const since = ctx.smtp.inbox.length;

    const at = later(36 * 60 * MINUTE);
    await runAt(DIGEST_JOB, at);
    const [mail, ...more] = mailsTo(emailOf(member), since);
    expect(more).toEqual([]);
    const raw = unfolded(mail!.raw);
    expect(raw).toContain(`Subject: Your daily digest from ${SITE}`);
    expect(raw).toContain(`<h2 style="font-size:16px;margin:20px 0 8px;color:#222;">${open.name}</h2>`);
    expect(raw).toContain(`${host.user.displayName} posted in ${open.name}`);
    expect(raw).toContain('Popular in your spaces');
    expect(raw).toContain('2 reactions and comments');
    expect(raw).toContain('Seed swap on Saturday at the shed');
    expect(raw).not.toContain(hidden.name);
    expect(raw).not.toContain('Secret plans');
    expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const rows = await db().select().from(notifications).where(eq(notifications.userId, member.user.id));
    expect(rows.every((row) => row.digestedAt !== null)).toBe(true);

    // Not again within the day; the digest's one-click stops it.
    await runAt(DIGEST_JOB, new Date(at.getTime() + 60 * MINUTE));
    expect(mailsTo(emailOf(member), since)).toHaveLength(1);
    const token = tokenAfter(mail!.raw, '/api/v1/notifications/unsubscribe');
    expect((await call(ctx.server.url, 'POST', `/api/v1/notifications/unsubscribe?token=${encodeURIComponent(token)}`)).body).toEqual({ scope: 'digest', turnedOff: 'digest' });
    expect((await prefs.get(member.user.id)) as { digest: string }).toMatchObject({ digest: 'off' });
  });

  test('when nothing happened for a member, then no digest goes', async () => {
    const [quiet] = await confirmedMembers('quiet');
    await ctx.server.app.platform.settings.group('member', 'notifications').update(db(), { digest: 'daily' }, quiet.user.id);
    const since = ctx.smtp.inbox.length;
    await runAt(DIGEST_JOB, later(36 * 60 * MINUTE));
    expect(mailsTo(emailOf(quiet), since)).toEqual([]);
  });
});

describe('bounces and failures', () => {
  test('when the mail server refuses an address for good, then the send fails at once, admins see it, the member sees it bounces, and no more notification mail is made for it', async () => {
    const [ann] = await confirmedMembers('ann');
    const [host] = await confirmedMembers('bounce');
    refused.add(emailOf(host));
    await askToJoin(host, ann);
    await runAt(IMMEDIATE_JOB, later(11 * MINUTE));

    const outbox = await ctx.admin.call<{ items: { to: string; status: string; lastError: string | null; kind: string }[] }>('GET', '/api/v1/admin/emails');
    const failed = outbox.body.items.find((email) => email.to === emailOf(host) && email.kind === 'notification');
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed!.lastError).toContain('550');

    const bounces = await ctx.admin.call<{ items: { userId: string; email: string; reason: string }[] }>('GET', '/api/v1/admin/emails/bounces');
    expect(bounces.body.items.find((b) => b.userId === host.user.id)).toMatchObject({ email: emailOf(host), reason: expect.stringContaining('550') });
    expect((await ann.call('GET', '/api/v1/admin/emails/bounces')).status).toBe(403);
    expect((await host.call('GET', '/api/v1/me/email')).body).toEqual({ email: emailOf(host), confirmed: true, bouncing: true, canChange: true });

    const [bo] = await confirmedMembers('bo');
    const space = await spaceOf(host, 'public', 'request');
    await bo.call('POST', `/api/v1/spaces/${space.id}/join`);
    await ctx.server.app.settle();
    const [newest] = await db()
      .select({ emailState: notifications.emailState })
      .from(notifications)
      .where(and(eq(notifications.userId, host.user.id), eq(notifications.spaceId, space.id)));
    expect(newest).toEqual({ emailState: 'none' });
  });
});

describe('confirming addresses', () => {
  const tokenOf = (raw: string) => /\/verify-email\?token=([A-Za-z0-9_-]{43})/.exec(raw)![1]!;

  test('when a member signs up, then a confirmation link is mailed; using it confirms the address; changing the address un-confirms it and mails the new one', async () => {
    const since = ctx.smtp.inbox.length;
    const member = await createMember(ctx.server.url, { handle: uniqueHandle('newcomer') });
    expect((await member.call('GET', '/api/v1/me/email')).body).toEqual({ email: emailOf(member), confirmed: false, bouncing: false, canChange: true });
    await ctx.server.app.settle();
    const signUpMail = await ctx.smtp.mailTo(emailOf(member), { since });
    expect(signUpMail.raw).toContain(`Confirm your email address for ${SITE}`);
    expect((await call(ctx.server.url, 'POST', '/api/v1/email-verification/confirm', { body: { token: tokenOf(signUpMail.raw) } })).status).toBe(200);
    expect((await member.call('GET', '/api/v1/me/email')).body).toMatchObject({ confirmed: true });

    const wrong = await member.call<{ code: string }>('PUT', '/api/v1/me/email', { email: `${uniqueHandle('moved')}@example.org`, currentPassword: 'not my password' });
    expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_credentials']);
    const taken = await member.call<{ code: string }>('PUT', '/api/v1/me/email', { email: emailOf(ctx.admin), currentPassword: member.password });
    expect([taken.status, taken.body.code]).toEqual([409, 'conflict']);

    const address = `${uniqueHandle('moved')}@example.org`;
    const next = ctx.smtp.inbox.length;
    const changed = await member.call('PUT', '/api/v1/me/email', { email: address, currentPassword: member.password });
    expect([changed.status, changed.body]).toEqual([200, { email: address, confirmed: false, bouncing: false, canChange: true }]);
    await ctx.server.app.settle();
    const changeMail = await ctx.smtp.mailTo(address, { since: next });
    expect(changeMail.raw).toContain(address);
    expect(ctx.smtp.inbox.slice(next).some((mail) => mail.to.includes(emailOf(member)))).toBe(false);
    expect((await call(ctx.server.url, 'POST', '/api/v1/email-verification/confirm', { body: { token: tokenOf(changeMail.raw) } })).status).toBe(200);
    expect((await member.call('GET', '/api/v1/me/email')).body).toMatchObject({ email: address, confirmed: true });
  });
});
