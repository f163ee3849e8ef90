// Importing an .ics file into a space (issue #15): VEVENTs with RRULE, EXDATE and TZID become
// events at the same wall-clock times; what Hearth cannot say is listed, not fatal; hosts only.
import type { Space } from '../../../shared/api/spaces.routes';
import type { CalendarEvent, Occurrence } from '../../../shared/api/calendar.routes';
import { MAX_IMPORT_CHARS } from '../../../shared/api/calendar.routes';
import { useTestServer } from '../../../test/support/harness';
import { createMember, uniqueHandle, type Member } from '../../../test/support/members';

type ImportResult = { created: { uid: string; eventId: string; title: string }[]; skipped: { uid: string; title: string; reason: string }[] };
type List = { events: CalendarEvent[]; occurrences: Occurrence[] };

const ctx = useTestServer();

const y = new Date().getUTCFullYear() + 1;
const ics = (...events: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//Import//EN', ...events, 'END:VCALENDAR'].join('\r\n');
const vevent = (...lines: string[]) => ['BEGIN:VEVENT', `DTSTAMP:${y - 1}0101T000000Z`, ...lines, 'END:VEVENT'].join('\r\n');

async function spaceWith(host: Member, ...members: Member[]): Promise<Space> {
  const space = (await host.call<Space>('POST', '/api/v1/spaces', { name: `Barn ${uniqueHandle('s')}`, slug: uniqueHandle('barn').replace(/_/g, '-'), visibility: 'public', joinPolicy: 'open' })).body;
  for (const m of members) expect((await m.call('POST', `/api/v1/spaces/${space.id}/join`)).status).toBe(200);
  return space;
}

test('an .ics with a weekly series in New York (an EXDATE, across the DST change), a one-off in UTC and an all-day day becomes events at the same wall-clock times; an hourly rule and a cancelled event are listed as skipped', async () => {
  const host = await createMember(ctx.server.url, { handle: uniqueHandle('host') });
  const space = await spaceWith(host);
  const file = ics(
    vevent('UID:series-1@example.org', 'SUMMARY:Choir practice', `DTSTART;TZID=America/New_York:${y}0302T190000`, `DTEND;TZID=America/New_York:${y}0302T203000`, 'RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4', `EXDATE;TZID=America/New_York:${y}0316T190000`, 'LOCATION:Church hall\\, Main St'),
    vevent('UID:one-off@example.org', 'SUMMARY:Planning call', `DTSTART:${y}0405T170000Z`, `DTEND:${y}0405T180000Z`, 'DESCRIPTION:Agenda to follow'),
    vevent('UID:fair@example.org', 'SUMMARY:Spring fair', `DTSTART;VALUE=DATE:${y}0425`, `DTEND;VALUE=DATE:${y}0427`),
    vevent('UID:hourly@example.org', 'SUMMARY:Every hour', `DTSTART:${y}0501T090000Z`, 'RRULE:FREQ=HOURLY;COUNT=3'),
    vevent('UID:gone@example.org', 'SUMMARY:Called off', `DTSTART:${y}0601T090000Z`, 'STATUS:CANCELLED'),
  );
  const res = await host.call<ImportResult>('POST', `/api/v1/spaces/${space.id}/events/import`, { ics: file, timeZone: 'Europe/London' });
  expect(res.status).toBe(201);
  expect(res.body.created.map((c) => c.uid)).toEqual(['series-1@example.org', 'one-off@example.org', 'fair@example.org']);
  expect(res.body.skipped.map((s) => [s.uid, s.reason])).toEqual([
    ['hourly@example.org', 'unsupported-recurrence'],
    ['gone@example.org', 'cancelled'],
  ]);

  const list = (await host.call<List>('GET', `/api/v1/spaces/${space.id}/calendar?from=${y}-03-01T00:00:00Z&to=${y}-05-01T00:00:00Z`)).body;
  const series = list.events.find((e) => e.title === 'Choir practice')!;
  expect(series).toMatchObject({ timeZone: 'America/New_York', start: `${y}-03-02T19:00`, end: `${y}-03-02T20:30`, rrule: 'FREQ=WEEKLY;INTERVAL=1;BYDAY=TU;COUNT=4', location: { address: 'Church hall, Main St' } });
  const choir = list.occurrences.filter((o) => o.eventId === series.id);
  expect(choir.map((o) => [o.start, o.cancelled])).toEqual([
    [`${y}-03-02T19:00`, false],
    [`${y}-03-09T19:00`, false],
    [`${y}-03-16T19:00`, true],
    [`${y}-03-23T19:00`, false],
  ]);
  // 19:00 on New York's wall clock each time: 00:00 UTC before the clocks change (second Sunday of March), 23:00 after.
  const inNewYork = (iso: string) => new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
  expect(choir.every((o) => inNewYork(o.startsAt) === '19:00')).toBe(true);
  expect(new Set(choir.map((o) => new Date(o.startsAt).getUTCHours()))).toEqual(new Set([0, 23]));
  const call = list.events.find((e) => e.title === 'Planning call')!;
  expect(call).toMatchObject({ timeZone: 'Europe/London', start: `${y}-04-05T18:00`, end: `${y}-04-05T19:00` });
  // A range lists events without descriptions; the event itself has it.
  expect((await host.call<{ event: { descriptionMarkdown: string } }>('GET', `/api/v1/events/${call.id}`)).body.event.descriptionMarkdown).toBe('Agenda to follow');
  expect(list.events.find((e) => e.title === 'Spring fair')).toMatchObject({ allDay: true, start: `${y}-04-25`, end: `${y}-04-26` });
  // Each is a post in the stream too.
  expect(new Set(list.events.map((e) => e.postId)).size).toBe(3);
});

test('only hosts import: a member gets 403; a file that is not iCalendar or too large is a 400 problem', async () => {
  const [host, ann] = await Promise.all(['host', 'ann'].map((p) => createMember(ctx.server.url, { handle: uniqueHandle(p) })));
  const space = await spaceWith(host!, ann!);
  const one = ics(vevent('UID:x@example.org', 'SUMMARY:Picnic', `DTSTART:${y}0701T120000Z`));
  const refused = await ann!.call('POST', `/api/v1/spaces/${space.id}/events/import`, { ics: one, timeZone: 'Europe/London' });
  expect(refused.status).toBe(403);
  expect(refused.headers.get('content-type')).toContain('application/problem+json');
  for (const body of [{ ics: 'hello, this is not a calendar', timeZone: 'Europe/London' }, { ics: 'x'.repeat(MAX_IMPORT_CHARS + 1), timeZone: 'Europe/London' }, { ics: one, timeZone: 'Mars/Olympus' }]) {
    const bad = await host!.call<{ code: string }>('POST', `/api/v1/spaces/${space.id}/events/import`, body);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.code).toBe('validation_failed');
  }
  const calendar = await ann!.call<List>('GET', `/api/v1/spaces/${space.id}/calendar?from=${y}-06-01T00:00:00Z&to=${y}-08-01T00:00:00Z`);
  expect(calendar.body.events).toEqual([]);
});

test('an .ics whose series has overrides (RECURRENCE-ID) imports them: a date moved and renamed, a date cancelled, a date named in UTC; an override of a series not imported changes nothing', async () => {
  const host = await createMember(ctx.server.url, { handle: uniqueHandle('host') });
  const space = await spaceWith(host);
  const file = ics(
    vevent('UID:club@example.org', 'SUMMARY:Book club', `DTSTART;TZID=Europe/Berlin:${y}0907T180000`, `DTEND;TZID=Europe/Berlin:${y}0907T200000`, 'RRULE:FREQ=WEEKLY;COUNT=4', 'LOCATION:Library'),
    // The second date moves an hour later, to the café, under another title.
    vevent('UID:club@example.org', `RECURRENCE-ID;TZID=Europe/Berlin:${y}0914T180000`, 'SUMMARY:Book club (author visit)', `DTSTART;TZID=Europe/Berlin:${y}0914T190000`, `DTEND;TZID=Europe/Berlin:${y}0914T210000`, 'LOCATION:Café Lenz'),
    // The third is called off; the fourth is named in UTC (18:00 in Berlin is 16:00Z in September) and only renamed.
    vevent('UID:club@example.org', `RECURRENCE-ID;TZID=Europe/Berlin:${y}0921T180000`, 'SUMMARY:Book club', `DTSTART;TZID=Europe/Berlin:${y}0921T180000`, 'STATUS:CANCELLED'),
    vevent('UID:club@example.org', `RECURRENCE-ID:${y}0928T160000Z`, 'SUMMARY:Book club, last of the season', `DTSTART:${y}0928T160000Z`, `DTEND:${y}0928T180000Z`, 'LOCATION:Library'),
    vevent('UID:elsewhere@example.org', `RECURRENCE-ID:${y}0910T100000Z`, 'SUMMARY:Stray override', `DTSTART:${y}0910T100000Z`),
  );
  const res = await host.call<ImportResult>('POST', `/api/v1/spaces/${space.id}/events/import`, { ics: file, timeZone: 'Europe/London' });
  expect(res.status).toBe(201);
  expect(res.body.created.map((c) => c.uid)).toEqual(['club@example.org']);
  expect(res.body.skipped).toEqual([]);

  const list = (await host.call<List>('GET', `/api/v1/spaces/${space.id}/calendar?from=${y}-09-01T00:00:00Z&to=${y}-10-01T00:00:00Z`)).body;
  expect(list.events).toHaveLength(1);
  expect(list.occurrences.map((o) => [o.occurrence, o.start, o.title, o.address, o.cancelled])).toEqual([
    [`${y}-09-07T18:00`, `${y}-09-07T18:00`, 'Book club', 'Library', false],
    [`${y}-09-14T18:00`, `${y}-09-14T19:00`, 'Book club (author visit)', 'Café Lenz', false],
    [`${y}-09-21T18:00`, `${y}-09-21T18:00`, 'Book club', 'Library', true],
    [`${y}-09-28T18:00`, `${y}-09-28T18:00`, 'Book club, last of the season', 'Library', false],
  ]);
});

test('an .ics from Outlook names its zones the Windows way: they are read as their IANA zones; a zone name nobody knows is listed as invalid-time', async () => {
  const host = await createMember(ctx.server.url, { handle: uniqueHandle('host') });
  const space = await spaceWith(host);
  const file = ics(
    vevent('UID:outlook-1@example.org', 'SUMMARY:Trustees meeting', `DTSTART;TZID=W. Europe Standard Time:${y}1105T190000`, `DTEND;TZID=W. Europe Standard Time:${y}1105T203000`),
    vevent('UID:outlook-2@example.org', 'SUMMARY:Volunteers call', `DTSTART;TZID=Eastern Standard Time:${y}1106T120000`, `DTEND;TZID=Eastern Standard Time:${y}1106T130000`, 'RRULE:FREQ=WEEKLY;COUNT=3'),
    vevent('UID:mystery@example.org', 'SUMMARY:Somewhere', `DTSTART;TZID=Middle Earth Time:${y}1107T120000`),
  );
  const res = await host.call<ImportResult>('POST', `/api/v1/spaces/${space.id}/events/import`, { ics: file, timeZone: 'Europe/London' });
  expect(res.status).toBe(201);
  expect(res.body.created.map((c) => c.uid)).toEqual(['outlook-1@example.org', 'outlook-2@example.org']);
  expect(res.body.skipped.map((s) => [s.uid, s.reason])).toEqual([['mystery@example.org', 'invalid-time']]);
  const list = (await host.call<List>('GET', `/api/v1/spaces/${space.id}/calendar?from=${y}-11-01T00:00:00Z&to=${y}-12-01T00:00:00Z`)).body;
  expect(list.events.find((e) => e.title === 'Trustees meeting')).toMatchObject({ timeZone: 'Europe/Berlin', start: `${y}-11-05T19:00`, end: `${y}-11-05T20:30` });
  expect(list.events.find((e) => e.title === 'Volunteers call')).toMatchObject({ timeZone: 'America/New_York', start: `${y}-11-06T12:00` });
});
