import type { ModerationCase } from '../../shared/api/moderation.routes';
import type { Post } from '../../shared/api/spaces.routes';
import { call, type Member } from '../support/members';
import { commandAs, startTestServer, type TestServer } from '../support/server';
import { orchard, useBrowserTest } from './support/harness';
import { connectionBadge, liveBadge, pageOpener } from './support/pages';

// A member's own log in the browser: what was sent to them while their connection was down (a
// mention, a warning from the moderators) shows once it is back, each once.
let other: TestServer | undefined;
const ctx = useBrowserTest({ setup: ({ server }) => orchard(server.url), teardown: async () => other?.stop() });

/** Posts through a socket to the node at `url`, as the client does. */
const postAs = (url: string, who: Member, bodyMarkdown: string) => commandAs<Post>(url, who.cookie, 'post:create', { spaceId: ctx.space.id, bodyMarkdown });

// While the node is down the browser logs its refused reconnection attempts, and a request that
// was on an open connection as the node stopped is reset: both expected here.
const openAs = pageOpener(() => ({ browser: ctx.browser, url: ctx.server.url }), { ignoreConsoleErrors: /ERR_CONNECTION_(REFUSED|RESET)/ });

test('when a member is mentioned and warned while their connection is down, then both show once it is back, each once', async () => {
  const { page, consoleErrors } = await openAs(ctx.rosa);
  await page.goto(`${ctx.server.url}/`);
  await liveBadge(page).waitFor({ timeout: 10_000 });
  const ownPost = await postAs(ctx.server.url, ctx.rosa, 'Selling cheap apples, DM me');

  // Rosa's node goes down; the network goes on on another node over the same database.
  const port = new URL(ctx.server.url).port;
  await ctx.server.stop();
  await connectionBadge(page, 'reconnecting').waitFor({ timeout: 10_000 });
  other = await startTestServer({ database: ctx.testDb.database });
  const hostAt = <T>(method: string, path: string, body?: unknown) => call<T>(other!.url, method, path, { body, cookie: ctx.host.cookie, csrfToken: ctx.host.csrfToken });
  await postAs(other.url, ctx.ned, '@rosa_parks do you still have the ladder?');
  expect((await hostAt('POST', '/api/v1/reports', { targetKind: 'post', targetId: ownPost.id, reason: 'spam', note: 'selling' })).status).toBe(201);
  const theCase = (await hostAt<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases')).body.items.find((c) => c.targetId === ownPost.id)!;
  expect((await hostAt('POST', `/api/v1/moderation/cases/${theCase.id}/actions`, { action: 'warn', reason: 'No selling here' })).status).toBe(200);
  expect(await page.getByTestId('mention-notice').count()).toBe(0);

  // Rosa's node is back: the page reconnects and replays her own log.
  ctx.server = await startTestServer({ database: ctx.testDb.database, env: { PORT: port } });
  await liveBadge(page).waitFor({ timeout: 20_000 });
  await page.getByTestId('mention-notice').filter({ hasText: 'Ned Neighbour' }).waitFor({ timeout: 10_000 });
  await page.getByTestId('moderation-toast').filter({ hasText: 'No selling here' }).waitFor({ timeout: 10_000 });
  // Each once.
  expect(await page.getByTestId('mention-notice').count()).toBe(1);
  expect(await page.getByTestId('moderation-toast').count()).toBe(1);
  expect(consoleErrors).toEqual([]);
  await page.close();
});
