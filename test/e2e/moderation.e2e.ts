import type { Browser, Locator, Page } from 'playwright-core';
import type { Space } from '../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../support/database';
import { createMember, type Member } from '../support/members';
import { startTestServer, type TestServer } from '../support/server';
import { launchBrowser } from './support/browser';
import { liveBadge, pageOpener } from './support/pages';

// A member reports a post from the UI; the space's host sees the case arrive in the moderation
// queue live, takes it and hides the post; the post turns into a placeholder on the reporter's
// screen, both the reporter and the author hear the outcome, and the author's appeal brings the
// case back into the host's queue — all without a reload.
let testDb: TestDatabase;
let server: TestServer;
let browser: Browser;
let siteAdmin: Member;
let ada: Member;
let bea: Member;
let cy: Member;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database, env: { SITE_NAME: 'Riverside Mutual Aid' } });
  browser = await launchBrowser();
  // The network's first account is its admin; the others are ordinary members.
  siteAdmin = await createMember(server.url, { handle: 'site_admin', displayName: 'Site Admin' });
  ada = await createMember(server.url, { handle: 'ada_lovelace', displayName: 'Ada Lovelace' });
  bea = await createMember(server.url, { handle: 'bea_arthur', displayName: 'Bea Arthur' });
  cy = await createMember(server.url, { handle: 'cy_twombly', displayName: 'Cy Twombly' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await testDb?.close();
});

/** A page carrying the member's session cookie, as after signing in; uncaught exceptions count as console errors. */
const openAs = pageOpener(() => ({ browser, url: server.url }), { pageErrors: true });

/** Marks the document, so a test can tell that the page was never reloaded. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => Object.assign(globalThis, { hearthTestMark: true }));
}

async function stillSameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => 'hearthTestMark' in globalThis);
}

function streamPost(page: Page, text: string): Locator {
  return page.getByTestId('stream').getByTestId('post').filter({ hasText: text });
}

test('when a member reports a post, then the host sees the case live, hides the post for everyone, both members hear of it, and an appeal brings the case back', async () => {
  // Ada hosts the space; Bea writes in it; Cy reads it.
  const created = await ada.call<Space>('POST', '/api/v1/spaces', { name: 'Repair Café', slug: 'repair-cafe' });
  expect(created.status).toBe(201);
  for (const member of [bea, cy]) expect((await member.call('POST', `/api/v1/spaces/${created.body.id}/join`)).status).toBe(200);
  const socket = await bea.connect();
  let postId: string;
  try {
    const answer = await socket.emitWithAck('post:create', { spaceId: created.body.id, bodyMarkdown: 'Everyone who fixes toasters is an idiot.', tags: [] });
    if (!('data' in answer)) throw new Error(`post:create failed: ${JSON.stringify(answer)}`);
    postId = answer.data.id;
  } finally {
    socket.close();
  }

  const a = await openAs(ada);
  const b = await openAs(bea);
  const c = await openAs(cy);
  await a.page.goto(`${server.url}/moderation`);
  await b.page.goto(server.url);
  await c.page.goto(`${server.url}/s/repair-cafe`);
  for (const { page } of [a, b, c]) await liveBadge(page).waitFor({ timeout: 10_000 });

  // Ada hosts a space, so she has a queue: empty for now.
  await a.page.getByTestId('nav-moderation').waitFor();
  await a.page.getByTestId('cases-empty').waitFor();
  expect(await a.page.getByTestId('nav-moderation-open').count()).toBe(0);
  // Cy moderates nothing: no queue link.
  await streamPost(c.page, 'toasters').waitFor();
  expect(await c.page.getByTestId('nav-moderation').count()).toBe(0);
  for (const { page } of [a, b, c]) await markDocument(page);

  // Cy reports the post, with a reason and a note. (Found by id: once hidden, its text is gone.)
  const post = c.page.getByTestId('stream').locator(`[data-testid="post"][data-post-id="${postId}"]`);
  await post.getByTestId('post-menu').click();
  await post.getByTestId('post-report').click();
  const dialog = c.page.getByTestId('report-dialog');
  await dialog.waitFor();
  await dialog.getByTestId('report-reason-harassment').check();
  await dialog.getByTestId('report-note').fill('Name-calling again.');
  await dialog.getByTestId('report-submit').click();
  await dialog.getByTestId('report-thanks').filter({ hasText: 'the moderators will look at it' }).waitFor();
  await dialog.getByTestId('report-dialog-close').click();
  await dialog.waitFor({ state: 'detached' });

  // Ada's badge counts the case, and the case shows in her queue, without a reload.
  const badge = a.page.getByTestId('nav-moderation-open');
  await badge.filter({ hasText: /^1/ }).waitFor({ timeout: 10_000 });
  const item = a.page.getByTestId('case').filter({ hasText: 'toasters' });
  await item.waitFor();
  expect(await item.getByTestId('case-subject').textContent()).toBe('Bea Arthur');
  expect(await item.getByTestId('case-reports').textContent()).toContain('Name-calling again.');

  // She takes it, and hides the post.
  await item.getByTestId('case-take').click();
  await item.getByTestId('case-assignee').filter({ hasText: 'You have this case.' }).waitFor({ timeout: 10_000 });
  await item.getByTestId('case-act').click();
  await item.getByTestId('case-action').selectOption('hide');
  await item.getByTestId('case-reason').fill('Insults are against our guidelines.');
  await item.getByTestId('case-confirm').click();
  // Closed: it leaves the open queue and the badge, and the page says what was done, with an undo.
  await item.waitFor({ state: 'detached', timeout: 10_000 });
  await badge.waitFor({ state: 'detached' });
  const confirmation = a.page.getByTestId('moderation-confirmation');
  await confirmation.getByTestId('moderation-confirmation-text').filter({ hasText: 'Post hidden' }).waitFor();
  await post.getByTestId('post-hidden').waitFor({ timeout: 10_000 });
  await c.page.getByTestId('moderation-toast').and(c.page.locator('[data-kind="report_outcome"]')).waitFor({ timeout: 10_000 });

  // Undo: the case is back in the queue and the post back on Cy's screen, live.
  await confirmation.getByTestId('moderation-undo').click();
  await confirmation.getByTestId('moderation-confirmation-text').filter({ hasText: 'Undone' }).waitFor({ timeout: 10_000 });
  expect(await confirmation.getByTestId('moderation-undo').count()).toBe(0);
  await item.waitFor({ timeout: 10_000 });
  await badge.filter({ hasText: /^1/ }).waitFor({ timeout: 10_000 });
  await post.getByTestId('post-body').filter({ hasText: 'toasters' }).waitFor({ timeout: 10_000 });

  // Hidden again, for good this time.
  await item.getByTestId('case-act').click();
  await item.getByTestId('case-action').selectOption('hide');
  await item.getByTestId('case-reason').fill('Insults are against our guidelines.');
  await item.getByTestId('case-confirm').click();
  await item.waitFor({ state: 'detached', timeout: 10_000 });
  await badge.waitFor({ state: 'detached' });

  // Among the closed cases it shows its outcome once, and offers a reversal, not "Act".
  await a.page.getByTestId('moderation-tab-closed').click();
  const closedCase = a.page.getByTestId('case').and(a.page.locator('[data-status="closed"]')).filter({ hasText: 'toasters' });
  await closedCase.waitFor({ timeout: 10_000 });
  expect(await closedCase.getByTestId('case-outcome').textContent()).toContain('Content hidden');
  expect(await closedCase.getByText('Content hidden').count()).toBe(1);
  expect(await closedCase.getByTestId('case-act').count()).toBe(0);
  expect(await closedCase.getByTestId('case-reverse').count()).toBe(1);
  await a.page.getByTestId('moderation-tab-open').click();
  await a.page.getByTestId('cases-empty').waitFor();

  // On Cy's screen the post gives way to the placeholder at once; he hears the outcome.
  await post.getByTestId('post-hidden').filter({ hasText: 'Hidden by the moderators' }).waitFor({ timeout: 10_000 });
  expect(await post.getByTestId('post-body').count()).toBe(0);
  // He was told the outcome once, though the case closed twice.
  await c.page.getByTestId('nav-notices-unread').filter({ hasText: /^1/ }).waitFor();
  const cyNotices = await cy.call<{ items: { kind: string }[] }>('GET', '/api/v1/moderation/notices');
  expect(cyNotices.body.items.map((n) => n.kind)).toEqual(['report_outcome']);

  // Bea, the author, is told too, live (hidden, reversed, hidden again); she appeals from her notices.
  await b.page.getByTestId('nav-notices-unread').filter({ hasText: /^3/ }).waitFor({ timeout: 10_000 });
  // The bell opens the notification centre, which leads on to the moderators' notices.
  await b.page.getByTestId('nav-notices').click();
  await b.page.getByTestId('notifications-notices-link').click();
  const notice = b.page.getByTestId('notice').and(b.page.locator('[data-kind="action"]')).first();
  await notice.waitFor();
  // Opening the page reads them.
  await b.page.getByTestId('nav-notices-unread').waitFor({ state: 'detached', timeout: 10_000 });
  await notice.getByTestId('appeal-open').click();
  await notice.getByTestId('appeal-text').fill('It was a joke between friends.');
  await notice.getByTestId('appeal-submit').click();
  await notice.getByTestId('notice-appealed').waitFor({ timeout: 10_000 });

  // The case is back in Ada's queue with the appeal, live; reversing it is on offer.
  await badge.filter({ hasText: /^1/ }).waitFor({ timeout: 10_000 });
  const appealed = a.page.getByTestId('case').filter({ hasText: 'toasters' });
  await appealed.getByTestId('case-appeal').filter({ hasText: 'It was a joke between friends.' }).waitFor();
  await appealed.getByTestId('case-act').click();
  expect(await appealed.getByTestId('case-action').locator('option[value="reverse"]').count()).toBe(1);

  // Nobody's page was reloaded on the way, and the post stays hidden for a fresh reader too.
  for (const { page } of [a, b, c]) expect(await stillSameDocument(page)).toBe(true);
  const fresh = await cy.call<{ post: { hidden: boolean; bodyMarkdown: string } }>('GET', `/api/v1/posts/${postId}`);
  expect(fresh.body.post.hidden).toBe(true);

  expect(a.consoleErrors).toEqual([]);
  expect(b.consoleErrors).toEqual([]);
  expect(c.consoleErrors).toEqual([]);
  for (const { page } of [a, b, c]) await page.context().close();
});

test('when an admin writes the help text and names a safeguarding contact, then a member’s “Need help?” shows both', async () => {
  const admin = await openAs(siteAdmin);
  await admin.page.goto(`${server.url}/admin/moderation`);
  const form = admin.page.getByTestId('moderation-settings-form');
  await form.waitFor();
  await form.getByTestId('moderation-word-list').fill('scam\nfree money');
  await form.getByTestId('moderation-help-input').fill('Worried about someone? Call the **Riverside helpline**.');
  await form.getByTestId('new-message-handles').fill('ada_lovelace');
  await form.getByTestId('moderation-settings-save').click();
  await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: 10_000 });
  // The form shows what the server kept: the contact as a chip, the words one per line.
  await form.getByTestId('recipient-chip').and(admin.page.locator('[data-handle="ada_lovelace"]')).waitFor();
  expect(await form.getByTestId('moderation-word-list').inputValue()).toBe('scam\nfree money');

  const c = await openAs(cy);
  await c.page.goto(server.url);
  await liveBadge(c.page).waitFor({ timeout: 10_000 });
  await c.page.getByTestId('help-open').click();
  const dialog = c.page.getByTestId('help-dialog');
  await dialog.getByTestId('help-text').locator('strong').filter({ hasText: 'Riverside helpline' }).waitFor({ timeout: 10_000 });
  expect(await dialog.getByTestId('help-contacts').getByRole('link', { name: 'Ada Lovelace' }).getAttribute('href')).toBe('/u/ada_lovelace');
  await c.page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });

  expect(admin.consoleErrors).toEqual([]);
  expect(c.consoleErrors).toEqual([]);
  await admin.page.context().close();
  await c.page.context().close();
});
