import type { Browser } from 'playwright-core';
import type { Space } from '../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../support/database';
import { createMember, type Member } from '../support/members';
import { startTestServer, type TestServer } from '../support/server';
import { launchBrowser } from './support/browser';
import { liveBadge, pageOpener } from './support/pages';

// A host hands out a link to a secret, invitation-only space; members who follow it (signed in, or
// after signing in) join and read it. The space's image, uploaded in its settings, reaches every
// open page of the space live.
let testDb: TestDatabase;
let server: TestServer;
let browser: Browser;
let ada: Member;
let bea: Member;
let cy: Member;

/** The smallest valid PNG: one transparent pixel. */
const onePixelPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database, env: { SITE_NAME: 'Riverside Mutual Aid' } });
  browser = await launchBrowser();
  // The network's first account is its admin; Ada, Bea and Cy are ordinary members.
  await createMember(server.url, { handle: 'site_admin', displayName: 'Site Admin' });
  ada = await createMember(server.url, { handle: 'ada_lovelace', displayName: 'Ada Lovelace' });
  bea = await createMember(server.url, { handle: 'bea_arthur', displayName: 'Bea Arthur' });
  cy = await createMember(server.url, { handle: 'cy_twombly', displayName: 'Cy Twombly' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await testDb?.close();
});

/** A page carrying the member's session cookie when there is one. */
const openAs = pageOpener(() => ({ browser, url: server.url }), {
  // The browser logs each refused request; the tests expect two: a secret space's 404 and a fake image's 415.
  ignoreConsoleErrors: /status of (404|415)\b/,
});

test('when a host shares an invitation link to a secret space, then members who open it see the space, join it and read it', async () => {
  const created = await ada.call<Space>('POST', '/api/v1/spaces', {
    name: 'Night Shift',
    slug: 'night-shift',
    description: 'For those who work while the town sleeps.',
    visibility: 'secret',
    joinPolicy: 'invite',
  });
  expect(created.status).toBe(201);
  const socket = await ada.connect();
  try {
    const answer = await socket.emitWithAck('post:create', { spaceId: created.body.id, bodyMarkdown: 'Coffee is on the second floor.', tags: [] });
    expect('data' in answer).toBe(true);
  } finally {
    socket.close();
  }

  // Ada makes a link for two people on the members page and reads it off the page.
  const a = await openAs(ada);
  await a.page.goto(`${server.url}/s/night-shift/members`);
  const links = a.page.getByTestId('space-invite-links');
  await links.getByRole('heading', { name: 'Invitation links' }).waitFor();
  await links.getByTestId('space-invite-max-uses').fill('2');
  await links.getByTestId('space-invite-note').fill('Bea and Cy');
  await links.getByTestId('create-space-invite').click();
  const linkInput = links.getByTestId('space-invite-link');
  await linkInput.waitFor();
  const link = await linkInput.inputValue();
  expect(link).toMatch(new RegExp(`^${server.url}/invite/[A-Za-z0-9_-]{16,}$`));
  const row = links.getByTestId('space-invite-row').filter({ hasText: 'Bea and Cy' });
  expect(await row.getAttribute('data-state')).toBe('active');
  expect(await row.textContent()).toContain('0 of 2 uses');

  // Bea knows nothing of the space; the link shows it to her and lets her in.
  const b = await openAs(bea);
  await b.page.goto(`${server.url}/s/night-shift`);
  await b.page.getByTestId('not-found').waitFor();
  await b.page.goto(link);
  const card = b.page.getByTestId('space-invite');
  await card.waitFor();
  expect(await card.getByRole('heading', { level: 1 }).textContent()).toBe('Night Shift');
  expect(await card.getByTestId('space-invite-description').textContent()).toBe('For those who work while the town sleeps.');
  expect(await card.getByTestId('space-invite-members').textContent()).toBe('1 member');
  expect(await card.textContent()).toContain('Secret');
  await b.page.getByRole('button', { name: 'Join Night Shift' }).click();
  await b.page.waitForURL(`${server.url}/s/night-shift`);
  await b.page.getByTestId('stream').getByText('Coffee is on the second floor.').waitFor();
  await b.page.getByTestId('leave-space').waitFor();
  // Night Shift is one of her spaces now.
  await b.page.getByTestId('nav-home').click();
  await b.page.getByTestId('my-space').and(b.page.locator('[data-slug="night-shift"]')).waitFor();
  // Opening the link again offers the way in instead.
  await b.page.goto(link);
  await b.page.getByTestId('space-invite-member').waitFor();
  await b.page.getByTestId('space-invite-open').click();
  await b.page.waitForURL(`${server.url}/s/night-shift`);

  // Cy is signed out: the link sends him to sign in, and back to the invitation afterwards.
  const c = await openAs(null);
  await c.page.goto(link);
  await c.page.waitForURL(/\/sign-in\?next=%2Finvite%2F/);
  await c.page.getByTestId('sign-in-email').fill(`${cy.user.handle}@example.org`);
  await c.page.getByTestId('sign-in-password').fill(cy.password);
  await c.page.getByTestId('sign-in-submit').click();
  await c.page.waitForURL(link);
  await c.page.getByTestId('space-invite-join').click();
  await c.page.waitForURL(`${server.url}/s/night-shift`);
  await c.page.getByTestId('stream').getByText('Coffee is on the second floor.').waitFor();

  // Used twice, the link is used up: Ada's list says so after a reload, and it no longer works.
  await a.page.reload();
  await row.and(a.page.locator('[data-state="used up"]')).waitFor();
  expect(await row.textContent()).toContain('2 of 2 uses');
  const d = await openAs(await createMember(server.url, { handle: 'dee_dee', displayName: 'Dee Dee' }));
  await d.page.goto(link);
  const invalid = d.page.getByTestId('space-invite-invalid');
  await invalid.waitFor();
  expect(await invalid.getByRole('alert').textContent()).toContain('Ask whoever sent it for a new one');
  expect(await d.page.getByText('Night Shift').count()).toBe(0);

  expect(a.consoleErrors).toEqual([]);
  expect(c.consoleErrors).toEqual([]);
  for (const open of [a, b, c, d]) await open.page.context().close();
});

test('when a host uploads an image for the space, then a member viewing the space sees it live, and an unusable file is refused in words', async () => {
  const created = await ada.call<Space>('POST', '/api/v1/spaces', { name: 'Tool Library', slug: 'tool-library' });
  expect(created.status).toBe(201);
  expect((await bea.call('POST', `/api/v1/spaces/${created.body.id}/join`)).status).toBe(200);

  const b = await openAs(bea);
  await b.page.goto(`${server.url}/s/tool-library`);
  await liveBadge(b.page).waitFor({ timeout: 10_000 });
  const header = b.page.getByTestId('space-header');
  await header.getByTestId('space-badge-initials').waitFor();
  expect(await header.getByTestId('space-badge-initials').textContent()).toBe('TL');

  const a = await openAs(ada);
  await a.page.goto(`${server.url}/s/tool-library/settings`);
  const file = a.page.getByTestId('space-image-file');

  // Bytes that are no image, named like one: the server's reason shows next to the field.
  await file.setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
  await a.page.getByTestId('space-image-preview').waitFor();
  await a.page.getByTestId('space-image-upload').click();
  const error = a.page.getByTestId('space-image-error');
  await error.waitFor();
  expect(await error.textContent()).toContain('PNG, JPEG, GIF or WebP');

  await file.setInputFiles({ name: 'tools.png', mimeType: 'image/png', buffer: onePixelPng });
  await a.page.getByTestId('space-image-upload').click();
  await a.page.getByText('The new image is saved.').waitFor();
  expect(await a.page.getByTestId('space-image-error').count()).toBe(0);
  expect(await a.page.getByTestId('space-header').getByTestId('space-badge-image').getAttribute('src')).toContain('/avatar?v=');

  // Bea's open page shows it without a reload, and the browser can load it.
  const image = header.getByTestId('space-badge-image');
  await image.waitFor({ timeout: 10_000 });
  expect(await image.getAttribute('src')).toContain('/avatar?v=');
  await b.page.waitForFunction((el) => (el as unknown as { naturalWidth: number }).naturalWidth === 1, await image.elementHandle());

  // Removed, the initials come back at Bea's.
  await a.page.getByTestId('space-image-remove').click();
  await header.getByTestId('space-badge-initials').waitFor({ timeout: 10_000 });

  expect(a.consoleErrors).toEqual([]);
  expect(b.consoleErrors).toEqual([]);
  await a.page.context().close();
  await b.page.context().close();
});
