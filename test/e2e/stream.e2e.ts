import type { Browser, Locator, Page } from 'playwright-core';
import type { Space } from '../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../support/database';
import { createMember, type Member } from '../support/members';
import { startTestServer, type TestServer } from '../support/server';
import { launchBrowser } from './support/browser';
import { connectionBadge, liveBadge, pageOpener } from './support/pages';

// Two members in two browsers: what one does in a space shows at the other's screen live, safely
// rendered, each event exactly once and in order — also after the other was offline for a while.
let testDb: TestDatabase;
let server: TestServer;
let browser: Browser;
let ada: Member;
let bea: Member;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database, env: { SITE_NAME: 'Riverside Mutual Aid' } });
  browser = await launchBrowser();
  // The network's first account is its admin; Ada and Bea are ordinary members.
  await createMember(server.url, { handle: 'site_admin', displayName: 'Site Admin' });
  ada = await createMember(server.url, { handle: 'ada_lovelace', displayName: 'Ada Lovelace' });
  bea = await createMember(server.url, { handle: 'bea_arthur', displayName: 'Bea Arthur' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await testDb?.close();
});

/** A page carrying the member's session cookie, as after signing in. */
const openAs = pageOpener(() => ({ browser, url: server.url }));

/** Marks the document, so a test can tell that the page was never reloaded. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => Object.assign(globalThis, { hearthTestMark: true }));
}

async function stillSameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => 'hearthTestMark' in globalThis);
}

/** A post in the space's stream, found by a piece of its text. */
function streamPost(page: Page, text: string): Locator {
  return page.getByTestId('stream').getByTestId('post').filter({ hasText: text });
}

/** The reaction button of a post itself (not of its comments). */
function postReaction(post: Locator, emoji: string): Locator {
  return post.locator(`:scope > footer [data-testid="reaction"][data-emoji="${emoji}"]`);
}

async function writePost(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('composer-input');
  await input.fill(text);
  await input.press('Control+Enter');
  await streamPost(page, text).waitFor();
  // The post shows when its live event arrives; the composer clears on the ack, which may come a moment later.
  await page.waitForFunction((el) => (el as unknown as { value: string }).value === '', await input.elementHandle(), { timeout: 5_000 });
  expect(await input.inputValue()).toBe('');
}

test('when a member posts, comments and reacts, then another member sees it live, safely rendered, and can react back', async () => {
  const a = await openAs(ada);
  const b = await openAs(bea);

  // Ada creates a public space in the UI.
  await a.page.goto(`${server.url}/spaces`);
  await a.page.getByTestId('create-space-start').click();
  await a.page.getByTestId('create-space-name').fill('Garden Club');
  expect(await a.page.getByTestId('create-space-slug').inputValue()).toBe('garden-club');
  await a.page.getByTestId('create-space-description').fill('Seeds, soil and sharing tools.');
  await a.page.getByTestId('create-space-visibility-public').check();
  await a.page.getByTestId('create-space-join-open').check();
  await a.page.getByTestId('create-space-submit').click();
  await a.page.waitForURL(`${server.url}/s/garden-club`);
  expect(await a.page.getByTestId('space-name').textContent()).toBe('Garden Club');
  await liveBadge(a.page).waitFor({ timeout: 10_000 });

  // Bea opens it and joins.
  await b.page.goto(`${server.url}/s/garden-club`);
  await b.page.getByTestId('join-to-post').waitFor();
  await b.page.getByTestId('join-space').click();
  await b.page.getByTestId('leave-space').waitFor();
  await b.page.getByTestId('composer-input').waitFor();
  await liveBadge(b.page).waitFor({ timeout: 10_000 });
  await markDocument(b.page);

  // Ada writes Markdown with a mention chosen from the suggestions, and two attempts at script.
  const input = a.page.getByTestId('composer-input');
  await input.click();
  await input.pressSequentially('Hello **bold** gardeners, see [the plan](https://example.org/plan). Thanks @bea');
  const option = a.page.getByTestId('mention-option');
  await option.first().waitFor();
  expect(await option.first().getAttribute('data-handle')).toBe('bea_arthur');
  await input.press('Enter');
  expect(await input.inputValue()).toMatch(/@bea_arthur $/);
  await input.pressSequentially('for the seeds! <img src=x onerror=alert(1)> [x](javascript:alert(1))');
  await a.page.getByTestId('composer-preview-tab').click();
  const preview = a.page.getByTestId('composer-preview');
  await preview.locator('strong').waitFor();
  expect(await preview.locator('img, [onerror]').count()).toBe(0);
  expect(await preview.locator('a[href^="javascript:" i]').count()).toBe(0);
  await a.page.getByTestId('composer-write').click();
  await input.press('Control+Enter');
  await streamPost(a.page, 'Hello').waitFor();

  // Bea sees it arrive without reloading, rendered by the server and without anything executable.
  const atBea = streamPost(b.page, 'Hello');
  await atBea.waitFor({ timeout: 10_000 });
  const body = atBea.getByTestId('post-body');
  expect(await body.locator('strong').textContent()).toBe('bold');
  expect(await body.locator('a[href="https://example.org/plan"]').count()).toBe(1);
  expect(await body.locator('a[href="/u/bea_arthur"]').textContent()).toBe('@bea_arthur');
  expect(await b.page.locator('img[onerror], [onerror]').count()).toBe(0);
  expect(await b.page.locator('a[href^="javascript:" i]').count()).toBe(0);
  expect(await body.textContent()).toContain('<img src=x onerror=alert(1)>');
  // Bea was mentioned: a notice says so.
  await b.page.getByTestId('mention-notice').filter({ hasText: 'Ada Lovelace' }).waitFor({ timeout: 10_000 });

  // Bea opens the (empty) comments; Ada comments and reacts.
  await atBea.getByTestId('comments-toggle').click();
  await atBea.getByTestId('no-comments').waitFor();
  const atAda = streamPost(a.page, 'Hello');
  await atAda.getByTestId('comments-toggle').click();
  await atAda.getByTestId('comment-input').fill('Count me in, I will bring **tomatoes**.');
  await atAda.getByTestId('comment-submit').click();
  await atAda.getByTestId('comment').filter({ hasText: 'Count me in' }).waitFor();
  await atAda.locator(':scope > footer').getByTestId('reaction-add').click();
  await atAda.getByTestId('reaction-picker').getByTestId('reaction-option').and(a.page.locator('[data-emoji="👍"]')).click();
  await postReaction(atAda, '👍').and(a.page.locator('[data-count="1"][data-mine="true"]')).waitFor();

  // Bea sees the comment and the reaction count appear.
  const comment = atBea.getByTestId('comment').filter({ hasText: 'Count me in' });
  await comment.waitFor({ timeout: 10_000 });
  expect(await comment.getByTestId('comment-body').locator('strong').textContent()).toBe('tomatoes');
  expect(await atBea.getByTestId('comments-toggle').getAttribute('data-count')).toBe('1');
  const thumbsAtBea = postReaction(atBea, '👍');
  await thumbsAtBea.and(b.page.locator('[data-count="1"]')).waitFor({ timeout: 10_000 });
  expect(await thumbsAtBea.getAttribute('data-mine')).toBe('false');

  // Bea reacts back (the same emoji, and another on the comment); Ada sees both.
  await thumbsAtBea.click();
  await thumbsAtBea.and(b.page.locator('[data-count="2"][data-mine="true"]')).waitFor();
  await comment.getByTestId('reaction-add').click();
  await comment.getByTestId('reaction-option').and(b.page.locator('[data-emoji="🎉"]')).click();
  await postReaction(atAda, '👍').and(a.page.locator('[data-count="2"]')).waitFor({ timeout: 10_000 });
  await atAda
    .getByTestId('comment')
    .filter({ hasText: 'Count me in' })
    .locator('[data-testid="reaction"][data-emoji="🎉"][data-count="1"]')
    .waitFor({ timeout: 10_000 });

  expect(await stillSameDocument(b.page)).toBe(true);
  expect(a.dialogs).toEqual([]);
  expect(b.dialogs).toEqual([]);
  // The Content-Security-Policy must allow the client as it is: a violation shows as a console error.
  expect(a.consoleErrors).toEqual([]);
  expect(b.consoleErrors).toEqual([]);
  await a.page.context().close();
  await b.page.context().close();
});

test('when a member is offline while three posts are written, then back online they see each exactly once, in order, without a reload', async () => {
  const created = await ada.call<Space>('POST', '/api/v1/spaces', { name: 'Night Owls', slug: 'night-owls' });
  expect(created.status).toBe(201);
  expect((await bea.call('POST', `/api/v1/spaces/${created.body.id}/join`)).status).toBe(200);
  const a = await openAs(ada);
  const b = await openAs(bea);
  await a.page.goto(`${server.url}/s/night-owls`);
  await b.page.goto(`${server.url}/s/night-owls`);
  await liveBadge(a.page).waitFor({ timeout: 10_000 });
  await liveBadge(b.page).waitFor({ timeout: 10_000 });
  await b.page.getByTestId('stream-empty').waitFor();
  await markDocument(b.page);

  await writePost(a.page, 'Before the night');
  await streamPost(b.page, 'Before the night').waitFor({ timeout: 10_000 });

  await b.page.context().setOffline(true);
  await connectionBadge(b.page, 'reconnecting').waitFor({ timeout: 10_000 });
  for (const n of [1, 2, 3]) await writePost(a.page, `Owl post ${n}`);
  // Nothing reaches Bea while she is offline.
  expect(await streamPost(b.page, 'Owl post').count()).toBe(0);

  await b.page.context().setOffline(false);
  await liveBadge(b.page).waitFor({ timeout: 20_000 });
  await streamPost(b.page, 'Owl post 3').waitFor({ timeout: 10_000 });

  const bodies = (await b.page.getByTestId('stream').getByTestId('post-body').allTextContents()).map((text) => text.trim());
  expect(bodies).toEqual(['Owl post 3', 'Owl post 2', 'Owl post 1', 'Before the night']);
  expect(await stillSameDocument(b.page)).toBe(true);
  expect(b.dialogs).toEqual([]);
  await a.page.context().close();
  await b.page.context().close();
});

test('when a non-member opens a private space, then they see its header but no posts, and its stream once a host approves their request', async () => {
  const created = await ada.call<Space>('POST', '/api/v1/spaces', {
    name: 'Quiet Corner',
    slug: 'quiet-corner',
    visibility: 'private',
    joinPolicy: 'request',
  });
  expect(created.status).toBe(201);
  const a = await openAs(ada);
  await a.page.goto(`${server.url}/s/quiet-corner`);
  await writePost(a.page, 'Only for the corner');

  const b = await openAs(bea);
  await b.page.goto(`${server.url}/s/quiet-corner`);
  await b.page.getByTestId('space-private').waitFor();
  expect(await b.page.getByTestId('space-name').textContent()).toBe('Quiet Corner');
  expect(await b.page.getByTestId('stream').count()).toBe(0);
  expect(await b.page.getByText('Only for the corner').count()).toBe(0);
  await liveBadge(b.page).waitFor({ timeout: 10_000 });
  await b.page.getByTestId('request-join').click();
  await b.page.getByTestId('request-pending').waitFor();

  // Ada approves on the members page; Bea's open page lets her in without a reload.
  await a.page.getByTestId('space-tab-members').click();
  const request = a.page.getByTestId('request-row').and(a.page.locator('[data-handle="bea_arthur"]'));
  await request.getByTestId('approve-request').click();
  await a.page.getByTestId('space-member-row').and(a.page.locator('[data-handle="bea_arthur"]')).waitFor();

  await streamPost(b.page, 'Only for the corner').waitFor({ timeout: 10_000 });
  await b.page.getByTestId('leave-space').waitFor();

  // A refused post shows why, next to the composer, and keeps the text.
  await b.page.getByTestId('composer-input').fill('Glad to be here');
  const tags = b.page.getByTestId('composer-tags').locator('input');
  await tags.fill('not ok!');
  await tags.press('Enter');
  await b.page.getByTestId('composer-submit').click();
  const error = b.page.getByTestId('composer-error');
  await error.waitFor();
  expect(await error.textContent()).toContain('Tag 1');
  expect(await b.page.getByTestId('composer-input').inputValue()).toBe('Glad to be here');

  // An archived space is read-only: a banner, no composer.
  expect((await ada.call('PATCH', `/api/v1/spaces/${created.body.id}`, { archived: true })).status).toBe(200);
  await b.page.getByTestId('space-archived').waitFor({ timeout: 10_000 });
  expect(await b.page.getByTestId('composer').count()).toBe(0);
  await a.page.context().close();
  await b.page.context().close();
});

test('when a post arrives in one of my spaces, then my home shows it on top with an unread mark, which opening the space clears', async () => {
  const created = await ada.call<Space>('POST', '/api/v1/spaces', { name: 'Bike Repair', slug: 'bike-repair' });
  expect((await bea.call('POST', `/api/v1/spaces/${created.body.id}/join`)).status).toBe(200);
  const a = await openAs(ada);
  const b = await openAs(bea);
  await a.page.goto(`${server.url}/s/bike-repair`);
  await b.page.goto(server.url);
  await b.page.getByTestId('home-stream').waitFor();
  await liveBadge(a.page).waitFor({ timeout: 10_000 });
  await liveBadge(b.page).waitFor({ timeout: 10_000 });
  const mine = b.page.getByTestId('my-space').and(b.page.locator('[data-slug="bike-repair"]'));
  expect(await mine.getAttribute('data-unread')).toBe('0');

  await writePost(a.page, 'Flat tyre clinic on Sunday');

  await b.page.getByTestId('home-post').first().filter({ hasText: 'Flat tyre clinic' }).waitFor({ timeout: 10_000 });
  await mine.and(b.page.locator('[data-unread="1"]')).waitFor();
  await mine.getByRole('link').click();
  await streamPost(b.page, 'Flat tyre clinic').waitFor();
  await b.page.getByTestId('nav-home').click();
  await mine.and(b.page.locator('[data-unread="0"]')).waitFor({ timeout: 10_000 });
  expect(b.consoleErrors).toEqual([]);
  await a.page.context().close();
  await b.page.context().close();
});

test('when a space has more posts than a page, then "Load older posts" shows the rest in order, each once', async () => {
  const created = await ada.call<Space>('POST', '/api/v1/spaces', { name: 'Archive Room', slug: 'archive-room' });
  const socket = await ada.connect();
  try {
    for (let n = 1; n <= 25; n += 1) {
      const answer = await socket.emitWithAck('post:create', { spaceId: created.body.id, bodyMarkdown: `Note ${n}`, tags: [] });
      expect('data' in answer).toBe(true);
    }
  } finally {
    socket.close();
  }
  const b = await openAs(bea);
  await b.page.goto(`${server.url}/s/archive-room`);
  await streamPost(b.page, 'Note 25').waitFor();
  const bodies = b.page.getByTestId('stream').getByTestId('post-body');
  expect(await bodies.count()).toBe(20);

  await b.page.getByTestId('load-older').click();
  await streamPost(b.page, 'Note 1').last().waitFor();

  const texts = (await bodies.allTextContents()).map((text) => text.trim());
  expect(texts).toEqual(Array.from({ length: 25 }, (_, i) => `Note ${25 - i}`));
  expect(await b.page.getByTestId('load-older').count()).toBe(0);
  await b.page.context().close();
});

test('when one event is lost on the way, then the next one reveals the gap and the page catches up, each post once and in order', async () => {
  const created = await ada.call<Space>('POST', '/api/v1/spaces', { name: 'Lost and Found', slug: 'lost-and-found' });
  expect((await bea.call('POST', `/api/v1/spaces/${created.body.id}/join`)).status).toBe(200);
  const b = await openAs(bea);
  // Between Bea's browser and the server: drop the frame that carries the first post.
  let dropped = 0;
  await b.page.routeWebSocket(/\/socket\.io\//, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      if (dropped === 0 && typeof message === 'string' && message.includes('"post:created"') && message.includes('Lost on the way')) {
        dropped += 1;
        return;
      }
      ws.send(message);
    });
  });
  await b.page.goto(`${server.url}/s/lost-and-found`);
  await liveBadge(b.page).waitFor({ timeout: 10_000 });
  await b.page.getByTestId('stream-empty').waitFor();
  await markDocument(b.page);

  const socket = await ada.connect();
  try {
    for (const text of ['Lost on the way', 'Right behind it']) {
      const answer = await socket.emitWithAck('post:create', { spaceId: created.body.id, bodyMarkdown: text, tags: [] });
      expect('data' in answer).toBe(true);
    }
  } finally {
    socket.close();
  }

  await streamPost(b.page, 'Lost on the way').waitFor({ timeout: 10_000 });
  expect(dropped).toBe(1);
  const texts = (await b.page.getByTestId('stream').getByTestId('post-body').allTextContents()).map((text) => text.trim());
  expect(texts).toEqual(['Right behind it', 'Lost on the way']);
  expect(await stillSameDocument(b.page)).toBe(true);
  await b.page.context().close();
});
