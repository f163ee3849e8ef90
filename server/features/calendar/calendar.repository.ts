import { and, asc, eq, gt, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { RsvpCounts } from '../../../shared/api/calendar.routes';
import type { Db } from '../../core/db/database';
import { posts, spaceEvents, spaceMembers, spaces, users } from '../../core/db/schema';
import { defineReplayLog } from '../../core/replay-log/replay-log';
import {
  calendarEvents,
  calendarFeedTokens,
  calendarOccurrences,
  calendarReminderChoices,
  calendarRsvps,
  type CalendarEventRow,
  type OccurrenceRow,
  type RsvpRow,
} from './calendar.schema';

/**
 * The space's own log (the stream's, decision 014): calendar events are numbered among its posts,
 * so one stream:resume replays both. Same tables and head row as the stream's `streamLog`, which
 * the spaces module lists for pruning; this handle only appends.
 */
export const spaceLog = defineReplayLog({
  noun: 'space',
  head: { table: spaces, key: spaces.id, seq: spaces.seq },
  events: { table: spaceEvents, key: spaceEvents.spaceId },
  maxReplay: 500,
});

/** Statuses that hold seats: going, and an offer not yet answered. */
export const SEATED = ['going', 'offered'] as const;

/**
 * An event whose post is live (not deleted or hidden by the moderators): what the calendar shows.
 * A scalar subquery, not EXISTS: PostgreSQL turned EXISTS into a hash join that read every post
 * of the space for each month view; this is one primary-key lookup per event in the range.
 */
const livePost = sql`(select p.deleted_at is null and p.hidden_at is null from ${posts} p where p.id = ${calendarEvents.postId})`;

/** What an event's view names of its space and its creator (only these columns: a month view maps hundreds of rows). */
const spaceColumns = { id: spaces.id, slug: spaces.slug, name: spaces.name, color: spaces.color };
const creatorColumns = { id: users.id, handle: users.handle, displayName: users.displayName, avatarVersion: users.avatarVersion, externalAvatarUrl: users.externalAvatarUrl, isBot: users.isBot };

export type EventWithSpace = {
  event: CalendarEventRow;
  space: { id: string; slug: string; name: string; color: string };
  creator: { id: string; handle: string; displayName: string; avatarVersion: number; externalAvatarUrl: string | null; isBot: boolean } | null;
};

const withSpace = (db: Db) =>
  db
    .select({ event: calendarEvents, space: spaceColumns, creator: creatorColumns })
    .from(calendarEvents)
    .innerJoin(spaces, eq(spaces.id, calendarEvents.spaceId))
    .leftJoin(users, eq(users.id, calendarEvents.createdBy));

export async function loadEvent(db: Db, eventId: string): Promise<EventWithSpace | undefined> {
  const [row] = await withSpace(db).where(and(eq(calendarEvents.id, eventId), livePost));
  return row;
}

export async function eventsOfPosts(db: Db, postIds: string[]): Promise<EventWithSpace[]> {
  if (postIds.length === 0) return [];
  return withSpace(db).where(and(inArray(calendarEvents.postId, postIds), livePost));
}

/** Events overlapping [from, to) in these spaces (or network-wide ones), by their series' bounds. */
export async function eventsBetween(db: Db, where: { spaceIds: string[]; networkWide?: boolean; eventIds?: string[] }, from: Date, to: Date): Promise<EventWithSpace[]> {
  const inScope: SQL[] = [];
  if (where.spaceIds.length > 0) inScope.push(inArray(calendarEvents.spaceId, where.spaceIds));
  if (where.networkWide) inScope.push(and(eq(calendarEvents.networkWide, true), eq(spaces.visibility, 'public'))!);
  if (where.eventIds && where.eventIds.length > 0) inScope.push(inArray(calendarEvents.id, where.eventIds));
  if (inScope.length === 0) return [];
  return withSpace(db)
    .where(
      and(
        or(...inScope),
        lt(calendarEvents.startsAt, to),
        or(isNull(calendarEvents.seriesEndsAt), gt(calendarEvents.seriesEndsAt, from)),
        livePost,
      ),
    )
    .orderBy(asc(calendarEvents.startsAt));
}

export async function occurrencesOf(db: Db, eventIds: string[]): Promise<Map<string, Map<string, OccurrenceRow>>> {
  const out = new Map<string, Map<string, OccurrenceRow>>();
  if (eventIds.length === 0) return out;
  const rows = await db.select().from(calendarOccurrences).where(inArray(calendarOccurrences.eventId, eventIds));
  for (const row of rows) {
    let of = out.get(row.eventId);
    if (!of) out.set(row.eventId, (of = new Map()));
    of.set(row.occurrenceKey, row);
  }
  return out;
}

export const emptyCounts = (capacity: number | null): RsvpCounts => ({ going: 0, goingPeople: 0, maybe: 0, declined: 0, waiting: 0, pending: 0, checkedIn: 0, capacity });

export type CountRow = { eventId: string; occurrenceKey: string; status: RsvpRow['status']; people: number; seats: number; checkedIn: number };

/** Adds (or, with negative numbers, takes away) a group of RSVPs to the counts. */
export function addCount(counts: RsvpCounts, row: CountRow) {
  if (row.status === 'going') {
    counts.going += row.seats;
    counts.goingPeople += row.people;
  } else if (row.status === 'offered' || row.status === 'waiting') counts.waiting += row.people;
  else if (row.status === 'maybe') counts.maybe += row.people;
  else if (row.status === 'declined') counts.declined += row.people;
  else counts.pending += row.people;
  counts.checkedIn += row.checkedIn;
}

const countColumns = {
  eventId: calendarRsvps.eventId,
  occurrenceKey: calendarRsvps.occurrenceKey,
  status: calendarRsvps.status,
  people: sql<number>`count(*)::int`,
  seats: sql<number>`coalesce(sum(1 + ${calendarRsvps.guests}), 0)::int`,
  checkedIn: sql<number>`count(${calendarRsvps.checkedInAt})::int`,
};

/** Counts per event and occurrence ("eventId|key"). */
export async function countsOf(db: Db, eventIds: string[]): Promise<Map<string, CountRow[]>> {
  const out = new Map<string, CountRow[]>();
  if (eventIds.length === 0) return out;
  const rows = await db
    .select(countColumns)
    .from(calendarRsvps)
    .where(inArray(calendarRsvps.eventId, eventIds))
    .groupBy(calendarRsvps.eventId, calendarRsvps.occurrenceKey, calendarRsvps.status);
  for (const row of rows) {
    const id = `${row.eventId}|${row.occurrenceKey}`;
    out.set(id, [...(out.get(id) ?? []), row]);
  }
  return out;
}

export function countsFrom(rows: CountRow[] | undefined, capacity: number | null): RsvpCounts {
  const counts = emptyCounts(capacity);
  for (const row of rows ?? []) addCount(counts, row);
  return counts;
}

export async function countsOfOccurrence(db: Db, eventId: string, key: string, capacity: number | null): Promise<RsvpCounts> {
  const rows = await db
    .select(countColumns)
    .from(calendarRsvps)
    .where(and(eq(calendarRsvps.eventId, eventId), eq(calendarRsvps.occurrenceKey, key)))
    .groupBy(calendarRsvps.eventId, calendarRsvps.occurrenceKey, calendarRsvps.status);
  return countsFrom(rows, capacity);
}

/**
 * One occurrence's RSVPs grouped by status, and my own row, in one statement (the RSVP reads
 * both under the event's lock; one round trip fewer there is one less wait for everyone queued).
 */
export async function occupancyOf(tx: Db, eventId: string, key: string, userIds: string[]): Promise<{ rows: CountRow[]; mine: Map<string, RsvpRow> }> {
  const result = await tx.execute(sql`
    select status, count(*)::int as people, coalesce(sum(1 + guests), 0)::int as seats, count(checked_in_at)::int as checked_in, null::json as mine
      from ${calendarRsvps} where event_id = ${eventId} and occurrence_key = ${key} group by status
    union all
    select null, 0, 0, 0, json_build_object('user_id', user_id, 'guests', guests, 'status', status, 'queued_at', to_char(queued_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
             'offer_expires_at', offer_expires_at, 'checked_in_at', checked_in_at, 'responded_at', responded_at, 'updated_at', updated_at)
      from ${calendarRsvps} where event_id = ${eventId} and occurrence_key = ${key} and user_id = any(${`{${userIds.join(',')}}`}::uuid[])`);
  type Raw = { status: RsvpRow['status'] | null; people: number; seats: number; checked_in: number; mine: Record<string, string | number | null> | null };
  const raw = (result as unknown as { rows: Raw[] }).rows;
  const rows = raw.filter((r) => r.status !== null).map((r) => ({ eventId, occurrenceKey: key, status: r.status!, people: Number(r.people), seats: Number(r.seats), checkedIn: Number(r.checked_in) }));
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(String(value)));
  const mine = new Map<string, RsvpRow>();
  for (const { mine: m } of raw) {
    if (!m) continue;
    mine.set(String(m.user_id), {
      eventId,
      occurrenceKey: key,
      userId: String(m.user_id),
      status: m.status as RsvpRow['status'],
      guests: Number(m.guests),
      queuedAt: date(m.queued_at),
      offerExpiresAt: date(m.offer_expires_at),
      checkedInAt: date(m.checked_in_at),
      respondedAt: date(m.responded_at)!,
      updatedAt: date(m.updated_at)!,
    });
  }
  return { rows, mine };
}

/** Waiting-list places (1 = first, offers counted) of these members, in the order of `waitingList`. */
export async function waitingPositions(tx: Db, eventId: string, key: string, userIds: string[]): Promise<Map<string, number>> {
  if (userIds.length === 0) return new Map();
  const result = await tx.execute(sql`
    select user_id, place from (
      select user_id, row_number() over (order by queued_at, user_id)::int as place
        from ${calendarRsvps} where event_id = ${eventId} and occurrence_key = ${key} and status in ('waiting', 'offered')) q
     where user_id = any(${`{${userIds.join(',')}}`}::uuid[])`);
  return new Map((result as unknown as { rows: { user_id: string; place: number }[] }).rows.map((r) => [r.user_id, Number(r.place)]));
}

/** Seats held (going and offered) of one occurrence. */
export async function seatsTaken(tx: Db, eventId: string, key: string): Promise<number> {
  const [row] = await tx
    .select({ seats: sql<number>`coalesce(sum(1 + ${calendarRsvps.guests}), 0)::int` })
    .from(calendarRsvps)
    .where(and(eq(calendarRsvps.eventId, eventId), eq(calendarRsvps.occurrenceKey, key), inArray(calendarRsvps.status, [...SEATED])));
  return row?.seats ?? 0;
}

/** My RSVPs to these events, by "eventId|key". */
export async function rsvpsOf(db: Db, userId: string, eventIds: string[]): Promise<Map<string, RsvpRow>> {
  if (eventIds.length === 0) return new Map();
  const rows = await db.select().from(calendarRsvps).where(and(eq(calendarRsvps.userId, userId), inArray(calendarRsvps.eventId, eventIds)));
  return new Map(rows.map((r) => [`${r.eventId}|${r.occurrenceKey}`, r]));
}

/** These members' RSVPs to one occurrence. */
export async function rsvpsOfUsers(db: Db, eventId: string, key: string, userIds: string[]): Promise<RsvpRow[]> {
  if (userIds.length === 0) return [];
  return db.select().from(calendarRsvps).where(and(eq(calendarRsvps.eventId, eventId), eq(calendarRsvps.occurrenceKey, key), inArray(calendarRsvps.userId, userIds)));
}

export async function rsvpOf(db: Db, eventId: string, key: string, userId: string): Promise<RsvpRow | undefined> {
  const [row] = await db
    .select()
    .from(calendarRsvps)
    .where(and(eq(calendarRsvps.eventId, eventId), eq(calendarRsvps.occurrenceKey, key), eq(calendarRsvps.userId, userId)));
  return row;
}

/** The waiting list of one occurrence, first come first. */
export async function waitingList(db: Db, eventId: string, key: string): Promise<RsvpRow[]> {
  return db
    .select()
    .from(calendarRsvps)
    .where(and(eq(calendarRsvps.eventId, eventId), eq(calendarRsvps.occurrenceKey, key), inArray(calendarRsvps.status, ['waiting', 'offered'])))
    .orderBy(asc(calendarRsvps.queuedAt), asc(calendarRsvps.userId));
}

/**
 * My place on the waiting list (1 = first), counting offers ahead of me: in the order of
 * `waitingList`, compared in the database at full (microsecond) precision — a Date read back
 * would cut queued_at to milliseconds and misplace two members queued within the same one.
 */
export async function waitingPosition(db: Db, row: RsvpRow): Promise<number | null> {
  if (row.status !== 'waiting' && row.status !== 'offered') return null;
  const result = await db.execute(sql`
    select count(*)::int as ahead
      from ${calendarRsvps} other, ${calendarRsvps} me
     where me.event_id = ${row.eventId} and me.occurrence_key = ${row.occurrenceKey} and me.user_id = ${row.userId}
       and other.event_id = me.event_id and other.occurrence_key = me.occurrence_key
       and other.status in ('waiting', 'offered')
       and (other.queued_at < me.queued_at or (other.queued_at = me.queued_at and other.user_id < me.user_id))`);
  const [found] = (result as unknown as { rows: { ahead: number }[] }).rows;
  return Number(found?.ahead ?? 0) + 1;
}

export async function attendeesOf(db: Db, eventId: string, key: string) {
  return db
    .select({ rsvp: calendarRsvps, user: users })
    .from(calendarRsvps)
    .innerJoin(users, eq(users.id, calendarRsvps.userId))
    .where(and(eq(calendarRsvps.eventId, eventId), eq(calendarRsvps.occurrenceKey, key)))
    .orderBy(asc(calendarRsvps.queuedAt), asc(calendarRsvps.respondedAt), asc(calendarRsvps.userId));
}

/** Ids of the spaces a member is an active member of. */
export async function spaceIdsOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .select({ id: spaceMembers.spaceId })
    .from(spaceMembers)
    .where(and(eq(spaceMembers.userId, userId), eq(spaceMembers.status, 'active')));
  return rows.map((r) => r.id);
}

/**
 * Events a member is going to (or holds an offer for; `statuses` widens it), any occurrence:
 * all of them, or only those `among` the events a page shows (a member's RSVPs grow for years;
 * a page needs its own few).
 */
export async function eventIdsAttending(
  db: Db,
  userId: string,
  { statuses = ['going', 'offered'], among }: { statuses?: RsvpRow['status'][]; among?: string[] } = {},
): Promise<string[]> {
  if (among?.length === 0) return [];
  const rows = await db
    .selectDistinct({ id: calendarRsvps.eventId })
    .from(calendarRsvps)
    .where(and(eq(calendarRsvps.userId, userId), inArray(calendarRsvps.status, statuses), among ? inArray(calendarRsvps.eventId, among) : undefined));
  return rows.map((r) => r.id);
}

/** Whether a member is going to (or holds an offer for) an occurrence of this event. */
export async function attendsEvent(db: Db, userId: string, eventId: string): Promise<boolean> {
  return (await eventIdsAttending(db, userId, { among: [eventId] })).length > 0;
}

export async function reminderChoice(db: Db, eventId: string, userId: string): Promise<number[] | null> {
  const [row] = await db
    .select({ minutes: calendarReminderChoices.minutes })
    .from(calendarReminderChoices)
    .where(and(eq(calendarReminderChoices.eventId, eventId), eq(calendarReminderChoices.userId, userId)));
  return row?.minutes ?? null;
}

export async function feedTokenOf(db: Db, userId: string) {
  const [row] = await db.select().from(calendarFeedTokens).where(eq(calendarFeedTokens.userId, userId));
  return row;
}

export async function userOfFeedToken(db: Db, tokenHash: string) {
  const [row] = await db
    .select({ user: users })
    .from(calendarFeedTokens)
    .innerJoin(users, eq(users.id, calendarFeedTokens.userId))
    .where(eq(calendarFeedTokens.tokenHash, tokenHash));
  return row?.user;
}
