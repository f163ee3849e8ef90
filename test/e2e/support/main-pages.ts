// The main pages of Hearth and how to reach each with its content shown, for the experience audit
// (test/e2e/experience.e2e.ts) and the screenshots (scripts/screenshots.ts).
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Member } from '../../support/members';
import type { PageGlobals } from './in-page';
import type { Demo } from './demo-content';

export interface Viewport {
  name: 'phone' | 'desktop';
  width: number;
  height: number;
}

/** The two sizes of the issue: a phone (390×844, as an iPhone 12–15) and a laptop. */
export const viewports: readonly Viewport[] = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
];

export interface MainPage {
  name: string;
  /** Who looks: the demo's admin (who hosts a space), or a visitor. */
  as: 'admin' | 'visitor';
  path(demo: Demo): string;
  /** Resolves once the page shows its content (members' words, the same in every language). */
  ready(page: Page, demo: Demo): Promise<void>;
}

/** The admin area's sections and the moderation tabs the audit visits (checked against the live links). */
export const adminSections = ['settings', 'approvals', 'invites', 'guidelines', 'members', 'moderation', 'welcome', 'help', 'emails', 'notifications'] as const;
export const moderationTabs = ['open', 'closed', 'log'] as const;

const TIMEOUT = 15_000;

const showsText = (page: Page, words: string | RegExp) => page.locator('main').getByText(words).first().waitFor({ timeout: TIMEOUT });
const shows = (page: Page, css: string) => page.locator(css).first().waitFor({ timeout: TIMEOUT });

/** Every main page, signed in (as the admin, who also hosts the garden) and signed out. */
export const mainPages: readonly MainPage[] = [
  { name: 'home', as: 'admin', path: () => '/', ready: (p, d) => showsText(p, d.texts.gardenPost) },
  {
    name: 'spaces',
    as: 'admin',
    path: () => '/spaces',
    ready: async (p, d) => {
      await showsText(p, d.garden.name);
      await showsText(p, d.repair.name);
    },
  },
  { name: 'space stream', as: 'admin', path: (d) => `/s/${d.garden.slug}`, ready: (p, d) => showsText(p, d.texts.gardenPost) },
  { name: 'space chat', as: 'admin', path: (d) => `/s/${d.garden.slug}/chat`, ready: (p, d) => showsText(p, d.texts.chatMessage) },
  { name: 'space members', as: 'admin', path: (d) => `/s/${d.garden.slug}/members`, ready: (p, d) => showsText(p, d.cy.user.displayName) },
  { name: 'space events', as: 'admin', path: (d) => `/s/${d.garden.slug}/events`, ready: (p) => shows(p, 'main [data-testid="calendar"] .ec') },
  { name: 'my calendar', as: 'admin', path: () => '/calendar', ready: (p) => shows(p, 'main [data-testid="calendar"] .ec') },
  { name: 'space settings', as: 'admin', path: (d) => `/s/${d.garden.slug}/settings`, ready: (p) => shows(p, 'main form') },
  { name: 'post', as: 'admin', path: (d) => `/p/${d.postId}`, ready: (p, d) => showsText(p, d.texts.comment) },
  { name: 'messages', as: 'admin', path: () => '/messages', ready: (p, d) => showsText(p, d.ada.user.displayName) },
  { name: 'conversation', as: 'admin', path: (d) => `/messages/${d.conversationId}`, ready: (p, d) => showsText(p, d.texts.directMessage) },
  { name: 'notices', as: 'admin', path: () => '/notices', ready: (p) => shows(p, 'main [data-testid="notice"]') },
  { name: 'notifications', as: 'admin', path: () => '/notifications', ready: (p) => shows(p, 'main [data-testid="notifications-page"]') },
  {
    name: 'search',
    as: 'admin',
    path: (d) => `/search?q=${encodeURIComponent(d.searchWord)}`,
    ready: (p, d) => showsText(p, new RegExp(d.searchWord, 'i')),
  },
  ...moderationTabs.map(
    (tab): MainPage => ({
      name: `moderation ${tab}`,
      as: 'admin',
      path: () => (tab === 'open' ? '/moderation' : `/moderation/${tab}`),
      // The open case is about Cyrus's post, the closed one about his advert; Ada acted on it.
      ready: (p, d) => showsText(p, tab === 'log' ? d.ada.user.displayName : d.cy.user.displayName),
    }),
  ),
  ...adminSections.map(
    (section): MainPage => ({
      name: `admin ${section}`,
      as: 'admin',
      path: () => `/admin/${section}`,
      ready: (p, d) => (section === 'members' ? showsText(p, d.cy.user.displayName) : shows(p, `main [aria-current="page"][href="/admin/${section}"]`)),
    }),
  ),
  { name: 'settings', as: 'admin', path: () => '/settings', ready: (p) => shows(p, 'main form') },
  { name: 'profile', as: 'admin', path: (d) => `/u/${d.ada.user.handle}`, ready: (p, d) => showsText(p, d.ada.user.displayName) },
  { name: 'guidelines', as: 'admin', path: () => '/guidelines', ready: (p, d) => showsText(p, d.texts.guidelines) },
  { name: 'landing', as: 'visitor', path: () => '/', ready: (p) => shows(p, 'main a[href="/sign-up"], main a[href="/sign-in"]') },
  { name: 'sign in', as: 'visitor', path: () => '/sign-in', ready: (p) => shows(p, 'main input[type="password"]') },
  { name: 'sign up', as: 'visitor', path: () => '/sign-up', ready: (p) => shows(p, 'main input[type="password"]') },
  { name: 'not found', as: 'visitor', path: () => '/no-such-page', ready: (p) => shows(p, 'main [data-testid="not-found"]') },
];

/**
 * Where a signed-in member can go from the header: the "every destination reachable".
 * (Moderation: the admin hosts a space; Admin: the admin.)
 */
export function destinations(demo: Demo): { name: string; href: string }[] {
  return [
    { name: 'home', href: '/' },
    { name: 'spaces', href: '/spaces' },
    { name: 'messages', href: '/messages' },
    { name: 'calendar', href: '/calendar' },
    // The bell: the notification centre, which leads on to the moderators' notices.
    { name: 'notifications', href: '/notifications' },
    { name: 'moderation', href: '/moderation' },
    { name: 'admin', href: '/admin' },
    { name: 'settings', href: '/settings' },
    { name: 'my profile', href: `/u/${demo.admin.user.handle}` },
  ];
}

export interface AuditPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * A page in its own context at a viewport, in a language, with the member's session cookie (or
 * none). The CSP is bypassed so axe-core can be injected; a phone context is a touch device that
 * honours the viewport meta tag, as a real phone does.
 */
export async function openAuditPage(
  browser: Browser,
  url: string,
  member: Member | null,
  options: { viewport: Viewport; locale?: string; colorScheme?: 'light' | 'dark' },
): Promise<AuditPage> {
  const phone = options.viewport.name === 'phone';
  const context = await browser.newContext({
    bypassCSP: true,
    viewport: { width: options.viewport.width, height: options.viewport.height },
    isMobile: phone,
    hasTouch: phone,
    deviceScaleFactor: phone ? 2 : 1,
    locale: options.locale ?? 'en-GB',
    colorScheme: options.colorScheme ?? 'light',
  });
  if (member) {
    const [name, value] = member.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url, httpOnly: true, sameSite: 'Lax' }]);
  }
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('dialog', (dialog) => void dialog.dismiss());
  return { page, context, pageErrors, close: () => context.close() };
}

/** Opens one main page and waits until its content is shown and nothing is loading any more. */
export async function visit(page: Page, url: string, target: MainPage, demo: Demo): Promise<void> {
  await page.goto(`${url}${target.path(demo)}`);
  try {
    await target.ready(page, demo);
  } catch (error) {
    // Say what the page showed instead, with a picture of it.
    const size = page.viewportSize();
    const file = path.join(os.tmpdir(), `experience-${target.name.replace(/\W+/g, '-')}-${size?.width}x${size?.height}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    const shown = await page
      .locator('body')
      .innerText()
      .catch(() => '');
    const waited = error instanceof Error ? (error.message.split('\n').find((l) => l.includes('waiting for')) ?? error.message) : String(error);
    throw new Error(
      `${target.name} (${target.path(demo)}) at ${size?.width}×${size?.height} did not show its content within ${TIMEOUT / 1000} s (${waited.replace(new RegExp(String.fromCharCode(27) + '\\[\\d+m', 'g'), '').trim()}).\n` +
        `It showed: ${shown.replace(/\s+/g, ' ').slice(0, 400)}\nScreenshot: ${file}`,
    );
  }
  await settle(page);
}

/** Waits until no part of the page says it is loading, the fonts are in and transitions are over. */
export async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[aria-busy="true"]').length === 0, undefined, { timeout: TIMEOUT }).catch(() => {
    // A page that stays busy is audited as it is; the audit reports what it shows.
  });
  await page.evaluate(() => (globalThis as unknown as PageGlobals).document.fonts.ready.then(() => undefined));
  await page.waitForTimeout(250);
}
