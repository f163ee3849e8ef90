import type { Browser, Page } from 'playwright-core';
import type { Conversation } from '../../shared/api/chat.routes';
import type { Space } from '../../shared/api/spaces.routes';
import type { HelpRequest } from '../../shared/api/welcome.routes';
import { openTestDatabase, type TestDatabase } from '../support/database';
import { memberFromCookie } from '../support/members';
import { startTestServer, type TestServer } from '../support/server';
import { launchBrowser } from './support/browser';
import { pageOpener } from './support/pages';

// A network's first ten minutes in the browser (issue #13): the first visitor is told they will be
// the admin and led to create the account; the admin's checklist ticks itself as they name the
// network and create a space; a newcomer who joins is in the welcome space and their reply to the
// welcome bot reaches the community manager, whose answer reaches them.
let testDb: TestDatabase;
let server: TestServer;
let browser: Browser;

const PASSWORD = 'kettle harbour lantern 42';

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database, welcome: true });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await testDb?.close();
});

const openAs = pageOpener(() => ({ browser, url: server.url }));

async function signUp(page: Page, who: { email: string; name: string; handle: string }): Promise<void> {
  await page.getByTestId('sign-up-email').fill(who.email);
  await page.getByTestId('sign-up-display-name').fill(who.name);
  await page.getByTestId('sign-up-handle').fill(who.handle);
  await page.getByTestId('sign-up-password').fill(PASSWORD);
  await page.getByTestId('sign-up-submit').click();
  await page.getByTestId('guidelines-gate').waitFor();
  await page.getByTestId('accept-guidelines-checkbox').check();
  await page.getByTestId('accept-guidelines').click();
  await page.getByTestId('home-greeting').waitFor();
}

test('when the first visitor opens an empty network, then they are told they will be the admin, create the account, and the checklist ticks as they set the network up', async () => {
  const a = await openAs(null);
  await a.page.goto(server.url);
  await a.page.getByTestId('first-run').waitFor();
  expect(await a.page.getByTestId('first-run-admin').textContent()).toContain('will be this network’s admin');
  expect(await a.page.getByTestId('home-sign-in').count()).toBe(0);
  await a.page.getByTestId('first-run-create').click();
  await a.page.getByTestId('first-account-note').waitFor();
  await signUp(a.page, { email: 'ada@example.org', name: 'Ada Admin', handle: 'ada_admin' });

  // The admin's home shows the checklist, nothing done yet.
  const item = (id: string, done: boolean) => a.page.getByTestId('home-checklist').locator(`[data-item="${id}"][data-done="${done}"]`);
  await item('siteName', false).waitFor();
  await item('firstSpace', false).waitFor();

  // Naming the network in Admin → Settings ticks its item (the checklist is on that page too).
  await a.page.goto(`${server.url}/admin/settings`);
  const adminList = a.page.getByTestId('first-run-checklist');
  await adminList.locator('[data-item="siteName"][data-done="false"]').waitFor();
  await a.page.getByTestId('admin-site-name').fill('Riverside');
  await a.page.getByTestId('admin-settings-save').click();
  await adminList.locator('[data-item="siteName"][data-done="true"]').waitFor({ timeout: 10_000 });

  // A space made elsewhere (another tab, the API) ticks "first space" when this page looks again.
  const cookie = (await a.page.context().cookies()).find((c) => c.name === 'hearth.sid')!;
  const admin = await memberFromCookie(server.url, `hearth.sid=${cookie.value}`, PASSWORD);
  expect((await admin.call<Space>('POST', '/api/v1/spaces', { name: 'Gardening', slug: 'gardening', visibility: 'public', joinPolicy: 'open' })).status).toBe(201);
  await adminList.locator('[data-item="firstSpace"][data-done="true"]').waitFor({ timeout: 10_000 });

  // Every admin section is reachable from the one row of tabs at a phone's width.
  await a.page.setViewportSize({ width: 360, height: 720 });
  await a.page.getByTestId('admin-tab-emails').click();
  await a.page.waitForURL(`${server.url}/admin/emails`);
  const tabsFit = await a.page.evaluate(() => {
    // The test project compiles without the DOM library: the page's document, typed as little as used.
    const { document } = globalThis as unknown as { document: { querySelectorAll(css: string): Iterable<{ getBoundingClientRect(): { top: number } }> } };
    const tabs = [...document.querySelectorAll('[data-testid^="admin-tab-"]')].map((el) => el.getBoundingClientRect().top);
    return new Set(tabs.map(Math.round)).size;
  });
  expect(tabsFit).toBe(1);
  expect(a.consoleErrors).toEqual([]);
  await a.page.context().close();
});

test('when a newcomer joins, then they are in the welcome space, and their reply to the welcome bot reaches the manager, whose answer reaches them', async () => {
  // The admin made above chooses the welcome space (the API, as the settings form would).
  const adminSignIn = await fetch(`${server.url}/api/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@example.org', password: PASSWORD }),
  });
  const admin = await memberFromCookie(server.url, adminSignIn.headers.getSetCookie()[0]!.split(';')[0]!, PASSWORD);
  const porch = await admin.call<Space>('POST', '/api/v1/spaces', { name: 'Front Porch', slug: 'front-porch', visibility: 'public', joinPolicy: 'open' });
  expect((await admin.call('PATCH', '/api/v1/admin/welcome', { welcomeSpaceId: porch.body.id })).status).toBe(200);

  const n = await openAs(null);
  await n.page.goto(`${server.url}/sign-up`);
  await signUp(n.page, { email: 'nora@example.org', name: 'Nora Newcomer', handle: 'nora' });
  await server.app.settle();

  // In the welcome space: it is listed among her spaces.
  await n.page.reload();
  await n.page.getByTestId('my-space').and(n.page.locator('[data-slug="front-porch"]')).waitFor();

  // She replies to the bot in its conversation.
  const list = await n.page.request.get(`${server.url}/api/v1/chat/conversations`);
  const botChat = ((await list.json()) as { items: Conversation[] }).items.find((c) => c.participants.some((p) => p.isBot))!;
  await n.page.goto(`${server.url}/messages/${botChat.id}`);
  await n.page.getByTestId('chat-input').fill('Hello! Where do I ask about the allotments?');
  await n.page.getByTestId('chat-input').press('Enter');
  await n.page.getByTestId('chat-message').filter({ hasText: 'passed your message on to @ada_admin' }).waitFor({ timeout: 10_000 });

  // The admin (the community manager while none is named) sees it under Help requests and answers.
  await server.app.settle();
  const requests = await admin.call<{ items: HelpRequest[] }>('GET', '/api/v1/admin/help-requests');
  expect(requests.body.items[0]).toMatchObject({ status: 'open', member: { handle: 'nora' } });
  const a = await openAs(admin);
  await a.page.goto(`${server.url}/admin/help`);
  const request = a.page.getByTestId('help-request').and(a.page.locator('[data-handle="nora"]'));
  await request.getByTestId('help-message').filter({ hasText: 'Where do I ask about the allotments?' }).waitFor();
  await request.getByTestId('help-answer').fill('Hi Nora! The Gardening space is the place.');
  await request.getByTestId('help-send').click();
  await a.page.getByTestId('help-request').and(a.page.locator('[data-handle="nora"][data-status="answered"]')).waitFor();

  // The answer is a direct message from the admin: it reaches Nora's messages.
  await n.page.goto(`${server.url}/messages`);
  await n.page.getByText('Ada Admin').first().waitFor();
  expect(n.consoleErrors).toEqual([]);
  expect(a.consoleErrors).toEqual([]);
  await n.page.context().close();
  await a.page.context().close();
});
