import type { Page } from 'playwright-core';
import type { NotificationPreferencesView, NotificationView } from '../../shared/api/notifications.routes';
import type { Post, Space } from '../../shared/api/spaces.routes';
import { createMember, type Member } from '../support/members';
import { commandAs } from '../support/server';
import { useBrowserTest } from './support/harness';
import { liveBadge, pageOpener } from './support/pages';

// Changing a preference changes what arrives: a member turns mentions off "in the app" in
// Settings → Notifications and the next mention never reaches the bell; turned back on, the next
// one does; the space's bell menu mutes the space.
const ctx = useBrowserTest({
  setup: async ({ server }) => {
    const host = await createMember(server.url, { displayName: 'Hugo Host', handle: 'hugo_host' });
    const mira = await createMember(server.url, { displayName: 'Mira Member', handle: 'mira_member' });
    const space = (await host.call<Space>('POST', '/api/v1/spaces', { name: 'Beehives', slug: 'beehives', visibility: 'public', joinPolicy: 'open' })).body;
    await mira.call('POST', `/api/v1/spaces/${space.id}/join`);
    return { host, mira, space };
  },
});

const openAs = pageOpener(() => ({ browser: ctx.browser, url: ctx.server.url }));
const postAs = (who: Member, bodyMarkdown: string) => commandAs<Post>(ctx.server.url, who.cookie, 'post:create', { spaceId: ctx.space.id, bodyMarkdown });
const bell = (page: Page, unread: number) => page.locator(`[data-testid="nav-notices"][data-unread="${unread}"]`);

async function notificationsOf(member: Member): Promise<NotificationView[]> {
  await ctx.server.app.settle();
  return (await member.call<{ items: NotificationView[] }>('GET', '/api/v1/notifications')).body.items;
}

test('when a member turns mentions off "in the app" in Settings, then a new mention does not reach the bell; turned back on, the next one arrives live', async () => {
  const { page, consoleErrors } = await openAs(ctx.mira);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${ctx.server.url}/settings`);
  await liveBadge(page).waitFor({ timeout: 10_000 });
  const mentions = page.locator('[data-testid="notification-kind"][data-kind="mention"]');
  const inApp = mentions.getByTestId('kind-app');
  await inApp.waitFor();
  expect(await inApp.isChecked()).toBe(true);
  // The account notices cannot be turned off in the app, and say so.
  const moderation = page.locator('[data-testid="notification-kind"][data-kind="moderation"]');
  expect(await moderation.getByTestId('cannot-mute').count()).toBe(1);
  expect(await moderation.getByTestId('kind-app').isDisabled()).toBe(true);

  await inApp.uncheck();
  // Saved (the row shows what the server answered): a choice of mine, which can go back to the default.
  await page.locator('[data-testid="notification-kind"][data-kind="mention"][data-app="false"]').waitFor();
  await mentions.getByTestId('kind-reset').waitFor();
  expect(await inApp.isChecked()).toBe(false);
  const saved = (await ctx.mira.call<NotificationPreferencesView>('GET', '/api/v1/me/notification-preferences')).body;
  expect(saved.kinds.find((k) => k.kind === 'mention')).toMatchObject({ own: { app: false }, channels: { app: false } });

  await postAs(ctx.host, 'Who can lend a smoker, @mira_member?');
  expect(await notificationsOf(ctx.mira)).toEqual([]);
  await page.reload();
  await liveBadge(page).waitFor({ timeout: 10_000 });
  await bell(page, 0).waitFor();

  await page.locator('[data-testid="notification-kind"][data-kind="mention"]').getByTestId('kind-app').check();
  await page.locator('[data-testid="notification-kind"][data-kind="mention"][data-app="true"]').waitFor();
  await postAs(ctx.host, 'Never mind, found one. Thanks @mira_member');
  await bell(page, 1).waitFor({ timeout: 10_000 });
  const items = await notificationsOf(ctx.mira);
  expect(items.map((n) => [n.kind, n.subject?.excerpt])).toEqual([['mention', 'Never mind, found one. Thanks @mira_member']]);
  expect(consoleErrors).toEqual([]);
});

test('when a member follows a space at "All posts" from its bell menu, then new posts reach them; muting it there for a day stops them and says until when', async () => {
  await ctx.mira.call('POST', '/api/v1/notifications/read', {});
  const { page, consoleErrors } = await openAs(ctx.mira);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${ctx.server.url}/s/${ctx.space.slug}`);
  await liveBadge(page).waitFor({ timeout: 10_000 });
  const menu = page.getByTestId('space-level');
  await menu.waitFor();
  expect(await menu.getAttribute('data-default')).toBe('true');
  expect(await menu.getAttribute('data-level')).toBe('mentions');

  await page.getByTestId('space-level-button').click();
  await page.getByTestId('space-level-all').click();
  await page.locator('[data-testid="space-level"][data-level="all"][data-default="false"]').waitFor();
  await postAs(ctx.host, 'Inspection on Thursday');
  const unread = (await notificationsOf(ctx.mira)).filter((n) => !n.read);
  expect(unread.map((n) => [n.kind, n.subject?.excerpt])).toEqual([['new-post', 'Inspection on Thursday']]);
  await ctx.mira.call('POST', '/api/v1/notifications/read', {});

  await page.getByTestId('space-level-button').click();
  expect(await page.getByTestId('space-level-all').getAttribute('aria-checked')).toBe('true');
  await page.getByTestId('space-level-mute-1d').click();
  await page.locator('[data-testid="space-level"][data-level="muted"]').waitFor();
  const words = await page.getByTestId('space-level-words').innerText();
  expect(words).toContain('Muted until');
  const level = (await ctx.mira.call<{ level: string; mutedUntil: string }>('GET', `/api/v1/notifications/levels/space/${ctx.space.id}`)).body;
  expect(level.level).toBe('muted');
  expect(Date.parse(level.mutedUntil) - Date.now()).toBeGreaterThan(23 * 3_600_000);

  await postAs(ctx.host, 'Swarm spotted by the gate');
  expect((await notificationsOf(ctx.mira)).filter((n) => !n.read)).toEqual([]);

  // Back to the default from the same menu.
  await page.getByTestId('space-level-button').click();
  await page.getByTestId('space-level-default').click();
  await page.locator('[data-testid="space-level"][data-default="true"]').waitFor();
  expect(consoleErrors).toEqual([]);
});

test('when a member turns off the confirmation of events they go to in Settings, then it is saved; the row offers only "Immediately" or "Off", with no in-app or push choice', async () => {
  const { page, consoleErrors } = await openAs(ctx.mira);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${ctx.server.url}/settings`);
  await liveBadge(page).waitFor({ timeout: 10_000 });
  const row = page.locator('[data-testid="notification-kind"][data-kind="event.confirmation"]');
  const email = row.getByTestId('kind-email');
  await email.waitFor();
  expect(await row.innerText()).toContain('Confirmation of events you go to');
  expect(await email.locator('option').evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value))).toEqual(['immediate', 'off']);
  expect(await row.getByTestId('kind-app').count()).toBe(0);
  expect(await row.getByTestId('kind-push').count()).toBe(0);

  await email.selectOption('off');
  await row.getByTestId('kind-reset').waitFor();
  const saved = (await ctx.mira.call<NotificationPreferencesView>('GET', '/api/v1/me/notification-preferences')).body;
  expect(saved.kinds.find((k) => k.kind === 'event.confirmation')).toMatchObject({ mailOnly: true, own: { email: 'off' }, channels: { app: false, email: 'off', push: false } });
  expect(consoleErrors).toEqual([]);
});

test('when a member mutes a conversation for a week from its header, then it says until when and the server holds it; back to the default, it is "All messages" again', async () => {
  const opened = await ctx.mira.call<{ id: string }>('POST', '/api/v1/chat/conversations', { handles: ['hugo_host'] });
  expect([200, 201]).toContain(opened.status);
  const { page, consoleErrors } = await openAs(ctx.mira);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${ctx.server.url}/messages/${opened.body.id}`);
  await liveBadge(page).waitFor({ timeout: 10_000 });
  const menu = page.locator('[data-testid="conversation-level"][data-level="all"][data-default="true"]');
  await menu.waitFor();
  expect(await page.getByTestId('conversation-level-words').innerText()).toBe('All messages (default)');

  // Every message in a conversation is written to me: no "mentions" level here.
  await page.getByTestId('conversation-level-button').click();
  expect(await page.getByTestId('conversation-level-mentions').count()).toBe(0);
  await page.getByTestId('conversation-level-mute-1w').click();
  await page.locator('[data-testid="conversation-level"][data-level="muted"][data-default="false"]').waitFor();
  expect(await page.getByTestId('conversation-level-words').innerText()).toContain('Muted until');
  const level = (await ctx.mira.call<{ level: string; mutedUntil: string }>('GET', `/api/v1/notifications/levels/conversation/${opened.body.id}`)).body;
  expect(level.level).toBe('muted');
  expect(Date.parse(level.mutedUntil) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

  // A reload shows the same; back to the default from the same menu.
  await page.reload();
  await page.locator('[data-testid="conversation-level"][data-level="muted"]').waitFor({ timeout: 10_000 });
  await page.getByTestId('conversation-level-button').click();
  await page.getByTestId('conversation-level-default').click();
  await page.locator('[data-testid="conversation-level"][data-level="all"][data-default="true"]').waitFor();
  expect(consoleErrors).toEqual([]);
});

test('when a member chooses that pushes on a locked screen show only that there is something new, then it is saved and shown after a reload', async () => {
  const { page, consoleErrors } = await openAs(ctx.mira);
  await page.goto(`${ctx.server.url}/settings`);
  await liveBadge(page).waitFor({ timeout: 10_000 });
  const preview = page.getByTestId('push-preview');
  await preview.waitFor();
  expect(await preview.inputValue()).toBe('full');
  await preview.selectOption('hidden');
  await page.getByTestId('notification-settings-status').filter({ hasText: 'saved' }).waitFor();
  expect((await ctx.mira.call<NotificationPreferencesView>('GET', '/api/v1/me/notification-preferences')).body.pushPreview).toBe('hidden');
  await page.reload();
  await page.getByTestId('push-preview').waitFor();
  expect(await page.getByTestId('push-preview').inputValue()).toBe('hidden');
  expect(consoleErrors).toEqual([]);
});
