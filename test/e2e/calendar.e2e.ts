import fs from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { createMember } from '../support/members';
import { orchard, useBrowserTest } from './support/harness';
import { measureOverflow } from './support/overflow';
import { liveBadge, pageOpener } from './support/pages';

// The events calendar in the browser: a host plans a weekly meet-up with few places, a member
// answers from the space's stream, the host's page counts it at once; the month view shows the
// series and the event downloads as an .ics file.
const ctx = useBrowserTest({ setup: ({ server }) => orchard(server.url) });

const openAs = pageOpener(() => ({ browser: ctx.browser, url: ctx.server.url }));

const pad = (n: number) => String(n).padStart(2, '0');
/** A local date-time as a datetime-local input takes it. */
const localInput = (date: Date) => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;

async function noSidewaysScroll(page: Page, width: number): Promise<void> {
  const report = await measureOverflow(page, width);
  expect(report.elements.slice(0, 3)).toEqual([]);
  expect(report.scrollOverflow).toBeLessThanOrEqual(1);
}

test('when a host creates a weekly event with a cap, then a member answers from the stream, the host sees "1/2 going" live, the month view shows it and its .ics downloads', async () => {
  const hostPage = await openAs(ctx.host);
  const { page } = hostPage;
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${ctx.server.url}/s/${ctx.space.slug}/events`);
  await liveBadge(page).waitFor({ timeout: 10_000 });
  await page.getByTestId('calendar').waitFor();

  // The form: a weekly meet-up tomorrow evening, two places.
  await page.getByTestId('new-event').click();
  await page.waitForURL(`${ctx.server.url}/s/${ctx.space.slug}/events/new`);
  const now = new Date();
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 19, 0);
  await page.getByTestId('event-title-input').fill('Pruning evening');
  await page.getByTestId('event-description-input').fill('Bring **secateurs**.');
  await page.getByTestId('event-start').fill(localInput(start));
  await page.getByTestId('event-end').fill(localInput(new Date(start.getTime() + 2 * 3_600_000)));
  await page.getByTestId('event-repeat').selectOption('weekly');
  await page.getByTestId('event-ends-count').check();
  await page.getByTestId('event-count').fill('6');
  await page.locator('details.more summary').click();
  await page.getByTestId('event-capacity').fill('2');
  await page.getByTestId('event-submit').click();

  await page.waitForURL(/\/events\/[0-9a-f-]{36}/);
  await page.getByTestId('event-page').waitFor();
  expect(await page.getByTestId('event-title').innerText()).toBe('Pruning evening');
  expect(await page.getByTestId('event-description').innerHTML()).toContain('<strong>secateurs</strong>');
  expect(await page.getByTestId('event-repeats').innerText()).toContain('Every week on');
  await page.locator('[data-testid="rsvp-counts"][data-going="0"]').waitFor();
  expect(await page.getByTestId('rsvp-counts').innerText()).toBe('0/2 going');

  // Rosa, on her phone, answers from the space's stream, where the event is a post.
  const rosaPage = await openAs(ctx.rosa);
  await rosaPage.page.setViewportSize({ width: 390, height: 844 });
  await rosaPage.page.goto(`${ctx.server.url}/s/${ctx.space.slug}`);
  await liveBadge(rosaPage.page).waitFor({ timeout: 10_000 });
  const card = rosaPage.page.getByTestId('event-card').filter({ hasText: 'Pruning evening' });
  await card.waitFor({ timeout: 10_000 });
  await card.locator('[data-testid="rsvp-counts"]').filter({ hasText: '0/2 going' }).waitFor();
  await card.getByTestId('rsvp-going').click();
  await card.locator('[data-testid="rsvp-going"][aria-pressed="true"]').waitFor();
  await card.locator('[data-testid="rsvp-counts"][data-going="1"]').waitFor();
  await noSidewaysScroll(rosaPage.page, 390);

  // The host's open page counts her without a reload, and lists her.
  await page.locator('[data-testid="rsvp-counts"][data-going="1"]').waitFor({ timeout: 10_000 });
  expect(await page.getByTestId('rsvp-counts').innerText()).toBe('1/2 going');
  await page.locator('[data-testid="attendee"][data-handle="rosa_parks"][data-status="going"]').waitFor({ timeout: 10_000 });

  // Add to calendar: an iCalendar file.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('event-ics').click()]);
  const file = await download.path();
  expect(fs.readFileSync(file, 'utf8').startsWith('BEGIN:VCALENDAR')).toBe(true);

  // The series' other dates are listed, each with its own count.
  await page.getByTestId('event-other-date').first().waitFor({ timeout: 10_000 });
  expect(await page.getByTestId('event-other-date').count()).toBeGreaterThanOrEqual(4);

  // The month view shows the series (the next month's grid if tomorrow is in it).
  await page.getByTestId('event-space-calendar').click();
  await page.waitForURL(`${ctx.server.url}/s/${ctx.space.slug}/events`);
  await page.getByTestId('calendar-mode-month').click();
  await page.locator('[data-testid="calendar"][data-mode="month"]').waitFor();
  if (start.getMonth() !== now.getMonth()) await page.getByTestId('calendar-next').click();
  const inGrid = page.locator('.ec-day-grid .ec-event').filter({ hasText: 'Pruning evening' });
  await inGrid.first().waitFor({ timeout: 10_000 });
  expect(await inGrid.count()).toBeGreaterThanOrEqual(1);

  // And it leads back to its date.
  await inGrid.first().click();
  await page.waitForURL(/\/events\/[0-9a-f-]{36}\?on=/);
  await page.getByTestId('event-page').waitFor();

  expect([...hostPage.consoleErrors, ...rosaPage.consoleErrors]).toEqual([]);
});

test('when a host cancels one date of a series, then a member who has it open sees it cancelled live; editing "this and the following" makes a new series from that date', async () => {
  const now = new Date();
  const at = (days: number, hour: number) => localInput(new Date(now.getFullYear(), now.getMonth(), now.getDate() + days, hour, 0));
  const created = await ctx.host.call<{ event: { id: string }; occurrence: { occurrence: string } }>('POST', `/api/v1/spaces/${ctx.space.id}/events`, {
    title: 'Cider pressing',
    timeZone: 'Europe/London',
    start: at(2, 18),
    end: at(2, 20),
    recurrence: { freq: 'weekly', interval: 1, count: 4 },
  });
  expect(created.status).toBe(201);
  const eventId = created.body.event.id;
  const first = created.body.occurrence.occurrence;

  const rosaPage = await openAs(ctx.rosa);
  await rosaPage.page.goto(`${ctx.server.url}/events/${eventId}?on=${encodeURIComponent(first)}`);
  await liveBadge(rosaPage.page).waitFor({ timeout: 10_000 });
  await rosaPage.page.getByTestId('rsvp-going').waitFor();

  const hostPage = await openAs(ctx.host);
  const { page } = hostPage;
  await page.goto(`${ctx.server.url}/events/${eventId}?on=${encodeURIComponent(first)}`);
  await page.getByTestId('event-cancel-this').click();
  await page.getByTestId('event-cancel-this-yes').click();
  await page.getByTestId('event-cancelled').waitFor();

  // Rosa's page follows without a reload.
  await rosaPage.page.getByTestId('event-cancelled').waitFor({ timeout: 10_000 });
  expect(await rosaPage.page.getByTestId('rsvp-going').count()).toBe(0);

  // The host renames the series from its second date on.
  const firstDay = new Date(`${first.slice(0, 10)}T12:00:00Z`);
  const second = `${new Date(firstDay.getTime() + 7 * 86_400_000).toISOString().slice(0, 10)}T18:00`;
  await page.goto(`${ctx.server.url}/events/${eventId}/edit?on=${encodeURIComponent(second)}`);
  await page.getByTestId('event-scope-following').check();
  await page.getByTestId('event-title-input').fill('Cider pressing (new orchard)');
  await page.getByTestId('event-submit').click();
  await page.waitForURL((url) => url.pathname.startsWith('/events/') && !url.pathname.includes(eventId));
  expect(await page.getByTestId('event-title').innerText()).toBe('Cider pressing (new orchard)');
  expect(await page.getByTestId('event-when').innerText()).not.toBe('');
  expect([...hostPage.consoleErrors, ...rosaPage.consoleErrors]).toEqual([]);
});

test('when the one place is taken, then a second member waits first in line, and when it frees they are offered it live and confirm it', async () => {
  const now = new Date();
  const day = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 3, 10, 0);
  const created = await ctx.host.call<{ event: { id: string }; occurrence: { occurrence: string } }>('POST', `/api/v1/spaces/${ctx.space.id}/events`, {
    title: 'Ladder training',
    timeZone: 'UTC',
    start: localInput(day),
    end: localInput(new Date(day.getTime() + 3_600_000)),
    capacity: 1,
  });
  expect(created.status).toBe(201);
  const { id } = created.body.event;
  const occurrence = created.body.occurrence.occurrence;
  const rsvpPath = `/api/v1/events/${id}/occurrences/${encodeURIComponent(occurrence)}/rsvp`;
  expect((await ctx.rosa.call('PUT', rsvpPath, { status: 'going' })).status).toBe(200);

  const { page, consoleErrors } = await openAs(ctx.ned);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${ctx.server.url}/events/${id}`);
  await liveBadge(page).waitFor({ timeout: 10_000 });
  expect(await page.getByTestId('rsvp-counts').innerText()).toBe('1/1 going');
  await page.getByTestId('rsvp-going').click();
  await page.locator('[data-testid="rsvp"][data-status="waiting"]').waitFor();
  expect(await page.getByTestId('rsvp-status').innerText()).toContain('number 1 on the waiting list');

  // Rosa cannot come after all: the place is offered to Ned, on his open page.
  expect((await ctx.rosa.call('PUT', rsvpPath, { status: 'declined' })).status).toBe(200);
  await page.locator('[data-testid="rsvp"][data-status="offered"]').waitFor({ timeout: 10_000 });
  expect(await page.getByTestId('rsvp-status').innerText()).toContain('Confirm it before');
  await page.getByTestId('rsvp-confirm').click();
  await page.locator('[data-testid="rsvp"][data-status="going"]').waitFor();
  await page.locator('[data-testid="rsvp-counts"][data-going="1"]').waitFor();
  expect(consoleErrors).toEqual([]);
});

test('when a visitor who is not a member looks at a public space’s calendar, then a cancellation reaches their grid live', async () => {
  const visitor = await createMember(ctx.server.url, { displayName: 'Vera Visitor', handle: 'vera_visitor' });
  const today = new Date();
  const day = `${today.getUTCFullYear()}-${pad(today.getUTCMonth() + 1)}-${pad(today.getUTCDate())}`;
  const created = await ctx.host.call<{ event: { id: string } }>('POST', `/api/v1/spaces/${ctx.space.id}/events`, {
    title: 'Late lantern walk',
    timeZone: 'UTC',
    start: `${day}T23:30`,
    end: `${day}T23:45`,
  });
  expect(created.status).toBe(201);

  const { page, consoleErrors } = await openAs(visitor);
  await page.goto(`${ctx.server.url}/s/${ctx.space.slug}/events?view=agenda`);
  await liveBadge(page).waitFor({ timeout: 10_000 });
  const item = page.locator('.ec-event').filter({ hasText: 'Late lantern walk' });
  await item.first().waitFor({ timeout: 10_000 });
  expect(await page.locator('.ec-event.cancelled').filter({ hasText: 'Late lantern walk' }).count()).toBe(0);

  expect((await ctx.host.call('POST', `/api/v1/events/${created.body.event.id}/cancel`, { scope: 'all' })).status).toBe(200);
  await page.locator('.ec-event.cancelled').filter({ hasText: 'Late lantern walk' }).first().waitFor({ timeout: 10_000 });
  expect(consoleErrors).toEqual([]);
});

test('when a member opens my calendar on a phone, then the agenda lists the events of their spaces without sideways scroll, and they can make their personal feed address', async () => {
  const { page, consoleErrors } = await openAs(ctx.rosa);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${ctx.server.url}/calendar?view=agenda`);
  await page.locator('[data-testid="calendar"][data-mode="agenda"]').waitFor();
  await page.locator('.ec-list .ec-event').filter({ hasText: 'Pruning evening' }).first().waitFor({ timeout: 10_000 });
  await noSidewaysScroll(page, 390);

  await page.getByTestId('personal-feed-make').click();
  const address = await page.getByTestId('personal-feed-url').inputValue();
  expect(address).toMatch(/\/calendar\/feed\/[A-Za-z0-9_-]{20,100}\.ics$/);
  const feed = await fetch(address.replace(/^https?:\/\/[^/]+/, ctx.server.url));
  expect(feed.headers.get('content-type')).toContain('text/calendar');
  expect(await feed.text()).toContain('Pruning evening');
  expect(consoleErrors).toEqual([]);
});

test('when a host creates a fortnightly event with a cover image from the form, then the rule reads "every 2 weeks", a member\'s open stream shows the card with its image, and a refused image leaves the event saved and says so', async () => {
  const cover = await sharp({ create: { width: 320, height: 180, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toBuffer();

  // Rosa has the space's stream open before the event exists.
  const rosaPage = await openAs(ctx.rosa);
  await rosaPage.page.goto(`${ctx.server.url}/s/${ctx.space.slug}`);
  await liveBadge(rosaPage.page).waitFor({ timeout: 10_000 });

  const hostPage = await openAs(ctx.host);
  const { page } = hostPage;
  await page.goto(`${ctx.server.url}/s/${ctx.space.slug}/events/new`);
  await page.getByTestId('event-form').waitFor();
  const now = new Date();
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 3, 18, 30);
  await page.getByTestId('event-title-input').fill('Seed swap');
  await page.getByTestId('event-start').fill(localInput(start));
  await page.getByTestId('event-end').fill(localInput(new Date(start.getTime() + 90 * 60_000)));
  await page.getByTestId('event-repeat').selectOption('weekly');
  await page.getByTestId('event-interval').fill('2');
  // The rule in words as it is chosen.
  await page.getByTestId('event-repeat-summary').filter({ hasText: 'Every 2 weeks on' }).waitFor();
  await page.getByTestId('event-form-image').setInputFiles({ name: 'seeds.png', mimeType: 'image/png', buffer: cover });
  await page.getByTestId('event-form-image-preview').waitFor();
  await page.getByTestId('event-submit').click();

  await page.waitForURL(/\/events\/[0-9a-f-]{36}/);
  expect(new URL(page.url()).searchParams.get('image')).toBeNull();
  await page.getByTestId('event-page').waitFor();
  expect(await page.getByTestId('event-repeats').innerText()).toContain('Every 2 weeks on');
  // The width the browser decoded (0 for a broken image): the image was served and is one.
  const loadedWidth = (image: Locator) =>
    image.evaluate((element) => {
      const img = element as unknown as { naturalWidth: number; decode(): Promise<void> };
      return img.decode().then(
        () => img.naturalWidth,
        () => 0,
      );
    });
  await page.getByTestId('event-image').waitFor();
  expect(await loadedWidth(page.getByTestId('event-image'))).toBe(320);

  // Rosa's open stream gets the card, with its image, without a reload.
  const card = rosaPage.page.getByTestId('event-card').filter({ hasText: 'Seed swap' });
  await card.waitFor({ timeout: 10_000 });
  expect(await card.innerText()).toContain('Every 2 weeks on');
  await card.getByTestId('event-card-image').waitFor({ timeout: 10_000 });
  expect(await loadedWidth(card.getByTestId('event-card-image'))).toBe(320);

  // Bytes that are no image, named like one: the event is created all the same, and its page says
  // the image was not saved.
  await page.goto(`${ctx.server.url}/s/${ctx.space.slug}/events/new`);
  await page.getByTestId('event-form').waitFor();
  await page.getByTestId('event-title-input').fill('Leaf mould workshop');
  await page.getByTestId('event-form-image').setInputFiles({ name: 'leaves.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
  await page.getByTestId('event-submit').click();
  await page.waitForURL(/\/events\/[0-9a-f-]{36}/);
  await page.getByTestId('event-image-not-saved').waitFor();
  expect(await page.getByTestId('event-title').innerText()).toBe('Leaf mould workshop');
  expect(await page.getByTestId('event-image').count()).toBe(0);

  // The one console error is the browser's log of that refusal.
  expect(hostPage.consoleErrors).toEqual(['Failed to load resource: the server responded with a status of 415 (Unsupported Media Type)']);
  expect(rosaPage.consoleErrors).toEqual([]);
});

test('when a visitor who is not a member has a public space’s event open, then a member’s RSVP and the host’s edit reach the page live', async () => {
  const visitor = await createMember(ctx.server.url, { displayName: 'Otto Onlooker', handle: 'otto_onlooker' });
  const now = new Date();
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 5, 10, 0);
  const created = await ctx.host.call<{ event: { id: string }; occurrence: { occurrence: string } }>('POST', `/api/v1/spaces/${ctx.space.id}/events`, {
    title: 'Hedge laying',
    timeZone: 'Europe/London',
    start: localInput(start),
    end: localInput(new Date(start.getTime() + 3 * 3_600_000)),
    capacity: 5,
  });
  expect(created.status).toBe(201);
  const { id: eventId } = created.body.event;
  const occurrence = created.body.occurrence.occurrence;

  const { page, consoleErrors } = await openAs(visitor);
  await page.goto(`${ctx.server.url}/events/${eventId}`);
  await liveBadge(page).waitFor({ timeout: 10_000 });
  await page.locator('[data-testid="rsvp-counts"][data-going="0"]').waitFor();

  const answered = await ctx.rosa.call('PUT', `/api/v1/events/${eventId}/occurrences/${encodeURIComponent(occurrence)}/rsvp`, { status: 'going', guests: 0 });
  expect(answered.status).toBe(200);
  await page.locator('[data-testid="rsvp-counts"][data-going="1"]').waitFor({ timeout: 10_000 });
  expect(await page.getByTestId('rsvp-counts').innerText()).toBe('1/5 going');

  const edited = await ctx.host.call('PATCH', `/api/v1/events/${eventId}`, { scope: 'all', changes: { title: 'Hedge laying, with lunch' } });
  expect(edited.status).toBe(200);
  await page.getByTestId('event-title').filter({ hasText: 'Hedge laying, with lunch' }).waitFor({ timeout: 10_000 });
  expect(consoleErrors).toEqual([]);
});
