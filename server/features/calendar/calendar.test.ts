import ICAL from 'ical.js';
import type { Space } from '../../../shared/api/spaces.routes';
import type { CalendarEvent, Occurrence, RsvpCounts } from '../../../shared/api/calendar.routes';
import { useTestServer } from '../../../test/support/harness';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { acked, nextEvent, watch } from '../../../test/support/server';

type Detail = { event: CalendarEvent; occurrence: Occurrence | null; viewer: { canEdit: boolean } };
type List = { events: CalendarEvent[]; occurrences: Occurrence[]; seq: number | null };
type RsvpResult = { rsvp: { status: string; waitingPosition: number | null; offerExpiresAt: string | null }; counts: RsvpCounts };

/** The calendar's clock: tests move it forward to let offers run out. */
let offsetMs = 0;

const ctx = useTestServer({ now: () => new Date(Date.now() + offsetMs) });

afterEach(() => {
  offsetMs = 0;
});

async function spaceOf(host: Member, visibility: 'public' | 'private'): Promise<Space> {
  const res = await host.call<Space>('POST', '/api/v1/spaces', { name: `Meet-ups ${uniqueHandle('s')}`, slug: uniqueHandle('meet').replace(/_/g, '-'), visibility, joinPolicy: 'open' });
  expect(res.status).toBe(201);
  return res.body;
}

async function join(member: Member, space: Space) {
  expect((await member.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBe(200);
}

async function createEvent(host: Member, space: Space, body: Record<string, unknown>): Promise<Detail> {
  const res = await host.call<Detail>('POST', `/api/v1/spaces/${space.id}/events`, { title: 'Repair café', timeZone: 'Europe/London', ...body });
  expect(res.status).toBe(201);
  return res.body;
}

const nextYear = new Date().getUTCFullYear() + 1;
const rsvp = (member: Member, eventId: string, occurrence: string, status = 'going', guests = 0) =>
  member.call<RsvpResult>('PUT', `/api/v1/events/${eventId}/occurrences/${encodeURIComponent(occurrence)}/rsvp`, { status, guests });

test('a weekly event across the spring DST change in Europe/London: each occurrence at 19:00 local, one cancelled, one moved, and the following ones split off with the new time', async () => {
  const host = await createMember(ctx.server.url, { handle: uniqueHandle('host') });
  const space = await spaceOf(host, 'public');
  const created = await createEvent(host, space, {
    start: `${nextYear}-03-14T19:00`,
    end: `${nextYear}-03-14T21:00`,
    recurrence: { freq: 'weekly', count: 8 },
  });
  const eventId = created.event.id;
  expect(created.event).toMatchObject({ rrule: 'FREQ=WEEKLY;INTERVAL=1;BYDAY=SU;COUNT=8', postId: expect.any(String) });
  const range = `from=${nextYear}-03-01T00:00:00Z&to=${nextYear}-06-01T00:00:00Z`;
  const listed = (await host.call<List>('GET', `/api/v1/spaces/${space.id}/calendar?${range}`)).body;
  expect(listed.occurrences.map((o) => o.start)).toEqual(
    ['03-14', '03-21', '03-28', '04-04', '04-11', '04-18', '04-25', '05-02'].map((day) => `${nextYear}-${day}T19:00`),
  );
  const hour = (iso: string) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
  expect(listed.occurrences.every((o) => hour(o.startsAt) === '19:00')).toBe(true);
  const utcHours = listed.occurrences.map((o) => new Date(o.startsAt).getUTCHours());
  expect(new Set(utcHours.slice(0, 2))).toEqual(new Set([19]));
  expect(new Set(utcHours.slice(2))).toEqual(new Set([18]));

  // The stream shows the post as an event.
  const ofPosts = await host.call<{ items: Record<string, CalendarEvent> }>('GET', `/api/v1/events-of-posts?ids=${created.event.postId}`);
  expect(ofPosts.body.items[created.event.postId]?.id).toBe(eventId);

  // Cancel one, move one.
  expect((await host.call('POST', `/api/v1/events/${eventId}/cancel`, { scope: 'this', occurrence: `${nextYear}-03-21T19:00` })).status).toBe(200);
  const moved = await host.call<Detail>('PATCH', `/api/v1/events/${eventId}`, {
    scope: 'this',
    occurrence: `${nextYear}-03-28T19:00`,
    changes: { start: `${nextYear}-03-28T20:00`, end: `${nextYear}-03-28T22:00`, title: 'Repair café (late)' },
  });
  expect(moved.status).toBe(200);
  expect(moved.body.occurrence).toMatchObject({ occurrence: `${nextYear}-03-28T19:00`, start: `${nextYear}-03-28T20:00`, title: 'Repair café (late)', overridden: true });

  // This and following from 11 April: the old series ends the day before, the new one starts at 18:30 and takes the remaining count.
  const split = await host.call<Detail>('PATCH', `/api/v1/events/${eventId}`, {
    scope: 'following',
    occurrence: `${nextYear}-04-11T19:00`,
    changes: { start: `${nextYear}-04-11T18:30`, end: `${nextYear}-04-11T20:30` },
  });
  expect(split.status).toBe(200);
  expect(split.body.event).toMatchObject({ splitFrom: eventId, start: `${nextYear}-04-11T18:30`, recurrence: { freq: 'weekly', count: 4 } });

  const after = (await host.call<List>('GET', `/api/v1/spaces/${space.id}/calendar?${range}`)).body;
  const rows = after.occurrences.map((o) => [o.eventId === eventId ? 'old' : 'new', o.start, o.cancelled]);
  expect(rows).toEqual([
    ['old', `${nextYear}-03-14T19:00`, false],
    ['old', `${nextYear}-03-21T19:00`, true],
    ['old', `${nextYear}-03-28T20:00`, false],
    ['old', `${nextYear}-04-04T19:00`, false],
    ['new', `${nextYear}-04-11T18:30`, false],
    ['new', `${nextYear}-04-18T18:30`, false],
    ['new', `${nextYear}-04-25T18:30`, false],
    ['new', `${nextYear}-05-02T18:30`, false],
  ]);
});

test('50 concurrent RSVPs for 10 places: exactly 10 going and 40 waiting in order; a seat freed is offered to the first waiter, and an offer not taken in time moves on', async () => {
  const host = await createMember(ctx.server.url, { handle: uniqueHandle('host') });
  const space = await spaceOf(host, 'public');
  const { event } = await createEvent(host, space, { start: `${nextYear}-06-05T19:00`, end: `${nextYear}-06-05T21:00`, capacity: 10, offerWindowMinutes: 60 });
  const key = `${nextYear}-06-05T19:00`;
  const crowd = await Promise.all(Array.from({ length: 50 }, () => createMember(ctx.server.url, { handle: uniqueHandle('rsvp') })));
  await Promise.all(crowd.map((m) => join(m, space)));

  const answers = await Promise.all(crowd.map((m) => rsvp(m, event.id, key)));
  expect(answers.every((a) => a.status === 200)).toBe(true);
  const going = answers.filter((a) => a.body.rsvp.status === 'going');
  const waiting = answers.filter((a) => a.body.rsvp.status === 'waiting');
  expect(going).toHaveLength(10);
  expect(waiting).toHaveLength(40);

  const list = await host.call<{ items: { user: { id: string }; status: string; waitingPosition: number | null }[]; counts: RsvpCounts }>(
    'GET',
    `/api/v1/events/${event.id}/occurrences/${encodeURIComponent(key)}/attendees`,
  );
  expect(list.body.counts).toMatchObject({ going: 10, goingPeople: 10, waiting: 40, capacity: 10 });
  const queue = list.body.items.filter((i) => i.status === 'waiting');
  expect(queue.map((i) => i.waitingPosition)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  // Each waiter's ack named exactly the place the list gives them (the same order, to the microsecond).
  const positionOf = new Map(queue.map((i) => [i.user.id, i.waitingPosition]));
  for (const [index, answer] of answers.entries()) {
    if (answer.body.rsvp.status === 'waiting') expect(answer.body.rsvp.waitingPosition).toBe(positionOf.get(crowd[index]!.user.id));
  }

  const first = crowd.find((m) => m.user.id === queue[0]!.user.id)!;
  const second = crowd.find((m) => m.user.id === queue[1]!.user.id)!;
  const leaver = crowd[answers.findIndex((a) => a.body.rsvp.status === 'going')]!;
  const firstSocket = await first.connect();
  const secondSocket = await second.connect();
  try {
    const offered = nextEvent<{ reason: string; rsvp: { status: string } }>(firstSocket, 'calendar:my-rsvp-changed', 5_000);
    const freed = await rsvp(leaver, event.id, key, 'declined');
    expect(freed.body.counts).toMatchObject({ going: 9, waiting: 40 });
    expect(await offered).toMatchObject({ reason: 'offered', rsvp: { status: 'offered' } });

    // Two hours later (the window is one hour) the minutely run moves the offer on.
    offsetMs = 2 * 3_600_000;
    const expired = nextEvent<{ reason: string; rsvp: null }>(firstSocket, 'calendar:my-rsvp-changed', 5_000);
    const offeredNext = nextEvent<{ reason: string }>(secondSocket, 'calendar:my-rsvp-changed', 5_000);
    await ctx.server.app.platform.jobs.enqueue(ctx.server.app.database.db, { kind: 'calendar.minutely' });
    await ctx.server.app.settle();
    expect(await expired).toMatchObject({ reason: 'offer-expired', rsvp: null });
    expect(await offeredNext).toMatchObject({ reason: 'offered' });

    // The second waiter confirms: the place is theirs, capacity still holds.
    offsetMs = 0;
    const confirmed = await rsvp(second, event.id, key);
    expect(confirmed.body.rsvp.status).toBe('going');
    expect(confirmed.body.counts).toMatchObject({ going: 10, waiting: 38, capacity: 10 });
  } finally {
    firstSocket.disconnect();
    secondSocket.disconnect();
  }
});

test('live: an RSVP by one member reaches another member’s socket, a non-member of the private space hears nothing, and stream:resume replays it after a reconnect', async () => {
  const [host, ann, outsider] = await Promise.all(['host', 'ann', 'out'].map((p) => createMember(ctx.server.url, { handle: uniqueHandle(p) })));
  const space = await spaceOf(host!, 'private');
  await host!.call('POST', `/api/v1/spaces/${space.id}/members`, { handle: ann!.user.handle });
  await join(ann!, space);
  const { event } = await createEvent(host!, space, { start: `${nextYear}-07-01T18:00`, end: `${nextYear}-07-01T20:00`, capacity: 50 });
  const key = `${nextYear}-07-01T18:00`;
  const before = (await host!.call<Space>('GET', `/api/v1/spaces/${space.slug}`)).body.seq;
  const hostSocket = await host!.connect();
  const outsiderSocket = await outsider!.connect();
  const annSocket = await ann!.connect();
  try {
    const seen = nextEvent<{ eventId: string; counts: RsvpCounts; seq: number }>(hostSocket, 'calendar:rsvp-changed', 5_000);
    const silence = watch(outsiderSocket, 'calendar:rsvp-changed');
    const ack = await acked<RsvpResult>(annSocket, 'calendar:rsvp', { eventId: event.id, occurrence: key, status: 'going', guests: 0 });
    expect(ack.rsvp.status).toBe('going');
    expect(await seen).toMatchObject({ eventId: event.id, counts: { going: 1, capacity: 50 } });
    expect(await silence.after(300)).toEqual([]);

    const resumed = await acked<{ spaces: { events: { event: string; payload: { counts?: RsvpCounts } }[]; reset: boolean }[] }>(hostSocket, 'stream:resume', {
      spaces: [{ spaceId: space.id, afterSeq: before }],
    });
    expect(resumed.spaces[0]!.reset).toBe(false);
    expect(resumed.spaces[0]!.events.map((e) => e.event)).toContain('calendar:rsvp-changed');
    // The outsider gets nothing of the event over REST either, and cannot RSVP.
    expect((await outsider!.call('GET', `/api/v1/events/${event.id}`)).status).toBe(404);
    expect((await rsvp(outsider!, event.id, key)).status).toBe(404);
  } finally {
    hostSocket.disconnect();
    outsiderSocket.disconnect();
    annSocket.disconnect();
  }
});

test('feeds parse back as iCalendar: the public space’s feed with its VTIMEZONE, RRULE and a cancelled occurrence; a private space has none; the token feed shows only my events and stops when revoked', async () => {
  const [host, ann] = await Promise.all(['host', 'ann'].map((p) => createMember(ctx.server.url, { handle: uniqueHandle(p) })));
  const open = await spaceOf(host!, 'public');
  const closed = await spaceOf(host!, 'private');
  const { event } = await createEvent(host!, open, { title: 'Seed swap', start: `${nextYear}-03-20T10:00`, end: `${nextYear}-03-20T12:00`, recurrence: { freq: 'weekly', count: 4 } });
  await createEvent(host!, open, { title: 'Not for Ann', start: `${nextYear}-05-01T10:00`, end: `${nextYear}-05-01T11:00` });
  const secret = await createEvent(host!, closed, { title: 'Private planning', start: `${nextYear}-03-21T10:00`, end: `${nextYear}-03-21T11:00` });
  await host!.call('POST', `/api/v1/events/${event.id}/cancel`, { scope: 'this', occurrence: `${nextYear}-03-27T10:00` });

  const feed = await fetch(`${ctx.server.url}/calendar/spaces/${open.slug}.ics`);
  expect(feed.status).toBe(200);
  expect(feed.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
  const calendar = new ICAL.Component(ICAL.parse(await feed.text()));
  expect(calendar.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'))).toEqual(['Europe/London']);
  const vevents = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
  const series = vevents.find((v) => v.summary === 'Seed swap' && !v.isRecurrenceException())!;
  expect(series.isRecurring()).toBe(true);
  expect(series.startDate.toString()).toBe(`${nextYear}-03-20T10:00:00`);
  expect(series.component.getFirstProperty('dtstart')!.getParameter('tzid')).toBe('Europe/London');
  const cancelled = vevents.find((v) => v.isRecurrenceException())!;
  expect(cancelled.recurrenceId.toString()).toBe(`${nextYear}-03-27T10:00:00`);
  expect(cancelled.component.getFirstPropertyValue('status')).toBe('CANCELLED');
  expect(vevents.map((v) => v.summary)).not.toContain('Private planning');

  expect((await fetch(`${ctx.server.url}/calendar/spaces/${closed.slug}.ics`)).status).toBe(404);
  expect((await ann!.call('GET', `/api/v1/events/${secret.event.id}/ics`)).status).toBe(404);

  await rsvp(ann!, event.id, `${nextYear}-03-20T10:00`);
  const token = await ann!.call<{ url: string }>('POST', '/api/v1/me/calendar-feed');
  expect(token.status).toBe(201);
  const mine = await fetch(token.body.url);
  expect(mine.status).toBe(200);
  const personal = new ICAL.Component(ICAL.parse(await mine.text()));
  expect(new Set(personal.getAllSubcomponents('vevent').map((v) => v.getFirstPropertyValue('summary')))).toEqual(new Set(['Seed swap']));

  const rotated = await ann!.call<{ url: string }>('POST', '/api/v1/me/calendar-feed');
  expect((await fetch(token.body.url)).status).toBe(404);
  expect((await fetch(rotated.body.url)).status).toBe(200);
  expect((await ann!.call('DELETE', '/api/v1/me/calendar-feed')).status).toBe(200);
  expect((await fetch(rotated.body.url)).status).toBe(404);
});

test('malformed input is a 400 problem: an unknown zone, an end before the start, a range the wrong way round, guests beyond the limit', async () => {
  const host = await createMember(ctx.server.url, { handle: uniqueHandle('host') });
  const space = await spaceOf(host, 'public');
  const bad = async (res: Promise<{ status: number; body: unknown; headers: Headers }>, code = 'validation_failed') => {
    const answer = await res;
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body).toMatchObject({ code });
  };
  await bad(host.call('POST', `/api/v1/spaces/${space.id}/events`, { title: 'x', timeZone: 'Mars/Olympus', start: '2030-01-01T10:00', end: '2030-01-01T11:00' }));
  await bad(host.call('POST', `/api/v1/spaces/${space.id}/events`, { title: 'x', timeZone: 'Europe/London', start: '2030-01-01T10:00', end: '2030-01-01T09:00' }));
  await bad(host.call('POST', `/api/v1/spaces/${space.id}/events`, { title: 'x', timeZone: 'Europe/London', start: '2030-01-01T25:00', end: '2030-01-01T26:00' }));
  await bad(host.call('GET', `/api/v1/spaces/${space.id}/calendar?from=2030-02-01T00:00:00Z&to=2030-01-01T00:00:00Z`));
  const { event } = await createEvent(host, space, { start: '2030-01-01T10:00', end: '2030-01-01T11:00', maxGuests: 1 });
  await bad(rsvp(host, event.id, '2030-01-01T10:00', 'going', 2));
});
