import { z } from 'zod';
import { publicProfileSchema } from './accounts.routes';
import { int4, int4Query, nameText, text, timeZone } from './input';
import { defineRoute } from './route-spec';

// The events calendar (issue #15, decision 021). An event is a post in its space's stream with an
// event attached: comments, reactions, reports and hiding come from the post. Times are wall-clock
// local date-times in an IANA zone; a recurring event is a series, and one occurrence of it is
// named by its original local start (`2027-03-28T19:00`, or `2027-03-28` for an all-day event)
// even after it was moved. RSVPs, counts and the waiting list are per occurrence.

/** A local date-time as a wall clock in the event's zone shows it, to the minute. */
export const localDateTimeSchema = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d$/, 'must be a local date-time like 2027-03-28T19:00');

/** A calendar date (all-day events). */
export const localDateSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a date like 2027-03-28');

/** When an event starts or ends: a local date-time, or a date for all-day events. */
export const localWhenSchema = z.union([localDateTimeSchema, localDateSchema]);

/**
 * An occurrence's name: its original local start. For a single event it is the event's start.
 * @example occurrenceKeySchema.parse('2027-03-28T19:00')
 */
export const occurrenceKeySchema = localWhenSchema.describe('The occurrence’s original local start (2027-03-28T19:00, or 2027-03-28 all-day)');

/** An IANA time zone such as Europe/London (canonical: it goes into other calendars' feeds). */
export const timeZoneSchema = timeZone();

export const weekdays = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof weekdays)[number];
export const frequencies = ['daily', 'weekly', 'monthly', 'yearly'] as const;

/**
 * How a series repeats (RFC 5545 RRULE, the presets people use). Monthly is either by the start's
 * date (`byMonthDay`, default the start's day) or by the nth weekday (`byNthWeekday`: the 2nd
 * Tuesday, the last Friday = n -1). Yearly repeats on the start's month and day. Until (a date in
 * the event's zone, inclusive) or count end it; neither: forever.
 */
export const recurrenceSchema = z
  .object({
    freq: z.enum(frequencies),
    interval: z.number().int().min(1).max(99).default(1),
    /** Weekly: on these days (default the start's weekday). */
    byWeekday: z.array(z.enum(weekdays)).min(1).max(7).optional(),
    /** Monthly by date: on this day of the month (-1: the last day). */
    byMonthDay: z.number().int().min(-1).max(31).refine((d) => d !== 0, 'must not be 0').optional(),
    /** Monthly by weekday: the nth (1–5, or -1 for the last) weekday of the month. */
    byNthWeekday: z.object({ n: z.number().int().min(-1).max(5).refine((d) => d !== 0, 'must not be 0'), weekday: z.enum(weekdays) }).strict().optional(),
    until: localDateSchema.optional().describe('The last date an occurrence may start on, in the event’s zone'),
    count: z.number().int().min(1).max(1000).optional(),
  })
  .strict()
  .refine((r) => r.until === undefined || r.count === undefined, { message: 'until and count do not go together', path: ['count'] })
  .refine((r) => r.byWeekday === undefined || r.freq === 'weekly', { message: 'byWeekday goes with weekly', path: ['byWeekday'] })
  .refine((r) => (r.byMonthDay === undefined && r.byNthWeekday === undefined) || r.freq === 'monthly', { message: 'byMonthDay and byNthWeekday go with monthly', path: ['freq'] })
  .refine((r) => r.byMonthDay === undefined || r.byNthWeekday === undefined, { message: 'byMonthDay and byNthWeekday do not go together', path: ['byNthWeekday'] })
  .meta({ id: 'Recurrence' });

export type Recurrence = z.output<typeof recurrenceSchema>;

export const attendeeVisibilities = ['members', 'hosts'] as const;
export const onlineLinkVisibilities = ['members', 'going'] as const;

/** Reminder offsets in minutes before the start (1 day = 1440); at most 5, at most 4 weeks before. */
export const reminderMinutesSchema = z.array(z.number().int().min(0).max(40_320)).max(5);

const colorSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #c2410c');
const urlSchema = z
  .string()
  .trim()
  .max(500)
  .url('must be a link')
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) link');

export const locationInputSchema = z
  .object({
    address: text().trim().max(300).optional(),
    onlineUrl: urlSchema.optional(),
  })
  .strict();

export const categoryInputSchema = z.object({ name: nameText({ min: 1, max: 40 }), color: colorSchema }).strict();

const eventFields = {
  title: nameText({ min: 1, max: 140 }),
  descriptionMarkdown: text().trim().max(10_000),
  timeZone: timeZoneSchema,
  allDay: z.boolean(),
  start: localWhenSchema.describe('Local date-time (or date when allDay) in timeZone'),
  end: localWhenSchema.describe('Local date-time (or date, inclusive, when allDay) in timeZone; not before start'),
  recurrence: recurrenceSchema.nullable(),
  location: locationInputSchema,
  category: categoryInputSchema.nullable(),
  /** Seats (each going member counts 1 + their guests); null: no limit. */
  capacity: int4().min(1).max(100_000).nullable(),
  /** Guests a member may bring (+N); 0: none. */
  maxGuests: z.number().int().min(0).max(20),
  /** RSVPs stay pending until a host approves. */
  approval: z.boolean(),
  /** RSVPs close this many minutes before each occurrence starts; null: until it starts. */
  rsvpDeadlineMinutes: int4().min(0).max(525_600).nullable(),
  /** How long an offered seat is held for the waiter to confirm. */
  offerWindowMinutes: z.number().int().min(5).max(10_080),
  attendeesVisibleTo: z.enum(attendeeVisibilities),
  onlineLinkVisibleTo: z.enum(onlineLinkVisibilities),
  /** The event's default reminders for those going or maybe (each member may choose their own). */
  reminderMinutes: reminderMinutesSchema,
  /** Site admins only, and only in a public space: shown in every member's own calendar. */
  networkWide: z.boolean(),
};

export const createEventSchema = z
  .object({
    ...eventFields,
    descriptionMarkdown: eventFields.descriptionMarkdown.default(''),
    allDay: eventFields.allDay.default(false),
    recurrence: eventFields.recurrence.default(null),
    location: eventFields.location.default({}),
    category: eventFields.category.default(null),
    capacity: eventFields.capacity.default(null),
    maxGuests: eventFields.maxGuests.default(0),
    approval: eventFields.approval.default(false),
    rsvpDeadlineMinutes: eventFields.rsvpDeadlineMinutes.default(null),
    offerWindowMinutes: eventFields.offerWindowMinutes.default(1440),
    attendeesVisibleTo: eventFields.attendeesVisibleTo.default('members'),
    onlineLinkVisibleTo: eventFields.onlineLinkVisibleTo.default('members'),
    reminderMinutes: eventFields.reminderMinutes.default([1440]),
    networkWide: eventFields.networkWide.default(false),
  })
  .strict()
  .meta({ id: 'CreateEvent' });

export const editScopes = ['all', 'this', 'following'] as const;
export type EditScope = (typeof editScopes)[number];

/**
 * A change to an event. scope 'all' changes the series; 'this' changes one occurrence (title,
 * description, location, start and end only); 'following' ends the series before the occurrence
 * (UNTIL) and starts a new event at it with the changes — the answer is then the new event.
 */
export const updateEventSchema = z
  .object({
    scope: z.enum(editScopes).default('all'),
    occurrence: occurrenceKeySchema.optional().describe('Required with scope this or following'),
    changes: z.object(eventFields).partial().strict(),
  })
  .strict()
  .refine((u) => u.scope === 'all' || u.occurrence !== undefined, { message: 'scope this and following name an occurrence', path: ['occurrence'] })
  .meta({ id: 'UpdateEvent' });

/** Cancels the whole event ('all'), one occurrence ('this'), or it and every later one ('following'). */
export const cancelEventSchema = z
  .object({ scope: z.enum(editScopes).default('all'), occurrence: occurrenceKeySchema.optional() })
  .strict()
  .refine((u) => u.scope === 'all' || u.occurrence !== undefined, { message: 'scope this and following name an occurrence', path: ['occurrence'] })
  .meta({ id: 'CancelEvent' });

export const rsvpAnswers = ['going', 'maybe', 'declined'] as const;
/** What an RSVP can be: the answer, or where the waiting list and approval put it. */
export const rsvpStatuses = ['going', 'maybe', 'declined', 'waiting', 'offered', 'pending'] as const;
export type RsvpStatus = (typeof rsvpStatuses)[number];

export const categorySchema = z.object({ name: z.string(), color: z.string() }).meta({ id: 'EventCategory' });

export const eventSchema = z
  .object({
    id: z.uuid(),
    spaceId: z.uuid(),
    space: z.object({ id: z.uuid(), slug: z.string(), name: z.string(), color: z.string() }),
    /** The post in the space's stream that carries this event (comments, reactions, reports). */
    postId: z.uuid(),
    /** The series this one was split from by an edit of "this and following"; null otherwise. */
    splitFrom: z.uuid().nullable(),
    createdBy: publicProfileSchema.pick({ id: true, handle: true, displayName: true, avatarUrl: true, isBot: true }),
    title: z.string(),
    descriptionMarkdown: z.string(),
    descriptionHtml: z.string(),
    timeZone: z.string(),
    allDay: z.boolean(),
    start: z.string().describe('Local start of the first occurrence in timeZone (date when allDay)'),
    end: z.string().describe('Local end of the first occurrence (inclusive date when allDay)'),
    startsAt: z.iso.datetime().describe('The first start as a UTC instant'),
    /** The last occurrence's end as a UTC instant; null for a series without end. */
    seriesEndsAt: z.iso.datetime().nullable(),
    recurrence: recurrenceSchema.nullable(),
    /** The same as an RFC 5545 RRULE line (without DTSTART); null when it does not repeat. */
    rrule: z.string().nullable(),
    location: z.object({
      address: z.string().nullable(),
      /** Null when there is none, or when only those going may see it and the reader is not (onlineUrlHidden). */
      onlineUrl: z.string().nullable(),
      onlineUrlHidden: z.boolean(),
    }),
    category: categorySchema.nullable(),
    imageUrl: z.string().nullable().describe('The cover image (GET /api/v1/events/{eventId}/image, versioned), or null'),
    capacity: z.number().int().nullable(),
    maxGuests: z.number().int(),
    approval: z.boolean(),
    rsvpDeadlineMinutes: z.number().int().nullable(),
    offerWindowMinutes: z.number().int(),
    attendeesVisibleTo: z.enum(attendeeVisibilities),
    onlineLinkVisibleTo: z.enum(onlineLinkVisibilities),
    reminderMinutes: z.array(z.number().int()),
    networkWide: z.boolean(),
    cancelled: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'CalendarEvent' });

export type CalendarEvent = z.infer<typeof eventSchema>;

/** An event as a calendar range lists it: without its description (a month grid shows none; the event's page has it). */
export const eventSummarySchema = eventSchema.omit({ descriptionMarkdown: true, descriptionHtml: true }).meta({ id: 'CalendarEventSummary' });
export type CalendarEventSummary = z.infer<typeof eventSummarySchema>;

export const rsvpCountsSchema = z
  .object({
    /** Seats taken by those going (1 + their guests each): the 19 of "19/50 going". */
    going: z.number().int(),
    /** People going (without guests). */
    goingPeople: z.number().int(),
    maybe: z.number().int(),
    declined: z.number().int(),
    /** On the waiting list, offers included. */
    waiting: z.number().int(),
    /** Awaiting a host's approval. */
    pending: z.number().int(),
    checkedIn: z.number().int(),
    capacity: z.number().int().nullable(),
  })
  .meta({ id: 'RsvpCounts' });

export type RsvpCounts = z.infer<typeof rsvpCountsSchema>;

export const myRsvpSchema = z
  .object({
    status: z.enum(rsvpStatuses),
    guests: z.number().int(),
    /** 1 for the first on the waiting list; null when not waiting. */
    waitingPosition: z.number().int().nullable(),
    /** With status 'offered': confirm (answer going) before this, or the seat goes to the next. */
    offerExpiresAt: z.iso.datetime().nullable(),
    checkedIn: z.boolean(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'MyRsvp' });

export type MyRsvp = z.infer<typeof myRsvpSchema>;

export const occurrenceSchema = z
  .object({
    eventId: z.uuid(),
    occurrence: z.string().describe('Its name: the original local start'),
    start: z.string().describe('Local start in the event’s zone (moved when this occurrence was edited)'),
    end: z.string(),
    startsAt: z.iso.datetime(),
    endsAt: z.iso.datetime(),
    /** This occurrence alone was edited ("this"). */
    overridden: z.boolean(),
    /** The occurrence's own title when edited, else the event's. */
    title: z.string(),
    address: z.string().nullable(),
    cancelled: z.boolean(),
    /** Whether RSVPs are still taken (not past its deadline, not cancelled, not started). */
    rsvpOpen: z.boolean(),
    counts: rsvpCountsSchema,
    /** The reader's own RSVP; null when none (always null in live events). */
    my: myRsvpSchema.nullable(),
  })
  .meta({ id: 'Occurrence' });

export type Occurrence = z.infer<typeof occurrenceSchema>;

/** Occurrences in a range, in start order, with each event they belong to once. */
export const occurrenceListSchema = z
  .object({
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    events: z.array(eventSummarySchema).describe('Each event once, without its description (GET /api/v1/events/{eventId} has it)'),
    occurrences: z.array(occurrenceSchema),
    /** The space's log position when read (space calendar only): live events after it apply on top. */
    seq: z.number().int().nullable(),
  })
  .meta({ id: 'OccurrenceList' });

export const eventDetailSchema = z
  .object({
    event: eventSchema,
    /** The asked occurrence, else the next one not yet ended, else the last; null when none is left. */
    occurrence: occurrenceSchema.nullable(),
    viewer: z.object({
      canEdit: z.boolean().describe('Creator, the space’s hosts and moderators, site admins'),
      canSeeAttendees: z.boolean(),
      canRsvp: z.boolean(),
      /** My own reminders for this event; null: the event's default. */
      reminderMinutes: z.array(z.number().int()).nullable(),
      /** An active member of the event's space (in its room); a visitor of a public space subscribes to follow it live. */
      member: z.boolean(),
    }),
    /** The space's log position when read: live events after it apply on top. */
    seq: z.number().int(),
  })
  .meta({ id: 'CalendarEventDetail' });

export const eventsOfPostsSchema = z
  .object({ items: z.record(z.string(), eventSchema).describe('By post id; posts that carry no event are left out') })
  .meta({ id: 'EventsOfPosts' });

export const rsvpInputSchema = z
  .object({
    status: z.enum(rsvpAnswers).describe('going while offered confirms the offer'),
    guests: z.number().int().min(0).max(20).default(0),
  })
  .strict()
  .meta({ id: 'RsvpInput' });

export const rsvpResultSchema = z
  .object({ eventId: z.uuid(), occurrence: z.string(), rsvp: myRsvpSchema, counts: rsvpCountsSchema })
  .meta({ id: 'RsvpResult' });

export const attendeeSchema = z
  .object({
    user: publicProfileSchema.pick({ id: true, handle: true, displayName: true, avatarUrl: true, isBot: true }),
    status: z.enum(rsvpStatuses),
    guests: z.number().int(),
    waitingPosition: z.number().int().nullable(),
    offerExpiresAt: z.iso.datetime().nullable(),
    checkedInAt: z.iso.datetime().nullable(),
    respondedAt: z.iso.datetime(),
  })
  .meta({ id: 'Attendee' });

export const attendeeListSchema = z
  .object({ items: z.array(attendeeSchema).describe('Going, pending, offered and waiting in order, then maybe; declined only to hosts'), counts: rsvpCountsSchema })
  .meta({ id: 'AttendeeList' });

export const checkInSchema = z.object({ checkedIn: z.boolean() }).strict().meta({ id: 'CheckIn' });
export const approveSchema = z.object({ approve: z.boolean().describe('false: declines the request') }).strict().meta({ id: 'ApproveRsvp' });

export const myRemindersSchema = z
  .object({ minutes: reminderMinutesSchema.nullable().describe('null: back to the event’s default') })
  .strict()
  .meta({ id: 'SetMyReminders' });

export const myRemindersResultSchema = z
  .object({ minutes: z.array(z.number().int()), isDefault: z.boolean() })
  .meta({ id: 'MyReminders' });

export const spaceCalendarSettingsSchema = z
  .object({ whoCreates: z.enum(['hosts', 'members']).describe('Who may create events in the space (hosts include moderators)') })
  .meta({ id: 'SpaceCalendarSettings' });

export const updateSpaceCalendarSettingsSchema = z
  .object({ whoCreates: z.enum(['hosts', 'members']) })
  .strict()
  .meta({ id: 'UpdateSpaceCalendarSettings' });

export const feedTokenSchema = z
  .object({ active: z.boolean(), createdAt: z.iso.datetime().nullable() })
  .meta({ id: 'CalendarFeedToken' });

export const newFeedTokenSchema = z
  .object({ url: z.string().describe('The feed’s address with its secret: shown this once'), createdAt: z.iso.datetime() })
  .meta({ id: 'NewCalendarFeedToken' });

/** A range query: from (inclusive) and to (exclusive) as instants, at most 400 days apart. */
export const rangeQuerySchema = z
  .object({
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    limit: int4Query().min(1).max(2000).default(2000).describe('At most this many occurrences, earliest first'),
  })
  .strict()
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { message: 'to must be after from', path: ['to'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 400 * 86_400_000, { message: 'at most 400 days at once', path: ['to'] });

/** At most this much iCalendar text in one import (the JSON body limit is 100 KB). */
export const MAX_IMPORT_CHARS = 90_000;

/**
 * An .ics file's text to import into a space (hosts only): each VEVENT becomes an event, with its
 * RRULE (when Hearth's recurrence can say it), its EXDATEs as cancelled occurrences, its TZID;
 * times in UTC or floating are read in `timeZone`.
 */
export const importIcsSchema = z
  .object({
    ics: text().max(MAX_IMPORT_CHARS).describe('The file as text (text/calendar)'),
    timeZone: timeZoneSchema.describe('For times given in UTC or without a zone, and all-day events'),
  })
  .strict()
  .meta({ id: 'ImportIcs' });

export const importIcsResultSchema = z
  .object({
    created: z.array(z.object({ uid: z.string(), eventId: z.uuid(), title: z.string() })),
    skipped: z.array(z.object({ uid: z.string(), title: z.string(), reason: z.enum(['unsupported-recurrence', 'invalid-time', 'cancelled', 'too-many']) })),
  })
  .meta({ id: 'ImportIcsResult' });

const spaceIdParams = z.object({ spaceId: z.uuid() }).strict();
const eventIdParams = z.object({ eventId: z.uuid() }).strict();
const occurrenceParams = z.object({ eventId: z.uuid(), occurrence: occurrenceKeySchema }).strict();
const attendeeParams = z.object({ eventId: z.uuid(), occurrence: occurrenceKeySchema, userId: z.uuid() }).strict();

export const calendarRoutes = {
  spaceCalendar: defineRoute({
    method: 'get',
    path: '/api/v1/spaces/:spaceId/calendar',
    summary: 'A space’s occurrences in [from, to) (month, week, agenda). 404 to those who may not read the space.',
    tag: 'calendar',
    access: 'member',
    params: spaceIdParams,
    query: rangeQuerySchema,
    responses: { 200: { description: 'Occurrences', schema: occurrenceListSchema } },
    errors: [404],
  }),
  myCalendar: defineRoute({
    method: 'get',
    path: '/api/v1/me/calendar',
    summary: 'My calendar: occurrences in [from, to) of my spaces’ events and network-wide events (going=true: only those I am going to). Upcoming: from = now with a small limit.',
    tag: 'calendar',
    access: 'member',
    query: rangeQuerySchema.safeExtend({ going: z.enum(['true', 'false']).default('false') }),
    responses: { 200: { description: 'Occurrences', schema: occurrenceListSchema } },
  }),
  createEvent: defineRoute({
    method: 'post',
    path: '/api/v1/spaces/:spaceId/events',
    summary: 'Creates an event, and its post in the space’s stream. Hosts, or members when the space lets them.',
    tag: 'calendar',
    access: 'member',
    params: spaceIdParams,
    body: createEventSchema,
    responses: { 201: { description: 'The event', schema: eventDetailSchema } },
    errors: [403, 404],
  }),
  importEvents: defineRoute({
    method: 'post',
    path: '/api/v1/spaces/:spaceId/events/import',
    summary: 'Imports the events of an .ics file into a space (its hosts and moderators): each VEVENT an event and its post; what cannot be imported is listed, not fatal.',
    tag: 'calendar',
    access: 'member',
    params: spaceIdParams,
    body: importIcsSchema,
    responses: { 201: { description: 'What was created and what was skipped', schema: importIcsResultSchema } },
    errors: [400, 403, 404],
  }),
  event: defineRoute({
    method: 'get',
    path: '/api/v1/events/:eventId',
    summary: 'An event with one occurrence (the asked one, else the next) and what I may do. 404 to those who may not read its space.',
    tag: 'calendar',
    access: 'member',
    params: eventIdParams,
    query: z.object({ occurrence: occurrenceKeySchema.optional() }).strict(),
    responses: { 200: { description: 'The event', schema: eventDetailSchema } },
    errors: [404],
  }),
  eventsOfPosts: defineRoute({
    method: 'get',
    path: '/api/v1/events-of-posts',
    summary: 'The events some stream posts carry (ids: up to 100 post ids, comma-separated), so the stream can show them as events.',
    tag: 'calendar',
    access: 'member',
    query: z
      .object({
        ids: z
          .string()
          .max(3_800)
          .transform((s) => s.split(',').filter(Boolean))
          .pipe(z.array(z.uuid()).min(1).max(100)),
      })
      .strict(),
    responses: { 200: { description: 'Events by post id', schema: eventsOfPostsSchema } },
  }),
  updateEvent: defineRoute({
    method: 'patch',
    path: '/api/v1/events/:eventId',
    summary: 'Edits the series, this occurrence, or this and the following ones (which makes a new event). Creator, hosts, moderators, admins.',
    tag: 'calendar',
    access: 'member',
    params: eventIdParams,
    body: updateEventSchema,
    responses: { 200: { description: 'The event as changed (the new one for following)', schema: eventDetailSchema } },
    errors: [403, 404, 409],
  }),
  cancelEvent: defineRoute({
    method: 'post',
    path: '/api/v1/events/:eventId/cancel',
    summary: 'Cancels the event, one occurrence, or it and the following ones; attendees are told.',
    tag: 'calendar',
    access: 'member',
    params: eventIdParams,
    body: cancelEventSchema,
    responses: { 200: { description: 'The event', schema: eventDetailSchema } },
    errors: [403, 404],
  }),
  rsvp: defineRoute({
    method: 'put',
    path: '/api/v1/events/:eventId/occurrences/:occurrence/rsvp',
    summary: 'My RSVP to an occurrence (same as the calendar:rsvp command). Going when full puts me on the waiting list; with approval it is pending.',
    tag: 'calendar',
    access: 'member',
    params: occurrenceParams,
    body: rsvpInputSchema,
    responses: { 200: { description: 'My RSVP and the counts', schema: rsvpResultSchema } },
    errors: [403, 404, 409],
  }),
  attendees: defineRoute({
    method: 'get',
    path: '/api/v1/events/:eventId/occurrences/:occurrence/attendees',
    summary: 'Who is going, waiting and maybe (members or hosts only, as the event says).',
    tag: 'calendar',
    access: 'member',
    params: occurrenceParams,
    responses: { 200: { description: 'Attendees', schema: attendeeListSchema } },
    errors: [403, 404],
  }),
  attendeesCsv: defineRoute({
    method: 'get',
    path: '/api/v1/events/:eventId/occurrences/:occurrence/attendees.csv',
    summary: 'The attendee list as CSV (hosts).',
    tag: 'calendar',
    access: 'member',
    params: occurrenceParams,
    responses: { 200: { description: 'CSV: handle, name, status, guests, checked in', contentType: 'text/csv' } },
    errors: [403, 404],
  }),
  checkIn: defineRoute({
    method: 'put',
    path: '/api/v1/events/:eventId/occurrences/:occurrence/attendees/:userId/check-in',
    summary: 'Ticks a member off at the door, or undoes it (hosts).',
    tag: 'calendar',
    access: 'member',
    params: attendeeParams,
    body: checkInSchema,
    responses: { 200: { description: 'The attendee', schema: attendeeSchema } },
    errors: [403, 404, 409],
  }),
  approveRsvp: defineRoute({
    method: 'put',
    path: '/api/v1/events/:eventId/occurrences/:occurrence/attendees/:userId/approval',
    summary: 'Approves a pending RSVP (going, or waiting when full) or declines it (hosts).',
    tag: 'calendar',
    access: 'member',
    params: attendeeParams,
    body: approveSchema,
    responses: { 200: { description: 'The attendee', schema: attendeeSchema } },
    errors: [403, 404, 409],
  }),
  myReminders: defineRoute({
    method: 'put',
    path: '/api/v1/events/:eventId/reminders',
    summary: 'My own reminders for an event (minutes before each occurrence I am going or maybe to); null: the event’s default.',
    tag: 'calendar',
    access: 'member',
    params: eventIdParams,
    body: myRemindersSchema,
    responses: { 200: { description: 'My reminders', schema: myRemindersResultSchema } },
    errors: [404],
  }),
  eventIcs: defineRoute({
    method: 'get',
    path: '/api/v1/events/:eventId/ics',
    summary: 'The event as an .ics file (add to calendar), its series and exceptions included.',
    tag: 'calendar',
    access: 'member',
    params: eventIdParams,
    responses: { 200: { description: 'iCalendar', contentType: 'text/calendar' } },
    errors: [404],
  }),
  eventImage: defineRoute({
    method: 'get',
    path: '/api/v1/events/:eventId/image',
    summary: 'An event’s cover image. 404 to those who may not read its space.',
    tag: 'calendar',
    access: 'member',
    params: eventIdParams,
    responses: { 200: { description: 'The image', contentType: 'image/*' } },
    errors: [404],
  }),
  uploadEventImage: defineRoute({
    method: 'put',
    path: '/api/v1/events/:eventId/image',
    summary: 'Sets the event’s cover image (its creator, the space’s hosts and moderators): multipart/form-data with one file field `image` (PNG, JPEG, WebP or GIF, at most 1 MB).',
    tag: 'calendar',
    access: 'member',
    params: eventIdParams,
    responses: { 200: { description: 'The event', schema: eventDetailSchema } },
    errors: [403, 404, 413, 415],
  }),
  removeEventImage: defineRoute({
    method: 'delete',
    path: '/api/v1/events/:eventId/image',
    summary: 'Removes the event’s cover image (its creator, the space’s hosts and moderators).',
    tag: 'calendar',
    access: 'member',
    params: eventIdParams,
    responses: { 200: { description: 'The event', schema: eventDetailSchema } },
    errors: [403, 404],
  }),
  spaceCalendarSettings: defineRoute({
    method: 'get',
    path: '/api/v1/spaces/:spaceId/calendar/settings',
    summary: 'Who may create events in the space.',
    tag: 'calendar',
    access: 'member',
    params: spaceIdParams,
    responses: { 200: { description: 'The settings', schema: spaceCalendarSettingsSchema } },
    errors: [404],
  }),
  updateSpaceCalendarSettings: defineRoute({
    method: 'patch',
    path: '/api/v1/spaces/:spaceId/calendar/settings',
    summary: 'Lets members create events, or only hosts (hosts and site admins).',
    tag: 'calendar',
    access: 'member',
    params: spaceIdParams,
    body: updateSpaceCalendarSettingsSchema,
    responses: { 200: { description: 'The settings', schema: spaceCalendarSettingsSchema } },
    errors: [403, 404],
  }),
  feedToken: defineRoute({
    method: 'get',
    path: '/api/v1/me/calendar-feed',
    summary: 'Whether I have a personal calendar feed (its secret is never shown again).',
    tag: 'calendar',
    access: 'member',
    responses: { 200: { description: 'My feed', schema: feedTokenSchema } },
  }),
  rotateFeedToken: defineRoute({
    method: 'post',
    path: '/api/v1/me/calendar-feed',
    summary: 'Makes my personal feed’s secret address (the old one stops working). Shown this once.',
    tag: 'calendar',
    access: 'member',
    responses: { 201: { description: 'The new address', schema: newFeedTokenSchema } },
  }),
  revokeFeedToken: defineRoute({
    method: 'delete',
    path: '/api/v1/me/calendar-feed',
    summary: 'Stops my personal feed.',
    tag: 'calendar',
    access: 'member',
    responses: { 200: { description: 'My feed', schema: feedTokenSchema } },
  }),
  spaceFeed: defineRoute({
    method: 'get',
    path: '/calendar/spaces/:slug.ics',
    summary: 'A public space’s events as an iCalendar feed to subscribe to (404 for any other space).',
    tag: 'calendar',
    access: 'public',
    params: z.object({ slug: text().max(60) }).strict(),
    responses: { 200: { description: 'iCalendar', contentType: 'text/calendar' } },
    errors: [404],
  }),
  personalFeed: defineRoute({
    method: 'get',
    path: '/calendar/feed/:token.ics',
    summary: 'The events I am going to (or maybe), as an iCalendar feed behind a secret address.',
    tag: 'calendar',
    access: 'public',
    params: z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'is not a feed address') }).strict(),
    responses: { 200: { description: 'iCalendar', contentType: 'text/calendar' } },
    errors: [404],
  }),
};
