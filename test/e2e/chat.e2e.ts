import type { Browser, Locator, Page } from 'playwright-core';
import type { Conversation } from '../../shared/api/chat.routes';
import type { Space } from '../../shared/api/spaces.routes';
import { openTestDatabase, type TestDatabase } from '../support/database';
import { createMember, type Member } from '../support/members';
import { startTestServer, type TestServer } from '../support/server';
import { launchBrowser } from './support/browser';
import { liveBadge, pageOpener } from './support/pages';

// Two members in two browsers chatting: in a space's chat and in a direct conversation. What one
// writes shows at the other's screen live; typing, presence and the unread badge follow.
let testDb: TestDatabase;
let server: TestServer;
let browser: Browser;
let ada: Member;
let bea: Member;

beforeAll(async () => {
  testDb = await openTestDatabase();
  server = await startTestServer({ database: testDb.database, env: { SITE_NAME: 'Riverside Mutual Aid' } });
  browser = await launchBrowser();
  await createMember(server.url, { handle: 'site_admin', displayName: 'Site Admin' });
  ada = await createMember(server.url, { handle: 'ada_lovelace', displayName: 'Ada Lovelace' });
  bea = await createMember(server.url, { handle: 'bea_arthur', displayName: 'Bea Arthur' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await testDb?.close();
});

/** A page carrying the member's session cookie, as after signing in; uncaught exceptions count as console errors. */
const openAs = pageOpener(() => ({ browser, url: server.url }), { pageErrors: true });

function chatMessage(page: Page, text: string): Locator {
  return page.getByTestId('chat-messages').getByTestId('chat-message').filter({ hasText: text });
}

/** Writes a message and waits until it is acknowledged; `shown` is its rendered text. */
async function send(page: Page, text: string, shown = text): Promise<void> {
  const input = page.getByTestId('chat-input');
  await input.fill(text);
  await input.press('Enter');
  await chatMessage(page, shown).waitFor();
  // Acknowledged: nothing is left pending.
  await page.getByTestId('chat-pending').waitFor({ state: 'detached' });
}

test('when a member writes in a space’s chat, then another member sees it live, sees them online and typing, and their reply in a thread', async () => {
  const created = await ada.call<Space>('POST', '/api/v1/spaces', { name: 'Tool Library', slug: 'tool-library' });
  expect(created.status).toBe(201);
  expect((await bea.call('POST', `/api/v1/spaces/${created.body.id}/join`)).status).toBe(200);

  const a = await openAs(ada);
  const b = await openAs(bea);
  await a.page.goto(`${server.url}/s/tool-library/chat`);
  await b.page.goto(`${server.url}/s/tool-library`);
  await liveBadge(a.page).waitFor({ timeout: 10_000 });
  await liveBadge(b.page).waitFor({ timeout: 10_000 });
  // Bea reaches the chat through its tab, without a page load.
  await b.page.getByTestId('space-tab-chat').click();
  await b.page.waitForURL(`${server.url}/s/tool-library/chat`);
  await b.page.getByTestId('chat-start').waitFor();
  await a.page.getByTestId('chat-start').waitFor();

  // Each sees the other online.
  await a.page.getByTestId('chat-online-member').and(a.page.locator('[data-handle="bea_arthur"]')).waitFor({ timeout: 10_000 });
  await b.page.getByTestId('chat-online-member').and(b.page.locator('[data-handle="ada_lovelace"]')).waitFor({ timeout: 10_000 });

  // Ada writes; Bea sees it arrive, rendered, once.
  await send(a.page, 'Who has the **ladder** this week?', 'Who has the ladder this week?');
  const atBea = chatMessage(b.page, 'ladder');
  await atBea.waitFor({ timeout: 10_000 });
  expect(await atBea.getByTestId('chat-message-body').locator('strong').textContent()).toBe('ladder');
  expect(await chatMessage(b.page, 'ladder').count()).toBe(1);

  // Bea starts typing: Ada sees it.
  const typingLine = a.page.getByTestId('chat-typing');
  await b.page.getByTestId('chat-input').pressSequentially('I think');
  await typingLine.filter({ hasText: 'Bea Arthur is typing…' }).waitFor({ timeout: 10_000 });

  // Bea answers in a thread; Ada's message shows the reply count, and the indicator goes.
  await atBea.getByTestId('chat-open-thread').click();
  await b.page.getByTestId('chat-thread').waitFor();
  const reply = b.page.getByTestId('thread-input');
  await reply.fill('I have it, come by anytime');
  await reply.press('Enter');
  await b.page.getByTestId('chat-thread').getByTestId('chat-message').filter({ hasText: 'come by anytime' }).waitFor();
  await chatMessage(a.page, 'ladder').getByTestId('chat-open-thread').and(a.page.locator('[data-count="1"]')).waitFor({ timeout: 10_000 });

  expect(a.consoleErrors).toEqual([]);
  expect(b.consoleErrors).toEqual([]);
  await a.page.context().close();
  await b.page.context().close();
});

test('when a member sends a direct message, then the other’s header badge counts it live, and opening the conversation clears it', async () => {
  const cy = await createMember(server.url, { handle: 'cy_twombly', displayName: 'Cy Twombly' });
  const dee = await createMember(server.url, { handle: 'dee_dee', displayName: 'Dee Dee' });
  const opened = await cy.call<Conversation>('POST', '/api/v1/chat/conversations', { handles: ['dee_dee'] });
  expect(opened.status).toBe(200);

  const c = await openAs(cy);
  const d = await openAs(dee);
  await c.page.goto(`${server.url}/messages/${opened.body.id}`);
  await d.page.goto(server.url);
  await liveBadge(c.page).waitFor({ timeout: 10_000 });
  await liveBadge(d.page).waitFor({ timeout: 10_000 });
  await c.page.getByTestId('conversation-title').filter({ hasText: 'Dee Dee' }).waitFor();
  await c.page.getByTestId('chat-start').waitFor();
  const badge = d.page.getByTestId('nav-messages-unread');
  expect(await badge.count()).toBe(0);

  await send(c.page, 'Are you coming to the repair café?');
  await badge.filter({ hasText: /^1/ }).waitFor({ timeout: 10_000 });
  await send(c.page, 'Bring the toaster!');
  await badge.filter({ hasText: /^2/ }).waitFor({ timeout: 10_000 });

  // Dee opens her messages: the conversation is listed as unread; opening it reads it.
  await d.page.getByTestId('nav-messages').click();
  const item = d.page.getByTestId('conversation-item').and(d.page.locator(`[data-conversation-id="${opened.body.id}"]`));
  await item.and(d.page.locator('[data-unread="2"]')).waitFor();
  await item.click();
  await chatMessage(d.page, 'toaster').waitFor();
  await d.page.getByTestId('chat-new-divider').waitFor();
  await badge.waitFor({ state: 'detached', timeout: 10_000 });
  await item.and(d.page.locator('[data-unread="0"]')).waitFor();

  // She answers; Cy sees it without a reload.
  await send(d.page, 'Yes, with the toaster');
  await chatMessage(c.page, 'Yes, with the toaster').waitFor({ timeout: 10_000 });

  expect(c.consoleErrors).toEqual([]);
  expect(d.consoleErrors).toEqual([]);
  await c.page.context().close();
  await d.page.context().close();
});

test('when the answer to a sent message is lost on the way, then the client sends it again with its id and the message exists once', async () => {
  const opened = await ada.call<Conversation>('POST', '/api/v1/chat/conversations', { handles: ['bea_arthur'] });
  expect(opened.status).toBe(200);
  const a = await openAs(ada);
  // Between Ada's browser and the server: drop the ack and the event of the first attempt.
  let dropped = 0;
  await a.page.routeWebSocket(/\/socket\.io\//, (ws) => {
    const upstream = ws.connectToServer();
    ws.onMessage((message) => upstream.send(message));
    upstream.onMessage((message) => {
      if (dropped < 2 && typeof message === 'string' && message.includes('Sent exactly once')) {
        dropped += 1;
        return;
      }
      ws.send(message);
    });
  });
  await a.page.goto(`${server.url}/messages/${opened.body.id}`);
  await liveBadge(a.page).waitFor({ timeout: 10_000 });
  await a.page.getByTestId('chat-start').waitFor();

  const input = a.page.getByTestId('chat-input');
  await input.fill('Sent exactly once');
  await input.press('Enter');
  // Shown at once as pending, then as sent once the retry is acknowledged.
  await a.page.getByTestId('chat-pending').filter({ hasText: 'Sent exactly once' }).waitFor();
  await chatMessage(a.page, 'Sent exactly once').waitFor({ timeout: 20_000 });
  await a.page.getByTestId('chat-pending').waitFor({ state: 'detached' });
  expect(dropped).toBe(2);
  expect(await chatMessage(a.page, 'Sent exactly once').count()).toBe(1);

  const page = await ada.call<{ items: { bodyMarkdown: string }[] }>('GET', `/api/v1/chat/conversations/${opened.body.id}/messages`);
  expect(page.body.items.filter((message) => message.bodyMarkdown === 'Sent exactly once')).toHaveLength(1);
  expect(a.consoleErrors).toEqual([]);
  await a.page.context().close();
});

test('when a member I blocked writes and then someone else does, then I see the other’s message live and never the blocked one', async () => {
  const cal = await createMember(server.url, { handle: 'cal_blocker', displayName: 'Cal Blocker' });
  const created = await ada.call<Space>('POST', '/api/v1/spaces', { name: 'Quiet Corner', slug: 'quiet-corner' });
  for (const member of [bea, cal]) expect((await member.call('POST', `/api/v1/spaces/${created.body.id}/join`)).status).toBe(200);
  expect((await cal.call('POST', '/api/v1/me/blocks', { handle: bea.user.handle })).status).toBe(200);
  const chat = (await cal.call<Conversation>('GET', `/api/v1/spaces/${created.body.id}/chat`)).body;

  const c = await openAs(cal);
  await c.page.goto(`${server.url}/s/quiet-corner/chat`);
  await liveBadge(c.page).waitFor({ timeout: 10_000 });
  await c.page.getByTestId('chat-start').waitFor();

  // Bea's message takes a seq Cal never receives; Ada's next one arrives with a gap before it,
  // which the client resumes over (the server answers with Ada's message and how far to skip).
  const say = (who: Member, text: string, clientId: string) =>
    who.call('POST', `/api/v1/chat/conversations/${chat.id}/messages`, { clientId, bodyMarkdown: text });
  expect((await say(bea, 'From the blocked member', 'blocked-message-1')).status).toBe(200);
  expect((await say(ada, 'From someone else', 'unblocked-message-1')).status).toBe(200);
  await chatMessage(c.page, 'From someone else').waitFor({ timeout: 10_000 });
  expect(await chatMessage(c.page, 'From the blocked member').count()).toBe(0);
  // And the conversation keeps going live after the skipped seq.
  expect((await say(ada, 'And one more', 'unblocked-message-2')).status).toBe(200);
  await chatMessage(c.page, 'And one more').waitFor({ timeout: 10_000 });
  expect(c.consoleErrors).toEqual([]);
  await c.page.context().close();
});

test('when a member starts a conversation by picking a suggested name and then searches for what they wrote, then the search result opens that message', async () => {
  const eve = await createMember(server.url, { handle: 'eve_starter', displayName: 'Eve Starter' });
  const fay = await createMember(server.url, { handle: 'fay_w', displayName: 'Fay Whitfield' });

  const e = await openAs(eve);
  await e.page.goto(`${server.url}/messages`);
  await liveBadge(e.page).waitFor({ timeout: 10_000 });
  await e.page.getByTestId('new-message').click();

  // The start of a word of her name is enough; the suggestion becomes a chip.
  await e.page.getByTestId('new-message-handles').pressSequentially('Whit');
  const option = e.page.getByTestId('recipient-option').and(e.page.locator('[data-handle="fay_w"]'));
  await option.waitFor({ timeout: 10_000 });
  await e.page.getByTestId('new-message-handles').press('Enter');
  await e.page.getByTestId('recipient-chip').and(e.page.locator('[data-handle="fay_w"]')).waitFor();
  expect(await e.page.getByTestId('new-message-handles').inputValue()).toBe('');

  await e.page.getByTestId('new-message-open').click();
  await e.page.waitForURL(/\/messages\/[0-9a-f-]{36}$/);
  const conversationId = new URL(e.page.url()).pathname.split('/').pop() ?? '';
  await e.page.getByTestId('conversation-title').filter({ hasText: 'Fay Whitfield' }).waitFor();
  await e.page.getByTestId('chat-start').waitFor();
  await send(e.page, 'Could I borrow your marmalade funnel?');

  // The search page lists the message with its word marked, and links to it in the conversation.
  await e.page.goto(`${server.url}/search?q=marmalade`);
  const result = e.page.getByTestId('message-result').filter({ hasText: 'marmalade' });
  await result.waitFor({ timeout: 10_000 });
  expect(await result.locator('mark').first().textContent()).toMatch(/marmalade/i);
  expect(await result.getByTestId('message-result-conversation').textContent()).toContain('Fay Whitfield');
  const messageId = await result.getAttribute('data-message-id');
  const link = result.getByTestId('message-result-link');
  expect(await link.getAttribute('href')).toBe(`/messages/${conversationId}?message=${messageId}`);

  await link.click();
  await e.page.waitForURL(`${server.url}/messages/${conversationId}?message=${messageId}`);
  await chatMessage(e.page, 'marmalade funnel').waitFor();

  // Fay received it as a direct message from Eve.
  const list = await fay.call<{ items: Conversation[] }>('GET', '/api/v1/chat/conversations');
  expect(list.body.items.some((item) => item.id === conversationId)).toBe(true);
  expect(e.consoleErrors).toEqual([]);
  await e.page.context().close();
});
