// What the calendar lets hosts do and nobody else (decision 021, docs/permissions.md): approve
// RSVPs, check people in at the door, export the attendees as CSV, choose who creates events.
import { sql } from 'drizzle-orm';
import type { Space } from '../../../shared/api/spaces.routes';
import type { CalendarEvent, MyRsvp, Occurrence, RsvpCounts } from '../../../shared/api/calendar.routes';
import { useTestServer } from '../../../test/support/harness';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';
import { nextEvent } from '../../../test/support/server';
import { waitingList, waitingPosition } from './calendar.repository';

type Detail = { event: CalendarEvent; occurrence: Occurrence | null };
type RsvpResult = { rsvp: MyRsvp; counts: RsvpCounts };
type Attendee = { user: { id: string; avatarUrl: string | null }; status: string; guests: number; checkedInAt: string | null; waitingPosition: number | null };
type Attendees = { items: Attendee[]; counts: RsvpCounts };

const ctx = useTestServer();

const nextYear = new Date().getUTCFullYear() + 1;
const member = (prefix: string, displayName?: string) => createMember(ctx.server.url, { handle: uniqueHandle(prefix), ...(displayName && { displayName }) });

async function publicSpace(host: Member, ...members: Member[]): Promise<Space> {
  const res = await host.call<Space>('POST', '/api/v1/spaces', { name: `Hall ${uniqueHandle('s')}`, slug: uniqueHandle('hall').replace(/_/g, '-'), visibility: 'public', joinPolicy: 'open' });
  expect(res.status).toBe(201);
  for (const m of members) expect((await m.call('POST', `/api/v1/spaces/${res.body.id}/join`)).status).toBe(200);
  return res.body;
}

const createEvent = (who: Member, space: Space, body: Record<string, unknown> = {}) =>
  who.call<Detail>('POST', `/api/v1/spaces/${space.id}/events`, { title: 'Barn dance', timeZone: 'Europe/Paris', start: `${nextYear}-05-16T20:00`, end: `${nextYear}-05-16T23:00`, ...body });

const at = (eventId: string, key: string) => `/api/v1/events/${eventId}/occurrences/${encodeURIComponent(key)}`;
const rsvp = (who: Member, eventId: string, key: string, status = 'going', guests = 0) => who.call<RsvpResult>('PUT', `${at(eventId, key)}/rsvp`, { status, guests });
const KEY = `${nextYear}-05-16T20:00`;

test('approval mode: an RSVP stays pending until a host approves it (then going, or waiting when full); a member cannot approve; a host can decline', async () => {
  const [host, ann, bo, cy] = await Promise.all(['host', 'ann', 'bo', 'cy'].map((p) => member(p)));
  const space = await publicSpace(host!, ann!, bo!, cy!);
  const created = await createEvent(host!, space, { approval: true, capacity: 1 });
  expect(created.status).toBe(201);
  const { event } = created.body;

  const asked = await rsvp(ann!, event.id, KEY);
  expect(asked.status).toBe(200);
  expect(asked.body.rsvp.status).toBe('pending');
  expect(asked.body.counts).toMatchObject({ going: 0, pending: 1 });
  expect((await rsvp(bo!, event.id, KEY)).body.rsvp.status).toBe('pending');
  expect((await rsvp(cy!, event.id, KEY)).body.rsvp.status).toBe('pending');

  // A member (even one asking) cannot approve anybody, themselves included.
  for (const userId of [ann!.user.id, bo!.user.id]) {
    const refused = await bo!.call('PUT', `${at(event.id, KEY)}/attendees/${userId}/approval`, { approve: true });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
  }
  expect((await ann!.call<{ rsvp: MyRsvp | null }>('GET', `/api/v1/events/${event.id}?occurrence=${encodeURIComponent(KEY)}`)).body).toMatchObject({ occurrence: { my: { status: 'pending' } } });

  const annSocket = await ann!.connect();
  try {
    const told = nextEvent<{ reason: string; rsvp: MyRsvp }>(annSocket, 'calendar:my-rsvp-changed', 5_000);
    const approved = await host!.call<Attendee>('PUT', `${at(event.id, KEY)}/attendees/${ann!.user.id}/approval`, { approve: true });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ user: { id: ann!.user.id }, status: 'going' });
    expect(await told).toMatchObject({ reason: 'approved', rsvp: { status: 'going' } });
  } finally {
    annSocket.disconnect();
  }

  // Full: the next one approved waits; the third is declined by the host.
  expect((await host!.call<Attendee>('PUT', `${at(event.id, KEY)}/attendees/${bo!.user.id}/approval`, { approve: true })).body).toMatchObject({ status: 'waiting', waitingPosition: 1 });
  expect((await host!.call<Attendee>('PUT', `${at(event.id, KEY)}/attendees/${cy!.user.id}/approval`, { approve: false })).body).toMatchObject({ status: 'declined' });
  // Approving what is no longer pending is a conflict.
  expect((await host!.call('PUT', `${at(event.id, KEY)}/attendees/${cy!.user.id}/approval`, { approve: true })).status).toBe(409);

  const list = (await host!.call<Attendees>('GET', `${at(event.id, KEY)}/attendees`)).body;
  expect(list.counts).toMatchObject({ going: 1, waiting: 1, pending: 0, declined: 1, capacity: 1 });
});

test('check-in and the CSV export are for hosts: a member gets 403 for both; formula-like cells (= + - @) are defused; only members going can be checked in', async () => {
  const [host, eve, mal, plus, dash, plain] = await Promise.all([
    member('host'),
    member('eve', '@SUM(1+1)*cmd|/C calc'),
    member('mal', '=HYPERLINK("http://evil.example","click")'),
    member('plus', '+44 7700 900123'),
    member('dash', '-2+3'),
    member('plain', 'Ann "the" Baker'),
  ]);
  const space = await publicSpace(host!, eve!, mal!, plus!, dash!, plain!);
  const { event } = (await createEvent(host!, space, { maxGuests: 2 })).body;
  for (const who of [eve, mal, plus, dash]) expect((await rsvp(who!, event.id, KEY)).status).toBe(200);
  expect((await rsvp(plain!, event.id, KEY, 'going', 2)).status).toBe(200);
  expect((await rsvp(dash!, event.id, KEY, 'maybe')).status).toBe(200);

  // A member: neither check-in nor export.
  const notHost = await plain!.call('PUT', `${at(event.id, KEY)}/attendees/${mal!.user.id}/check-in`, { checkedIn: true });
  expect(notHost.status).toBe(403);
  expect(notHost.headers.get('content-type')).toContain('application/problem+json');
  const noCsv = await plain!.call('GET', `${at(event.id, KEY)}/attendees.csv`);
  expect(noCsv.status).toBe(403);
  expect(noCsv.headers.get('content-type')).toContain('application/problem+json');
  expect(String(JSON.stringify(noCsv.body))).not.toContain('HYPERLINK');

  // The host checks two people in (once: a second tick keeps the first time), and one out again.
  const first = await host!.call<Attendee>('PUT', `${at(event.id, KEY)}/attendees/${mal!.user.id}/check-in`, { checkedIn: true });
  expect(first.status).toBe(200);
  expect(first.body.checkedInAt).toEqual(expect.any(String));
  const again = await host!.call<Attendee>('PUT', `${at(event.id, KEY)}/attendees/${mal!.user.id}/check-in`, { checkedIn: true });
  expect(again.body.checkedInAt).toBe(first.body.checkedInAt);
  expect((await host!.call('PUT', `${at(event.id, KEY)}/attendees/${plain!.user.id}/check-in`, { checkedIn: true })).status).toBe(200);
  expect((await host!.call<Attendee>('PUT', `${at(event.id, KEY)}/attendees/${plain!.user.id}/check-in`, { checkedIn: false })).body.checkedInAt).toBeNull();
  expect((await host!.call('PUT', `${at(event.id, KEY)}/attendees/${eve!.user.id}/check-in`, { checkedIn: true })).status).toBe(200);
  // Someone who only said maybe is not at the door.
  expect((await host!.call('PUT', `${at(event.id, KEY)}/attendees/${dash!.user.id}/check-in`, { checkedIn: true })).status).toBe(409);
  const counts = (await host!.call<Attendees>('GET', `${at(event.id, KEY)}/attendees`)).body.counts;
  expect(counts).toMatchObject({ going: 6, goingPeople: 4, maybe: 1, checkedIn: 2 });

  const csv = await fetch(`${ctx.server.url}${at(event.id, KEY)}/attendees.csv`, { headers: { cookie: host!.cookie } });
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(csv.headers.get('content-disposition')).toContain('attachment');
  const lines = (await csv.text()).trimEnd().split('\r\n');
  expect(lines[0]).toBe('"handle","name","status","guests","waiting position","checked in at"');
  const row = (who: Member) => lines.find((l) => l.startsWith(`"${who.user.handle}"`))!;
  expect(row(mal!)).toMatch(new RegExp(`^"${mal!.user.handle}","'=HYPERLINK\\(""http://evil.example"",""click""\\)","going","0","","\\d{4}-`));
  expect(row(eve!)).toContain(`,"'@SUM(1+1)*cmd|/C calc","going",`);
  expect(row(plus!)).toContain(`,"'+44 7700 900123","going",`);
  expect(row(dash!)).toContain(`,"'-2+3","maybe",`);
  expect(row(plain!)).toBe(`"${plain!.user.handle}","Ann ""the"" Baker","going","2","",""`);
  // No cell anywhere opens with a formula character once unquoted.
  for (const line of lines) for (const cell of line.slice(1, -1).split('","')) expect(cell).not.toMatch(/^[=+\-@]/);
});

test('who may create events: members by default; once a host chooses hosts only, a member gets 403 and a host still can; only hosts change the setting', async () => {
  const [host, ann] = await Promise.all([member('host'), member('ann')]);
  const space = await publicSpace(host!, ann!);
  const settings = `/api/v1/spaces/${space.id}/calendar/settings`;
  expect((await ann!.call('GET', settings)).body).toEqual({ whoCreates: 'members' });
  expect((await createEvent(ann!, space, { title: 'Ann’s picnic' })).status).toBe(201);

  const refused = await ann!.call('PATCH', settings, { whoCreates: 'hosts' });
  expect(refused.status).toBe(403);
  expect((await host!.call('PATCH', settings, { whoCreates: 'hosts' })).body).toEqual({ whoCreates: 'hosts' });
  expect((await ann!.call('GET', settings)).body).toEqual({ whoCreates: 'hosts' });

  const blocked = await createEvent(ann!, space, { title: 'Another picnic' });
  expect(blocked.status).toBe(403);
  expect(blocked.headers.get('content-type')).toContain('application/problem+json');
  expect((await createEvent(host!, space, { title: 'Hosts’ picnic' })).status).toBe(201);
  expect((await host!.call('PATCH', settings, { whoCreates: 'everyone' })).status).toBe(400);

  const calendar = await ann!.call<{ events: CalendarEvent[] }>('GET', `/api/v1/spaces/${space.id}/calendar?from=${nextYear}-05-01T00:00:00Z&to=${nextYear}-06-01T00:00:00Z`);
  expect(calendar.body.events.map((e) => e.title).sort()).toEqual(['Ann’s picnic', 'Hosts’ picnic']);
});

test('an event names its creator with their avatar, and attendees with theirs', async () => {
  const [host, ann] = await Promise.all([member('host'), member('ann')]);
  await ctx.testDb.database.db.execute(sql`update users set avatar_version = 3 where id = ${host!.user.id}`);
  await ctx.testDb.database.db.execute(sql`update users set external_avatar_url = 'https://id.example/ann.png' where id = ${ann!.user.id}`);
  const space = await publicSpace(host!, ann!);
  const { event } = (await createEvent(host!, space)).body;
  expect(event.createdBy).toMatchObject({ id: host!.user.id, avatarUrl: `/api/v1/users/${host!.user.id}/avatar?v=3` });
  await rsvp(ann!, event.id, KEY);
  const list = (await host!.call<Attendees>('GET', `${at(event.id, KEY)}/attendees`)).body;
  expect(list.items.map((i) => i.user.avatarUrl)).toEqual(['https://id.example/ann.png']);
});

test('waiting positions follow the queue exactly, even for members queued within the same millisecond', async () => {
  const host = await member('host');
  const crowd = await Promise.all(['w1', 'w2', 'w3'].map((p) => member(p)));
  const space = await publicSpace(host, ...crowd);
  const { event } = (await createEvent(host, space, { capacity: 1 })).body;
  expect((await rsvp(host, event.id, KEY)).body.rsvp.status).toBe('going');
  // Queued 100, 500 and 900 microseconds into one millisecond, the largest user id first.
  const ids = crowd.map((m) => m.user.id).sort().reverse();
  for (const [i, id] of ids.entries()) {
    await ctx.testDb.database.db.execute(sql`insert into calendar_rsvps (event_id, occurrence_key, user_id, status, queued_at)
      values (${event.id}, ${KEY}, ${id}, 'waiting', ${`${nextYear}-01-01 10:00:00.000${[1, 5, 9][i]}00+00`}::timestamptz)`);
  }
  const db = ctx.testDb.database.db;
  const queue = await waitingList(db, event.id, KEY);
  expect(queue.map((r) => r.userId)).toEqual(ids);
  expect(await Promise.all(queue.map((r) => waitingPosition(db, r)))).toEqual([1, 2, 3]);
  const listed = (await host.call<Attendees>('GET', `${at(event.id, KEY)}/attendees`)).body.items.filter((i) => i.status === 'waiting');
  expect(listed.map((i) => [i.user.id, i.waitingPosition])).toEqual(ids.map((id, i) => [id, i + 1]));
  const mine = await Promise.all(crowd.map(async (m) => [m.user.id, (await m.call<Detail>('GET', `/api/v1/events/${event.id}?occurrence=${encodeURIComponent(KEY)}`)).body.occurrence!.my!.waitingPosition]));
  expect(new Map(mine as [string, number][])).toEqual(new Map(ids.map((id, i) => [id, i + 1])));

  // Answering "going" again keeps one's place to the microsecond, ahead of those queued later in the same millisecond.
  const head = crowd.find((m) => m.user.id === ids[0])!;
  expect((await rsvp(head, event.id, KEY)).body.rsvp).toMatchObject({ status: 'waiting', waitingPosition: 1 });
  expect((await waitingList(db, event.id, KEY)).map((r) => r.userId)).toEqual(ids);
  const queuedAt = await db.execute(sql`select to_char(queued_at at time zone 'UTC', 'US') as us from calendar_rsvps where event_id = ${event.id} and user_id = ${ids[0]!}`);
  expect((queuedAt as unknown as { rows: { us: string }[] }).rows[0]!.us).toBe('000100');
});

test('an online link for those going only: a member who has not answered going sees none on the event, in the calendar, on the stream card or in its .ics; once going they see it everywhere, and not after "can’t go"', async () => {
  const host = await member('host');
  const ann = await member('ann');
  const space = await publicSpace(host, ann);
  const link = 'https://meet.example.org/barn-dance';
  const created = await createEvent(host, space, { location: { address: 'The old barn', onlineUrl: link }, onlineLinkVisibleTo: 'going' });
  expect(created.status).toBe(201);
  const { id: eventId, postId } = created.body.event;

  /** What `who` is shown of the link on each path: the event, the space's calendar, the stream's card, the .ics. */
  async function linkSeenBy(who: Member) {
    const detail = (await who.call<Detail>('GET', `/api/v1/events/${eventId}`)).body.event.location;
    const listed = (await who.call<{ events: CalendarEvent[] }>('GET', `/api/v1/spaces/${space.id}/calendar?from=${nextYear}-05-01T00:00:00Z&to=${nextYear}-06-01T00:00:00Z`)).body.events.find((e) => e.id === eventId)!.location;
    const card = (await who.call<{ items: Record<string, CalendarEvent> }>('GET', `/api/v1/events-of-posts?ids=${postId}`)).body.items[postId!]!.location;
    const ics = await (await fetch(`${ctx.server.url}/api/v1/events/${eventId}/ics`, { headers: { cookie: who.cookie } })).text();
    return { detail, listed, card, icsHasLink: ics.includes(link), icsHasAddress: ics.includes('The old barn') };
  }
  const shown = { address: 'The old barn', onlineUrl: link, onlineUrlHidden: false };
  const hidden = { address: 'The old barn', onlineUrl: null, onlineUrlHidden: true };

  expect(await linkSeenBy(host)).toEqual({ detail: shown, listed: shown, card: shown, icsHasLink: true, icsHasAddress: true });
  expect(await linkSeenBy(ann)).toEqual({ detail: hidden, listed: hidden, card: hidden, icsHasLink: false, icsHasAddress: true });

  expect((await rsvp(ann, eventId, KEY, 'going')).status).toBe(200);
  expect(await linkSeenBy(ann)).toEqual({ detail: shown, listed: shown, card: shown, icsHasLink: true, icsHasAddress: true });

  expect((await rsvp(ann, eventId, KEY, 'declined')).status).toBe(200);
  expect(await linkSeenBy(ann)).toEqual({ detail: hidden, listed: hidden, card: hidden, icsHasLink: false, icsHasAddress: true });

  // A visitor of the public space sees the event as a non-member does, and is told so (their page subscribes to follow it).
  const visitor = await member('visitor');
  const seen = (await visitor.call<Detail & { viewer: { member: boolean }; seq: number }>('GET', `/api/v1/events/${eventId}`)).body;
  expect({ location: seen.event.location, member: seen.viewer.member }).toEqual({ location: hidden, member: false });
  expect(seen.seq).toBeGreaterThan(0);
  expect((await ann.call<{ viewer: { member: boolean } }>('GET', `/api/v1/events/${eventId}`)).body.viewer.member).toBe(true);
});
