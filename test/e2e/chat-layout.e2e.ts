import axe from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Conversation } from '../../shared/api/chat.routes';
import type { Space } from '../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../support/database';
import { createMember, type Member } from '../support/members';
import { startTestServer, type TestServer } from '../support/server';
import { launchBrowser } from './support/browser';
import { liveBadge } from './support/pages';

// Issue #13, the chat on a desktop and on a phone: the composer is in view at the bottom with the
// history scrolling above it, focused on open on a desktop only; lines written on several lines
// stay several lines for everyone; the formatting toolbar and the Write/Preview tabs work from
// the keyboard; no serious or critical axe-core violation in the chat.
let testDb: TestDatabase;
let server: TestServer;
let browser: Browser;
let ada: Member;
let bea: Member;
let space: Space;
let direct: Conversation;

beforeAll(async () => {
  testDb = await openTestDatabase();
  // The seeded history is sent faster than a person types.
  server = await startTestServer({ database: testDb.database, env: { SITE_NAME: 'Riverside Mutual Aid', CHAT_MESSAGES_PER_SECOND: '1000', CHAT_BURST: '1000' } });
  browser = await launchBrowser();
  await createMember(server.url, { handle: 'site_admin', displayName: 'Site Admin' });
  ada = await createMember(server.url, { handle: 'ada_layout', displayName: 'Ada Layout' });
  bea = await createMember(server.url, { handle: 'bea_layout', displayName: 'Bea Layout' });
  const created = await ada.call<Space>('POST', '/api/v1/spaces', { name: 'Seed Swap', slug: 'seed-swap' });
  expect(created.status).toBe(201);
  space = created.body;
  expect((await bea.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBe(200);
  const opened = await ada.call<Conversation>('POST', '/api/v1/chat/conversations', { handles: ['bea_layout'] });
  expect(opened.status).toBe(200);
  direct = opened.body;
  // Enough history that the list scrolls: the composer must stay in view anyway.
  const chat = (await ada.call<Conversation>('GET', `/api/v1/spaces/${space.id}/chat`)).body;
  for (let i = 1; i <= 30; i += 1) {
    for (const conversationId of [chat.id, direct.id]) {
      const said = await ada.call('POST', `/api/v1/chat/conversations/${conversationId}/messages`, {
        clientId: `layout-${conversationId.slice(0, 8)}-${i}`,
        bodyMarkdown: `Earlier message number ${i}`,
      });
      expect(said.status).toBe(200);
    }
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await testDb?.close();
});

const screens = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 },
} as const;
type Screen = keyof typeof screens;

interface Opened {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

/** A signed-in page on a desktop or a phone (touch, narrow); CSP bypassed so axe-core can be injected. */
async function openAs(member: Member, screen: Screen): Promise<Opened> {
  const context = await browser.newContext({ ...screens[screen], bypassCSP: true });
  const [name, value] = member.cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors };
}

/** In-page globals for evaluate callbacks (the test project compiles without the DOM library). */
interface InPage {
  document: {
    activeElement: { getAttribute(name: string): string | null } | null;
    documentElement: { scrollWidth: number; clientWidth: number };
  };
  innerHeight: number;
  innerWidth: number;
}

/** Waits until the element with this test id has the keyboard focus. */
async function focusMovesTo(page: Page, testid: string): Promise<void> {
  await page.waitForFunction((id) => (globalThis as unknown as InPage).document.activeElement?.getAttribute('data-testid') === id, testid, { timeout: 5_000 });
}

async function focusedTestid(page: Page): Promise<string | null> {
  return page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.getAttribute('data-testid') ?? null);
}

/** The composer is wholly inside the window, and the page does not scroll sideways. */
async function expectComposerInView(page: Page): Promise<void> {
  const box = await page.getByTestId('chat-composer').boundingBox();
  const size = await page.evaluate(() => {
    const w = globalThis as unknown as InPage;
    return { width: w.innerWidth, height: w.innerHeight, sideways: w.document.documentElement.scrollWidth - w.document.documentElement.clientWidth };
  });
  expect(box).not.toBeNull();
  const { x, y, width, height } = box!;
  expect({ x: x >= 0, y: y >= 0, right: x + width <= size.width, bottom: y + height <= size.height }).toEqual({ x: true, y: true, right: true, bottom: true });
  expect(size.sideways).toBeLessThanOrEqual(0);
  // The history scrolls inside its own region rather than pushing the composer down.
  const history = page.getByTestId('chat-messages');
  expect(await history.evaluate((el) => (el as unknown as { scrollHeight: number; clientHeight: number }).scrollHeight > (el as unknown as { clientHeight: number }).clientHeight)).toBe(true);
}

/** Serious and critical axe-core violations inside the chat. */
async function chatViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe.source });
  return page.evaluate(async () => {
    const runner = (globalThis as unknown as { axe: typeof axe }).axe;
    const results = await runner.run({ include: [['[data-testid="chat-view"]']] } as unknown as axe.ElementContext, { resultTypes: ['violations'] });
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => `${n.html.slice(0, 120)} ${n.failureSummary ?? ''}`).join(' | ')}`);
  });
}

function bodyOf(page: Page, text: string) {
  return page.getByTestId('chat-messages').getByTestId('chat-message').filter({ hasText: text }).getByTestId('chat-message-body');
}

describe.each<[Screen]>([['desktop'], ['phone']])('on a %s', (screen) => {
  test(`when a member opens a space's chat, then the composer is in view${screen === 'desktop' ? ' and focused' : ', not focused'}, and a message written on two lines shows two lines to them and live to another member`, async () => {
    const a = await openAs(ada, screen);
    const b = await openAs(bea, 'desktop');
    await a.page.goto(`${server.url}/s/seed-swap/chat`);
    await b.page.goto(`${server.url}/s/seed-swap/chat`);
    await liveBadge(a.page).waitFor({ timeout: 10_000 });
    await liveBadge(b.page).waitFor({ timeout: 10_000 });
    await a.page.getByTestId('chat-message').filter({ hasText: 'Earlier message number 30' }).waitFor();

    await expectComposerInView(a.page);
    const input = a.page.getByTestId('chat-input');
    if (screen === 'desktop') {
      await focusMovesTo(a.page, 'chat-input');
    } else {
      // Focusing would open the on-screen keyboard over the conversation.
      expect(await focusedTestid(a.page)).not.toBe('chat-input');
    }

    // Two lines: Shift+Enter on a desktop; on a touch screen Enter itself starts a line and the button sends.
    if (screen === 'desktop') {
      await input.pressSequentially('Tomato seeds on the shelf');
      await input.press('Shift+Enter');
      await input.pressSequentially(`Beans in the blue box (${screen})`);
      expect(await input.inputValue()).toBe(`Tomato seeds on the shelf\nBeans in the blue box (${screen})`);
      await input.press('Enter');
    } else {
      await input.tap();
      await input.pressSequentially('Tomato seeds on the shelf');
      await input.press('Enter');
      await input.pressSequentially(`Beans in the blue box (${screen})`);
      expect(await input.inputValue()).toBe(`Tomato seeds on the shelf\nBeans in the blue box (${screen})`);
      await a.page.getByTestId('chat-send').tap();
    }
    await a.page.getByTestId('chat-pending').waitFor({ state: 'detached' });
    expect(await input.inputValue()).toBe('');
    for (const page of [a.page, b.page]) {
      const body = bodyOf(page, `Beans in the blue box (${screen})`);
      await body.waitFor({ timeout: 10_000 });
      expect(await body.locator('br').count()).toBe(1);
      expect((await body.innerText()).split('\n').map((line) => line.trim())).toEqual(['Tomato seeds on the shelf', `Beans in the blue box (${screen})`]);
    }
    // Still in view after sending (the new message scrolled the history, not the page).
    await expectComposerInView(a.page);

    expect(await chatViolations(a.page)).toEqual([]);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    await a.context.close();
    await b.context.close();
  });

  test(`when a member opens a direct conversation, then its composer is in view${screen === 'desktop' ? ' and focused' : ', not focused'}, without sideways scrolling`, async () => {
    const a = await openAs(ada, screen);
    await a.page.goto(`${server.url}/messages/${direct.id}`);
    await liveBadge(a.page).waitFor({ timeout: 10_000 });
    await a.page.getByTestId('chat-message').filter({ hasText: 'Earlier message number 30' }).waitFor();
    await expectComposerInView(a.page);
    if (screen === 'desktop') {
      await focusMovesTo(a.page, 'chat-input');
    } else {
      expect(await focusedTestid(a.page)).not.toBe('chat-input');
    }
    expect(await chatViolations(a.page)).toEqual([]);
    expect(a.errors).toEqual([]);
    await a.context.close();
  });
});

test('when a member selects a word and presses Bold, then it is wrapped in ** and one undo takes it back; Ctrl+I makes it italic', async () => {
  const a = await openAs(ada, 'desktop');
  await a.page.goto(`${server.url}/messages/${direct.id}`);
  await liveBadge(a.page).waitFor({ timeout: 10_000 });
  const input = a.page.getByTestId('chat-input');
  await input.fill('bring the ladder please');
  // "ladder" selected.
  await input.evaluate((el) => (el as unknown as { setSelectionRange(a: number, b: number): void }).setSelectionRange(10, 16));
  await a.page.getByTestId('chat-tool-bold').click();
  expect(await input.inputValue()).toBe('bring the **ladder** please');
  // The selection stays on the word, the keyboard in the text.
  expect(await focusedTestid(a.page)).toBe('chat-input');
  expect(await input.evaluate((el) => { const t = el as unknown as { selectionStart: number; selectionEnd: number; value: string }; return t.value.slice(t.selectionStart, t.selectionEnd); })).toBe('ladder');
  await input.press('Control+z');
  expect(await input.inputValue()).toBe('bring the ladder please');

  await input.evaluate((el) => (el as unknown as { setSelectionRange(a: number, b: number): void }).setSelectionRange(0, 5));
  await input.press('Control+i');
  expect(await input.inputValue()).toBe('*bring* the ladder please');

  // The toolbar is one stop for Tab; arrow keys move inside it; every button has a name.
  const tools = a.page.getByTestId('chat-toolbar').getByRole('button');
  expect(await tools.count()).toBe(7);
  for (const name of ['Bold', 'Italic', 'Link', 'Bulleted list', 'Quote', 'Code', 'Mention someone']) {
    expect(await a.page.getByTestId('chat-toolbar').getByRole('button', { name, exact: true }).count()).toBe(1);
  }
  expect(await a.page.getByTestId('chat-toolbar').locator('button[tabindex="0"]').count()).toBe(1);
  await a.page.getByTestId('chat-tool-bold').focus();
  await a.page.keyboard.press('ArrowRight');
  expect(await focusedTestid(a.page)).toBe('chat-tool-italic');
  await a.page.keyboard.press('End');
  expect(await focusedTestid(a.page)).toBe('chat-tool-mention');
  expect(a.errors).toEqual([]);
  await a.context.close();
});

test('when a member moves between Write and Preview with the arrow keys, then the tab and its panel follow and the preview breaks lines as the message will', async () => {
  const a = await openAs(ada, 'desktop');
  await a.page.goto(`${server.url}/messages/${direct.id}`);
  await liveBadge(a.page).waitFor({ timeout: 10_000 });
  const input = a.page.getByTestId('chat-input');
  await input.fill('first line\nsecond **line**');
  const write = a.page.getByTestId('chat-write');
  const preview = a.page.getByTestId('chat-preview-tab');
  // One tab stop: the chosen tab.
  expect([await write.getAttribute('tabindex'), await preview.getAttribute('tabindex')]).toEqual(['0', '-1']);
  await write.focus();
  await a.page.keyboard.press('ArrowRight');
  await focusMovesTo(a.page, 'chat-preview-tab');
  expect(await preview.getAttribute('aria-selected')).toBe('true');
  expect(await write.getAttribute('aria-selected')).toBe('false');
  expect([await write.getAttribute('tabindex'), await preview.getAttribute('tabindex')]).toEqual(['-1', '0']);
  const panel = a.page.getByTestId('chat-preview');
  await panel.locator('strong').waitFor();
  expect(await panel.locator('br').count()).toBe(1);
  expect(await panel.getAttribute('role')).toBe('tabpanel');
  expect(await input.isVisible()).toBe(false);

  await a.page.keyboard.press('ArrowLeft');
  await focusMovesTo(a.page, 'chat-write');
  expect(await write.getAttribute('aria-selected')).toBe('true');
  expect(await input.isVisible()).toBe(true);
  expect(await input.inputValue()).toBe('first line\nsecond **line**');
  expect(a.errors).toEqual([]);
  await a.context.close();
});
