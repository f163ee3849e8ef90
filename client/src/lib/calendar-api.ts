import type { z } from 'zod';
import type {
  attendeeListSchema,
  attendeeSchema,
  CalendarEvent,
  CalendarEventSummary,
  createEventSchema,
  eventDetailSchema,
  MyRsvp,
  Occurrence,
  occurrenceListSchema,
  Recurrence,
  RsvpCounts,
  RsvpStatus,
  updateEventSchema,
  Weekday,
} from '../../../shared/api/calendar.routes';
import { formatDays, formatRange, viewerZone, zonesDiffer } from './calendar-format';
import { weekdayOf } from './calendar-rules';
import { formatDate, formatNumber } from './format';
import { t } from './i18n.svelte';

// The calendar's types as the client reads them (only types come from shared/, as for spaces).

export { nthWeekdayOf, presetOf, readableOn, recurrenceOf, weekdayOf, weekdays, type RecurrencePreset } from './calendar-rules';

export type { CalendarEvent, CalendarEventSummary, MyRsvp, Occurrence, Recurrence, RsvpCounts, RsvpStatus, Weekday };
export type EventDetail = z.output<typeof eventDetailSchema>;
export type OccurrenceList = z.output<typeof occurrenceListSchema>;
export type Attendee = z.output<typeof attendeeSchema>;
export type AttendeeList = z.output<typeof attendeeListSchema>;
export type CreateEventInput = z.input<typeof createEventSchema>;
export type UpdateEventInput = z.input<typeof updateEventSchema>;
export type RsvpAnswer = 'going' | 'maybe' | 'declined';

/**
 * Where an occurrence's page is: the event's, with the occurrence named.
 * @example occurrenceHref('e1', '2027-03-28T19:00') // → '/events/e1?on=2027-03-28T19%3A00'
 */
export function occurrenceHref(eventId: string, occurrence?: string | null): string {
  return occurrence ? `/events/${eventId}?on=${encodeURIComponent(occurrence)}` : `/events/${eventId}`;
}

/**
 * "19/50 going", or "19 going" without a limit (seats: each guest counts).
 * @example countsLabel({ going: 19, capacity: 50, … }) // → '19/50 going'
 */
export function countsLabel(counts: Pick<RsvpCounts, 'going' | 'capacity'>): string {
  return counts.capacity === null
    ? t('calendar:card.goingOpen', { going: formatNumber(counts.going) })
    : t('calendar:card.going', { going: formatNumber(counts.going), capacity: formatNumber(counts.capacity) });
}

export function isFull(counts: Pick<RsvpCounts, 'going' | 'capacity'>): boolean {
  return counts.capacity !== null && counts.going >= counts.capacity;
}

/** An occurrence's time in the viewer's zone, and in the event's own zone when that differs. */
export function occurrenceTimes(event: Pick<CalendarEvent, 'allDay' | 'timeZone'>, occurrence: Pick<Occurrence, 'start' | 'end' | 'startsAt' | 'endsAt'>): { local: string; eventZone?: string } {
  if (event.allDay) return { local: formatDays(occurrence.start.slice(0, 10), occurrence.end.slice(0, 10)) };
  const zone = viewerZone();
  const local = formatRange(occurrence.startsAt, occurrence.endsAt, zone);
  if (!zonesDiffer(event.timeZone, zone)) return { local };
  return { local, eventZone: t('calendar:card.inZone', { time: formatRange(occurrence.startsAt, occurrence.endsAt, event.timeZone), zone: event.timeZone }) };
}

const weekdayName = (day: Weekday) => t(`calendar:weekday.${day}`);

/**
 * A series' rule in words: "Every week on Tuesday", "Every 2 weeks on Monday, Thursday", "Every month on the last Friday, until 3 June 2027".
 * @example describeRecurrence({ freq: 'weekly', interval: 1, byWeekday: ['TU'] }, '2027-03-02T19:00') // → 'Every week on Tuesday'
 */
export function describeRecurrence(recurrence: Recurrence, start: string): string {
  const startDay = weekdayOf(start.slice(0, 10));
  const count = recurrence.interval;
  let rule: string;
  switch (recurrence.freq) {
    case 'daily':
      rule = t('calendar:repeat.every.daily', { count });
      break;
    case 'weekly':
      rule = t('calendar:repeat.weekly', {
        every: t('calendar:repeat.every.weekly', { count }),
        days: (recurrence.byWeekday ?? [startDay]).map(weekdayName).join(', '),
      });
      break;
    case 'monthly': {
      const every = t('calendar:repeat.every.monthly', { count });
      if (recurrence.byNthWeekday) {
        const { n, weekday } = recurrence.byNthWeekday;
        const nth = n === -1 ? t('calendar:repeat.nth.last') : t(`calendar:repeat.nth.${n as 1 | 2 | 3 | 4 | 5}`);
        rule = t('calendar:repeat.monthlyNth', { every, nth, weekday: weekdayName(weekday) });
      } else {
        const day = recurrence.byMonthDay ?? Number(start.slice(8, 10));
        rule = day === -1 ? t('calendar:repeat.monthlyLastDay', { every }) : t('calendar:repeat.monthlyDay', { every, day: formatNumber(day) });
      }
      break;
    }
    case 'yearly':
      rule = t('calendar:repeat.every.yearly', { count });
      break;
  }
  if (recurrence.until) return t('calendar:repeat.until', { rule, date: formatDate(`${recurrence.until}T12:00:00Z`) });
  if (recurrence.count) return t('calendar:repeat.count', { rule, count: recurrence.count });
  return rule;
}

/** Reminder offsets people pick from (minutes before). */
export const reminderChoices = [0, 15, 60, 180, 1440, 2880, 10080] as const;

/** How many reminders an event or a member may have (as the server's reminderMinutesSchema). */
export const maxReminders = 5;

/**
 * A reminder offset in words.
 * @example reminderLabel(1440) // → '1 day before'
 */
export function reminderLabel(minutes: number): string {
  if (minutes === 0) return t('calendar:reminders.atStart');
  if (minutes % 10080 === 0 && minutes === 10080) return t('calendar:reminders.week');
  if (minutes % 1440 === 0) return minutes === 1440 ? t('calendar:reminders.day') : t('calendar:reminders.days', { n: formatNumber(minutes / 1440) });
  if (minutes % 60 === 0) return minutes === 60 ? t('calendar:reminders.hour') : t('calendar:reminders.hours', { n: formatNumber(minutes / 60) });
  return t('calendar:reminders.minutes', { n: formatNumber(minutes) });
}

/** What my RSVP says, in a sentence. */
export function myRsvpSentence(rsvp: MyRsvp, offerDeadline: (iso: string) => string): string {
  switch (rsvp.status) {
    case 'going':
      return rsvp.guests > 0 ? t('calendar:rsvp.status.goingWithGuests', { guests: formatNumber(rsvp.guests) }) : t('calendar:rsvp.status.going');
    case 'maybe':
      return t('calendar:rsvp.status.maybe');
    case 'declined':
      return t('calendar:rsvp.status.declined');
    case 'waiting':
      return t('calendar:rsvp.status.waiting', { position: formatNumber(rsvp.waitingPosition ?? 1) });
    case 'offered':
      return t('calendar:rsvp.status.offered', { deadline: rsvp.offerExpiresAt ? offerDeadline(rsvp.offerExpiresAt) : '' });
    case 'pending':
      return t('calendar:rsvp.status.pending');
  }
}

/** Which answer button an RSVP status presses (waiting, offered and pending asked to go). */
export function answerOf(status: RsvpStatus | undefined): RsvpAnswer | undefined {
  if (!status) return undefined;
  if (status === 'maybe' || status === 'declined') return status;
  return status === 'going' ? 'going' : undefined;
}
