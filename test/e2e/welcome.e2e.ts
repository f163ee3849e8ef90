import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { Conversation, Message } from '../../shared/api/chat.routes';
import type { Space } from '../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../support/database';
import { createMember, type Member } from '../support/members';
import { startTestServer, type TestServer } from '../support/server';
import { launchBrowser } from './support/browser';
import { pageOpener } from './support/pages';

// An admin rewrites the welcome bot's direct message and picks the welcome space; a newcomer who
// signs up in the browser (telling their interests) is greeted with that text, and the admin sees
// the welcome email in the outbox. No SMTP_URL: the email is written as a file.
let testDb: TestDatabase;
let server: TestServer;
let browser: Browser;
let admin: Member;

const PASSWORD = 'kettle harbour lantern 42';

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database, welcome: true, env: { SITE_NAME: 'Riverside Mutual Aid' } });
  browser = await launchBrowser();
  // The network's first account is its admin.
  admin = await createMember(server.url, { handle: 'site_admin', displayName: 'Site Admin' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await testDb?.close();
});

/** A page with the member's session cookie when given. */
const openAs = pageOpener(() => ({ browser, url: server.url }));

test('when an admin rewrites the welcome message, then a newcomer who signs up gets it from the bot and their welcome email is listed', async () => {
  const welcomeSpace = await admin.call<Space>('POST', '/api/v1/spaces', { name: 'Front Porch', slug: 'front-porch', visibility: 'public', joinPolicy: 'open' });
  expect(welcomeSpace.status).toBe(201);
  const gardening = await admin.call<Space>('POST', '/api/v1/spaces', {
    name: 'Community gardening',
    slug: 'community-gardening',
    description: 'Allotments, seed swaps and compost',
    visibility: 'public',
    joinPolicy: 'open',
  });
  expect(gardening.status).toBe(201);

  // Admin → Welcome: a new direct message and the welcome space.
  const a = await openAs(admin);
  await a.page.goto(server.url);
  await a.page.getByTestId('nav-admin').click();
  await a.page.getByTestId('admin-tab-welcome').click();
  const form = a.page.getByTestId('welcome-form');
  await form.waitFor();
  expect(await a.page.getByTestId('welcome-bot-enabled').isChecked()).toBe(true);
  expect(await a.page.getByTestId('welcome-placeholders').textContent()).toContain('{suggestions}');
  await a.page.getByTestId('welcome-message-template').fill('Hello {name}! The kettle is on at {site}.\n\n{suggestions}');
  // Waits until the directory has loaded the space into the list.
  await a.page.getByTestId('welcome-space').selectOption({ label: 'Front Porch' });
  await a.page.getByTestId('welcome-save').click();
  await a.page.getByTestId('welcome-saved').waitFor();
  const settings = await admin.call<{ welcomeSpaceId: string | null; messageTemplate: string }>('GET', '/api/v1/admin/welcome');
  expect(settings.body.welcomeSpaceId).toBe(welcomeSpace.body.id);
  expect(settings.body.messageTemplate).toBe('Hello {name}! The kettle is on at {site}.\n\n{suggestions}');

  // A newcomer signs up in the browser, with where they live and an interest, and accepts the guidelines.
  const n = await openAs(null);
  await n.page.goto(`${server.url}/sign-up`);
  await n.page.getByTestId('sign-up-email').fill('nora@example.org');
  await n.page.getByTestId('sign-up-display-name').fill('Nora Newcomer');
  await n.page.getByTestId('sign-up-handle').fill('nora');
  await n.page.getByTestId('sign-up-password').fill(PASSWORD);
  await n.page.getByTestId('sign-up-location').fill('Riverside');
  const interests = n.page.getByTestId('sign-up-interests');
  await interests.locator('input').fill('Gardening');
  await interests.locator('input').press('Enter');
  await interests.locator('.tag', { hasText: 'gardening' }).waitFor();
  await n.page.getByTestId('sign-up-submit').click();
  await n.page.getByTestId('guidelines-gate').waitFor();
  await n.page.getByTestId('accept-guidelines-checkbox').check();
  await n.page.getByTestId('accept-guidelines').click();
  await n.page.getByTestId('home-greeting').waitFor();

  const me = await n.page.request.get(`${server.url}/api/v1/session`);
  const session = (await me.json()) as { user: { location: string; interests: string[] } };
  expect(session.user.location).toBe('Riverside');
  expect(session.user.interests).toEqual(['gardening']);

  // The greeting runs after the acceptance answered; wait for it (and the email) to finish.
  await server.app.settle();

  const conversations = await n.page.request.get(`${server.url}/api/v1/chat/conversations`);
  expect(conversations.status()).toBe(200);
  const { items } = (await conversations.json()) as { items: Conversation[] };
  const withBot = items.find((c) => c.kind === 'direct' && c.participants.some((p) => p.isBot));
  expect(withBot).toBeDefined();
  const messages = await n.page.request.get(`${server.url}/api/v1/chat/conversations/${withBot!.id}/messages`);
  expect(messages.status()).toBe(200);
  const page = (await messages.json()) as { items: Message[] };
  expect(page.items).toHaveLength(1);
  const greeting = page.items[0]!;
  expect(greeting.author.isBot).toBe(true);
  expect(greeting.bodyMarkdown).toContain('Hello Nora Newcomer! The kettle is on at Riverside Mutual Aid.');
  // The interest given at sign-up picked the gardening space.
  expect(greeting.bodyMarkdown).toContain('[Community gardening](/s/community-gardening)');

  // Admin → Emails: the welcome email to Nora, sent as a file.
  await a.page.getByTestId('admin-tab-emails').click();
  await a.page.getByTestId('email-transport').and(a.page.locator('[data-transport="files"]')).waitFor();
  // Her welcome email (the address confirmation she was sent at sign-up is listed too).
  const row = a.page.getByTestId('email-row').and(a.page.locator('[data-to="nora@example.org"]')).filter({ hasText: 'Welcome to Riverside Mutual Aid' });
  await row.and(a.page.locator('[data-status="sent"]')).waitFor();
  expect(await row.textContent()).toContain('Welcome to Riverside Mutual Aid, Nora Newcomer');
  expect(await row.getByTestId('email-retry').count()).toBe(0);
  const files = fs.readdirSync(path.join(server.dataDir, 'outbox')).filter((f) => f.endsWith('.eml'));
  expect(files.some((f) => fs.readFileSync(path.join(server.dataDir, 'outbox', f), 'utf8').includes('nora@example.org'))).toBe(true);

  expect(n.consoleErrors).toEqual([]);
  expect(a.consoleErrors).toEqual([]);
  await n.page.context().close();
  await a.page.context().close();
});
