// Wall-clock times in real zones and their recurrence: docs/decisions/021-events-calendar.md
//
// An event's times are what the host's wall clock shows in the event's IANA zone; every instant
// is computed from them with Temporal, so a weekly 19:00 in Europe/London stays at 19:00 after the
// clocks change. Series are expanded with rrule-temporal (RFC 5545) over a range, never stored
// occurrence by occurrence: a series without end costs one row.
import { Temporal } from 'temporal-polyfill';
import { RRuleTemporal } from 'rrule-temporal';
import type { Recurrence, Weekday } from '../../../shared/api/calendar.routes';

/** What recurrence needs of an event (a row or an input). */
export interface Timing {
  timeZone: string;
  allDay: boolean;
  startLocal: string;
  endLocal: string;
  recurrence: Recurrence | null;
}

/** One occurrence as the series makes it (before any edit of that occurrence alone). */
export interface Slot {
  /** The original local start: the occurrence's name. */
  key: string;
  startLocal: string;
  endLocal: string;
  startsAt: Date;
  endsAt: Date;
}

const isDate = (local: string) => local.length === 10;

/** '2027-03-28T19:00' (or '2027-03-28') as a plain date-time. */
export function plainOf(local: string): Temporal.PlainDateTime {
  return Temporal.PlainDateTime.from(isDate(local) ? `${local}T00:00` : local);
}

/** A plain date-time written back as the event writes it: to the minute, or a date. */
export function localOf(plain: Temporal.PlainDateTime, allDay: boolean): string {
  const date = plain.toPlainDate().toString();
  return allDay ? date : `${date}T${String(plain.hour).padStart(2, '0')}:${String(plain.minute).padStart(2, '0')}`;
}

/** The instant a wall-clock time names in a zone (a time skipped by a DST change moves forward, as RFC 5545 says). */
export function instantOf(local: string, timeZone: string): Date {
  return new Date(plainOf(local).toZonedDateTime(timeZone, { disambiguation: 'compatible' }).epochMilliseconds);
}

/** Wall-clock length of one occurrence: minutes for timed events, days (end inclusive) for all-day ones. */
function lengthOf(timing: Timing): Temporal.Duration {
  const start = plainOf(timing.startLocal);
  const end = plainOf(timing.endLocal);
  if (timing.allDay) return Temporal.Duration.from({ days: start.toPlainDate().until(end.toPlainDate()).days + 1 });
  return Temporal.Duration.from({ minutes: Math.round(start.until(end, { largestUnit: 'minutes' }).minutes) });
}

/** The slot that starts at a local start (its end by the event's wall-clock length). */
export function slotAt(timing: Timing, startLocal: string, key = startLocal): Slot {
  const start = plainOf(startLocal);
  const length = lengthOf(timing);
  const endExclusive = start.add(length);
  const endLocal = timing.allDay ? localOf(endExclusive.subtract({ days: 1 }), true) : localOf(endExclusive, false);
  return {
    key,
    startLocal,
    endLocal,
    startsAt: instantOf(startLocal, timing.timeZone),
    endsAt: new Date(endExclusive.toZonedDateTime(timing.timeZone, { disambiguation: 'compatible' }).epochMilliseconds),
  };
}

/** Whether the end is not before the start (all-day ends are inclusive dates). */
export function endsAfterStart(timing: Pick<Timing, 'startLocal' | 'endLocal' | 'allDay'>): boolean {
  const order = Temporal.PlainDateTime.compare(plainOf(timing.startLocal), plainOf(timing.endLocal));
  return timing.allDay ? order <= 0 : order < 0;
}

const weekdayOf = (plain: Temporal.PlainDateTime): Weekday => (['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const)[plain.dayOfWeek - 1]!;

/**
 * The RRULE line (without DTSTART) a recurrence stands for. UNTIL is the end of its local day in
 * the event's zone, in UTC as RFC 5545 requires of a DTSTART with TZID (a date for all-day events).
 * @example rruleOf({ timeZone: 'Europe/London', allDay: false, startLocal: '2027-03-01T19:00', endLocal: '2027-03-01T21:00',
 *   recurrence: { freq: 'weekly', interval: 1, count: 4 } }) // 'FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=4'
 */
export function rruleOf(timing: Timing): string | null {
  const r = timing.recurrence;
  if (!r) return null;
  const start = plainOf(timing.startLocal);
  const parts = [`FREQ=${r.freq.toUpperCase()}`, `INTERVAL=${r.interval}`];
  if (r.freq === 'weekly') parts.push(`BYDAY=${(r.byWeekday ?? [weekdayOf(start)]).join(',')}`);
  if (r.freq === 'monthly') {
    if (r.byNthWeekday) parts.push(`BYDAY=${r.byNthWeekday.n}${r.byNthWeekday.weekday}`);
    else parts.push(`BYMONTHDAY=${r.byMonthDay ?? start.day}`);
  }
  if (r.freq === 'yearly') parts.push(`BYMONTH=${start.month}`, `BYMONTHDAY=${start.day}`);
  if (r.count !== undefined) parts.push(`COUNT=${r.count}`);
  if (r.until !== undefined) {
    if (timing.allDay) parts.push(`UNTIL=${r.until.replace(/-/g, '')}`);
    else {
      const end = Temporal.PlainDate.from(r.until).toPlainDateTime({ hour: 23, minute: 59, second: 59 }).toZonedDateTime(timing.timeZone);
      parts.push(`UNTIL=${end.toInstant().toString().replace(/[-:]/g, '').replace(/\.\d+/, '')}`);
    }
  }
  return parts.join(';');
}

/** Parsed rules by their text: a month view of a space expands the same series again and again. */
const rules = new Map<string, RRuleTemporal>();
const MAX_RULES = 5_000;

function ruleOf(timing: Timing): RRuleTemporal | null {
  const rrule = rruleOf(timing);
  if (!rrule) return null;
  const id = `${timing.timeZone}|${timing.startLocal}|${rrule}`;
  let rule = rules.get(id);
  if (!rule) {
    if (rules.size >= MAX_RULES) rules.delete(rules.keys().next().value!);
    rule = new RRuleTemporal({ rruleString: `RRULE:${rrule}`, dtstart: plainOf(timing.startLocal).toZonedDateTime(timing.timeZone, { disambiguation: 'compatible' }) });
    rules.set(id, rule);
  }
  return rule;
}

const keyOfZoned = (zoned: Temporal.ZonedDateTime, allDay: boolean) => localOf(zoned.toPlainDateTime(), allDay);

/**
 * The series' slots that overlap [from, to), in start order, at most `limit`. A single event is
 * its one slot. Edits of one occurrence are applied by the caller (they can move it).
 */
export function slotsBetween(timing: Timing, from: Date, to: Date, limit = 2_000): Slot[] {
  const rule = ruleOf(timing);
  if (!rule) {
    const only = slotAt(timing, timing.startLocal);
    return only.startsAt < to && only.endsAt > from ? [only] : [];
  }
  const first = slotAt(timing, timing.startLocal);
  const length = first.endsAt.getTime() - first.startsAt.getTime();
  // An occurrence that started before `from` may still be running: look back by its length (a day more for DST).
  const after = new Date(from.getTime() - length - 86_400_000);
  const out: Slot[] = [];
  for (const zoned of rule.between(after, new Date(to.getTime() - 1), true)) {
    const slot = slotAt(timing, keyOfZoned(zoned, timing.allDay));
    if (slot.endsAt > from && slot.startsAt < to) out.push(slot);
    if (out.length >= limit) break;
  }
  return out;
}

/** Whether `key` is an occurrence the series makes. */
export function isSlot(timing: Timing, key: string): boolean {
  if (key.length !== timing.startLocal.length) return false;
  const rule = ruleOf(timing);
  if (!rule) return key === timing.startLocal;
  const at = instantOf(key, timing.timeZone);
  return slotsBetween(timing, at, new Date(at.getTime() + 1), 1).some((s) => s.key === key);
}

/** The series' slots starting before `before`, counted (for splitting a series limited by COUNT). */
export function countBefore(timing: Timing, before: Date): number {
  const rule = ruleOf(timing);
  if (!rule) return 0;
  return rule.between(new Date(instantOf(timing.startLocal, timing.timeZone).getTime() - 1), new Date(before.getTime() - 1), true).length;
}

/** The last slot's end; null when the series never ends. */
export function seriesEnd(timing: Timing): Date | null {
  const rule = ruleOf(timing);
  if (!rule) return slotAt(timing, timing.startLocal).endsAt;
  const r = timing.recurrence!;
  if (r.count === undefined && r.until === undefined) return null;
  const all = rule.all((_, i) => i < 1_000);
  const last = all.at(-1);
  if (!last) return slotAt(timing, timing.startLocal).endsAt;
  return slotAt(timing, keyOfZoned(last, timing.allDay)).endsAt;
}

/** The next slot ending after `at` (the one an event page shows first), else the last one; null when there is none. */
export function nextSlot(timing: Timing, at: Date): Slot | null {
  const ahead = slotsBetween(timing, at, new Date(at.getTime() + 400 * 86_400_000), 1)[0];
  if (ahead) return ahead;
  const end = seriesEnd(timing);
  if (!end) return null;
  const back = slotsBetween(timing, new Date(end.getTime() - 400 * 86_400_000), end);
  return back.at(-1) ?? null;
}

/** The local date before a local start ('2027-03-28T19:00' → '2027-03-27'): a split series' UNTIL. */
export function dayBefore(local: string): string {
  return plainOf(local).toPlainDate().subtract({ days: 1 }).toString();
}
