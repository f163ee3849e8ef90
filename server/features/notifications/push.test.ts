import path from 'node:path';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import type { Space } from '../../../shared/api/spaces.routes';
import type { PushDevice, WebManifest } from '../../../shared/api/push.routes';
import { appRoot } from '../../config';
import { useTestServer } from '../../../test/support/harness';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { newBrowser, startPushService, vapidOf, type TestBrowser } from '../../../test/support/push-service';
import { commandAs, startTestServer } from '../../../test/support/server';
import { checkPushEndpoint, encodeMessage, PUSH_JOB, type PushMessage } from './push.service';

const ctx = useTestServer({ services: { pushService: startPushService } });

async function members<const P extends readonly string[]>(...prefixes: P): Promise<{ [K in keyof P]: Member }> {
  return (await Promise.all(prefixes.map((p) => createMember(ctx.server.url, { handle: uniqueHandle(p) })))) as { [K in keyof P]: Member };
}

async function spaceOf(host: Member, visibility: 'public' | 'private', joinPolicy: 'open' | 'invite'): Promise<Space> {
  const res = await host.call<Space>('POST', '/api/v1/spaces', { name: `Orchard ${uniqueHandle('s')}`, slug: uniqueHandle('orch').replace(/_/g, '-'), visibility, joinPolicy });
  expect(res.status).toBe(201);
  return res.body;
}

/** A browser of the member's, subscribed as PushDevices.svelte does it. */
async function subscribed(member: Member, label = 'Laptop'): Promise<{ browser: TestBrowser; device: PushDevice }> {
  const browser = newBrowser(ctx.pushService);
  const res = await member.call<PushDevice>('POST', '/api/v1/push/devices', { endpoint: browser.endpoint, keys: browser.keys, expirationTime: null, label });
  expect(res.status).toBe(201);
  return { browser, device: res.body };
}

/** A space where `author` mentions `reader` in a new post (through the socket, as the client writes). */
async function mention(author: Member, reader: Member, space: Space, text = 'the pears are ripe'): Promise<{ id: string }> {
  return commandAs<{ id: string }>(ctx.server.url, author.cookie, 'post:create', { spaceId: space.id, bodyMarkdown: `@${reader.user.handle} ${text}` });
}

async function sharedSpace(host: Member, ...others: Member[]): Promise<Space> {
  const space = await spaceOf(host, 'public', 'open');
  for (const member of others) expect((await member.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBe(200);
  return space;
}

const messagesAt = (browser: TestBrowser) => ctx.pushService.to(browser.endpoint).map((push) => JSON.parse(browser.open(push)) as PushMessage);

async function devicesOf(member: Member): Promise<PushDevice[]> {
  const res = await member.call<{ devices: PushDevice[] }>('GET', '/api/v1/push/devices');
  expect(res.status).toBe(200);
  return res.body.devices;
}

const memberPreferences = () => ctx.server.app.platform.settings.group('member', 'notifications');

/** Pending push jobs for a member's notifications (after quiet hours or a failure). */
async function pendingPushJobs(member: Member): Promise<{ id: string; runAt: Date; payload: { notificationIds: string[]; devices?: string[] } }[]> {
  const result = (await ctx.server.app.database.db.execute(
    sql`select id, run_at, payload from jobs where kind = ${PUSH_JOB} and status = 'pending' order by run_at`,
  )) as unknown as { rows: { id: string; run_at: string | Date; payload: { notificationIds: string[]; devices?: string[] } }[] };
  const mine = new Set((await member.call<{ items: { id: string }[] }>('GET', '/api/v1/notifications')).body.items.map((n) => n.id));
  return result.rows.filter((row) => row.payload.notificationIds.some((id) => mine.has(id))).map((row) => ({ id: row.id, runAt: new Date(row.run_at), payload: row.payload }));
}

/** As if the clock reached a job's time: it is due now (the quiet hours or back-off it waited for are over). */
async function makeDue(jobIds: string[]): Promise<void> {
  for (const id of jobIds) await ctx.server.app.database.db.execute(sql`update jobs set run_at = now() where id = ${id}`);
}

const hhmm = (at: Date) => at.toISOString().slice(11, 16);

test('when a member is mentioned, then their device gets a web push with VAPID for its origin and an aes128gcm body that decrypts to the title and link', async () => {
  const [host, author, reader] = await members('host', 'author', 'reader');
  const space = await sharedSpace(host, author, reader);
  const { browser, device } = await subscribed(reader);
  expect(device).toMatchObject({ label: 'Laptop', service: new URL(ctx.pushService.url).host, lastSuccessAt: null, failures: 0 });

  const post = await mention(author, reader, space);
  await ctx.server.app.settle();

  const [push, ...more] = ctx.pushService.to(browser.endpoint);
  expect(more).toEqual([]);
  expect(push!.headers['content-encoding']).toBe('aes128gcm');
  expect(Number(push!.headers.ttl)).toBeGreaterThan(0);
  const { publicKey } = (await reader.call<{ publicKey: string }>('GET', '/api/v1/push/key')).body;
  expect(vapidOf(push!, browser.endpoint).publicKey).toBe(publicKey);

  const message = JSON.parse(browser.open(push!)) as PushMessage;
  expect(message.title).toBe(`${author.user.displayName} mentioned you in ${space.name}`);
  expect(message.body).toBe(`@${reader.user.handle} the pears are ripe`);
  expect(message.url).toBe(`/p/${post.id}`);
  expect(message.tag).toMatch(/^notification-/);
  expect(push!.body.length).toBeLessThan(3_000);

  const [after] = await devicesOf(reader);
  expect(after!.lastSuccessAt).not.toBeNull();
});

test('when a member reads French, then the push is in French', async () => {
  const [host, author, reader] = await members('host', 'author', 'reader');
  const space = await sharedSpace(host, author, reader);
  await ctx.server.app.platform.languages.choose(ctx.server.app.database.db, reader.user.id, 'fr');
  const { browser } = await subscribed(reader);
  await mention(author, reader, space);
  await ctx.server.app.settle();
  expect(messagesAt(browser).map((m) => m.title)).toEqual([`${author.user.displayName} vous a mentionné·e dans ${space.name}`]);
});

test("when a member turned push off for mentions, then a mention pushes nothing to their device (and stays in the centre)", async () => {
  const [host, author, reader] = await members('host', 'author', 'reader');
  const space = await sharedSpace(host, author, reader);
  const { browser } = await subscribed(reader);
  await memberPreferences().update(ctx.server.app.database.db, { channels: { mention: { push: false } } }, reader.user.id);

  await mention(author, reader, space);
  await ctx.server.app.settle();
  expect(ctx.pushService.to(browser.endpoint)).toEqual([]);
  const page = await reader.call<{ items: { kind: string }[] }>('GET', '/api/v1/notifications');
  expect(page.body.items.map((n) => n.kind)).toEqual(['mention']);
});

test('when a member chose "only that there is something new" for the lock screen, then the push has no name, space or words of the post, and still opens the list; the choice is theirs to set', async () => {
  const [host, author, reader] = await members('host', 'author', 'reader');
  const space = await sharedSpace(host, author, reader);
  const { browser } = await subscribed(reader);
  const chosen = await reader.call<{ pushPreview: string }>('PUT', '/api/v1/me/notification-preferences', { pushPreview: 'hidden' });
  expect([chosen.status, chosen.body.pushPreview]).toEqual([200, 'hidden']);
  expect((await reader.call<{ code: string }>('PUT', '/api/v1/me/notification-preferences', { pushPreview: 'names' })).status).toBe(400);

  await mention(author, reader, space, 'the secret key is under the third hive');
  await ctx.server.app.settle();
  const [message, ...more] = messagesAt(browser);
  expect(more).toEqual([]);
  expect({ title: message!.title, body: message!.body, url: message!.url }).toEqual({ title: 'You have a new notification', body: '', url: '/notifications' });
  const raw = JSON.stringify(message);
  for (const secret of [author.user.displayName, space.name, 'secret key', author.user.handle]) expect(raw).not.toContain(secret);

  // Back to "who and what": the next push says it.
  expect((await reader.call('PUT', '/api/v1/me/notification-preferences', { pushPreview: 'full' })).status).toBe(200);
  await mention(author, reader, space, 'never mind');
  await ctx.server.app.settle();
  expect(messagesAt(browser).map((m) => m.title)).toEqual(['You have a new notification', `${author.user.displayName} mentioned you in ${space.name}`]);
});

test('when a push job runs again (its lease ran out mid-run, its node died), then no device gets the same push twice; a group that grew is pushed again', async () => {
  const [host, author, reader, ann] = await members('host', 'author', 'reader', 'ann');
  const space = await sharedSpace(host, author, reader, ann);
  const { browser } = await subscribed(reader);
  await mention(author, reader, space);
  await ctx.server.app.settle();
  expect(messagesAt(browser)).toHaveLength(1);

  // The same job again, as a node that took over a lease would run it.
  const [mentioned] = (await reader.call<{ items: { id: string }[] }>('GET', '/api/v1/notifications')).body.items;
  await ctx.server.app.platform.jobs.enqueue(ctx.server.app.database.db, { kind: PUSH_JOB, payload: { kind: 'mention', notificationIds: [mentioned!.id] } });
  await ctx.server.app.settle();
  expect(messagesAt(browser)).toHaveLength(1);

  // Reactions pushed for this member: the second reactor grows the same notification, a newer version.
  await memberPreferences().update(ctx.server.app.database.db, { channels: { reaction: { push: true } } }, reader.user.id);
  const own = await commandAs<{ id: string }>(ctx.server.url, reader.cookie, 'post:create', { spaceId: space.id, bodyMarkdown: 'Pears for anyone' });
  await commandAs(ctx.server.url, author.cookie, 'post:react', { postId: own.id, emoji: '👍' });
  await ctx.server.app.settle();
  await commandAs(ctx.server.url, ann.cookie, 'post:react', { postId: own.id, emoji: '🎉' });
  await ctx.server.app.settle();
  const titles = messagesAt(browser).slice(1).map((m) => m.title);
  expect(titles).toHaveLength(2);
  expect(new Set(messagesAt(browser).slice(1).map((m) => m.tag)).size).toBe(1);
  expect(titles[1]).toContain(`and 1 other`);
});

describe('quiet hours', () => {
  afterEach(() => jest.useRealTimers());

  /** The clock reaches the end of the quiet hours (only Date is faked; timers stay real): the push that waited runs. */
  async function quietHoursEnd(waiting: { id: string; runAt: Date }): Promise<void> {
    jest.useFakeTimers({
      doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
      now: new Date(waiting.runAt.getTime() + 60_000),
      advanceTimers: true,
    });
    await makeDue([waiting.id]);
    await ctx.server.app.settle();
  }

  test('when a member is in their quiet hours, then nothing is pushed now, and the push arrives once they end', async () => {
    const [host, author, reader] = await members('host', 'author', 'reader');
    const space = await sharedSpace(host, author, reader);
    const { browser } = await subscribed(reader);
    const now = new Date();
    const ends = new Date(now.getTime() + 60 * 60_000);
    await memberPreferences().update(ctx.server.app.database.db, { quietHours: { from: hhmm(new Date(now.getTime() - 60 * 60_000)), to: hhmm(ends), timeZone: 'UTC' } }, reader.user.id);

    await mention(author, reader, space, 'night owl news');
    await ctx.server.app.settle();
    expect(ctx.pushService.to(browser.endpoint)).toEqual([]);
    const [waiting, ...others] = await pendingPushJobs(reader);
    expect(others).toEqual([]);
    // It waits for the first minute after the quiet hours.
    expect(hhmm(waiting!.runAt)).toBe(hhmm(ends));

    await quietHoursEnd(waiting!);
    expect(messagesAt(browser).map((m) => m.body)).toEqual([`@${reader.user.handle} night owl news`]);
  });

  test('when the content is gone by the time the quiet hours end, then the push says only that there is something, and links to the list', async () => {
    const [host, author, reader] = await members('host', 'author', 'reader');
    const space = await spaceOf(host, 'private', 'invite');
    for (const member of [author, reader]) expect((await host.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: member.user.handle })).status).toBe(201);
    for (const member of [author, reader]) expect((await member.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBeLessThan(300);
    // The invitation is told (and would be pushed) before this browser subscribes: only the mention is pushed to it.
    await ctx.server.app.settle();
    const { browser } = await subscribed(reader);
    const now = new Date();
    await memberPreferences().update(ctx.server.app.database.db, { quietHours: { from: hhmm(new Date(now.getTime() - 60 * 60_000)), to: hhmm(new Date(now.getTime() + 60 * 60_000)), timeZone: 'UTC' } }, reader.user.id);
    await mention(author, reader, space, 'the secret orchard plan');
    await ctx.server.app.settle();
    const [waiting] = await pendingPushJobs(reader);
    expect(waiting).toBeDefined();

    // Removed from the private space meanwhile: the post is no longer theirs to read.
    expect((await host.call('DELETE', `/api/v1/spaces/${space.id}/members/${reader.user.id}`)).status).toBe(200);
    await quietHoursEnd(waiting!);

    const [push] = ctx.pushService.to(browser.endpoint);
    const text = browser.open(push!);
    expect(JSON.parse(text)).toMatchObject({ title: 'New notification', body: '', url: '/notifications' });
    for (const secret of ['secret orchard', space.name, space.slug, author.user.displayName, author.user.handle]) expect(text).not.toContain(secret);
  });
});

test('when the push service answers 410, then the subscription is gone; when it fails otherwise, then the failure is counted and the push is tried again', async () => {
  const [host, author, reader] = await members('host', 'author', 'reader');
  const space = await sharedSpace(host, author, reader);
  const gone = await subscribed(reader, 'Old phone');
  const flaky = await subscribed(reader, 'Tablet');
  ctx.pushService.answer(new URL(gone.browser.endpoint).pathname, 410);
  ctx.pushService.answer(new URL(flaky.browser.endpoint).pathname, 503);

  await mention(author, reader, space, 'first');
  await ctx.server.app.settle();
  expect(ctx.pushService.to(gone.browser.endpoint)).toHaveLength(1);
  const devices = await devicesOf(reader);
  expect(devices.map((d) => [d.label, d.failures])).toEqual([['Tablet', 1]]);

  // The retry goes to the device that failed only, once the push service is back.
  const [retry] = await pendingPushJobs(reader);
  expect(retry!.payload.devices).toEqual([flaky.device.id]);
  ctx.pushService.answer(new URL(flaky.browser.endpoint).pathname, 201);
  await makeDue([retry!.id]);
  await ctx.server.app.settle();
  expect(messagesAt(flaky.browser).map((m) => m.body)).toEqual([`@${reader.user.handle} first`, `@${reader.user.handle} first`]);
  expect(ctx.pushService.to(gone.browser.endpoint)).toHaveLength(1);
  const [healed] = await devicesOf(reader);
  expect(healed).toMatchObject({ failures: 0, lastSuccessAt: expect.any(String) });
});

test('when a notification was read before its push went, then it is not pushed', async () => {
  const [host, author, reader] = await members('host', 'author', 'reader');
  const space = await sharedSpace(host, author, reader);
  const { browser } = await subscribed(reader);
  const now = new Date();
  await memberPreferences().update(ctx.server.app.database.db, { quietHours: { from: hhmm(new Date(now.getTime() - 60 * 60_000)), to: hhmm(new Date(now.getTime() + 60 * 60_000)), timeZone: 'UTC' } }, reader.user.id);
  await mention(author, reader, space);
  await ctx.server.app.settle();
  expect((await reader.call('POST', '/api/v1/notifications/read', {})).status).toBe(200);
  await memberPreferences().update(ctx.server.app.database.db, { quietHours: null }, reader.user.id);
  await makeDue((await pendingPushJobs(reader)).map((job) => job.id));
  await ctx.server.app.settle();
  expect(ctx.pushService.to(browser.endpoint)).toEqual([]);
});

test("when another member tries my devices, then they cannot see, remove or test them; I can test and remove mine", async () => {
  const [me, other] = await members('me', 'other');
  const { browser, device } = await subscribed(me, 'Phone');
  expect(await devicesOf(other)).toEqual([]);
  expect((await other.call('DELETE', `/api/v1/push/devices/${device.id}`)).status).toBe(404);
  expect((await other.call('POST', `/api/v1/push/devices/${device.id}/test`)).status).toBe(404);
  expect(ctx.pushService.to(browser.endpoint)).toEqual([]);

  const tested = await me.call<{ outcome: string }>('POST', `/api/v1/push/devices/${device.id}/test`);
  expect(tested.body).toEqual({ outcome: 'sent' });
  expect(messagesAt(browser)).toEqual([expect.objectContaining({ title: 'Notifications work', url: '/notifications' })]);

  expect((await me.call('DELETE', `/api/v1/push/devices/${device.id}`)).body).toEqual({ removed: true });
  expect(await devicesOf(me)).toEqual([]);
});

test('when the same browser subscribes again, then it keeps one row, with the new keys and label', async () => {
  const [me] = await members('me');
  const { browser, device } = await subscribed(me, 'Phone');
  const again = await me.call<PushDevice>('POST', '/api/v1/push/devices', { endpoint: browser.endpoint, keys: browser.keys, label: 'My phone' });
  expect(again.status).toBe(201);
  expect(again.body).toMatchObject({ id: device.id, label: 'My phone' });
  expect((await devicesOf(me)).map((d) => d.id)).toEqual([device.id]);
});

test('when a subscription is malformed, then it is refused with a 400 problem and nothing is stored', async () => {
  const [me] = await members('me');
  const browser = newBrowser(ctx.pushService);
  const good = { endpoint: browser.endpoint, keys: browser.keys, label: 'Laptop' };
  const cases: unknown[] = [
    { ...good, endpoint: 'ftp://push.example.com/abc' },
    { ...good, endpoint: 'http://push.example.com/abc' },
    { ...good, endpoint: 'not a url' },
    { ...good, endpoint: `https://push.example.com/${'a'.repeat(2100)}` },
    { ...good, keys: { p256dh: 'short', auth: browser.keys.auth } },
    { ...good, keys: { p256dh: browser.keys.p256dh, auth: 'AAAA' } },
    { ...good, keys: { p256dh: browser.keys.p256dh } },
    { ...good, label: 'x'.repeat(81) },
    { ...good, extra: true },
    { endpoint: browser.endpoint },
  ];
  for (const body of cases) {
    const res = await me.call<{ code: string }>('POST', '/api/v1/push/devices', body);
    expect([res.status, res.headers.get('content-type'), res.body.code]).toEqual([400, expect.stringContaining('application/problem+json'), 'validation_failed']);
  }
  expect(await devicesOf(me)).toEqual([]);
});

test('when a second node starts on the same database, then it serves the same VAPID public key, and no answer carries the private key', async () => {
  const [me] = await members('me');
  const other = await startTestServer({ database: ctx.testDb.database });
  try {
    const here = await me.call<{ publicKey: string }>('GET', '/api/v1/push/key');
    const there = await fetch(`${other.url}/api/v1/push/key`, { headers: { cookie: me.cookie } });
    const body = (await there.json()) as { publicKey: string };
    expect(body).toEqual(here.body);
    expect(Object.keys(body)).toEqual(['publicKey']);
    expect(Buffer.from(body.publicKey, 'base64url')).toHaveLength(65);
  } finally {
    await other.stop();
  }
});

test('when a browser asks for the web app manifest, then it is named after the site, standalone from /, with 192 and 512 PNG icons (maskable too) that exist, and the CSP allows it and the worker', async () => {
  const res = await fetch(`${ctx.server.url}/manifest.webmanifest`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/manifest+json');
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("worker-src 'self'");
  expect(csp).toContain("manifest-src 'self'");
  const manifest = (await res.json()) as WebManifest;
  const site = (await (await fetch(`${ctx.server.url}/api/v1/site`)).json()) as { name: string };
  expect(manifest).toMatchObject({ name: site.name, start_url: '/', scope: '/', display: 'standalone', theme_color: expect.stringMatching(/^#[0-9a-f]{6}$/) });
  for (const [sizes, purpose] of [['192x192', 'any'], ['512x512', 'any'], ['192x192', 'maskable'], ['512x512', 'maskable']]) {
    const icon = manifest.icons.find((one) => one.sizes === sizes && one.purpose === purpose);
    expect(icon).toBeDefined();
    const file = path.join(appRoot(), 'client', 'public', icon!.src);
    const { width, height, format } = await sharp(file).metadata();
    expect([format, `${width}x${height}`]).toEqual(['png', sizes]);
  }
});

describe('push endpoints and payloads', () => {
  const refusal = (endpoint: string, env: 'production' | 'development' | 'test') => {
    try {
      checkPushEndpoint(endpoint, env);
      return null;
    } catch (error) {
      return (error as { details?: { errors?: { message: string }[] } }).details?.errors?.[0]?.message ?? String(error);
    }
  };

  test('when the network runs in production, then only https push services at a host name are accepted; development also takes loopback', () => {
    expect(refusal('https://fcm.googleapis.com/fcm/send/abc', 'production')).toBeNull();
    expect(refusal('https://web.push.apple.com/QGx', 'production')).toBeNull();
    expect(refusal('http://fcm.googleapis.com/fcm/send/abc', 'production')).toBe('must be an https URL');
    for (const inside of ['https://127.0.0.1/x', 'https://10.0.0.5/admin', 'https://[::1]/x', 'https://localhost/x', 'https://db.localhost/x', 'http://127.0.0.1:9/x']) {
      expect(refusal(inside, 'production')).not.toBeNull();
    }
    expect(refusal('https://user:secret@push.example.com/x', 'production')).toBe('must not carry credentials');
    expect(refusal('http://127.0.0.1:9000/push/1', 'development')).toBeNull();
    expect(refusal('http://10.0.0.5/push/1', 'development')).not.toBeNull();
  });

  test('when a message is too long, then its JSON still fits in 3 KB, the body giving way first', () => {
    const long = { title: 'T'.repeat(100), body: 'ب'.repeat(3_000), url: '/p/1', tag: 'notification-1' };
    const encoded = encodeMessage(long);
    expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(3_000);
    expect(JSON.parse(encoded)).toMatchObject({ title: long.title, body: '', url: '/p/1' });
  });
});
