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

/** A signed-in page on a phone: narrow, touch. */
async function openOnPhone(member: Member): Promise<{ page: Page; consoleErrors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
  const [name, value] = member.cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  return { page, consoleErrors };
}

/** In-page globals for evaluate callbacks (the test project compiles without the DOM library). */
interface InPage {
  innerWidth: number;
  innerHeight: number;
  document: { documentElement: { scrollWidth: number; clientWidth: number } };
}

async function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as InPage).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

/** The element is wholly inside the window. */
async function expectInWindow(page: Page, element: Locator): Promise<void> {
  const box = await element.boundingBox();
  const size = await page.evaluate(() => ({ width: (globalThis as unknown as InPage).innerWidth, height: (globalThis as unknown as InPage).innerHeight }));
  expect(box).not.toBeNull();
  const { x, y, width, height } = box!;
  expect({ left: x >= 0, top: y >= 0, right: x + width <= size.width, bottom: y + height <= size.height }).toEqual({ left: true, top: true, right: true, bottom: true });
}

test('on a phone, a post\'s "…" menu opens with Report in reach and the report dialog opens from it; the author\'s menu deletes after asking, and the others see the placeholder live', async () => {
  const created = await ada.call<Space>('POST', '/api/v1/spaces', { name: 'Pocket Garden', slug: 'pocket-garden' });
  expect(created.status).toBe(201);
  expect((await bea.call('POST', `/api/v1/spaces/${created.body.id}/join`)).status).toBe(200);
  const socket = await ada.connect();
  let postId: string;
  try {
    const posted = await socket.emitWithAck('post:create', {
      spaceId: created.body.id,
      bodyMarkdown: 'A rather long first line about windowsill tomatoes, basil and the neighbours who water them while we are away',
      tags: ['windowsill'],
    });
    if (!('data' in posted)) throw new Error(`post refused: ${JSON.stringify(posted)}`);
    postId = posted.data.id;
    const commented = await socket.emitWithAck('comment:create', { postId, bodyMarkdown: 'Mine are flowering already.' });
    expect('data' in commented).toBe(true);
  } finally {
    socket.close();
  }

  const b = await openOnPhone(bea);
  await b.page.goto(`${server.url}/s/pocket-garden`);
  await liveBadge(b.page).waitFor({ timeout: 10_000 });
  const atBea = streamPost(b.page, 'windowsill tomatoes');
  await atBea.waitFor();
  expect(await sidewaysScroll(b.page)).toBeLessThanOrEqual(0);
  // No action is always in view: they wait in the menu, whose button has a name.
  expect(await atBea.getByTestId('post-report').count()).toBe(0);
  const menuButton = atBea.getByTestId('post-menu');
  expect(await menuButton.getAttribute('aria-label')).toBe('Actions for the post by Ada Lovelace');
  await expectInWindow(b.page, menuButton);
  await menuButton.tap();
  expect(await menuButton.getAttribute('aria-expanded')).toBe('true');
  const report = atBea.getByTestId('post-report');
  await report.waitFor();
  await expectInWindow(b.page, report);
  // Bea is not the author: she may report and block, not edit or delete.
  expect(await atBea.getByRole('menuitem').allTextContents()).toEqual(['Report', 'Block Ada Lovelace']);
  expect(await sidewaysScroll(b.page)).toBeLessThanOrEqual(0);
  await report.tap();
  const dialog = b.page.getByTestId('report-dialog');
  await dialog.waitFor();
  expect(await dialog.getByRole('heading', { level: 2 }).first().textContent()).toBe('Report post by Ada Lovelace');
  await expectInWindow(b.page, dialog.getByTestId('report-submit'));
  await dialog.getByTestId('report-dialog-close').tap();
  await dialog.waitFor({ state: 'detached' });
  expect(await atBea.getByRole('menu').count()).toBe(0);

  // Block asks first and says what it does; once done, the menu no longer offers it.
  await menuButton.tap();
  await atBea.getByTestId('post-block').tap();
  const blockDialog = b.page.getByTestId('post-block-dialog');
  await blockDialog.getByText('Their posts and comments stay in view.', { exact: false }).waitFor();
  await blockDialog.getByTestId('post-block-dialog-yes').tap();
  await blockDialog.waitFor({ state: 'detached' });
  const blocked = await bea.call<{ items: { user: { handle: string } }[] }>('GET', '/api/v1/me/blocks');
  expect(blocked.body.items.map((block) => block.user.handle)).toEqual(['ada_lovelace']);
  await menuButton.tap();
  expect(await atBea.getByRole('menuitem').allTextContents()).toEqual(['Report']);
  await b.page.keyboard.press('Escape');
  expect((await bea.call('DELETE', `/api/v1/me/blocks/${ada.user.id}`)).status).toBe(200);

  // A comment has its own menu; Bea's comments count is a word, not a glyph.
  const toggle = atBea.getByTestId('comments-toggle');
  expect((await toggle.textContent())?.trim()).toBe('1 comment');
  await toggle.tap();
  const comment = atBea.getByTestId('comment').filter({ hasText: 'flowering' });
  await comment.getByTestId('comment-menu').tap();
  await comment.getByTestId('comment-report').waitFor();
  expect(await comment.getByTestId('comment-delete').count()).toBe(0);
  await b.page.keyboard.press('Escape');
  await markDocument(b.page);

  // Ada, the author and host, finds Edit, Pin and Delete in her menu; the pin shows at Bea's live.
  const a = await openAs(ada);
  await a.page.goto(`${server.url}/s/pocket-garden`);
  await liveBadge(a.page).waitFor({ timeout: 10_000 });
  const atAda = streamPost(a.page, 'windowsill tomatoes');
  await atAda.getByTestId('post-menu').click();
  expect(await atAda.getByRole('menuitem').allTextContents()).toEqual(['Edit', 'Pin to the top', 'Delete']);
  await atAda.getByTestId('post-pin').click();
  // A pinned post moves to the top section; Unpin, from the same menu, brings it back.
  const pinnedAtBea = b.page.getByTestId('pinned-posts').locator(`[data-post-id="${postId}"]`);
  await pinnedAtBea.getByTestId('post-pinned').filter({ hasText: 'Pinned' }).waitFor({ timeout: 10_000 });
  const pinnedAtAda = a.page.getByTestId('pinned-posts').locator(`[data-post-id="${postId}"]`);
  await pinnedAtAda.getByTestId('post-menu').click();
  const unpin = pinnedAtAda.getByTestId('post-pin');
  expect(await unpin.textContent()).toBe('Unpin');
  await unpin.click();
  await pinnedAtBea.waitFor({ state: 'detached', timeout: 10_000 });
  await atBea.waitFor();
  await atAda.getByTestId('post-menu').click();
  // Delete asks first, and Cancel keeps the post.
  await atAda.getByTestId('post-delete').click();
  const ask = a.page.getByTestId('post-delete-dialog');
  await ask.getByText('Delete this post?').waitFor();
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await ask.waitFor({ state: 'detached' });
  expect(await atAda.getByTestId('post-body').count()).toBe(1);
  await atAda.getByTestId('post-menu').click();
  await atAda.getByTestId('post-delete').click();
  await a.page.getByTestId('post-delete-dialog-yes').click();
  await a.page.locator(`[data-testid="post"][data-post-id="${postId}"] [data-testid="post-tombstone"]`).waitFor();

  // Bea sees the placeholder without a reload, with no menu left to open.
  const goneAtBea = b.page.locator(`[data-testid="post"][data-post-id="${postId}"]`);
  await goneAtBea.getByTestId('post-tombstone').filter({ hasText: 'This post was deleted.' }).waitFor({ timeout: 10_000 });
  expect(await goneAtBea.getByTestId('post-menu').count()).toBe(0);
  expect(await stillSameDocument(b.page)).toBe(true);
  expect(a.consoleErrors).toEqual([]);
  expect(b.consoleErrors).toEqual([]);
  await a.page.context().close();
  await b.page.context().close();
});

test('when a member writes a post with Shift+Enter between two lines, then the posted text keeps the line break, for them and live for another member', async () => {
  const created = await ada.call<Space>('POST', '/api/v1/spaces', { name: 'Line Breaks', slug: 'line-breaks' });
  expect((await bea.call('POST', `/api/v1/spaces/${created.body.id}/join`)).status).toBe(200);
  const a = await openAs(ada);
  const b = await openAs(bea);
  await a.page.goto(`${server.url}/s/line-breaks`);
  await b.page.goto(`${server.url}/s/line-breaks`);
  await liveBadge(a.page).waitFor({ timeout: 10_000 });
  await liveBadge(b.page).waitFor({ timeout: 10_000 });

  const input = a.page.getByTestId('composer-input');
  await input.click();
  await input.pressSequentially('Seed swap on Saturday');
  await input.press('Shift+Enter');
  await input.pressSequentially('Bring labelled envelopes');
  expect(await input.inputValue()).toBe('Seed swap on Saturday\nBring labelled envelopes');
  await input.press('Control+Enter');

  for (const page of [a.page, b.page]) {
    const body = streamPost(page, 'Seed swap').getByTestId('post-body');
    await body.waitFor({ timeout: 10_000 });
    expect(await body.locator('br').count()).toBe(1);
    expect(await body.locator('p').first().innerText()).toBe('Seed swap on Saturday\nBring labelled envelopes');
  }
  await a.page.waitForFunction((el) => (el as unknown as { value: string }).value === '', await input.elementHandle(), { timeout: 5_000 });
  expect(a.consoleErrors).toEqual([]);
  await a.page.context().close();
  await b.page.context().close();
});

test('in Arabic on a 360 px phone, a post and its comments read right to left in Arabic words, without sideways scrolling', async () => {
  const created = await ada.call<Space>('POST', '/api/v1/spaces', { name: 'Narrow Beds', slug: 'narrow-beds' });
  expect((await bea.call('POST', `/api/v1/spaces/${created.body.id}/join`)).status).toBe(200);
  const socket = await ada.connect();
  try {
    const posted = await socket.emitWithAck('post:create', { spaceId: created.body.id, bodyMarkdown: 'Raised beds: a long-winded-word-without-spaces-that-must-wrap-somewhere-on-a-narrow-phone-screen', tags: ['beds'] });
    if (!('data' in posted)) throw new Error(`post refused: ${JSON.stringify(posted)}`);
    for (const text of ['First', 'Second']) expect('data' in (await socket.emitWithAck('comment:create', { postId: posted.data.id, bodyMarkdown: text }))).toBe(true);
  } finally {
    socket.close();
  }
  const context = await browser.newContext({ viewport: { width: 360, height: 780 }, hasTouch: true, isMobile: true, locale: 'ar' });
  const [name, value] = bea.cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
  const page = await context.newPage();
  await page.goto(`${server.url}/s/narrow-beds`);
  await page.locator('html[dir="rtl"]').waitFor();
  const post = streamPost(page, 'Raised beds');
  await post.waitFor();
  expect(await post.getByTestId('post-menu').getAttribute('aria-label')).toBe('إجراءات على منشور Ada Lovelace');
  const toggle = post.getByTestId('comments-toggle');
  expect((await toggle.textContent())?.trim()).toBe('تعليقان');
  await toggle.tap();
  await post.getByTestId('comment').nth(1).waitFor();
  await post.getByTestId('post-menu').tap();
  await post.getByTestId('post-report').waitFor();
  expect(await post.getByTestId('post-report').textContent()).toBe('إبلاغ');
  await expectInWindow(page, post.getByTestId('post-report'));
  expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
  await context.close();
});
