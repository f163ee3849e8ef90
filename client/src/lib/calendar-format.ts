// An event's time as its reader needs it: in the reader's own zone (Intl), with the event's zone
// beside it when the two differ, so "19:00 in London" is never read as 19:00 in New York.
import { i18n } from './i18n.svelte';

/** The browser's IANA zone, e.g. 'Europe/Paris' (the default zone of a new event). */
export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Every zone the browser knows, for the zone picker (the viewer's own first). */
export function knownZones(): string[] {
  const own = viewerZone();
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [own, 'UTC'];
  return [own, ...all.filter((zone) => zone !== own)];
}

/**
 * Whether an instant reads differently in the event's zone than in the viewer's (another offset),
 * or the zones are simply not the same: then the event's own time is shown as well.
 * @example zonesDiffer('Europe/London', 'Europe/London') // → false
 */
export function zonesDiffer(eventZone: string, zone = viewerZone()): boolean {
  return eventZone !== zone;
}

const dayFormat = (zone: string) => new Intl.DateTimeFormat(i18n.locale, { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
const timeFormat = (zone: string) => new Intl.DateTimeFormat(i18n.locale, { timeZone: zone, hour: 'numeric', minute: '2-digit' });
const zoneNameFormat = (zone: string) => new Intl.DateTimeFormat(i18n.locale, { timeZone: zone, timeZoneName: 'short' });

/** The date of an instant in a zone: '2027-03-28'. */
export function dateInZone(instant: string | Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(instant));
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The zone's short name at an instant, e.g. 'BST' or 'GMT+1'. */
export function zoneLabel(instant: string | Date, zone: string): string {
  return zoneNameFormat(zone).formatToParts(new Date(instant)).find((part) => part.type === 'timeZoneName')?.value ?? zone;
}

/**
 * "Sun 28 Mar 2027, 19:00 – 21:00" in a zone; an end on another day carries its date too.
 * @example formatRange('2027-03-28T18:00:00Z', '2027-03-28T20:00:00Z', 'Europe/London') // → 'Sun 28 Mar 2027, 19:00 – 21:00'
 */
export function formatRange(start: string, end: string | null, zone: string): string {
  const day = dayFormat(zone);
  const time = timeFormat(zone);
  const from = `${day.format(new Date(start))}, ${time.format(new Date(start))}`;
  if (!end) return from;
  const sameDay = dateInZone(start, zone) === dateInZone(end, zone);
  const to = sameDay ? time.format(new Date(end)) : `${day.format(new Date(end))}, ${time.format(new Date(end))}`;
  return `${from} – ${to}`;
}

/**
 * An all-day event's dates (its days are the same everywhere): "Sun 28 Mar 2027" or a span.
 * @example formatDays('2027-03-28', '2027-03-29') // → 'Sun 28 Mar 2027 – Mon 29 Mar 2027'
 */
export function formatDays(startDate: string, endDate: string | null): string {
  // Noon UTC keeps the date the same in every zone's reading.
  const day = dayFormat('UTC');
  const at = (date: string) => day.format(new Date(`${date}T12:00:00Z`));
  if (!endDate || endDate === startDate) return at(startDate);
  return `${at(startDate)} – ${at(endDate)}`;
}

/** "18 Mar, 19:00": a short date and time in the viewer's zone (deadlines, offers). */
export function formatShortDateTime(instant: string): string {
  return new Date(instant).toLocaleString(i18n.locale, { day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
}

/** The day of the month and the short month, for the date badges of an event card. */
export function dateBadge(instant: string, zone = viewerZone()): { day: string; month: string } {
  const date = new Date(instant);
  return {
    day: new Intl.DateTimeFormat(i18n.locale, { timeZone: zone, day: 'numeric' }).format(date),
    month: new Intl.DateTimeFormat(i18n.locale, { timeZone: zone, month: 'short' }).format(date),
  };
}
