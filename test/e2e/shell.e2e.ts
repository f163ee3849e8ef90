import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { Space } from '../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../support/database';
import { createMember, memberFromCookie, signIn, type Member } from '../support/members';
import { startTestServer, type TestServer } from '../support/server';
import { launchBrowser } from './support/browser';
import { liveBadge } from './support/pages';

// The app shell on a phone and on a desktop: every destination an admin has (Home, Spaces,
// Messages, Notices, Search, Moderation, Admin, Settings, Help, Sign out) can be seen and clicked
// at 360, 390 and 1280 px, nothing scrolls sideways, the desktop header is one row, right-to-left
// mirrors it, the menu works from the keyboard, and the admin and moderation code loads only when
// those pages open.
let testDb: TestDatabase;
let server: TestServer;
let browser: Browser;
let admin: Member;
const PASSWORD = 'a long and unusual passphrase';

// The test project compiles without the DOM library (server code must not see `document`), so the
// page.evaluate callbacks read the few browser APIs they use from globalThis, typed here.
interface InPageRect {
  left: number;
  right: number;
  top: number;
  width: number;
  height: number;
}
interface InPageElement {
  id: string;
  tagName: string;
  className: unknown;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): InPageRect;
  closest(selector: string): InPageElement | null;
  contains(other: unknown): boolean;
}
interface InPage {
  innerWidth: number;
  document: {
    documentElement: InPageElement & { scrollWidth: number; dir: string };
    activeElement: InPageElement | null;
    querySelector(selector: string): InPageElement | null;
    querySelectorAll(selector: string): Iterable<InPageElement>;
    elementFromPoint(x: number, y: number): InPageElement | null;
  };
}

const ADMIN_EMAIL = 'site_admin@example.org';

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database, env: { SITE_NAME: 'Riverside Mutual Aid' } });
  browser = await launchBrowser();
  // The network's first account is its admin; hosting a space gives her a moderation queue too.
  admin = await createMember(server.url, { handle: 'site_admin', displayName: 'Margaret Hamilton-Okonkwo', email: ADMIN_EMAIL, password: PASSWORD });
  const space = await admin.call<Space>('POST', '/api/v1/spaces', { name: 'Repair Café', slug: 'repair-cafe' });
  expect(space.status).toBe(201);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await testDb?.close();
});

const phones = [
  { width: 390, height: 844 },
  { width: 360, height: 740 },
];
const desktop = { width: 1280, height: 800 };

interface Opened {
  context: BrowserContext;
  page: Page;
  errors: string[];
  /** Paths of the scripts the page requested, in order. */
  scripts: string[];
}

/** A signed-in admin's page at this size (a fresh session each time: one test signs out). */
async function openAdmin(viewport: { width: number; height: number }, language?: 'fr' | 'ar'): Promise<Opened> {
  const session = await signIn(server.url, ADMIN_EMAIL, PASSWORD);
  if (!session.cookie) throw new Error(`sign-in failed: ${session.status}`);
  const member = await memberFromCookie(server.url, session.cookie, PASSWORD);
  // The browser's language: a member whose setting is "as my browser" gets the page in it.
  const context = await browser.newContext({ viewport, locale: language ?? 'en-GB' });
  const [name, value] = member.cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
  const page = await context.newPage();
  const errors: string[] = [];
  const scripts: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.endsWith('.js')) scripts.push(url.pathname);
  });
  return { context, page, errors, scripts };
}

/** The page is no wider than the window: nothing to scroll sideways. */
async function noSidewaysScroll(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate(() => {
    const { document, innerWidth } = (globalThis as unknown as { document: { documentElement: { scrollWidth: number } }; innerWidth: number });
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth };
  });
}

/** Visible, inside the window, and the element a click at its centre would reach. */
async function expectClickable(page: Page, locator: Locator): Promise<void> {
  await locator.waitFor({ state: 'visible' });
  const box = await locator.boundingBox();
  const size = page.viewportSize();
  if (!box || !size) throw new Error('no bounding box');
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(size.width + 0.5);
  expect(box.y + box.height).toBeLessThanOrEqual(size.height + 0.5);
  const hit = await locator.evaluate((element) => {
    const { document } = globalThis as unknown as InPage;
    const rect = element.getBoundingClientRect();
    const top = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
    return top !== null && (element === top || element.contains(top));
  });
  expect(hit).toBe(true);
}

async function expectPath(page: Page, path: string): Promise<void> {
  await page.waitForURL((url) => url.pathname === path, { timeout: 10_000 });
}

/** Every part of the header and the tab bar lies within the window. */
async function shellFits(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const { document, innerWidth } = globalThis as unknown as InPage;
    const outside: string[] = [];
    for (const element of document.querySelectorAll('[data-testid="app-header"] *, [data-testid="tab-bar"] *')) {
      const rect = element.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0 || element.closest('.visually-hidden')) continue;
      if (rect.left < -0.5 || rect.right > innerWidth + 0.5) outside.push(`${element.tagName}.${String(element.className)} ${rect.left}–${rect.right}`);
    }
    return outside;
  });
}

async function openMenu(page: Page): Promise<Locator> {
  const button = page.getByTestId('menu-button');
  await button.click();
  expect(await button.getAttribute('aria-expanded')).toBe('true');
  const menu = page.locator(`#${await button.getAttribute('aria-controls')}`);
  await menu.waitFor({ state: 'visible' });
  return menu;
}

for (const viewport of phones) {
  test(`at ${viewport.width}×${viewport.height}, an admin reaches every destination from the top bar, the tab bar and the menu, and nothing scrolls sideways`, async () => {
    const { context, page, errors } = await openAdmin(viewport);
    await page.goto(server.url);
    await liveBadge(page).waitFor({ timeout: 10_000 });

    // A compact top bar; the desktop navigation is not shown.
    const header = await page.getByTestId('app-header').boundingBox();
    expect(header?.height).toBeLessThanOrEqual(64);
    expect(await page.getByTestId('nav-admin').isVisible()).toBe(false);
    // The tab bar has the notices: no second bell in the top bar.
    expect(await page.getByTestId('nav-notices').isVisible()).toBe(false);
    expect(await shellFits(page)).toEqual([]);
    const home = await noSidewaysScroll(page);
    expect(home.scrollWidth).toBeLessThanOrEqual(home.innerWidth);

    // The tab bar: Home, Spaces, Messages, Notices.
    for (const [tab, path] of [
      ['tab-spaces', '/spaces'],
      ['tab-messages', '/messages'],
      ['tab-notices', '/notifications'],
      ['tab-home', '/'],
    ] as const) {
      await expectClickable(page, page.getByTestId(tab));
      await page.getByTestId(tab).click();
      await expectPath(page, path);
      expect(await page.getByTestId(tab).getAttribute('aria-current')).toBe('page');
      expect(await shellFits(page)).toEqual([]);
    }

    // Search from the top bar.
    await expectClickable(page, page.getByTestId('top-search'));
    await page.getByTestId('top-search').click();
    await expectPath(page, '/search');

    // The menu holds the rest; each entry is on screen and leads where it says.
    for (const [entry, path] of [
      ['menu-moderation', '/moderation'],
      ['menu-admin', '/admin'],
      ['menu-settings', '/settings'],
      ['menu-profile', '/u/site_admin'],
      ['menu-search', '/search'],
    ] as const) {
      const menu = await openMenu(page);
      await expectClickable(page, menu.getByTestId(entry));
      await menu.getByTestId(entry).click();
      await expectPath(page, path);
      await menu.waitFor({ state: 'detached' });
      expect(await shellFits(page)).toEqual([]);
    }

    // Help opens the help dialog from the menu, and closing it gives the keyboard back to the menu button.
    let menu = await openMenu(page);
    await expectClickable(page, menu.getByTestId('menu-help'));
    await menu.getByTestId('menu-help').click();
    await page.getByTestId('help-dialog').getByTestId('help-content').waitFor();
    await page.getByTestId('help-dialog-close').click();
    await page.getByTestId('help-dialog').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.getAttribute('data-testid'))).toBe('menu-button');

    // A page of the shell's own (not found) fits the window too.
    await page.goto(`${server.url}/no/such/page`);
    await page.getByTestId('not-found').waitFor();
    const notFound = await noSidewaysScroll(page);
    expect(notFound.scrollWidth).toBeLessThanOrEqual(notFound.innerWidth);

    // Signing out, last.
    menu = await openMenu(page);
    await expectClickable(page, menu.getByTestId('sign-out'));
    await menu.getByTestId('sign-out').click();
    await page.getByTestId('sign-in-page').waitFor();
    expect(await page.getByTestId('tab-bar').count()).toBe(0);

    expect(errors).toEqual([]);
    await context.close();
  });
}

test('at 1280×800, the header is one row with every destination, search works from it, and the account menu holds Settings, Help and Sign out', async () => {
  const { context, page, errors } = await openAdmin(desktop);
  await page.goto(server.url);
  await liveBadge(page).waitFor({ timeout: 10_000 });

  const header = await page.getByTestId('app-header').boundingBox();
  expect(header?.height).toBeLessThanOrEqual(72);
  expect(await page.getByTestId('tab-bar').isVisible()).toBe(false);
  // The search field is there, so no search icon as well.
  expect(await page.getByTestId('top-search').isVisible()).toBe(false);
  const tops = await Promise.all(
    ['site-name', 'nav-home', 'nav-admin', 'header-search', 'nav-notices', 'help-open', 'account-button'].map(async (id) => {
      const box = await page.getByTestId(id).boundingBox();
      return box ? box.y + box.height / 2 : -1;
    }),
  );
  // Every part's middle within a few pixels of the others': one row.
  expect(Math.max(...tops) - Math.min(...tops)).toBeLessThan(8);

  for (const [link, path] of [
    ['nav-spaces', '/spaces'],
    ['nav-messages', '/messages'],
    ['nav-notices', '/notifications'],
    ['nav-moderation', '/moderation'],
    ['nav-admin', '/admin'],
    ['nav-home', '/'],
  ] as const) {
    await expectClickable(page, page.getByTestId(link));
    await page.getByTestId(link).click();
    await expectPath(page, path);
  }

  await page.getByTestId('header-search').fill('toasters');
  await page.getByTestId('header-search').press('Enter');
  await page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === 'toasters');

  await expectClickable(page, page.getByTestId('help-open'));
  await page.getByTestId('help-open').click();
  await page.getByTestId('help-dialog').getByTestId('help-content').waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('help-dialog').waitFor({ state: 'detached' });

  const account = page.getByTestId('account-button');
  await account.click();
  const menu = page.locator(`#${await account.getAttribute('aria-controls')}`);
  await expectClickable(page, menu.getByTestId('menu-settings'));
  // On a desktop the header already has Moderation, Admin and Search: the menu does not repeat them.
  expect(await menu.getByTestId('menu-admin').isVisible()).toBe(false);
  await menu.getByTestId('menu-settings').click();
  await expectPath(page, '/settings');

  await account.click();
  await expectClickable(page, menu.getByTestId('sign-out'));
  await menu.getByTestId('sign-out').click();
  await page.getByTestId('sign-in-page').waitFor();

  expect(errors).toEqual([]);
  await context.close();
});

test('at 1024×768 in French, the longest labels, the header is still one row with the site name readable and search as an icon', async () => {
  const { context, page, errors } = await openAdmin({ width: 1024, height: 768 }, 'fr');
  await page.goto(server.url);
  await liveBadge(page).waitFor({ timeout: 10_000 });

  const header = await page.getByTestId('app-header').boundingBox();
  expect(header?.height).toBeLessThanOrEqual(72);
  expect(await shellFits(page)).toEqual([]);
  expect((await page.getByTestId('site-name').boundingBox())?.width).toBeGreaterThan(80);
  for (const id of ['nav-home', 'nav-spaces', 'nav-messages', 'nav-moderation', 'nav-admin', 'top-search', 'nav-notices', 'help-open', 'account-button']) {
    await expectClickable(page, page.getByTestId(id));
  }
  await page.getByTestId('top-search').click();
  await expectPath(page, '/search');
  expect(errors).toEqual([]);
  await context.close();
});

test('in French and in Arabic, the desktop header with Admin stays one row, and Arabic mirrors the shell right to left', async () => {
  for (const language of ['fr', 'ar'] as const) {
    const { context, page, errors } = await openAdmin(desktop, language);
    await page.goto(server.url);
    await liveBadge(page).waitFor({ timeout: 10_000 });
    const header = await page.getByTestId('app-header').boundingBox();
    expect(header?.height).toBeLessThanOrEqual(72);
    expect(await shellFits(page)).toEqual([]);
    if (language === 'ar') {
      expect(await page.evaluate(() => (globalThis as unknown as InPage).document.documentElement.dir)).toBe('rtl');
      // The site's name starts the row on the right, the account menu ends it on the left.
      const brand = await page.getByTestId('site-name').boundingBox();
      const accountBox = await page.getByTestId('account-button').boundingBox();
      expect(brand && accountBox && brand.x > accountBox.x).toBe(true);
    }
    expect(errors).toEqual([]);
    await context.close();
  }

  const { context, page, errors } = await openAdmin(phones[0] as { width: number; height: number }, 'ar');
  await page.goto(server.url);
  await liveBadge(page).waitFor({ timeout: 10_000 });
  const homeTab = await page.getByTestId('tab-home').boundingBox();
  const menuTab = await page.getByTestId('menu-button').boundingBox();
  // Home, the first tab, is on the right.
  expect(homeTab && menuTab && homeTab.x > menuTab.x).toBe(true);
  expect(await shellFits(page)).toEqual([]);
  const size = await noSidewaysScroll(page);
  expect(size.scrollWidth).toBeLessThanOrEqual(size.innerWidth);
  const menu = await openMenu(page);
  await expectClickable(page, menu.getByTestId('sign-out'));
  expect(errors).toEqual([]);
  await context.close();
});

test('from the keyboard, the skip link moves to the content, and the menu opens, closes on Escape and gives focus back', async () => {
  const { context, page } = await openAdmin(phones[0] as { width: number; height: number });
  await page.goto(server.url);
  await liveBadge(page).waitFor({ timeout: 10_000 });

  await page.keyboard.press('Tab');
  const skip = page.locator('.skip-link');
  expect(await skip.evaluate((element) => element === (globalThis as unknown as InPage).document.activeElement)).toBe(true);
  await expectClickable(page, skip);
  await page.keyboard.press('Enter');
  expect(await page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.id)).toBe('main');

  const button = page.getByTestId('menu-button');
  await button.focus();
  await page.keyboard.press('Enter');
  expect(await button.getAttribute('aria-expanded')).toBe('true');
  const menu = page.locator(`#${await button.getAttribute('aria-controls')}`);
  await menu.waitFor();
  expect(await menu.evaluate((element) => element.contains((globalThis as unknown as InPage).document.activeElement))).toBe(true);
  await page.keyboard.press('Escape');
  await menu.waitFor({ state: 'detached' });
  expect(await button.getAttribute('aria-expanded')).toBe('false');
  expect(await button.evaluate((element) => element === (globalThis as unknown as InPage).document.activeElement)).toBe(true);
  await context.close();
});

test('the admin and moderation pages are chunks of their own, loaded only when opened', async () => {
  const { context, page, scripts, errors } = await openAdmin(desktop);
  await page.goto(server.url);
  await liveBadge(page).waitFor({ timeout: 10_000 });
  const isAdminChunk = (path: string) => /\/assets\/AdminPage-[\w-]+\.js$/.test(path);
  const isModerationChunk = (path: string) => /\/assets\/ModerationPage-[\w-]+\.js$/.test(path);
  expect(scripts.filter((path) => isAdminChunk(path) || isModerationChunk(path))).toEqual([]);

  await page.getByTestId('nav-admin').click();
  await page.getByTestId('admin-tab-guidelines').waitFor();
  expect(scripts.filter(isAdminChunk)).toHaveLength(1);
  expect(scripts.filter(isModerationChunk)).toEqual([]);

  await page.getByTestId('nav-moderation').click();
  await expectPath(page, '/moderation');
  await page.waitForFunction(() => !(globalThis as unknown as InPage).document.querySelector('[data-testid="moderation-page-loading"]'));
  expect(scripts.filter(isModerationChunk)).toHaveLength(1);
  expect(errors).toEqual([]);
  await context.close();
});

test('before any script has run, the page shows the loading shell', async () => {
  const context = await browser.newContext({ viewport: phones[0] });
  const page = await context.newPage();
  // The app's code never arrives: what shows is index.html alone.
  await page.route('**/assets/**', (route) => route.abort());
  await page.goto(server.url);
  const shell = page.locator('[data-loading-shell]');
  await shell.waitFor({ state: 'visible' });
  expect(await page.locator('#app svg').isVisible()).toBe(true);
  expect(await page.locator('#app').getAttribute('aria-busy')).toBe('true');
  await context.close();
});

test('signing out while a list is still loading ends cleanly: the read is dropped, no 401, no error on the page', async () => {
  const { context, page, errors } = await openAdmin(desktop);
  // The conversations list is held on its way until the server has ended the session; then it
  // goes on, and the server answers 401 if the page still waits for it.
  const statuses: number[] = [];
  let signedOut!: () => void;
  const ended = new Promise<void>((resolve) => (signedOut = resolve));
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (path === '/api/v1/auth/sign-out') signedOut();
    if (path === '/api/v1/chat/conversations') statuses.push(response.status());
  });
  let held = false;
  await page.route('**/api/v1/chat/conversations', async (route) => {
    held = true;
    await ended;
    await route.continue().catch(() => {});
  });
  await page.goto(server.url);
  await liveBadge(page).waitFor({ timeout: 10_000 });
  expect(held).toBe(true);

  const account = page.getByTestId('account-button');
  await account.click();
  const menu = page.locator(`#${await account.getAttribute('aria-controls')}`);
  await menu.getByTestId('sign-out').click();
  await page.getByTestId('sign-in-page').waitFor();
  await ended;
  // Whatever the held read met after the session ended, it was not a 401 shown on the page.
  await page.waitForTimeout(300);
  expect(statuses.filter((status) => status === 401)).toEqual([]);
  expect(errors).toEqual([]);
  await context.close();
});
