import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Space } from '../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../support/database';
import { createMember, type Member } from '../support/members';
import { startTestServer, type TestServer } from '../support/server';
import { launchBrowser } from './support/browser';

// The member's language (issue #13): picked in Settings it switches the page at once, stays after
// a reload and follows the member to another device; a French browser gets French before anyone
// signs in; Arabic lays the page out right to left, without sideways scrolling on a phone.
// Other slices of #13 translate the shell, so this asserts on the spaces and account pages, the
// common words, and <html lang dir>.

let testDb: TestDatabase;
let server: TestServer;
let browser: Browser;
let ada: Member;
let bea: Member;
let space: Space;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database });
  ada = await createMember(server.url, { handle: 'ada_lovelace', displayName: 'Ada Lovelace' });
  bea = await createMember(server.url, { handle: 'bea_arthur', displayName: 'Bea Arthur' });
  const created = await ada.call<Space>('POST', '/api/v1/spaces', {
    name: 'Jardins partagés de la rue des Capucines',
    slug: 'jardins',
    description: 'Semis, outils et récoltes: tout se partage ici.',
    visibility: 'public',
    joinPolicy: 'open',
    color: '#15803d',
  });
  expect(created.status).toBe(201);
  space = created.body;
  expect((await bea.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBe(200);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  await testDb?.close();
});

/** A page in its own browser context: a browser language, a window size, and a member's cookie if given. */
async function open(options: { member?: Member; locale?: string; width?: number; bypassCSP?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({
    locale: options.locale ?? 'en-GB',
    viewport: { width: options.width ?? 1100, height: 800 },
    bypassCSP: options.bypassCSP ?? false,
  });
  contexts.push(context);
  if (options.member) {
    const [name, value] = options.member.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
  }
  return context.newPage();
}

/** The little of the page's globals these tests read (the test code is typed without the DOM library). */
interface InPage {
  document: {
    documentElement: { lang: string; dir: string; scrollWidth: number; clientWidth: number };
    body: { scrollWidth: number };
    activeElement: { getAttribute(name: string): string | null } | null;
  };
  getComputedStyle(element: unknown): { borderRightWidth: string; borderLeftWidth: string };
}

const htmlLang = (page: Page) =>
  page.evaluate(() => {
    const { document } = globalThis as unknown as InPage;
    return [document.documentElement.lang, document.documentElement.dir];
  });

/** How far the page scrolls sideways (0: it fits its window). */
const sidewaysScroll = (page: Page) =>
  page.evaluate(() => {
    const { document } = globalThis as unknown as InPage;
    return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - document.documentElement.clientWidth;
  });

async function chooseLanguage(page: Page, language: 'auto' | 'en' | 'fr' | 'ar'): Promise<void> {
  const saved = page.waitForResponse((response) => response.url().endsWith('/api/v1/me/language') && response.request().method() === 'PUT');
  await page.getByTestId('settings-language').selectOption(language);
  expect((await saved).status()).toBe(200);
}

afterEach(async () => {
  // Each test starts from an account that follows the browser.
  for (const member of [ada, bea]) expect((await member.call('PUT', '/api/v1/me/language', { language: 'auto' })).status).toBe(200);
});

test('when a member picks Français in Settings, then the page reads French at once, after a reload and on another device', async () => {
  const page = await open({ member: ada });
  await page.goto(`${server.url}/settings`);
  const heading = page.getByTestId('settings-page').getByRole('heading', { level: 1 });
  await heading.filter({ hasText: 'Settings' }).waitFor();
  expect(await htmlLang(page)).toEqual(['en', 'ltr']);

  await chooseLanguage(page, 'fr');

  // At once, without a reload: this page, its sections and the common words.
  await heading.filter({ hasText: 'Paramètres' }).waitFor();
  expect(await htmlLang(page)).toEqual(['fr', 'ltr']);
  expect(await page.getByTestId('language-status').textContent()).toContain('Hearth parle désormais cette langue');
  expect(await page.locator('#profile-title').textContent()).toBe('Profil');
  expect(await page.locator('#password-title').textContent()).toBe('Mot de passe');
  expect(await page.getByTestId('profile-save').textContent()).toBe('Enregistrer le profil');
  expect(await page.getByTestId('settings-language').inputValue()).toBe('fr');
  expect(await page.getByTestId('settings-language').locator('option[value="auto"]').textContent()).toBe('Comme mon navigateur');
  // The account holds it.
  expect((await ada.refreshSession()).language).toBe('fr');

  // Moving on in the app: the spaces pages are French too, with French plurals.
  await page.goto(`${server.url}/spaces`);
  await page.getByRole('heading', { level: 1, name: 'Espaces' }).waitFor();
  const row = page.getByTestId('space-row').filter({ hasText: 'Jardins partagés' });
  expect(await row.textContent()).toContain('2 membres');
  expect(await row.textContent()).toContain('Public');

  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Espaces' }).waitFor();
  expect(await htmlLang(page)).toEqual(['fr', 'ltr']);

  // Another device: an English browser that never chose anything follows the account.
  const other = await open({ member: ada, locale: 'en-US' });
  await other.goto(`${server.url}/s/jardins/members`);
  await other.getByRole('heading', { name: /^Membres/ }).waitFor();
  expect(await htmlLang(other)).toEqual(['fr', 'ltr']);
  expect(await other.getByTestId('space-header').getByTestId('member-count').textContent()).toBe('2 membres');
  expect(await other.getByTestId('space-tab-stream').textContent()).toBe('Publications');

  // Back to "as my browser": English again, here and on the account.
  await page.goto(`${server.url}/settings`);
  await heading.filter({ hasText: 'Paramètres' }).waitFor();
  await chooseLanguage(page, 'auto');
  await heading.filter({ hasText: 'Settings' }).waitFor();
  expect(await htmlLang(page)).toEqual(['en', 'ltr']);
  expect((await ada.refreshSession()).language).toBe('auto');
});

test('when a French browser opens Hearth, then it is in French before signing in and after, without choosing anything', async () => {
  const page = await open({ locale: 'fr-FR' });
  await page.goto(`${server.url}/sign-in`);
  await page.getByTestId('sign-in-page').waitFor();
  expect(await htmlLang(page)).toEqual(['fr', 'ltr']);

  // Signed in on the same browser (the account follows the browser): still French.
  const [name, value] = bea.cookie.split('=') as [string, string];
  await page.context().addCookies([{ name, value, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
  await page.goto(`${server.url}/settings`);
  await page.getByTestId('settings-page').getByRole('heading', { level: 1, name: 'Paramètres' }).waitFor();
  expect(await page.getByTestId('settings-language').inputValue()).toBe('auto');
  expect(await page.getByTestId('blocked-members').getByRole('heading').textContent()).toBe('Membres bloqués');
  expect((await bea.refreshSession()).language).toBe('auto');
});

test('when a member picks العربية on a phone, then the page is right to left, mirrored, and never scrolls sideways', async () => {
  const page = await open({ member: bea, width: 390 });
  await page.goto(`${server.url}/settings`);
  await page.getByTestId('settings-page').waitFor();

  await chooseLanguage(page, 'ar');

  await page.getByTestId('settings-page').getByRole('heading', { level: 1, name: 'الإعدادات' }).waitFor();
  expect(await htmlLang(page)).toEqual(['ar', 'rtl']);
  expect(await sidewaysScroll(page)).toBeLessThanOrEqual(1);

  // A space page: the badge stands to the right of the name, the tabs run from the right.
  await page.goto(`${server.url}/s/jardins`);
  const header = page.getByTestId('space-header');
  await header.getByTestId('space-tab-stream').filter({ hasText: 'المنشورات' }).waitFor();
  expect(await htmlLang(page)).toEqual(['ar', 'rtl']);
  const badge = (await header.getByTestId('space-badge-initials').boundingBox())!;
  const title = (await header.getByTestId('space-name').boundingBox())!;
  expect(badge.x).toBeGreaterThan(title.x);
  // The first two tabs (a phone may wrap the later ones onto a second row, which starts at the right again).
  const posts = (await header.getByTestId('space-tab-stream').boundingBox())!;
  const chat = (await header.getByTestId('space-tab-chat').boundingBox())!;
  expect(Math.abs(posts.y - chat.y)).toBeLessThan(4);
  expect(posts.x).toBeGreaterThan(chat.x);
  expect(await header.getByTestId('member-count').textContent()).toBe('عضوان');
  expect(await sidewaysScroll(page)).toBeLessThanOrEqual(1);

  // The directory: each space's colour bar is on its right (the start of an Arabic line).
  await page.goto(`${server.url}/spaces`);
  const row = page.getByTestId('space-row').first();
  await row.waitFor();
  const borders = await row.evaluate((el) => {
    const style = (globalThis as unknown as InPage).getComputedStyle(el);
    return [style.borderRightWidth, style.borderLeftWidth];
  });
  expect(borders).toEqual(['4px', '0px']);
  expect(await sidewaysScroll(page)).toBeLessThanOrEqual(1);

  // The member list, where each row of a host has a role and a "…" menu.
  await page.goto(`${server.url}/s/jardins/members`);
  await page.getByTestId('space-member-row').first().waitFor();
  expect(await sidewaysScroll(page)).toBeLessThanOrEqual(1);
});

test('when a host removes a member from the "…" menu of their row, then it asks first and removes them after', async () => {
  const cy = await createMember(server.url, { handle: 'cy_twombly', displayName: 'Cy Twombly' });
  expect((await cy.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBe(200);
  const page = await open({ member: ada, width: 360 });
  await page.goto(`${server.url}/s/jardins/members`);
  const row = page.locator('[data-testid="space-member-row"][data-handle="cy_twombly"]');
  await row.waitFor();
  expect(await sidewaysScroll(page)).toBeLessThanOrEqual(1);

  await row.getByRole('button', { name: 'Actions for Cy Twombly' }).click();
  await page.getByRole('menuitem', { name: 'Remove from the space' }).click();
  const confirm = row.getByRole('group', { name: 'Remove Cy Twombly from Jardins partagés de la rue des Capucines?' });
  await confirm.waitFor();
  // Focus is on the confirming button, so Enter removes.
  expect(await page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.getAttribute('data-testid'))).toBe('remove-member-yes');
  await page.keyboard.press('Enter');

  await row.waitFor({ state: 'detached' });
  const members = await ada.call<{ items: { user: { handle: string } }[] }>('GET', `/api/v1/spaces/${space.id}/members`);
  expect(members.body.items.map((member) => member.user.handle)).not.toContain('cy_twombly');
});

test('when the spaces and account pages are audited in English and Arabic, then axe finds no serious or critical problem in them', async () => {
  const require = createRequire(__filename);
  const axePath = require.resolve('axe-core/axe.min.js');
  const found: string[] = [];
  for (const language of ['en', 'ar'] as const) {
    expect((await ada.call('PUT', '/api/v1/me/language', { language })).status).toBe(200);
    // axe is injected as a script, which the CSP (script-src 'self') refuses: this context bypasses it.
    const page = await open({ member: ada, width: 390, bypassCSP: true });
    for (const [path, ready] of [
      ['/settings', 'settings-page'],
      ['/spaces', 'space-list'],
      ['/s/jardins', 'space-page'],
      ['/s/jardins/members', 'space-member-list'],
      ['/s/jardins/settings', 'space-settings-form'],
      ['/u/bea_arthur', 'profile-page'],
    ] as const) {
      await page.goto(`${server.url}${path}`);
      await page.getByTestId(ready).waitFor();
      // The account's language arrives with the session and its catalogue chunk loads after it.
      await page.locator(`html[lang="${language}"]`).waitFor({ state: 'attached' });
      expect(await htmlLang(page)).toEqual([language, language === 'ar' ? 'rtl' : 'ltr']);
      await page.addScriptTag({ path: axePath });
      const audit = await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ passes: unknown[]; violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
        // The page's own content; the header and its menus belong to the shell's audit.
        const result = await axe.run({ include: [['main']] }, { resultTypes: ['violations'] });
        return {
          checked: result.passes.length + result.violations.length,
          violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })),
        };
      });
      // axe looked at the page (rules that passed or failed), not at an empty document.
      expect(audit.checked).toBeGreaterThan(10);
      for (const v of audit.violations) {
        if (v.impact === 'serious' || v.impact === 'critical') found.push(`${language} ${path}: ${v.id} (${v.impact}) at ${v.targets.join(', ')}`);
      }
    }
  }
  expect(found).toEqual([]);
});
