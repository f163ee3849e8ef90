// What the calendar tells members (decision 021): reminders on the calendar's own clock, sent once;
// changes and cancellations to the occurrence's attendees only; a seat offered to the waiter it
// goes to, when someone leaves or when the host raises the capacity.
import { sql } from 'drizzle-orm';
import type { Space } from '../../../shared/api/spaces.routes';
import type { CalendarEvent, Occurrence, RsvpCounts } from '../../../shared/api/calendar.routes';
import type { NotificationView } from '../../../shared/api/notifications.routes';
import { useTestServer } from '../../../test/support/harness';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { nextEvent } from '../../../test/support/server';
import { notificationKinds } from '../../../shared/protocol/notifications';
import { MINUTELY } from './calendar.service';

type Detail = { event: CalendarEvent; occurrence: Occurrence | null };
type RsvpResult = { rsvp: { status: string; waitingPosition: number | null }; counts: RsvpCounts };
type Attendees = { items: { user: { id: string }; status: string; waitingPosition: number | null }[]; counts: RsvpCounts };

/** The calendar's clock; null: the real time. */
let clock: Date | null = null;

const ctx = useTestServer({ now: () => clock ?? new Date() });

afterEach(() => {
  clock = null;
});

const nextYear = new Date().getUTCFullYear() + 1;
const member = (prefix: string) => createMember(ctx.server.url, { handle: uniqueHandle(prefix) });

async function publicSpace(host: Member, ...members: Member[]): Promise<Space> {
  const res = await host.call<Space>('POST', '/api/v1/spaces', { name: `Garden ${uniqueHandle('s')}`, slug: uniqueHandle('gdn').replace(/_/g, '-'), visibility: 'public', joinPolicy: 'open' });
  expect(res.status).toBe(201);
  for (const m of members) expect((await m.call('POST', `/api/v1/spaces/${res.body.id}/join`)).status).toBe(200);
  return res.body;
}

async function createEvent(host: Member, space: Space, body: Record<string, unknown>): Promise<Detail> {
  const res = await host.call<Detail>('POST', `/api/v1/spaces/${space.id}/events`, { title: 'Work party', timeZone: 'Europe/London', ...body });
  expect(res.status).toBe(201);
  return res.body;
}

async function rsvp(who: Member, eventId: string, occurrence: string, status = 'going'): Promise<RsvpResult> {
  const res = await who.call<RsvpResult>('PUT', `/api/v1/events/${eventId}/occurrences/${encodeURIComponent(occurrence)}/rsvp`, { status, guests: 0 });
  expect(res.status).toBe(200);
  return res.body;
}

/** Unread notifications of the calendar's kinds (after every job has run). */
async function eventNotices(who: Member): Promise<NotificationView[]> {
  await ctx.server.app.settle();
  const res = await who.call<{ items: NotificationView[] }>('GET', '/api/v1/notifications');
  expect(res.status).toBe(200);
  return res.body.items.filter((n) => n.kind.startsWith('event.') && !n.read);
}

const summary = async (who: Member) => (await eventNotices(who)).map((n) => [n.kind, n.data.occurrence ?? null]);

/** One run of the minutely schedule at the calendar's clock. */
async function minutelyRun(): Promise<void> {
  await ctx.server.app.platform.jobs.enqueue(ctx.server.app.database.db, { kind: MINUTELY });
  await ctx.server.app.settle();
}

const minutesBefore = (iso: string, minutes: number) => new Date(Date.parse(iso) - minutes * 60_000);

test('reminders: the event’s default (a day before) for those going or maybe, a member’s own choice (an hour before) instead, each sent once at its time, none to those who declined', async () => {
  const [host, ann, bo, cy, dee] = await Promise.all(['host', 'ann', 'bo', 'cy', 'dee'].map(member));
  const space = await publicSpace(host!, ann!, bo!, cy!, dee!);
  const created = await createEvent(host!, space, { start: `${nextYear}-06-10T19:00`, end: `${nextYear}-06-10T21:00`, reminderMinutes: [1440] });
  const { event } = created;
  const key = `${nextYear}-06-10T19:00`;
  const startsAt = created.occurrence!.startsAt;
  await rsvp(ann!, event.id, key);
  await rsvp(bo!, event.id, key);
  await rsvp(cy!, event.id, key, 'maybe');
  await rsvp(dee!, event.id, key, 'declined');
  const own = await bo!.call<{ minutes: number[]; isDefault: boolean }>('PUT', `/api/v1/events/${event.id}/reminders`, { minutes: [60] });
  expect(own.body).toEqual({ minutes: [60], isDefault: false });

  // A minute before the day-before reminder is due: nothing yet.
  clock = minutesBefore(startsAt, 1441);
  await minutelyRun();
  for (const who of [ann, bo, cy, dee]) expect(await summary(who!)).toEqual([]);

  // A minute after: Ann and Cy hear of it, with the offset; Bo chose an hour before instead, Dee is not coming.
  clock = minutesBefore(startsAt, 1439);
  await minutelyRun();
  const annNotices = await eventNotices(ann!);
  expect(annNotices.map((n) => [n.kind, n.data])).toEqual([['event.reminder', { eventId: event.id, occurrence: key, minutes: 1440 }]]);
  expect(annNotices[0]!.subject).toMatchObject({ kind: 'post', id: event.postId, available: true });
  expect(await summary(cy!)).toEqual([['event.reminder', key]]);
  expect(await summary(bo!)).toEqual([]);
  expect(await summary(dee!)).toEqual([]);

  // Read, and the schedule runs again (and again) within the hour: no second reminder.
  for (const who of [ann, cy]) expect((await who!.call('POST', '/api/v1/notifications/read', {})).status).toBe(200);
  clock = minutesBefore(startsAt, 1437);
  await minutelyRun();
  clock = minutesBefore(startsAt, 1400);
  await minutelyRun();
  expect(await summary(ann!)).toEqual([]);
  expect(await summary(cy!)).toEqual([]);

  // An hour before: Bo's own reminder, and nobody else's.
  clock = minutesBefore(startsAt, 59);
  await minutelyRun();
  await minutelyRun();
  const boNotices = await eventNotices(bo!);
  expect(boNotices.map((n) => [n.kind, n.data.minutes])).toEqual([['event.reminder', 60]]);
  expect(await summary(ann!)).toEqual([]);
  expect(await summary(dee!)).toEqual([]);

  const sent = await ctx.testDb.database.db.execute(sql`select user_id, minutes from calendar_reminders_sent where event_id = ${event.id} order by minutes desc, user_id`);
  const rows = (sent as unknown as { rows: { user_id: string; minutes: number }[] }).rows;
  const byUser = (list: (string | number)[][]) => list.map((r) => r.join(' ')).sort();
  expect(byUser(rows.map((r) => [r.user_id, Number(r.minutes)]))).toEqual(byUser([[ann!.user.id, 1440], [cy!.user.id, 1440], [bo!.user.id, 60]]));
});

test('event.changed and event.cancelled reach the attendees of the occurrence concerned (going, maybe, waiting) and nobody else; the host who made the change hears nothing', async () => {
  const [host, going, maybe, waiting, declined, bystander, later] = await Promise.all(['host', 'going', 'maybe', 'wait', 'decl', 'by', 'later'].map(member));
  const space = await publicSpace(host!, going!, maybe!, waiting!, declined!, bystander!, later!);
  const { event } = await createEvent(host!, space, { start: `${nextYear}-09-07T10:00`, end: `${nextYear}-09-07T12:00`, capacity: 1, recurrence: { freq: 'weekly', count: 3 } });
  const first = `${nextYear}-09-07T10:00`;
  const second = `${nextYear}-09-14T10:00`;
  expect((await rsvp(going!, event.id, first)).rsvp.status).toBe('going');
  expect((await rsvp(waiting!, event.id, first)).rsvp.status).toBe('waiting');
  await rsvp(maybe!, event.id, first, 'maybe');
  await rsvp(declined!, event.id, first, 'declined');
  await rsvp(later!, event.id, second);
  await ctx.server.app.settle();

  // One occurrence moved: only its attendees hear of it.
  const moved = await host!.call('PATCH', `/api/v1/events/${event.id}`, { scope: 'this', occurrence: first, changes: { start: `${nextYear}-09-07T11:00`, end: `${nextYear}-09-07T13:00` } });
  expect(moved.status).toBe(200);
  for (const who of [going, maybe, waiting]) expect(await summary(who!)).toEqual([['event.changed', first]]);
  for (const who of [declined, bystander, later, host]) expect(await summary(who!)).toEqual([]);

  // The second occurrence cancelled: only the one going to it.
  expect((await host!.call('POST', `/api/v1/events/${event.id}/cancel`, { scope: 'this', occurrence: second })).status).toBe(200);
  expect(await summary(later!)).toEqual([['event.cancelled', second]]);
  for (const who of [going, maybe, waiting]) expect(await summary(who!)).toEqual([['event.changed', first]]);
  for (const who of [declined, bystander, host]) expect(await summary(who!)).toEqual([]);

  // The whole series cancelled: every attendee of any occurrence.
  expect((await host!.call('POST', `/api/v1/events/${event.id}/cancel`, { scope: 'all' })).status).toBe(200);
  for (const who of [going, maybe, waiting]) expect(await summary(who!)).toEqual([['event.cancelled', null], ['event.changed', first]]);
  expect(await summary(later!)).toEqual([['event.cancelled', null], ['event.cancelled', second]]);
  for (const who of [declined, bystander, host]) expect(await summary(who!)).toEqual([]);
});

test('a new event reaches the space’s followers once, as the new post that carries it', async () => {
  const [host, follower, quiet] = await Promise.all(['host', 'fol', 'quiet'].map(member));
  const space = await publicSpace(host!, follower!, quiet!);
  expect((await follower!.call('PUT', `/api/v1/notifications/levels/space/${space.id}`, { level: 'all' })).status).toBe(200);
  const { event } = await createEvent(host!, space, { start: `${nextYear}-10-01T18:00`, end: `${nextYear}-10-01T19:00` });
  await ctx.server.app.settle();
  const items = (await follower!.call<{ items: NotificationView[] }>('GET', '/api/v1/notifications')).body.items;
  expect(items.map((n) => [n.kind, n.subject?.id])).toEqual([['new-post', event.postId]]);
  expect(await summary(quiet!)).toEqual([]);
});

test('raising the capacity offers the new seats to the waiting list in order; a seat freed later goes to the next; each offered member is told (socket and event.offer), nobody else', async () => {
  const [host, a, b, c, d, e] = await Promise.all(['host', 'a', 'b', 'c', 'd', 'e'].map(member));
  const space = await publicSpace(host!, a!, b!, c!, d!, e!);
  const { event } = await createEvent(host!, space, { start: `${nextYear}-11-03T19:00`, end: `${nextYear}-11-03T21:00`, capacity: 2 });
  const key = `${nextYear}-11-03T19:00`;
  const answers = [];
  for (const who of [a, b, c, d, e]) answers.push((await rsvp(who!, event.id, key)).rsvp);
  expect(answers.map((r) => [r.status, r.waitingPosition])).toEqual([
    ['going', null],
    ['going', null],
    ['waiting', 1],
    ['waiting', 2],
    ['waiting', 3],
  ]);

  const [cSocket, dSocket, eSocket] = await Promise.all([c!.connect(), d!.connect(), e!.connect()]);
  try {
    const cTold = nextEvent<{ reason: string; rsvp: { status: string; waitingPosition: number } }>(cSocket, 'calendar:my-rsvp-changed', 5_000);
    const dTold = nextEvent<{ reason: string; rsvp: { status: string; waitingPosition: number } }>(dSocket, 'calendar:my-rsvp-changed', 5_000);
    const raised = await host!.call('PATCH', `/api/v1/events/${event.id}`, { changes: { capacity: 4 } });
    expect(raised.status).toBe(200);
    expect(await cTold).toMatchObject({ reason: 'offered', rsvp: { status: 'offered', waitingPosition: 1 } });
    expect(await dTold).toMatchObject({ reason: 'offered', rsvp: { status: 'offered', waitingPosition: 2 } });

    const list = (await host!.call<Attendees>('GET', `/api/v1/events/${event.id}/occurrences/${encodeURIComponent(key)}/attendees`)).body;
    expect(list.items.map((i) => [i.user.id, i.status, i.waitingPosition])).toEqual([
      [a!.user.id, 'going', null],
      [b!.user.id, 'going', null],
      [c!.user.id, 'offered', 1],
      [d!.user.id, 'offered', 2],
      [e!.user.id, 'waiting', 3],
    ]);
    expect(list.counts).toMatchObject({ going: 2, waiting: 3, capacity: 4 });
    for (const who of [c, d]) expect(await summary(who!)).toEqual([['event.offer', key]]);
    for (const who of [a, b, e, host]) expect(await summary(who!)).toEqual([]);

    // Someone going leaves: the offers hold three of four seats, so e gets the last one.
    const eTold = nextEvent<{ reason: string }>(eSocket, 'calendar:my-rsvp-changed', 5_000);
    await rsvp(a!, event.id, key, 'declined');
    expect(await eTold).toMatchObject({ reason: 'offered' });
    expect(await summary(e!)).toEqual([['event.offer', key]]);

    // Confirming takes the seat; capacity holds.
    for (const who of [c, d, e]) expect((await rsvp(who!, event.id, key)).rsvp.status).toBe('going');
    const after = (await host!.call<Attendees>('GET', `/api/v1/events/${event.id}/occurrences/${encodeURIComponent(key)}/attendees`)).body;
    expect(after.counts).toMatchObject({ going: 4, waiting: 0, capacity: 4 });
  } finally {
    for (const s of [cSocket, dSocket, eSocket]) s.disconnect();
  }
});

test('every kind a member can set preferences for, the calendar’s five included, is in the shared notificationKinds the client lists', async () => {
  const who = await member('prefs');
  const prefs = await who.call<{ kinds: { kind: string }[] }>('GET', '/api/v1/me/notification-preferences');
  expect(prefs.status).toBe(200);
  const registered = prefs.body.kinds.map((k) => k.kind);
  expect(registered).toEqual(expect.arrayContaining(['event.new', 'event.changed', 'event.cancelled', 'event.reminder', 'event.offer']));
  expect([...registered].sort()).toEqual([...notificationKinds].sort());
});
