import type { Browser } from 'playwright-core';
import type { ModerationCase } from '../../shared/api/moderation.routes';
import type { Post, Space } from '../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../support/database';
import { call, createMember, type Member } from '../support/members';
import { commandAs, startTestServer, type TestServer } from '../support/server';
import { launchBrowser } from './support/browser';
import { connectionBadge, liveBadge, pageOpener } from './support/pages';

// A member's own log in the browser: what was sent to them while their connection was down (a
// mention, a warning from the moderators) shows once it is back, each once.
let testDb: TestDatabase;
let server: TestServer;
let other: TestServer | undefined;
let browser: Browser;
let host: Member;
let rosa: Member;
let neighbour: Member;
let space: Space;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  browser = await launchBrowser();
  host = await createMember(server.url, { displayName: 'Harriet Host', handle: 'harriet_host' });
  rosa = await createMember(server.url, { displayName: 'Rosa Parks', handle: 'rosa_parks' });
  neighbour = await createMember(server.url, { displayName: 'Ned Neighbour', handle: 'ned_neighbour' });
  space = (await host.call<Space>('POST', '/api/v1/spaces', { name: 'Orchard', slug: 'orchard', visibility: 'public', joinPolicy: 'open' })).body;
  for (const who of [rosa, neighbour]) await who.call('POST', `/api/v1/spaces/${space.id}/join`);
});

/** Posts through a socket to the node at `url`, as the client does. */
const postAs = (url: string, who: Member, bodyMarkdown: string) => commandAs<Post>(url, who.cookie, 'post:create', { spaceId: space.id, bodyMarkdown });

// While the node is down the browser logs its refused reconnection attempts: expected here.
const openAs = pageOpener(() => ({ browser, url: server.url }), { ignoreConsoleErrors: /ERR_CONNECTION_REFUSED/ });

afterAll(async () => {
  await browser?.close();
  await other?.stop();
  await server?.stop();
  await testDb?.close();
});

test('when a member is mentioned and warned while their connection is down, then both show once it is back, each once', async () => {
  const { page, consoleErrors } = await openAs(rosa);
  await page.goto(`${server.url}/`);
  await liveBadge(page).waitFor({ timeout: 10_000 });
  const ownPost = await postAs(server.url, rosa, 'Selling cheap apples, DM me');

  // Rosa's node goes down; the network goes on on another node over the same database.
  const port = new URL(server.url).port;
  await server.stop();
  await connectionBadge(page, 'reconnecting').waitFor({ timeout: 10_000 });
  other = await startTestServer({ database: testDb.database });
  const hostAt = <T>(method: string, path: string, body?: unknown) => call<T>(other!.url, method, path, { body, cookie: host.cookie, csrfToken: host.csrfToken });
  await postAs(other.url, neighbour, '@rosa_parks do you still have the ladder?');
  expect((await hostAt('POST', '/api/v1/reports', { targetKind: 'post', targetId: ownPost.id, reason: 'spam', note: 'selling' })).status).toBe(201);
  const theCase = (await hostAt<{ items: ModerationCase[] }>('GET', '/api/v1/moderation/cases')).body.items.find((c) => c.targetId === ownPost.id)!;
  expect((await hostAt('POST', `/api/v1/moderation/cases/${theCase.id}/actions`, { action: 'warn', reason: 'No selling here' })).status).toBe(200);
  expect(await page.getByTestId('mention-notice').count()).toBe(0);

  // Rosa's node is back: the page reconnects and replays her own log.
  server = await startTestServer({ database: testDb.database, env: { PORT: port } });
  await liveBadge(page).waitFor({ timeout: 20_000 });
  await page.getByTestId('mention-notice').filter({ hasText: 'Ned Neighbour' }).waitFor({ timeout: 10_000 });
  await page.getByTestId('moderation-toast').filter({ hasText: 'No selling here' }).waitFor({ timeout: 10_000 });
  // Each once.
  expect(await page.getByTestId('mention-notice').count()).toBe(1);
  expect(await page.getByTestId('moderation-toast').count()).toBe(1);
  expect(consoleErrors).toEqual([]);
  await page.close();
});
