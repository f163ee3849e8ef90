// iCalendar (RFC 5545) output of events: feeds, downloads and mail attachments (decision 021).
//
// Written here rather than through ical-generator: times go out exactly as the host's wall clock
// says them (DTSTART;TZID=Europe/London:20270328T190000) with the zone's VTIMEZONE block, and a
// series goes out as one VEVENT with its RRULE plus one VEVENT per edited or cancelled
// occurrence (RECURRENCE-ID, STATUS:CANCELLED) — never a Date round trip through the server's zone.
import { tzlib_get_ical_block } from 'timezones-ical-library';
import type { Slot, Timing } from './calendar.recurrence';
import { rruleOf, slotAt } from './calendar.recurrence';

export interface IcsOccurrence {
  key: string;
  cancelled: boolean;
  startLocal: string | null;
  endLocal: string | null;
  title: string | null;
  description: string | null;
  location: string | null;
}

export interface IcsEvent extends Timing {
  id: string;
  title: string;
  description: string;
  location: string | null;
  url: string;
  cancelled: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** Edited or cancelled occurrences of a series. */
  occurrences: IcsOccurrence[];
}

/** TEXT escaping of RFC 5545 §3.3.11. */
function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Folds a content line at 75 octets, never inside a UTF-8 sequence (§3.1). */
function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char);
    if (octets + size > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

const compact = (local: string) => local.replace(/[-:]/g, '') + (local.length === 10 ? '' : '00');
const utcStamp = (at: Date) => at.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');

function when(name: string, timing: Timing, local: string): string {
  return timing.allDay ? `${name};VALUE=DATE:${compact(local)}` : `${name};TZID=${timing.timeZone}:${compact(local)}`;
}

/** All-day ends are exclusive in iCalendar: the day after our inclusive end. */
function endOf(timing: Timing, slot: Slot): string {
  if (!timing.allDay) return when('DTEND', timing, slot.endLocal);
  const next = new Date(`${slot.endLocal}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return `DTEND;VALUE=DATE:${next.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

function vevent(event: IcsEvent, uidHost: string, slot: Slot, extra: { recurrenceId?: string; cancelled: boolean; title: string; description: string; location: string | null; rrule?: string | null }): string[] {
  const lines = [
    'BEGIN:VEVENT',
    `UID:${event.id}@${uidHost}`,
    `DTSTAMP:${utcStamp(event.updatedAt)}`,
    `CREATED:${utcStamp(event.createdAt)}`,
    `LAST-MODIFIED:${utcStamp(event.updatedAt)}`,
    when('DTSTART', event, slot.startLocal),
    endOf(event, slot),
  ];
  if (extra.recurrenceId) lines.push(when('RECURRENCE-ID', event, extra.recurrenceId));
  if (extra.rrule) lines.push(`RRULE:${extra.rrule}`);
  lines.push(`SUMMARY:${escapeText(extra.title)}`);
  if (extra.description) lines.push(`DESCRIPTION:${escapeText(extra.description)}`);
  if (extra.location) lines.push(`LOCATION:${escapeText(extra.location)}`);
  lines.push(`URL:${event.url}`, `STATUS:${extra.cancelled ? 'CANCELLED' : 'CONFIRMED'}`, 'END:VEVENT');
  return lines;
}

/**
 * A VCALENDAR of these events with the VTIMEZONE of every zone they use.
 * @example toIcs({ name: 'Gardening', host: 'hearth.example', events: [] }) // 'BEGIN:VCALENDAR\r\n…'
 */
export function toIcs(calendar: { name: string; host: string; events: IcsEvent[]; method?: 'PUBLISH' | 'REQUEST' }): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Hearth//Events//EN', 'CALSCALE:GREGORIAN', `METHOD:${calendar.method ?? 'PUBLISH'}`, `X-WR-CALNAME:${escapeText(calendar.name)}`];
  const zones = new Set(calendar.events.filter((e) => !e.allDay).map((e) => e.timeZone));
  for (const zone of zones) {
    const block = tzlib_get_ical_block(zone)[0];
    if (block) lines.push(...block.split(/\r?\n/).filter((l) => l.length > 0));
  }
  for (const event of calendar.events) {
    const first = slotAt(event, event.startLocal);
    lines.push(
      ...vevent(event, calendar.host, first, {
        cancelled: event.cancelled,
        title: event.title,
        description: event.description,
        location: event.location,
        rrule: rruleOf(event),
      }),
    );
    if (!event.recurrence) continue;
    for (const occurrence of event.occurrences) {
      const moved = occurrence.startLocal ? { ...slotAt(event, occurrence.startLocal), endLocal: occurrence.endLocal ?? slotAt(event, occurrence.startLocal).endLocal } : slotAt(event, occurrence.key);
      lines.push(
        ...vevent(event, calendar.host, moved, {
          recurrenceId: occurrence.key,
          cancelled: event.cancelled || occurrence.cancelled,
          title: occurrence.title ?? event.title,
          description: occurrence.description ?? event.description,
          location: occurrence.location ?? event.location,
        }),
      );
    }
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}
