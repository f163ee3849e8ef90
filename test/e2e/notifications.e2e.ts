import fs from 'node:fs';
import path from 'node:path';
import type { Post } from '../../shared/api/spaces.routes';
import { createMember, type Member } from '../support/members';
import { commandAs } from '../support/server';
import { orchard, useBrowserTest } from './support/harness';
import { liveBadge, pageOpener } from './support/pages';

// The notification centre in the browser: what happened while a member was away shows on the
// bell when they come back, opens where it happened, and reads on every tab.
const ctx = useBrowserTest({ setup: ({ server }) => orchard(server.url) });

const openAs = pageOpener(() => ({ browser: ctx.browser, url: ctx.server.url }));

const postAs = (who: Member, bodyMarkdown: string) => commandAs<Post>(ctx.server.url, who.cookie, 'post:create', { spaceId: ctx.space.id, bodyMarkdown });

test('when a member is mentioned while away, then on return the bell counts it, the centre says who and where, opening it leads to the post and reads it in every tab', async () => {
  // Away: nothing of Rosa's is open while Ned mentions her.
  const post = await postAs(ctx.ned, 'Who brings ladders on Saturday, @rosa_parks?');
  await ctx.server.app.settle();

  const first = await openAs(ctx.rosa);
  const second = await openAs(ctx.rosa);
  for (const { page } of [first, second]) {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${ctx.server.url}/`);
    await liveBadge(page).waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="nav-notices-unread"][data-count="1"]').waitFor({ timeout: 10_000 });
  }

  await first.page.getByTestId('nav-notices').click();
  await first.page.waitForURL(`${ctx.server.url}/notifications`);
  const item = first.page.getByTestId('notification').first();
  await item.waitFor();
  expect(await item.getAttribute('data-kind')).toBe('mention');
  expect(await item.innerText()).toContain('Ned Neighbour mentioned you in Orchard');
  expect(await item.innerText()).toContain('Who brings ladders on Saturday');

  await item.getByRole('button').click();
  await first.page.waitForURL(new RegExp(`/p/${post.id}`));
  // Read here, so read in the other tab too, live.
  for (const { page } of [first, second]) await page.getByTestId('nav-notices-unread').waitFor({ state: 'detached', timeout: 10_000 });
  expect([...first.consoleErrors, ...second.consoleErrors]).toEqual([]);
});

test('when a member follows a space at "all", then a new post arrives live on the bell; muting the space stops the next one', async () => {
  const { page, consoleErrors } = await openAs(ctx.ned);
  await page.setViewportSize({ width: 390, height: 844 });
  await ctx.ned.call('POST', '/api/v1/notifications/read', {});
  expect((await ctx.ned.call('PUT', `/api/v1/notifications/levels/space/${ctx.space.id}`, { level: 'all' })).status).toBe(200);
  await page.goto(`${ctx.server.url}/notifications`);
  await liveBadge(page).waitFor({ timeout: 10_000 });

  await postAs(ctx.host, 'Pressing day moved to Sunday');
  await page.getByTestId('notification').filter({ hasText: 'Harriet Host posted in Orchard' }).waitFor({ timeout: 10_000 });
  await page.getByTestId('tab-notices').locator('[data-count="1"]').waitFor({ timeout: 10_000 });

  expect((await ctx.ned.call('PUT', `/api/v1/notifications/levels/space/${ctx.space.id}`, { level: 'muted', muteFor: '1d' })).status).toBe(200);
  await page.getByTestId('notifications-read-all').click();
  await page.getByTestId('notifications-read-all').waitFor({ state: 'detached' });
  await postAs(ctx.host, 'And bring jars');
  await ctx.server.app.settle();
  await page.waitForTimeout(500);
  expect(await page.getByTestId('notification').filter({ hasText: 'And bring jars' }).count()).toBe(0);
  expect(await page.getByTestId('notification').count()).toBe(1);
  expect(consoleErrors).toEqual([]);
});

/** The reset link in the newest outbox mail to `to` (SMTP_URL unset: mails are files under DATA_DIR/outbox). */
async function linkMailedTo(to: string): Promise<string> {
  const dir = path.join(ctx.server.dataDir, 'outbox');
  for (let tries = 0; tries < 100; tries++) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
    const text = files
      .map((f) => fs.readFileSync(f, 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '='))
      .find((mail) => mail.includes(to) && mail.includes('/reset-password?token='));
    const link = text ? /https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_-]{43}/.exec(text)?.[0] : undefined;
    if (link) return link;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no reset mail to ${to}`);
}

test('when a member forgot their password, then from the sign-in page they get a link by mail, choose a new password and sign in with it', async () => {
  const forgetful = await createMember(ctx.server.url, { displayName: 'Fern Forgetful', handle: 'fern_forgetful' });
  const { page, consoleErrors } = await openAs(null);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${ctx.server.url}/sign-in`);
  await page.getByTestId('forgot-password-link').click();
  await page.getByTestId('forgot-password-email').fill(forgetful.user.email!);
  await page.getByTestId('forgot-password-submit').click();
  await page.getByTestId('forgot-password-sent').waitFor();

  await ctx.server.app.settle();
  const link = await linkMailedTo(forgetful.user.email!);
  await page.goto(link.replace(/^https?:\/\/[^/]+/, ctx.server.url));
  await page.getByTestId('reset-password-password').fill('a new lantern by the sea');
  await page.getByTestId('reset-password-submit').click();
  await page.getByTestId('reset-password-done').waitFor();

  // The old session is over; the new password opens the account; the link is used up.
  expect((await forgetful.call<{ user: unknown }>('GET', '/api/v1/session')).body.user).toBeNull();
  await page.goto(`${ctx.server.url}/sign-in`);
  await page.getByTestId('sign-in-email').fill(forgetful.user.email!);
  await page.getByTestId('sign-in-password').fill('a new lantern by the sea');
  await page.getByTestId('sign-in-submit').click();
  await page.waitForURL(`${ctx.server.url}/`);
  await page.goto(link.replace(/^https?:\/\/[^/]+/, ctx.server.url));
  await page.getByTestId('reset-password-bad').waitFor();
  expect(consoleErrors).toEqual([]);
});
