import { z } from 'zod';
import { eventSchema, myRsvpSchema, occurrenceKeySchema, rsvpCountsSchema, rsvpInputSchema, rsvpResultSchema } from '../api/calendar.routes';
import { inMemberLog } from './member';
import type { CommandSpec, EventSpec } from './spec';

// The calendar's live events (decision 021). What every reader of a space must see — an event
// created, edited or cancelled, an occurrence's counts after an RSVP or a waiting-list move — goes
// through the space's replay log (decision 014), like posts: numbered, replayed by stream:resume.
// What only one member must see — their own RSVP moved by someone else (an offer made or expired,
// an approval) — goes through that member's own log and member:resume.

/** Every event about a space carries its place in that space's log: apply each seq once, in order. */
const inSpace = { spaceId: z.uuid(), seq: z.number().int().positive() };

export const eventChanges = ['created', 'updated', 'cancelled'] as const;

export const eventChangedSchema = z
  .object({
    ...inSpace,
    change: z.enum(eventChanges),
    /** The event as anyone who may read the space sees it (an online link only for those going is hidden: load the event). */
    event: eventSchema,
    /** Set when one occurrence alone was edited or cancelled; null for the whole event. */
    occurrence: z.string().nullable(),
  })
  .meta({ id: 'CalendarEventChanged' });

export const rsvpChangedSchema = z
  .object({
    ...inSpace,
    eventId: z.uuid(),
    occurrence: z.string(),
    counts: rsvpCountsSchema,
  })
  .meta({ id: 'CalendarRsvpChanged' });

/** Why my RSVP changed without my doing. */
export const myRsvpReasons = ['offered', 'offer-expired', 'promoted', 'approved', 'declined-by-host', 'cancelled'] as const;

export const myRsvpChangedSchema = z
  .object({
    spaceId: z.uuid(),
    eventId: z.uuid(),
    occurrence: z.string(),
    rsvp: myRsvpSchema.nullable(),
    reason: z.enum(myRsvpReasons),
    ...inMemberLog,
  })
  .meta({ id: 'CalendarMyRsvpChanged' });

export const calendarRsvpCommandSchema = rsvpInputSchema
  .safeExtend({ eventId: z.uuid(), occurrence: occurrenceKeySchema })
  .strict()
  .meta({ id: 'CalendarRsvpCommand' });

export const calendarCommands = {
  'calendar:rsvp': {
    summary: 'My RSVP to one occurrence: going (waiting when full, pending with approval; confirms an offer), maybe or declined, with +N guests.',
    payload: calendarRsvpCommandSchema,
    result: rsvpResultSchema,
  },
} satisfies Record<string, CommandSpec>;

export const calendarEvents = {
  'calendar:event-changed': {
    summary: 'An event was created, edited or cancelled (or one occurrence of it).',
    audience: 'space:<id>',
    payload: eventChangedSchema,
  },
  'calendar:rsvp-changed': {
    summary: 'An occurrence’s counts changed (an RSVP, a waiting-list move, an approval, a check-in).',
    audience: 'space:<id>',
    payload: rsvpChangedSchema,
  },
  'calendar:my-rsvp-changed': {
    summary: 'My RSVP changed by someone else’s doing: a seat offered to me, an offer expired, approved or declined by a host.',
    audience: 'user:<userId>',
    payload: myRsvpChangedSchema,
  },
} satisfies Record<string, EventSpec>;
