// Reading an .ics file into events (decision 021): ical.js parses; each VEVENT that is not an
// override (RECURRENCE-ID) becomes an event input, its RRULE turned into Hearth's structured
// recurrence when that can say it (else it is skipped and listed), its EXDATEs named as the
// occurrences to cancel. Times keep their TZID's wall clock; UTC and floating times are read in
// the importer's zone.
import ICAL from 'ical.js';
import { Temporal } from 'temporal-polyfill';
import type { Recurrence, Weekday } from '../../../shared/api/calendar.routes';
import { recurrenceSchema, weekdays } from '../../../shared/api/calendar.routes';
import { isCanonicalTimeZone } from '../../../shared/api/input';
import { AppError } from '../../core/errors';

export type SkipReason = 'unsupported-recurrence' | 'invalid-time' | 'cancelled' | 'too-many';

export interface ImportedEvent {
  uid: string;
  title: string;
  description: string;
  address: string | null;
  timeZone: string;
  allDay: boolean;
  start: string;
  end: string;
  recurrence: Recurrence | null;
  /** Local starts of the occurrences its EXDATEs take out. */
  cancelled: string[];
}

export const MAX_IMPORTED_EVENTS = 200;

const pad = (n: number) => String(n).padStart(2, '0');

/** A property's time as the wall clock of `zone` ('YYYY-MM-DDTHH:mm', or a date). */
function localOf(time: ICAL.Time, tzid: string | null, zone: string): { local: string; zone: string } {
  if (time.isDate) return { local: `${time.year}-${pad(time.month)}-${pad(time.day)}`, zone };
  const wall = `${time.year}-${pad(time.month)}-${pad(time.day)}T${pad(time.hour)}:${pad(time.minute)}`;
  if (tzid && isCanonicalTimeZone(tzid)) return { local: wall, zone: tzid };
  if (time.zone?.tzid === 'UTC') {
    const at = Temporal.Instant.fromEpochMilliseconds(Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute)).toZonedDateTimeISO(zone);
    return { local: `${at.toPlainDate().toString()}T${pad(at.hour)}:${pad(at.minute)}`, zone };
  }
  if (tzid) throw new Error('unknown zone'); // a TZID that is no IANA zone (Outlook's "Pacific Standard Time")
  return { local: wall, zone }; // floating: the importer's zone
}

const DAYS: Record<string, Weekday> = Object.fromEntries(weekdays.map((d) => [d, d]));

/** The RRULE as Hearth's recurrence, or null when Hearth cannot say it. */
function recurrenceOf(recur: ICAL.Recur, until: string | null): Recurrence | null | 'unsupported' {
  const freq = recur.freq?.toLowerCase();
  if (freq !== 'daily' && freq !== 'weekly' && freq !== 'monthly' && freq !== 'yearly') return 'unsupported';
  const parts = recur.parts as Record<string, (string | number)[] | undefined>;
  const known = new Set(['BYDAY', 'BYMONTHDAY', 'BYSETPOS', 'BYMONTH', 'WKST']);
  if (Object.keys(parts).some((k) => !known.has(k))) return 'unsupported';
  const byDay = (parts.BYDAY ?? []).map(String);
  const out: Record<string, unknown> = { freq, interval: recur.interval || 1 };
  if (recur.count) out.count = recur.count;
  if (until) out.until = until;
  if (freq === 'weekly') {
    if (parts.BYMONTHDAY || parts.BYSETPOS || parts.BYMONTH) return 'unsupported';
    if (byDay.length) {
      if (byDay.some((d) => !DAYS[d])) return 'unsupported';
      out.byWeekday = byDay;
    }
  } else if (freq === 'monthly') {
    if (parts.BYMONTH) return 'unsupported';
    const nth = byDay.length === 1 ? /^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$/.exec(byDay[0]!) : null;
    const setpos = parts.BYSETPOS?.length === 1 ? Number(parts.BYSETPOS[0]) : undefined;
    if (byDay.length > 1 || (byDay.length === 1 && !nth)) return 'unsupported';
    if (nth) {
      const n = nth[1] ? Number(nth[1]) : setpos;
      if (n === undefined || n === 0 || n < -1 || n > 5 || (nth[1] && setpos !== undefined)) return 'unsupported';
      out.byNthWeekday = { n, weekday: nth[2] };
    } else if (parts.BYMONTHDAY) {
      if (parts.BYMONTHDAY.length !== 1 || parts.BYSETPOS) return 'unsupported';
      out.byMonthDay = Number(parts.BYMONTHDAY[0]);
    }
  } else if (byDay.length || parts.BYMONTHDAY || parts.BYSETPOS || (parts.BYMONTH && parts.BYMONTH.length > 1)) {
    // Daily and yearly repeat plainly (yearly on the start's month and day).
    return 'unsupported';
  }
  const parsed = recurrenceSchema.safeParse(out);
  return parsed.success ? parsed.data : 'unsupported';
}

/**
 * The events of an .ics text, in file order, with what had to be left out.
 * @example parseIcs(text, 'Europe/London') // { events: [{ uid, title, start: '2027-03-28T19:00', … }], skipped: [] }
 */
export function parseIcs(text: string, defaultZone: string): { events: ImportedEvent[]; skipped: { uid: string; title: string; reason: SkipReason }[] } {
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch {
    throw new AppError('validation_failed', 'This is not an iCalendar file', { errors: [{ path: 'ics', message: 'must be an iCalendar (.ics) file' }] });
  }
  if (root.name !== 'vcalendar') throw new AppError('validation_failed', 'This is not an iCalendar file', { errors: [{ path: 'ics', message: 'must be an iCalendar (.ics) file' }] });
  const events: ImportedEvent[] = [];
  const skipped: { uid: string; title: string; reason: SkipReason }[] = [];
  for (const vevent of root.getAllSubcomponents('vevent')) {
    if (vevent.hasProperty('recurrence-id')) continue; // an override of one occurrence: not imported
    const uid = String(vevent.getFirstPropertyValue('uid') ?? '');
    const title = String(vevent.getFirstPropertyValue('summary') ?? '').trim().slice(0, 140) || 'Event';
    if (String(vevent.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED') {
      skipped.push({ uid, title, reason: 'cancelled' });
      continue;
    }
    if (events.length >= MAX_IMPORTED_EVENTS) {
      skipped.push({ uid, title, reason: 'too-many' });
      continue;
    }
    try {
      const dtstart = vevent.getFirstProperty('dtstart');
      const startTime = dtstart?.getFirstValue() as ICAL.Time | undefined;
      if (!dtstart || !startTime) throw new Error('no start');
      const tzid = (dtstart.getParameter('tzid') as string | undefined) ?? null;
      const start = localOf(startTime, tzid, defaultZone);
      const allDay = startTime.isDate;
      const dtend = vevent.getFirstProperty('dtend');
      let end: string;
      if (dtend) {
        const endTime = dtend.getFirstValue() as ICAL.Time;
        const local = localOf(endTime, (dtend.getParameter('tzid') as string | undefined) ?? tzid, start.zone).local;
        // iCalendar's all-day DTEND is exclusive; Hearth's is the last day.
        end = allDay ? Temporal.PlainDate.from(local).subtract({ days: 1 }).toString() : local;
      } else {
        const duration = vevent.getFirstPropertyValue('duration') as ICAL.Duration | null;
        const plain = Temporal.PlainDateTime.from(allDay ? `${start.local}T00:00` : start.local);
        const after = duration ? plain.add({ seconds: duration.toSeconds() }) : plain.add(allDay ? { days: 1 } : { hours: 1 });
        end = allDay ? after.toPlainDate().subtract({ days: 1 }).toString() : `${after.toPlainDate().toString()}T${pad(after.hour)}:${pad(after.minute)}`;
      }
      if (allDay && end < start.local) end = start.local;
      let recurrence: Recurrence | null = null;
      const recur = vevent.getFirstPropertyValue('rrule') as ICAL.Recur | null;
      if (recur) {
        const until = recur.until ? localOf(recur.until, recur.until.zone?.tzid === 'UTC' ? null : tzid, start.zone).local.slice(0, 10) : null;
        const made = recurrenceOf(recur, until);
        if (made === 'unsupported') {
          skipped.push({ uid, title, reason: 'unsupported-recurrence' });
          continue;
        }
        recurrence = made;
      }
      const cancelled: string[] = [];
      for (const exdate of vevent.getAllProperties('exdate')) {
        const exTzid = (exdate.getParameter('tzid') as string | undefined) ?? tzid;
        for (const value of exdate.getValues() as ICAL.Time[]) cancelled.push(localOf(value, exTzid, start.zone).local);
      }
      events.push({
        uid,
        title,
        description: String(vevent.getFirstPropertyValue('description') ?? '').slice(0, 10_000),
        address: String(vevent.getFirstPropertyValue('location') ?? '').trim().slice(0, 300) || null,
        timeZone: start.zone,
        allDay,
        start: start.local,
        end,
        recurrence,
        cancelled,
      });
    } catch {
      skipped.push({ uid, title, reason: 'invalid-time' });
    }
  }
  return { events, skipped };
}
