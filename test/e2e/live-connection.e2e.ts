import { createMember } from '../support/members';
import { startTestServer } from '../support/server';
import { useBrowserTest } from './support/harness';
import { connectionBadge, liveBadge, pageOpener } from './support/pages';

const ctx = useBrowserTest({
  env: { SITE_NAME: 'Riverside Mutual Aid' },
  setup: async ({ server }) => ({ member: await createMember(server.url, { displayName: 'Rosa Parks' }) }),
});

/** A page whose browser carries the member's session cookie, as after signing in. */
const openAs = pageOpener(() => ({ browser: ctx.browser, url: ctx.server.url }));

test('when a signed-in member opens Hearth, then the site name shows and the live connection comes up', async () => {
  const { page, consoleErrors } = await openAs(ctx.member);

  await page.goto(ctx.server.url);

  await liveBadge(page).waitFor({ timeout: 10_000 });
  expect(await page.getByTestId('site-name').textContent()).toBe('Riverside Mutual Aid');
  expect(await page.title()).toBe('Riverside Mutual Aid');
  // The Content-Security-Policy must allow the built client as it is: a violation shows as a console error.
  expect(consoleErrors).toEqual([]);
  await page.close();
});

test('when a visitor who is not signed in opens Hearth, then no live connection is opened', async () => {
  const page = await ctx.browser.newPage();
  await page.goto(ctx.server.url);
  await page.getByTestId('home-sign-in').waitFor();

  expect(await page.getByTestId('connection-status').getAttribute('data-status')).toBe('idle');
  await page.close();
});

test('when the server restarts under an open page, then the page shows the outage and comes back live by itself', async () => {
  const { page } = await openAs(ctx.member);
  await page.goto(ctx.server.url);
  await liveBadge(page).waitFor({ timeout: 10_000 });

  const port = new URL(ctx.server.url).port;
  await ctx.server.stop();
  await connectionBadge(page, 'reconnecting').waitFor({ timeout: 10_000 });
  ctx.server = await startTestServer({ database: ctx.testDb.database, env: { PORT: port } });

  await liveBadge(page).waitFor({ timeout: 20_000 });
  await page.close();
});

test('when a page path is opened directly, then the client is served for it (SPA fallback) with no-cache', async () => {
  const res = await fetch(`${ctx.server.url}/spaces/some-space`, { headers: { accept: 'text/html' } });

  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-cache');
  expect(await res.text()).toMatch(/<div id="app"[ >]/);
});

test('when a hashed asset is fetched, then it may be cached for a year', async () => {
  const html = await (await fetch(ctx.server.url)).text();
  const asset = /\/assets\/[^"]+\.js/.exec(html)?.[0];
  expect(asset).toBeDefined();

  const res = await fetch(`${ctx.server.url}${asset}`);

  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toContain('max-age=31536000');
  expect(res.headers.get('cache-control')).toContain('immutable');
});
