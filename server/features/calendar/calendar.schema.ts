import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { Recurrence } from '../../../shared/api/calendar.routes';
import { bytea, users } from '../accounts/accounts.schema';
import { posts, spaces } from '../spaces/spaces.schema';

// The events calendar (decision 021). Times are kept as the wall clock shows them plus the IANA
// zone (what the host meant, right across daylight-saving changes); the UTC instants beside them
// exist only so that range queries can use an index.

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/** An event, or a series of them; always carried by a post in its space's stream. */
export const calendarEvents = pgTable(
  'calendar_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    spaceId: uuid('space_id')
      .notNull()
      .references(() => spaces.id, { onDelete: 'cascade' }),
    postId: uuid('post_id')
      .notNull()
      .unique()
      .references(() => posts.id, { onDelete: 'cascade' }),
    /** The series an edit of "this and following" split this one from. */
    splitFrom: uuid('split_from'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    title: text('title').notNull(),
    descriptionMarkdown: text('description_markdown').notNull().default(''),
    timeZone: text('time_zone').notNull(),
    allDay: boolean('all_day').notNull().default(false),
    /** 'YYYY-MM-DDTHH:mm' (or 'YYYY-MM-DD' all-day) in time_zone: the first occurrence. */
    startLocal: text('start_local').notNull(),
    endLocal: text('end_local').notNull(),
    /** The first start as an instant. */
    startsAt: timestamptz('starts_at').notNull(),
    /** The last occurrence's end as an instant; null for a series without end. */
    seriesEndsAt: timestamptz('series_ends_at'),
    recurrence: jsonb('recurrence').$type<Recurrence>(),
    locationAddress: text('location_address'),
    onlineUrl: text('online_url'),
    categoryName: text('category_name'),
    categoryColor: text('category_color'),
    capacity: integer('capacity'),
    maxGuests: integer('max_guests').notNull().default(0),
    approval: boolean('approval').notNull().default(false),
    rsvpDeadlineMinutes: integer('rsvp_deadline_minutes'),
    offerWindowMinutes: integer('offer_window_minutes').notNull().default(1440),
    attendeesVisibleTo: text('attendees_visible_to', { enum: ['members', 'hosts'] }).notNull().default('members'),
    onlineLinkVisibleTo: text('online_link_visible_to', { enum: ['members', 'going'] }).notNull().default('members'),
    reminderMinutes: integer('reminder_minutes')
      .array()
      .notNull()
      .default(sql`'{1440}'::integer[]`),
    networkWide: boolean('network_wide').notNull().default(false),
    /** Bumped with each new cover image (0: none), so its URL changes and caches refetch it. */
    imageVersion: integer('image_version').notNull().default(0),
    cancelledAt: timestamptz('cancelled_at'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('calendar_events_space_idx').on(t.spaceId, t.startsAt),
    // A range [from, to) of the coming months: the events not over by `from` (and those without end) are few beside the space's history.
    index('calendar_events_space_end_idx').on(t.spaceId, t.seriesEndsAt),
    index('calendar_events_network_idx').on(t.startsAt).where(sql`${t.networkWide}`),
  ],
);

/** One occurrence of a series edited alone ("this") or cancelled; named by its original local start. */
export const calendarOccurrences = pgTable(
  'calendar_occurrences',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => calendarEvents.id, { onDelete: 'cascade' }),
    occurrenceKey: text('occurrence_key').notNull(),
    cancelledAt: timestamptz('cancelled_at'),
    /** Moved: its own local start and end (in the event's zone). */
    startLocal: text('start_local'),
    endLocal: text('end_local'),
    title: text('title'),
    descriptionMarkdown: text('description_markdown'),
    locationAddress: text('location_address'),
    onlineUrl: text('online_url'),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.occurrenceKey] })],
);

/** A member's answer to one occurrence, and where the waiting list and approval put it. */
export const calendarRsvps = pgTable(
  'calendar_rsvps',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => calendarEvents.id, { onDelete: 'cascade' }),
    occurrenceKey: text('occurrence_key').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['going', 'maybe', 'declined', 'waiting', 'offered', 'pending'] }).notNull(),
    guests: integer('guests').notNull().default(0),
    /** First come, first served: the waiting list's order (microseconds, set under the event's row lock). */
    queuedAt: timestamp('queued_at', { withTimezone: true, mode: 'date' }),
    offerExpiresAt: timestamptz('offer_expires_at'),
    checkedInAt: timestamptz('checked_in_at'),
    respondedAt: timestamptz('responded_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.occurrenceKey, t.userId] }),
    index('calendar_rsvps_user_idx').on(t.userId, t.status),
    index('calendar_rsvps_queue_idx').on(t.eventId, t.occurrenceKey, t.status, t.queuedAt),
  ],
);

/** A member's own reminders for an event (minutes before each occurrence); no row: the event's default. */
export const calendarReminderChoices = pgTable(
  'calendar_reminder_choices',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => calendarEvents.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    minutes: integer('minutes').array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.userId] })],
);

/** Reminders sent, so that each is sent once however often the schedule runs. */
export const calendarRemindersSent = pgTable(
  'calendar_reminders_sent',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => calendarEvents.id, { onDelete: 'cascade' }),
    occurrenceKey: text('occurrence_key').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    minutes: integer('minutes').notNull(),
    sentAt: timestamptz('sent_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.occurrenceKey, t.userId, t.minutes] })],
);

/** A member's personal feed: only the SHA-256 of its secret is kept. */
export const calendarFeedTokens = pgTable('calendar_feed_tokens', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
});

/** An event's cover image, re-encoded without metadata (server/core/images.ts); served only to its space's readers. */
export const calendarEventImages = pgTable('calendar_event_images', {
  eventId: uuid('event_id')
    .primaryKey()
    .references(() => calendarEvents.id, { onDelete: 'cascade' }),
  contentType: text('content_type').notNull(),
  data: bytea('data').notNull(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});

export type CalendarEventRow = typeof calendarEvents.$inferSelect;
export type OccurrenceRow = typeof calendarOccurrences.$inferSelect;
export type RsvpRow = typeof calendarRsvps.$inferSelect;
