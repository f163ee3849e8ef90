import type { Browser, Locator, Page } from 'playwright-core';
import type { Member } from '../../support/members';

/** A page in its own browser context, and what it showed that a test should not see. */
export interface OpenPage {
  page: Page;
  /** Console errors (and, with `pageErrors`, uncaught exceptions), in order. */
  consoleErrors: string[];
  /** Any alert/confirm/prompt, dismissed: a script injected through a post would open one. */
  dialogs: string[];
}

export interface OpenPageOptions {
  /** Console errors the test expects (e.g. the browser's log of a refused request), not collected. */
  ignoreConsoleErrors?: RegExp;
  /** Also collect uncaught exceptions in the page. */
  pageErrors?: boolean;
}

/**
 * Opens a page in its own browser context (its own cookies): with the member's session cookie,
 * as after signing in, or as a visitor for `null`.
 */
export async function openPage(browser: Browser, url: string, member: Member | null, options: OpenPageOptions = {}): Promise<OpenPage> {
  const context = await browser.newContext();
  if (member) {
    const [name, value] = member.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url, httpOnly: true, sameSite: 'Lax' }]);
  }
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !options.ignoreConsoleErrors?.test(message.text())) consoleErrors.push(message.text());
  });
  if (options.pageErrors) page.on('pageerror', (error) => consoleErrors.push(error.message));
  // Playwright dismisses dialogs nobody listens for; this does the same and keeps a record.
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return { page, consoleErrors, dialogs };
}

/**
 * `openPage` bound to a test file's browser and server, read at each call (a test may restart
 * the server): `const openAs = pageOpener(() => ({ browser, url: server.url }))`.
 */
export function pageOpener(
  target: () => { browser: Browser; url: string },
  options: OpenPageOptions = {},
): (member?: Member | null) => Promise<OpenPage> {
  return (member = null) => {
    const { browser, url } = target();
    return openPage(browser, url, member, options);
  };
}

/** The connection badge in one state. */
export function connectionBadge(page: Page, status: 'idle' | 'connecting' | 'live' | 'reconnecting' | 'offline'): Locator {
  return page.getByTestId('connection-status').and(page.locator(`[data-status="${status}"]`));
}

/** The connection badge while the page is connected. */
export function liveBadge(page: Page): Locator {
  return connectionBadge(page, 'live');
}
