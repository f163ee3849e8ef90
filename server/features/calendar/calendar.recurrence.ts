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

/**
 * A series, parsed once, with the starts of its occurrences (epoch ms, ascending) expanded once
 * and kept: rrule-temporal iterates from DTSTART on every call, so a weekly series that began
 * years ago cost milliseconds per month view; with the starts kept, a range is a binary search.
 * Keyed by what the series is made of (zone, start, end, RRULE), so an edit makes a new entry and
 * nothing needs invalidating; the least recently used go first when too many starts are kept.
 * A series without end is expanded to two years past the latest range asked, then further.
 */
interface Series {
  /** The RRULE line; null for an event that does not repeat. */
  rrule: string | null;
  /** Null for an event that does not repeat (its one start). */
  rule: RRuleTemporal | null;
  starts: Float64Array;
  size: number;
  /** Expanded up to this instant (exclusive); Infinity once every occurrence is in. */
  through: number;
  /** Slots made so far, by index (Temporal through the polyfill costs tens of µs a slot). */
  slots: (Slot | undefined)[];
}

/** What a kept slot weighs against MAX_KEPT, in starts (8 bytes each). */
const SLOT_WEIGHT = 32;

const series = new Map<string, Series>();
/** Starts kept across all series (8 bytes each): about 16 MB. */
const MAX_KEPT = 2_000_000;
/** A series limited by UNTIL far away is cut here (a daily series for 130 years). */
export const MAX_OCCURRENCES = 50_000;
const AHEAD_MS = 2 * 365 * 86_400_000;
let kept = 0;

function keep(entry: Series, more: number[]) {
  if (entry.size + more.length > entry.starts.length) {
    const grown = new Float64Array(Math.max(entry.size + more.length, entry.starts.length * 2, 16));
    grown.set(entry.starts.subarray(0, entry.size));
    kept += grown.length - entry.starts.length;
    entry.starts = grown;
  }
  entry.starts.set(more, entry.size);
  entry.size += more.length;
}

function seriesOf(timing: Timing): Series {
  const id = `${timing.timeZone}|${timing.startLocal}|${timing.endLocal}|${timing.allDay}|${timing.recurrence ? JSON.stringify(timing.recurrence) : ''}`;
  let entry = series.get(id);
  if (entry) {
    // Most recently used last: eviction takes the first.
    series.delete(id);
    series.set(id, entry);
    return entry;
  }
  const rrule = rruleOf(timing);
  const dtstart = plainOf(timing.startLocal).toZonedDateTime(timing.timeZone, { disambiguation: 'compatible' });
  const rule = rrule ? new RRuleTemporal({ rruleString: `RRULE:${rrule}`, dtstart }) : null;
  entry = { rrule, rule, starts: new Float64Array(0), size: 0, through: -Infinity, slots: [] };
  if (!rule) {
    keep(entry, [dtstart.epochMilliseconds]);
    entry.through = Infinity;
  } else if (timing.recurrence!.count !== undefined || timing.recurrence!.until !== undefined) {
    keep(entry, rule.all((_, i) => i < MAX_OCCURRENCES).map((z) => z.epochMilliseconds));
    entry.through = Infinity;
  }
  series.set(id, entry);
  while (kept > MAX_KEPT && series.size > 1) {
    const [oldest, old] = series.entries().next().value!;
    series.delete(oldest);
    kept -= old.starts.length + old.slots.length * SLOT_WEIGHT;
  }
  return entry;
}

/** The series' starts, expanded at least up to `until` (ms). */
function startsThrough(entry: Series, until: number): Float64Array {
  if (entry.rule && entry.through < until && entry.size < MAX_OCCURRENCES) {
    const next = until + AHEAD_MS;
    const from = entry.through === -Infinity ? -8.64e15 : entry.through;
    const more = entry.rule
      .between(new Date(Math.max(from, -8.64e15)), new Date(next - 1), true)
      .map((z) => z.epochMilliseconds)
      .filter((ms) => ms >= from && ms < next);
    keep(entry, more.slice(0, MAX_OCCURRENCES - entry.size));
    entry.through = next;
  }
  return entry.starts.subarray(0, entry.size);
}

/** rruleOf, kept with the series (it is asked for on every view of the event). */
export const rruleOfKept = (timing: Timing): string | null => seriesOf(timing).rrule;

/** The index of the first start at or after `at` (binary search). */
function firstAtOrAfter(starts: Float64Array, at: number): number {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The occurrence's name (its local start) from its instant. */
const keyAt = (ms: number, timing: Timing) => localOf(Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timing.timeZone).toPlainDateTime(), timing.allDay);

/**
 * The series' slots that overlap [from, to), in start order, at most `limit`. A single event is
 * its one slot. Edits of one occurrence are applied by the caller (they can move it).
 */
export function slotsBetween(timing: Timing, from: Date, to: Date, limit = 2_000): Slot[] {
  const entry = seriesOf(timing);
  const starts = startsThrough(entry, to.getTime());
  if (starts.length === 0) return [];
  const length = slotOf(entry, 0, timing).endsAt.getTime() - starts[0]!;
  // An occurrence that started before `from` may still be running: look back by its length (a day more for DST).
  const after = from.getTime() - length - 86_400_000;
  const out: Slot[] = [];
  for (let i = firstAtOrAfter(starts, after); i < starts.length && starts[i]! < to.getTime(); i++) {
    const slot = slotOf(entry, i, timing);
    if (slot.endsAt > from && slot.startsAt < to) out.push(slot);
    if (out.length >= limit) break;
  }
  return out;
}

/** The series' i-th slot, made once (frozen: callers share it). */
function slotOf(entry: Series, i: number, timing: Timing): Slot {
  let slot = entry.slots[i];
  if (!slot) {
    slot = Object.freeze(slotAt(timing, keyAt(entry.starts[i]!, timing)));
    entry.slots[i] = slot;
    kept += SLOT_WEIGHT;
  }
  return slot;
}

/** Whether `key` is an occurrence the series makes. */
export function isSlot(timing: Timing, key: string): boolean {
  if (key.length !== timing.startLocal.length) return false;
  const entry = seriesOf(timing);
  if (!entry.rule) return key === timing.startLocal;
  const at = instantOf(key, timing.timeZone).getTime();
  const starts = startsThrough(entry, at + 1);
  const i = firstAtOrAfter(starts, at);
  return starts[i] === at && keyAt(at, timing) === key;
}

/** The series' slots starting before `before`, counted (for splitting a series limited by COUNT). */
export function countBefore(timing: Timing, before: Date): number {
  const entry = seriesOf(timing);
  if (!entry.rule) return 0;
  return firstAtOrAfter(startsThrough(entry, before.getTime()), before.getTime());
}

/** The last slot's end; null when the series never ends. */
export function seriesEnd(timing: Timing): Date | null {
  const entry = seriesOf(timing);
  if (!entry.rule) return slotAt(timing, timing.startLocal).endsAt;
  if (entry.through !== Infinity) return null;
  const last = entry.starts[entry.size - 1];
  if (last === undefined) return slotAt(timing, timing.startLocal).endsAt;
  return slotAt(timing, keyAt(last, timing)).endsAt;
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
