import { countBefore, dayBefore, isSlot, rruleOf, seriesEnd, slotsBetween, type Timing } from './calendar.recurrence';
import { RRuleTemporal } from 'rrule-temporal';
import { Temporal } from 'temporal-polyfill';

const weekly = (timeZone: string, startLocal: string, endLocal: string, count = 6): Timing => ({
  timeZone,
  allDay: false,
  startLocal,
  endLocal,
  recurrence: { freq: 'weekly', interval: 1, count },
});

const hourIn = (at: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

test('a weekly 19:00 in Europe/London stays at 19:00 on the wall clock when the clocks go forward, so its UTC instant moves by an hour', () => {
  const timing = weekly('Europe/London', '2027-03-14T19:00', '2027-03-14T21:00');
  const slots = slotsBetween(timing, new Date('2027-03-01T00:00Z'), new Date('2027-05-01T00:00Z'));
  expect(slots.map((s) => s.key)).toEqual(['2027-03-14T19:00', '2027-03-21T19:00', '2027-03-28T19:00', '2027-04-04T19:00', '2027-04-11T19:00', '2027-04-18T19:00']);
  for (const slot of slots) {
    expect(hourIn(slot.startsAt, 'Europe/London')).toBe('19:00');
    expect(hourIn(slot.endsAt, 'Europe/London')).toBe('21:00');
  }
  expect(slots[1]!.startsAt.toISOString()).toBe('2027-03-21T19:00:00.000Z'); // GMT
  expect(slots[2]!.startsAt.toISOString()).toBe('2027-03-28T18:00:00.000Z'); // BST from 28 March
});

test('a weekly 09:30 in America/New_York keeps its wall-clock time across both changes of the year', () => {
  const timing: Timing = { ...weekly('America/New_York', '2027-03-07T09:30', '2027-03-07T10:30'), recurrence: { freq: 'weekly', interval: 1, until: '2027-11-14' } };
  const slots = slotsBetween(timing, new Date('2027-03-01T00:00Z'), new Date('2027-12-01T00:00Z'));
  expect(slots[0]!.startsAt.toISOString()).toBe('2027-03-07T14:30:00.000Z'); // EST
  expect(slots[1]!.startsAt.toISOString()).toBe('2027-03-14T13:30:00.000Z'); // EDT from 14 March
  expect(slots.at(-1)!.key).toBe('2027-11-14T09:30');
  expect(slots.at(-1)!.startsAt.toISOString()).toBe('2027-11-14T14:30:00.000Z'); // EST again from 7 November
  for (const slot of slots) expect(hourIn(slot.startsAt, 'America/New_York')).toBe('09:30');
  expect(rruleOf(timing)).toBe('FREQ=WEEKLY;INTERVAL=1;BYDAY=SU;UNTIL=20271115T045959Z');
});

test('monthly on the 2nd Tuesday and an until date: only those dates, ending with the series', () => {
  const timing: Timing = {
    timeZone: 'Europe/London',
    allDay: false,
    startLocal: '2027-01-12T18:00',
    endLocal: '2027-01-12T19:00',
    recurrence: { freq: 'monthly', interval: 1, byNthWeekday: { n: 2, weekday: 'TU' }, until: '2027-04-30' },
  };
  expect(slotsBetween(timing, new Date('2026-12-01Z'), new Date('2028-01-01Z')).map((s) => s.key)).toEqual([
    '2027-01-12T18:00',
    '2027-02-09T18:00',
    '2027-03-09T18:00',
    '2027-04-13T18:00',
  ]);
  expect(seriesEnd(timing)?.toISOString()).toBe('2027-04-13T18:00:00.000Z');
  expect(isSlot(timing, '2027-02-09T18:00')).toBe(true);
  expect(isSlot(timing, '2027-02-10T18:00')).toBe(false);
});

test('splitting a counted series: the occurrences before the split and the day before it', () => {
  const timing = weekly('Europe/London', '2027-03-14T19:00', '2027-03-14T21:00', 6);
  expect(countBefore(timing, new Date('2027-03-28T18:00Z'))).toBe(2);
  expect(dayBefore('2027-03-28T19:00')).toBe('2027-03-27');
  expect(seriesEnd({ ...timing, recurrence: null })?.toISOString()).toBe('2027-03-14T21:00:00.000Z');
  expect(seriesEnd({ ...timing, recurrence: { freq: 'daily', interval: 1 } })).toBeNull();
});

test('the kept expansion of a series without end gives what rrule-temporal gives, for a month ten years in, far ahead, and back again; occurrence names are found exactly', () => {
  const timing: Timing = { timeZone: 'America/New_York', allDay: false, startLocal: '2017-01-03T19:00', endLocal: '2017-01-03T20:30', recurrence: { freq: 'weekly', interval: 1, byWeekday: ['TU', 'TH'] } };
  const rule = new RRuleTemporal({ rruleString: `RRULE:${rruleOf(timing)}`, dtstart: Temporal.PlainDateTime.from(timing.startLocal).toZonedDateTime(timing.timeZone) });
  const fresh = (from: string, to: string) =>
    rule
      .between(new Date(from), new Date(Date.parse(to) - 1), true)
      .map((z) => z.toPlainDateTime().toString().slice(0, 16));
  for (const [from, to] of [
    ['2027-03-01T00:00Z', '2027-04-01T00:00Z'],
    ['2041-10-01T00:00Z', '2041-12-01T00:00Z'], // beyond what the first call expanded
    ['2017-01-01T00:00Z', '2017-02-01T00:00Z'],
  ] as const) {
    const slots = slotsBetween(timing, new Date(from), new Date(to));
    expect(slots.map((s) => s.key)).toEqual(fresh(from, to));
    expect(slots.every((s) => hourIn(s.startsAt, timing.timeZone) === '19:00' && hourIn(s.endsAt, timing.timeZone) === '20:30')).toBe(true);
  }
  expect(isSlot(timing, '2041-11-05T19:00')).toBe(true); // a Tuesday
  expect(isSlot(timing, '2041-11-06T19:00')).toBe(false);
  expect(isSlot(timing, '2041-11-05T19:01')).toBe(false);
  expect(seriesEnd(timing)).toBeNull();
  expect(countBefore(timing, new Date('2017-01-10T00:00Z'))).toBe(2); // 3 and 5 January
});

test('a long series limited by until ends at its last occurrence, not at its thousandth', () => {
  const timing: Timing = { timeZone: 'Europe/London', allDay: false, startLocal: '2027-01-01T07:00', endLocal: '2027-01-01T08:00', recurrence: { freq: 'daily', interval: 1, until: '2031-12-31' } };
  expect(seriesEnd(timing)!.toISOString()).toBe('2031-12-31T08:00:00.000Z');
  expect(slotsBetween(timing, new Date('2031-12-30T00:00Z'), new Date('2032-01-05T00:00Z')).map((s) => s.key)).toEqual(['2031-12-30T07:00', '2031-12-31T07:00']);
});
