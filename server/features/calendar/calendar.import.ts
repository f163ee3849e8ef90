// Reading an .ics file into events (decision 021): ical.js parses; each VEVENT that is not an
// override (RECURRENCE-ID) becomes an event input, its RRULE turned into Hearth's structured
// recurrence when that can say it (else it is skipped and listed), its EXDATEs named as the
// occurrences to cancel, and its overrides (a VEVENT with the same UID and a RECURRENCE-ID) as
// occurrences moved, renamed or cancelled. Times keep their TZID's wall clock; UTC and floating
// times are read in the importer's zone.
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
  /** Local starts of the occurrences its EXDATEs (or cancelled overrides) take out. */
  cancelled: string[];
  /** Occurrences the file changes on their own (RECURRENCE-ID), by their original local start. */
  overrides: ImportedOverride[];
}

/** One occurrence as an override says it: only what differs from the series is set. */
export interface ImportedOverride {
  occurrence: string;
  start?: string;
  end?: string;
  title?: string;
  description?: string;
  address?: string | null;
}

export const MAX_IMPORTED_EVENTS = 200;

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Outlook and Exchange name zones the Windows way ("W. Europe Standard Time"): the IANA zone each
 * stands for in CLDR's windowsZones table (its "001" territory), for the zones most used.
 */
const WINDOWS_ZONES: Record<string, string> = {
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Alaskan Standard Time': 'America/Anchorage',
  'Pacific Standard Time': 'America/Los_Angeles',
  'US Mountain Standard Time': 'America/Phoenix',
  'Mountain Standard Time': 'America/Denver',
  'Central America Standard Time': 'America/Guatemala',
  'Central Standard Time': 'America/Chicago',
  'Central Standard Time (Mexico)': 'America/Mexico_City',
  'Canada Central Standard Time': 'America/Regina',
  'SA Pacific Standard Time': 'America/Bogota',
  'Eastern Standard Time': 'America/New_York',
  'Atlantic Standard Time': 'America/Halifax',
  'Newfoundland Standard Time': 'America/St_Johns',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'Argentina Standard Time': 'America/Buenos_Aires',
  'SA Eastern Standard Time': 'America/Cayenne',
  'UTC': 'UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'Morocco Standard Time': 'Africa/Casablanca',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Romance Standard Time': 'Europe/Paris',
  'Central European Standard Time': 'Europe/Warsaw',
  'W. Central Africa Standard Time': 'Africa/Lagos',
  'GTB Standard Time': 'Europe/Bucharest',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'Egypt Standard Time': 'Africa/Cairo',
  'Israel Standard Time': 'Asia/Jerusalem',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'Jordan Standard Time': 'Asia/Amman',
  'Middle East Standard Time': 'Asia/Beirut',
  'Syria Standard Time': 'Asia/Damascus',
  'West Bank Standard Time': 'Asia/Hebron',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Arab Standard Time': 'Asia/Riyadh',
  'Arabic Standard Time': 'Asia/Baghdad',
  'E. Africa Standard Time': 'Africa/Nairobi',
  'Russian Standard Time': 'Europe/Moscow',
  'Iran Standard Time': 'Asia/Tehran',
  'Arabian Standard Time': 'Asia/Dubai',
  'Afghanistan Standard Time': 'Asia/Kabul',
  'Pakistan Standard Time': 'Asia/Karachi',
  'India Standard Time': 'Asia/Calcutta',
  'Nepal Standard Time': 'Asia/Katmandu',
  'Bangladesh Standard Time': 'Asia/Dhaka',
  'SE Asia Standard Time': 'Asia/Bangkok',
  'China Standard Time': 'Asia/Shanghai',
  'Singapore Standard Time': 'Asia/Singapore',
  'Taipei Standard Time': 'Asia/Taipei',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'Korea Standard Time': 'Asia/Seoul',
  'AUS Central Standard Time': 'Australia/Darwin',
  'Cen. Australia Standard Time': 'Australia/Adelaide',
  'E. Australia Standard Time': 'Australia/Brisbane',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'Tasmania Standard Time': 'Australia/Hobart',
  'New Zealand Standard Time': 'Pacific/Auckland',
};

/** An IANA zone for a TZID: itself when canonical, else the IANA zone of a Windows name; null when unknown. */
function ianaOf(tzid: string): string | null {
  if (isCanonicalTimeZone(tzid)) return tzid;
  const mapped = WINDOWS_ZONES[tzid.trim()];
  if (!mapped) return null;
  // CLDR keeps some older names (Asia/Calcutta, Europe/Kiev); this runtime's canonical one is what is stored.
  const canonical = new Intl.DateTimeFormat('en', { timeZone: mapped }).resolvedOptions().timeZone;
  return isCanonicalTimeZone(canonical) ? canonical : isCanonicalTimeZone(mapped) ? mapped : null;
}

/** A property's time as the wall clock of `zone` ('YYYY-MM-DDTHH:mm', or a date). */
function localOf(time: ICAL.Time, tzid: string | null, zone: string): { local: string; zone: string } {
  if (time.isDate) return { local: `${time.year}-${pad(time.month)}-${pad(time.day)}`, zone };
  const wall = `${time.year}-${pad(time.month)}-${pad(time.day)}T${pad(time.hour)}:${pad(time.minute)}`;
  const iana = tzid ? ianaOf(tzid) : null;
  if (iana) return { local: wall, zone: iana };
  if (time.zone?.tzid === 'UTC') {
    const at = Temporal.Instant.fromEpochMilliseconds(Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute)).toZonedDateTimeISO(zone);
    return { local: `${at.toPlainDate().toString()}T${pad(at.hour)}:${pad(at.minute)}`, zone };
  }
  if (tzid) throw new Error('unknown zone'); // a TZID that is neither an IANA zone nor a Windows one we know
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

const titleOf = (vevent: ICAL.Component) => String(vevent.getFirstPropertyValue('summary') ?? '').trim().slice(0, 140) || 'Event';
const descriptionOf = (vevent: ICAL.Component) => String(vevent.getFirstPropertyValue('description') ?? '').slice(0, 10_000);
const addressOf = (vevent: ICAL.Component) => String(vevent.getFirstPropertyValue('location') ?? '').trim().slice(0, 300) || null;
const isCancelled = (vevent: ICAL.Component) => String(vevent.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';

/** A wall-clock time of one zone as the wall clock of another (dates stay as they are). */
function wallIn(time: { local: string; zone: string }, zone: string): string {
  if (time.zone === zone || !time.local.includes('T')) return time.local;
  const at = Temporal.PlainDateTime.from(time.local).toZonedDateTime(time.zone).withTimeZone(zone);
  return `${at.toPlainDate().toString()}T${pad(at.hour)}:${pad(at.minute)}`;
}

/** A VEVENT's start (wall clock and zone), end (Hearth's: an inclusive last day when all-day) and DTSTART's TZID. */
function timesOf(vevent: ICAL.Component, defaultZone: string): { start: { local: string; zone: string }; allDay: boolean; end: string; tzid: string | null } {
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
  return { start, allDay, end, tzid };
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
  const overrides: ICAL.Component[] = [];
  for (const vevent of root.getAllSubcomponents('vevent')) {
    if (vevent.hasProperty('recurrence-id')) {
      overrides.push(vevent); // applied to its series below, once every series is read
      continue;
    }
    const uid = String(vevent.getFirstPropertyValue('uid') ?? '');
    const title = titleOf(vevent);
    if (isCancelled(vevent)) {
      skipped.push({ uid, title, reason: 'cancelled' });
      continue;
    }
    if (events.length >= MAX_IMPORTED_EVENTS) {
      skipped.push({ uid, title, reason: 'too-many' });
      continue;
    }
    try {
      const { start, allDay, end, tzid } = timesOf(vevent, defaultZone);
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
        description: descriptionOf(vevent),
        address: addressOf(vevent),
        timeZone: start.zone,
        allDay,
        start: start.local,
        end,
        recurrence,
        cancelled,
        overrides: [],
      });
    } catch {
      skipped.push({ uid, title, reason: 'invalid-time' });
    }
  }
  for (const vevent of overrides) {
    const series = events.find((e) => e.recurrence && e.uid === String(vevent.getFirstPropertyValue('uid') ?? ''));
    if (!series) continue; // an override of a series not imported: nothing to change
    try {
      const id = vevent.getFirstProperty('recurrence-id')!;
      const key = wallIn(localOf(id.getFirstValue() as ICAL.Time, (id.getParameter('tzid') as string | undefined) ?? null, series.timeZone), series.timeZone);
      if (isCancelled(vevent)) {
        series.cancelled.push(key);
        continue;
      }
      const times = timesOf(vevent, series.timeZone);
      const start = wallIn(times.start, series.timeZone);
      const end = times.allDay ? times.end : wallIn({ local: times.end, zone: times.start.zone }, series.timeZone);
      const override: ImportedOverride = { occurrence: key };
      if (start !== key || times.allDay !== series.allDay) Object.assign(override, { start, end });
      const title = titleOf(vevent);
      if (title !== series.title) override.title = title;
      const description = descriptionOf(vevent);
      if (description !== series.description) override.description = description;
      const address = addressOf(vevent);
      if (address !== series.address) override.address = address;
      series.overrides.push(override);
    } catch {
      // An override whose times cannot be read leaves its occurrence as the series makes it.
    }
  }
  return { events, skipped };
}
