import type { NetworkNotificationDefaults, NotificationPreferencesView, NotificationView } from '../../../shared/api/notifications.routes';
import type { Space } from '../../../shared/api/spaces.routes';
import { useTestServer } from '../../../test/support/harness';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { commandAs } from '../../../test/support/server';

type Page = { items: NotificationView[]; unread: number };
type Problem = { code: string; errors?: { path: string; message: string }[] };

const ctx = useTestServer();

async function members<const P extends readonly string[]>(...prefixes: P): Promise<{ [K in keyof P]: Member }> {
  return (await Promise.all(prefixes.map((p) => createMember(ctx.server.url, { handle: uniqueHandle(p) })))) as { [K in keyof P]: Member };
}

async function spaceOf(host: Member, visibility: 'public' | 'private' | 'secret' = 'public', joinPolicy: 'open' | 'request' | 'invite' = 'open'): Promise<Space> {
  const res = await host.call<Space>('POST', '/api/v1/spaces', { name: `Orchard ${uniqueHandle('s')}`, slug: uniqueHandle('orch').replace(/_/g, '-'), visibility, joinPolicy });
  expect(res.status).toBe(201);
  return res.body;
}

const post = (member: Member, spaceId: string, bodyMarkdown: string) => commandAs<{ id: string }>(ctx.server.url, member.cookie, 'post:create', { spaceId, bodyMarkdown });

async function notificationsOf(member: Member): Promise<Page> {
  await ctx.server.app.settle();
  const res = await member.call<Page>('GET', '/api/v1/notifications');
  expect(res.status).toBe(200);
  return res.body;
}

const preferencesOf = async (member: Member) => (await member.call<NotificationPreferencesView>('GET', '/api/v1/me/notification-preferences')).body;
const kindIn = (prefs: NotificationPreferencesView | NetworkNotificationDefaults, kind: string) => prefs.kinds.find((k) => k.kind === kind)!;

test('when a member has chosen nothing, then every registered kind shows the network default; the admins’ default holds until the member’s own choice, which goes back to it when reset', async () => {
  const [ann] = await members('ann');
  const fresh = await preferencesOf(ann);
  expect(fresh.kinds.map((k) => k.kind)).toEqual(expect.arrayContaining(['mention', 'reply', 'reaction', 'moderation', 'new-post']));
  expect(kindIn(fresh, 'reaction')).toMatchObject({ mutable: true, channels: { app: true, email: 'off', push: false }, own: {} });
  expect(kindIn(fresh, 'moderation')).toMatchObject({ mutable: false });
  expect(fresh).toMatchObject({ quietHours: null, digest: null, effectiveDigest: 'weekly' });

  try {
    const set = await ctx.admin.call<NetworkNotificationDefaults>('PUT', '/api/v1/admin/notifications', { channels: { reaction: { email: 'digest', push: true } }, digest: 'daily', emailDelayMinutes: 30 });
    expect(set.status).toBe(200);
    expect(kindIn(set.body, 'reaction')).toMatchObject({ channels: { app: true, email: 'digest', push: true }, builtIn: { email: 'off', push: false } });
    expect(set.body).toMatchObject({ digest: 'daily', emailDelayMinutes: 30 });

    // Ann chose nothing: the network's default reaches her.
    const followed = await preferencesOf(ann);
    expect(kindIn(followed, 'reaction')).toMatchObject({ channels: { email: 'digest', push: true }, network: { email: 'digest', push: true }, own: {} });
    expect(followed.effectiveDigest).toBe('daily');

    // Her own choice wins for what she set; the rest still falls through.
    const mine = await ann.call<NotificationPreferencesView>('PUT', '/api/v1/me/notification-preferences', {
      channels: { reaction: { push: false } },
      digest: 'off',
      quietHours: { from: '22:00', to: '07:00', timeZone: 'Europe/Paris' },
    });
    expect(mine.status).toBe(200);
    expect(kindIn(mine.body, 'reaction')).toMatchObject({ channels: { app: true, email: 'digest', push: false }, own: { push: false } });
    expect(mine.body).toMatchObject({ digest: 'off', effectiveDigest: 'off', quietHours: { from: '22:00', to: '07:00', timeZone: 'Europe/Paris' } });

    // A later change of the network default still reaches what she did not set.
    await ctx.admin.call('PUT', '/api/v1/admin/notifications', { channels: { reaction: { email: 'immediate' } } });
    expect(kindIn(await preferencesOf(ann), 'reaction').channels).toEqual({ app: true, email: 'immediate', push: false });

    // Back to the default for the kind, and no digest choice of her own.
    const reset = await ann.call<NotificationPreferencesView>('PUT', '/api/v1/me/notification-preferences', { channels: { reaction: null }, digest: null, quietHours: null });
    expect(kindIn(reset.body, 'reaction')).toMatchObject({ own: {}, channels: { email: 'immediate', push: true } });
    expect(reset.body).toMatchObject({ digest: null, effectiveDigest: 'daily', quietHours: null });
  } finally {
    await ctx.admin.call('PUT', '/api/v1/admin/notifications', { channels: { reaction: null }, digest: 'weekly', emailDelayMinutes: 10 });
  }
});

test('when a member turns mentions off in the app, then a mention makes no notification for them; turned back on, the next one does', async () => {
  const [host, ann, bo] = await members('host', 'ann', 'bo');
  const space = await spaceOf(host);
  for (const m of [ann, bo]) await m.call('POST', `/api/v1/spaces/${space.id}/join`);

  expect((await ann.call('PUT', '/api/v1/me/notification-preferences', { channels: { mention: { app: false } } })).status).toBe(200);
  await post(host, space.id, `Ladders on Saturday, @${ann.user.handle} @${bo.user.handle}?`);
  expect((await notificationsOf(ann)).items).toEqual([]);
  // Bo's did arrive: the mention was made, only Ann's channel was off.
  expect((await notificationsOf(bo)).items.map((n) => n.kind)).toEqual(['mention']);

  expect((await ann.call('PUT', '/api/v1/me/notification-preferences', { channels: { mention: { app: true } } })).status).toBe(200);
  await post(host, space.id, `Jars too, @${ann.user.handle}`);
  const page = await notificationsOf(ann);
  expect(page.items.map((n) => [n.kind, n.subject?.excerpt])).toEqual([['mention', `Jars too, @${ann.user.handle}`]]);
  expect(page.unread).toBe(1);
});

test('when the admins turn a kind off in the app for the network, then members who chose nothing hear nothing of it, and a member who turned it on does', async () => {
  const [host, quiet, keen] = await members('host', 'quiet', 'keen');
  const space = await spaceOf(host);
  for (const m of [quiet, keen]) await m.call('POST', `/api/v1/spaces/${space.id}/join`);
  await keen.call('PUT', '/api/v1/me/notification-preferences', { channels: { mention: { app: true } } });
  try {
    expect((await ctx.admin.call('PUT', '/api/v1/admin/notifications', { channels: { mention: { app: false } } })).status).toBe(200);
    await post(host, space.id, `Pruning, @${quiet.user.handle} and @${keen.user.handle}`);
    expect((await notificationsOf(quiet)).items).toEqual([]);
    expect((await notificationsOf(keen)).items.map((n) => n.kind)).toEqual(['mention']);
  } finally {
    await ctx.admin.call('PUT', '/api/v1/admin/notifications', { channels: { mention: null } });
  }
});

test('when a host sets the space to notify of every post by default, then a member who joins later hears of new posts, one who chose "mentions" does not, and the levels say so', async () => {
  const [host, early, late] = await members('host', 'early', 'late');
  const space = await spaceOf(host);
  await early.call('POST', `/api/v1/spaces/${space.id}/join`);
  expect((await early.call('PUT', `/api/v1/notifications/levels/space/${space.id}`, { level: 'mentions' })).status).toBe(200);

  expect((await host.call('GET', `/api/v1/spaces/${space.id}/notification-default`)).body).toEqual({ spaceId: space.id, defaultLevel: 'mentions' });
  const set = await host.call('PUT', `/api/v1/spaces/${space.id}/notification-default`, { defaultLevel: 'all' });
  expect([set.status, set.body]).toEqual([200, { spaceId: space.id, defaultLevel: 'all' }]);

  await late.call('POST', `/api/v1/spaces/${space.id}/join`);
  expect((await late.call('GET', `/api/v1/notifications/levels/space/${space.id}`)).body).toMatchObject({ level: 'all', isDefault: true });
  const mine = await late.call<{ items: { space: { id: string }; level: { level: string; isDefault: boolean } }[] }>('GET', '/api/v1/me/notification-levels/spaces');
  expect(mine.body.items).toEqual([expect.objectContaining({ space: expect.objectContaining({ id: space.id, name: space.name }), level: expect.objectContaining({ level: 'all', isDefault: true }) })]);

  await post(host, space.id, 'Cider pressing on Sunday');
  expect((await notificationsOf(late)).items.map((n) => [n.kind, n.subject?.excerpt])).toEqual([['new-post', 'Cider pressing on Sunday']]);
  expect((await notificationsOf(early)).items).toEqual([]);
});

test('when someone who is not a host sets a space’s default, then it is refused (403; 404 for a secret space they cannot see) and the default stays', async () => {
  const [host, member, outsider] = await members('host', 'member', 'outsider');
  const space = await spaceOf(host);
  await member.call('POST', `/api/v1/spaces/${space.id}/join`);
  const refused = await member.call<Problem>('PUT', `/api/v1/spaces/${space.id}/notification-default`, { defaultLevel: 'all' });
  expect([refused.status, refused.body.code]).toEqual([403, 'forbidden']);

  const secret = await spaceOf(host, 'secret', 'invite');
  expect((await outsider.call('GET', `/api/v1/spaces/${secret.id}/notification-default`)).status).toBe(404);
  expect((await outsider.call('PUT', `/api/v1/spaces/${secret.id}/notification-default`, { defaultLevel: 'all' })).status).toBe(404);

  // A site admin may, as for the space's other settings.
  expect((await ctx.admin.call('PUT', `/api/v1/spaces/${secret.id}/notification-default`, { defaultLevel: 'all' })).status).toBe(200);
  expect((await host.call('GET', `/api/v1/spaces/${space.id}/notification-default`)).body).toMatchObject({ defaultLevel: 'mentions' });
});

test('when a member who is not an admin reads or sets the network defaults, then it is forbidden and the defaults stay', async () => {
  const [ann] = await members('ann');
  expect((await ann.call<Problem>('GET', '/api/v1/admin/notifications')).status).toBe(403);
  const refused = await ann.call<Problem>('PUT', '/api/v1/admin/notifications', { channels: { mention: { app: false } }, emailDelayMinutes: 5 });
  expect([refused.status, refused.body.code]).toEqual([403, 'forbidden']);
  const defaults = (await ctx.admin.call<NetworkNotificationDefaults>('GET', '/api/v1/admin/notifications')).body;
  expect(kindIn(defaults, 'mention').channels.app).toBe(true);
  expect(defaults.emailDelayMinutes).toBe(10);
});

describe('malformed input', () => {
  test.each([
    ['an unknown kind', { channels: { earthquake: { app: false } } }, 'channels.earthquake'],
    ['an unknown channel', { channels: { mention: { pigeon: true } } }, 'channels'],
    ['an email mode that does not exist', { channels: { mention: { email: 'hourly' } } }, 'channels'],
    ['the in-app channel of a notice about one’s own account turned off', { channels: { moderation: { app: false } } }, 'channels.moderation.app'],
    ['a time that is not HH:MM', { quietHours: { from: '25:00', to: '07:00', timeZone: 'Europe/Paris' } }, 'quietHours'],
    ['a time zone that does not exist', { quietHours: { from: '22:00', to: '07:00', timeZone: 'Mars/Olympus' } }, 'quietHours'],
    ['quiet hours that end when they start', { quietHours: { from: '22:00', to: '22:00', timeZone: 'UTC' } }, 'quietHours'],
    ['a digest frequency that does not exist', { digest: 'hourly' }, 'digest'],
    ['a field that does not exist', { sound: 'loud' }, ''],
  ])('when a member sends %s, then it answers 400 validation_failed and nothing changes', async (_what, body, path) => {
    const [ann] = await members('ann');
    const before = await preferencesOf(ann);
    const res = await ann.call<Problem>('PUT', '/api/v1/me/notification-preferences', body);
    expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.errors?.some((e) => e.path.includes(path))).toBe(true);
    expect(await preferencesOf(ann)).toEqual(before);
  });

  test.each([
    ['a delay of 0 minutes', { emailDelayMinutes: 0 }],
    ['a delay over a day', { emailDelayMinutes: 1441 }],
    ['a digest of "off" spelled wrong', { digest: 'never' }],
    ['an unknown kind', { channels: { earthquake: { push: true } } }],
  ])('when an admin sends %s as network defaults, then it answers 400', async (_what, body) => {
    const res = await ctx.admin.call<Problem>('PUT', '/api/v1/admin/notifications', body);
    expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
  });

  test('when a host sends a level that is not a default, or a space id that is not one, then it answers 400', async () => {
    const [host] = await members('host');
    const space = await spaceOf(host);
    expect((await host.call<Problem>('PUT', `/api/v1/spaces/${space.id}/notification-default`, { defaultLevel: 'muted' })).status).toBe(400);
    expect((await host.call<Problem>('PUT', `/api/v1/spaces/${space.id}/notification-default`, {})).status).toBe(400);
    expect((await host.call<Problem>('PUT', '/api/v1/spaces/not-a-uuid/notification-default', { defaultLevel: 'all' })).status).toBe(400);
  });
});
