// The events calendar's use cases: docs/decisions/021-events-calendar.md
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type {
  CalendarEvent,
  CalendarEventSummary,
  cancelEventSchema,
  createEventSchema,
  MyRsvp,
  Occurrence,
  RsvpCounts,
  RsvpStatus,
  updateEventSchema,
} from '../../../shared/api/calendar.routes';
import { createEventSchema as createEventInput, occurrenceKeySchema, updateEventSchema as updateEventInput } from '../../../shared/api/calendar.routes';
import { parseIcs, type SkipReason } from './calendar.import';
import type { Db } from '../../core/db/database';
import { users } from '../../core/db/schema';
import { translator, type Languages, type Translate } from '../../core/i18n/i18n';
import type { OutboxMail } from '../../core/mail/outbox';
import { AppError } from '../../core/errors';
import { checkImage, type StoredImage } from '../../core/images';
import type { UnitOfWork, Work } from '../../core/events/unit-of-work';
import type { Jobs } from '../../core/jobs/jobs';
import { renderMarkdown } from '../../core/markdown';
import type { MemberLog } from '../../core/replay-log/member-log';
import type { SettingsRegistry } from '../../core/settings/settings';
import type { Actor } from '../accounts/actor';
import { authorOf } from '../accounts/accounts.dto';
import { canModerate, canRead, checkCanPost, loadAccess, type SpaceAccess } from '../spaces/spaces.access';
import type { StreamService } from '../spaces/stream.service';
import { toIcs, type IcsEvent } from './calendar.ics';
import { countBefore, dayBefore, endsAfterStart, isSlot, nextSlot, rruleOfKept, seriesEnd, slotAt, slotsBetween, type Slot, type Timing } from './calendar.recurrence';
import {
  addCount,
  attendeesOf,
  countsFrom,
  countsOf,
  countsOfOccurrence,
  attendsEvent,
  eventIdsAttending,
  eventsBetween,
  eventsOfPosts,
  feedTokenOf,
  loadEvent,
  occupancyOf,
  occurrencesOf,
  rsvpsOfUsers,
  reminderChoice,
  rsvpOf,
  rsvpsOf,
  seatsTaken,
  spaceIdsOf,
  spaceLog,
  userOfFeedToken,
  waitingList,
  waitingPosition,
  waitingPositions,
  type EventWithSpace,
} from './calendar.repository';
import {
  calendarEventImages,
  calendarEvents,
  calendarFeedTokens,
  calendarOccurrences,
  calendarReminderChoices,
  calendarRsvps,
  type CalendarEventRow,
  type OccurrenceRow,
  type RsvpRow,
} from './calendar.schema';

type CreateInput = z.output<typeof createEventSchema>;
type UpdateInput = z.output<typeof updateEventSchema>;
type CancelInput = z.output<typeof cancelEventSchema>;
/** An event with the reader's access to its space (which they may read). */
type Readable = EventWithSpace & { access: SpaceAccess };

/** Job kinds of the calendar. */
export const OFFER_EXPIRES = 'calendar.offer-expires';
export const NOTIFY = 'calendar.notify';
export const MINUTELY = 'calendar.minutely';
export const CONFIRM = 'calendar.confirm';
/** The outbox's attachment kind for an occurrence's .ics (made when the mail is sent). */
export const EVENT_ICS = 'event-ics';
/** The notification kind the confirmation mail stands under: a member can turn it off (mail only). */
export const CONFIRMATION_KIND = 'event.confirmation';

const spaceRoom = (spaceId: string) => `space:${spaceId}`;
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export interface CalendarDeps {
  db: Db;
  work: Work;
  jobs: Jobs;
  memberLog: MemberLog;
  stream: StreamService;
  settings: SettingsRegistry;
  publicUrl: string;
  /** The RSVP confirmation mail (with the occurrence's .ics) and the language it is written in. */
  mail: Pick<OutboxMail, 'enqueue'>;
  languages: Pick<Languages, 'of'>;
  /** Whether the member wants the confirmation (kind `event.confirmation`), and its unsubscribe headers and footer. */
  kindMail: (userId: string, kind: string, t: Translate) => Promise<{ headers: Record<string, string>; footerText: string } | null>;
  /** The calendar's clock (tests move it). */
  now?: () => Date;
}

export function createCalendarService(deps: CalendarDeps) {
  const { db, work, memberLog, stream } = deps;
  const now = deps.now ?? (() => new Date());
  const spaceSettings = deps.settings.define({
    scope: 'space',
    key: 'calendar',
    schema: z.object({ whoCreates: z.enum(['hosts', 'members']) }),
    defaults: { whoCreates: 'members' },
  });
  const host = new URL(deps.publicUrl).host;

  const timingOf = (row: Pick<CalendarEventRow, 'timeZone' | 'allDay' | 'startLocal' | 'endLocal' | 'recurrence'>): Timing => ({
    timeZone: row.timeZone,
    allDay: row.allDay,
    startLocal: row.startLocal,
    endLocal: row.endLocal,
    recurrence: row.recurrence ?? null,
  });

  // ---- access ----------------------------------------------------------------------------

  /** The event if the actor may read its space, else 404 (a private space's event does not exist for outsiders). */
  async function accessEvent(actor: Actor, eventId: string): Promise<Readable> {
    const found = await loadEvent(db, eventId);
    if (!found) throw AppError.notFound('No such event');
    const access = await loadAccess(db, actor, { id: found.event.spaceId });
    if (!access || !canRead(access)) throw AppError.notFound('No such event');
    return { ...found, access };
  }

  const canEditEvent = (access: SpaceAccess, event: CalendarEventRow) =>
    access.space.archivedAt === null && (event.createdBy === access.actor.user.id || canModerate(access));

  function checkCanEdit(access: SpaceAccess, event: CalendarEventRow) {
    if (!canEditEvent(access, event)) throw new AppError('forbidden', 'Only the event’s creator and the space’s hosts can change it');
  }

  const canSeeAttendees = (access: SpaceAccess, event: CalendarEventRow) =>
    canModerate(access) || event.createdBy === access.actor.user.id || (event.attendeesVisibleTo === 'members' && access.membership?.status === 'active');

  // ---- views -----------------------------------------------------------------------------

  /**
   * Descriptions rendered once (by their text, so an edit cannot be served stale): a month view
   * shows a hundred events or more, and rendering and sanitising their Markdown each time was
   * most of its cost. At most about 4 million characters of Markdown are kept, oldest out first.
   */
  const rendered = new Map<string, string>();
  let renderedChars = 0;
  function htmlOf(event: CalendarEventRow): string {
    const source = event.descriptionMarkdown;
    let html = rendered.get(source);
    if (html === undefined) {
      html = renderMarkdown(source);
      rendered.set(source, html);
      renderedChars += source.length + html.length;
      for (const [oldest, old] of rendered) {
        if (renderedChars <= 4_000_000) break;
        rendered.delete(oldest);
        renderedChars -= oldest.length + old.length;
      }
    }
    return html;
  }

  /** The event with its description, as its page, the stream's card and live changes show it. */
  function toEvent(found: EventWithSpace, showOnline: boolean): CalendarEvent {
    return { ...toSummary(found, showOnline), descriptionMarkdown: found.event.descriptionMarkdown, descriptionHtml: htmlOf(found.event) };
  }

  /** The event as a calendar range lists it: no description to render or send. */
  function toSummary(found: EventWithSpace, showOnline: boolean): CalendarEventSummary {
    const { event, space, creator } = found;
    const timing = timingOf(event);
    const end = event.seriesEndsAt;
    const hidden = event.onlineUrl !== null && !showOnline && event.onlineLinkVisibleTo === 'going';
    return {
      id: event.id,
      spaceId: event.spaceId,
      space: { id: space.id, slug: space.slug, name: space.name, color: space.color },
      postId: event.postId,
      splitFrom: event.splitFrom,
      createdBy: creator
        ? authorOf(creator as Parameters<typeof authorOf>[0]) // reads only the columns selected (calendar.repository.ts creatorColumns)
        : { id: '00000000-0000-0000-0000-000000000000', handle: '', displayName: '', avatarUrl: null, isBot: false },
      title: event.title,
      timeZone: event.timeZone,
      allDay: event.allDay,
      start: event.startLocal,
      end: event.endLocal,
      startsAt: event.startsAt.toISOString(),
      seriesEndsAt: end?.toISOString() ?? null,
      recurrence: event.recurrence ?? null,
      rrule: rruleOfKept(timing),
      location: { address: event.locationAddress, onlineUrl: hidden ? null : event.onlineUrl, onlineUrlHidden: hidden },
      category: event.categoryName && event.categoryColor ? { name: event.categoryName, color: event.categoryColor } : null,
      imageUrl: event.imageVersion > 0 ? `/api/v1/events/${event.id}/image?v=${event.imageVersion}` : null,
      capacity: event.capacity,
      maxGuests: event.maxGuests,
      approval: event.approval,
      rsvpDeadlineMinutes: event.rsvpDeadlineMinutes,
      offerWindowMinutes: event.offerWindowMinutes,
      attendeesVisibleTo: event.attendeesVisibleTo,
      onlineLinkVisibleTo: event.onlineLinkVisibleTo,
      reminderMinutes: event.reminderMinutes,
      networkWide: event.networkWide,
      cancelled: event.cancelledAt !== null,
      createdAt: event.createdAt.toISOString(),
      updatedAt: event.updatedAt.toISOString(),
    };
  }

  /** The occurrence as the series makes it, with its own edit applied. */
  function resolve(event: CalendarEventRow, slot: Slot, own: OccurrenceRow | undefined) {
    const timing = timingOf(event);
    const moved = own?.startLocal ? slotAt(timing, own.startLocal, slot.key) : slot;
    const placed = own?.startLocal && own.endLocal ? { ...moved, endLocal: own.endLocal, endsAt: slotAt({ ...timing, startLocal: own.startLocal, endLocal: own.endLocal }, own.startLocal).endsAt } : moved;
    return { slot: placed, own };
  }

  const rsvpClosesAt = (event: CalendarEventRow, startsAt: Date) => new Date(startsAt.getTime() - (event.rsvpDeadlineMinutes ?? 0) * 60_000);

  function toOccurrence(event: CalendarEventRow, slot: Slot, own: OccurrenceRow | undefined, counts: RsvpCounts, my: MyRsvp | null): Occurrence {
    const cancelled = event.cancelledAt !== null || Boolean(own?.cancelledAt);
    return {
      eventId: event.id,
      occurrence: slot.key,
      start: slot.startLocal,
      end: slot.endLocal,
      startsAt: slot.startsAt.toISOString(),
      endsAt: slot.endsAt.toISOString(),
      overridden: Boolean(own && (own.startLocal || own.title || own.descriptionMarkdown || own.locationAddress || own.onlineUrl)),
      title: own?.title ?? event.title,
      address: own?.locationAddress ?? event.locationAddress,
      cancelled,
      rsvpOpen: !cancelled && now() < rsvpClosesAt(event, slot.startsAt),
      counts,
      my,
    };
  }

  const myRsvpOf = (row: RsvpRow, position: number | null): MyRsvp => ({
    status: row.status,
    guests: row.guests,
    waitingPosition: position,
    offerExpiresAt: row.offerExpiresAt?.toISOString() ?? null,
    checkedIn: row.checkedInAt !== null,
    updatedAt: row.updatedAt.toISOString(),
  });

  const toMyRsvp = async (tx: Db, row: RsvpRow): Promise<MyRsvp> => myRsvpOf(row, await waitingPosition(tx, row));

  /** The counts with one member's answer changed from `before` to `after` (what the occurrence's rows now sum to). */
  function withChange(counts: RsvpCounts, before: RsvpRow | undefined, after: RsvpRow): RsvpCounts {
    const next = { ...counts };
    const one = (row: RsvpRow, sign: 1 | -1) => ({ eventId: row.eventId, occurrenceKey: row.occurrenceKey, status: row.status, people: sign, seats: sign * (1 + row.guests), checkedIn: row.checkedInAt ? sign : 0 });
    if (before) addCount(next, one(before, -1));
    addCount(next, one(after, 1));
    return next;
  }

  /**
   * The events of `found` the reader may read, each with their access to its space (looked up
   * once a space: a list spans a few spaces and many events). An RSVP kept after leaving a
   * private space shows nothing of it.
   */
  async function readableOf(actor: Actor, found: EventWithSpace[]): Promise<Readable[]> {
    const bySpace = new Map<string, SpaceAccess | null>();
    const out: Readable[] = [];
    for (const f of found) {
      let access = bySpace.get(f.event.spaceId);
      if (access === undefined) {
        const loaded = await loadAccess(db, actor, { id: f.event.spaceId });
        access = loaded && canRead(loaded) ? loaded : null;
        bySpace.set(f.event.spaceId, access);
      }
      if (access) out.push({ ...f, access });
    }
    return out;
  }

  /** Whether the reader is shown an online link kept for those going: they are going, or they edit the event. */
  const seesOnlineLink = (found: Readable, going: Set<string>) => going.has(found.event.id) || canEditEvent(found.access, found.event);

  /** Occurrences of these events in [from, to), with counts and the reader's own RSVPs. */
  async function listOccurrences(found: Readable[], from: Date, to: Date, limit: number, reader: Actor) {
    const ids = found.map((f) => f.event.id);
    const [own, counts, mine] = await Promise.all([occurrencesOf(db, ids), countsOf(db, ids), rsvpsOf(db, reader.user.id, ids)]);
    const out: Occurrence[] = [];
    for (const { event } of found) {
      const edits = own.get(event.id);
      for (const slot of slotsBetween(timingOf(event), from, to, limit)) {
        const { slot: placed, own: edit } = resolve(event, slot, edits?.get(slot.key));
        if (!(placed.startsAt < to && placed.endsAt > from)) continue;
        const id = `${event.id}|${slot.key}`;
        const rsvp = mine.get(id);
        out.push(toOccurrence(event, placed, edit, countsFrom(counts.get(id), event.capacity), rsvp ? await toMyRsvp(db, rsvp) : null));
      }
      // Moved into the range from outside it: an edit of one occurrence can move it anywhere.
      for (const edit of edits?.values() ?? []) {
        if (!edit.startLocal || out.some((o) => o.eventId === event.id && o.occurrence === edit.occurrenceKey)) continue;
        const { slot: placed } = resolve(event, slotAt(timingOf(event), edit.occurrenceKey), edit);
        if (placed.startsAt < to && placed.endsAt > from) {
          const id = `${event.id}|${edit.occurrenceKey}`;
          const rsvp = mine.get(id);
          out.push(toOccurrence(event, placed, edit, countsFrom(counts.get(id), event.capacity), rsvp ? await toMyRsvp(db, rsvp) : null));
        }
      }
    }
    out.sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.eventId.localeCompare(b.eventId));
    const occurrences = out.slice(0, limit);
    const used = new Set(occurrences.map((o) => o.eventId));
    const going = new Set(await eventIdsAttending(db, reader.user.id, { among: [...used] }));
    return { events: found.filter((f) => used.has(f.event.id)).map((f) => toSummary(f, seesOnlineLink(f, going))), occurrences };
  }

  async function detail(actor: Actor, found: Readable, key?: string) {
    const { event, access } = found;
    const timing = timingOf(event);
    let slot: Slot | null;
    if (key) {
      if (!isSlot(timing, key)) throw AppError.notFound('No such occurrence');
      slot = slotAt(timing, key);
    } else slot = nextSlot(timing, now());
    const own = slot ? (await occurrencesOf(db, [event.id])).get(event.id)?.get(slot.key) : undefined;
    const mine = slot ? await rsvpOf(db, event.id, slot.key, actor.user.id) : undefined;
    const going = await attendsEvent(db, actor.user.id, event.id);
    const editable = canEditEvent(access, event);
    let occurrence: Occurrence | null = null;
    if (slot) {
      const placed = resolve(event, slot, own).slot;
      occurrence = toOccurrence(event, placed, own, await countsOfOccurrence(db, event.id, slot.key, event.capacity), mine ? await toMyRsvp(db, mine) : null);
    }
    return {
      event: toEvent(found, going || editable),
      occurrence,
      viewer: {
        canEdit: editable,
        canSeeAttendees: canSeeAttendees(access, event),
        canRsvp: access.membership?.status === 'active' || access.space.visibility === 'public',
        reminderMinutes: await reminderChoice(db, event.id, actor.user.id),
        member: access.membership?.status === 'active',
      },
      seq: access.space.seq,
    };
  }

  // ---- writing ---------------------------------------------------------------------------

  function checkTiming(timing: Timing) {
    const dates = timing.allDay ? /^\d{4}-\d{2}-\d{2}$/ : /T/;
    if (!dates.test(timing.startLocal) || !dates.test(timing.endLocal)) {
      throw new AppError('validation_failed', 'All-day events take dates, other events date-times', { errors: [{ path: 'start', message: 'must match allDay' }] });
    }
    if (!endsAfterStart(timing)) throw new AppError('validation_failed', 'The end must be after the start', { errors: [{ path: 'end', message: 'must be after start' }] });
    const until = timing.recurrence?.until;
    if (until && until < timing.startLocal.slice(0, 10)) {
      throw new AppError('validation_failed', 'The series must not end before it starts', { errors: [{ path: 'recurrence.until', message: 'must not be before start' }] });
    }
  }

  /** The row's columns for these fields (what create and every edit write). */
  function columnsOf(input: Partial<CreateInput>) {
    return {
      ...(input.title !== undefined && { title: input.title }),
      ...(input.descriptionMarkdown !== undefined && { descriptionMarkdown: input.descriptionMarkdown }),
      ...(input.timeZone !== undefined && { timeZone: input.timeZone }),
      ...(input.allDay !== undefined && { allDay: input.allDay }),
      ...(input.start !== undefined && { startLocal: input.start }),
      ...(input.end !== undefined && { endLocal: input.end }),
      ...(input.recurrence !== undefined && { recurrence: input.recurrence }),
      ...(input.location !== undefined && { locationAddress: input.location.address || null, onlineUrl: input.location.onlineUrl || null }),
      ...(input.category !== undefined && { categoryName: input.category?.name ?? null, categoryColor: input.category?.color ?? null }),
      ...(input.capacity !== undefined && { capacity: input.capacity }),
      ...(input.maxGuests !== undefined && { maxGuests: input.maxGuests }),
      ...(input.approval !== undefined && { approval: input.approval }),
      ...(input.rsvpDeadlineMinutes !== undefined && { rsvpDeadlineMinutes: input.rsvpDeadlineMinutes }),
      ...(input.offerWindowMinutes !== undefined && { offerWindowMinutes: input.offerWindowMinutes }),
      ...(input.attendeesVisibleTo !== undefined && { attendeesVisibleTo: input.attendeesVisibleTo }),
      ...(input.onlineLinkVisibleTo !== undefined && { onlineLinkVisibleTo: input.onlineLinkVisibleTo }),
      ...(input.reminderMinutes !== undefined && { reminderMinutes: [...new Set(input.reminderMinutes)].sort((a, b) => b - a) }),
      ...(input.networkWide !== undefined && { networkWide: input.networkWide }),
    };
  }

  const bounds = (timing: Timing) => ({ startsAt: slotAt(timing, timing.startLocal).startsAt, seriesEndsAt: seriesEnd(timing) });

  /** What the event's post says in the stream. */
  const postBodyOf = (title: string, description: string) => `**${title.replace(/([\\*_`[\]])/g, '\\$1')}**${description ? `\n\n${description}` : ''}`;

  /** Logs an event change in the space's log and publishes it after COMMIT. */
  async function logEventChanged(uow: UnitOfWork, eventId: string, change: 'created' | 'updated' | 'cancelled', occurrence: string | null) {
    const found = await loadEvent(uow.tx, eventId);
    if (!found) return;
    const { payload } = await spaceLog.append(uow.tx, found.event.spaceId, 'calendar:event-changed', (seq) => ({
      spaceId: found.event.spaceId,
      seq,
      change,
      event: toEvent(found, false),
      occurrence,
    }));
    uow.publish(spaceRoom(found.event.spaceId), 'calendar:event-changed', payload);
  }

  async function logCounts(uow: UnitOfWork, event: CalendarEventRow, key: string, known?: RsvpCounts): Promise<RsvpCounts> {
    const counts = known ?? (await countsOfOccurrence(uow.tx, event.id, key, event.capacity));
    const { payload } = await spaceLog.append(uow.tx, event.spaceId, 'calendar:rsvp-changed', (seq) => ({ spaceId: event.spaceId, seq, eventId: event.id, occurrence: key, counts }));
    uow.publish(spaceRoom(event.spaceId), 'calendar:rsvp-changed', payload);
    return counts;
  }

  const confirmLater = (uow: UnitOfWork, eventId: string, occurrence: string, userId: string) =>
    uow.enqueue({ kind: CONFIRM, payload: { eventId, occurrence, userId } });

  /** A member as the actor of work done on their behalf (a mail's attachment): read with their rights. */
  async function actorOfUser(userId: string): Promise<Actor | undefined> {
    const [user] = await db.select().from(users).where(eq(users.id, userId));
    if (!user || user.status !== 'active') return undefined;
    return { user, sessionId: '', currentGuidelinesVersion: 0, ssoLinked: false } as Actor;
  }

  /** One occurrence as a calendar file of its own (what a confirmation attaches: the date one goes to, not the series). */
  async function occurrenceIcs(actor: Actor, eventId: string, key: string): Promise<{ name: string; ics: string }> {
    const found = await accessEvent(actor, eventId);
    const slot = checkOccurrence(found.event, key);
    const own = (await occurrencesOf(db, [eventId])).get(eventId)?.get(key);
    const placed = resolve(found.event, slot, own).slot;
    const going = (await attendsEvent(db, actor.user.id, eventId)) || canEditEvent(found.access, found.event);
    const [base] = await icsEventsOf([found], () => going);
    const single: IcsEvent = {
      ...base!,
      id: found.event.recurrence ? `${eventId}-${key.replace(/\D/g, '')}` : eventId,
      recurrence: null,
      startLocal: placed.startLocal,
      endLocal: placed.endLocal,
      title: own?.title ?? found.event.title,
      location: own?.locationAddress ?? base!.location,
      cancelled: found.event.cancelledAt !== null || Boolean(own?.cancelledAt),
      occurrences: [],
    };
    return { name: single.title, ics: toIcs({ name: single.title, host, events: [single] }) };
  }

  /**
   * Notices through the notifications module, as a job written with the change. With an
   * occurrence, 'attendees' are those of that occurrence alone, or of it and every later one
   * (`following`); without, of any occurrence.
   */
  function notifyLater(uow: UnitOfWork, kind: string, event: CalendarEventRow, occurrence: string | null, userIds: string[] | 'attendees', actorId: string | null, following = false) {
    uow.enqueue({ kind: NOTIFY, payload: { kind, eventId: event.id, occurrence, userIds, actorId, ...(following && { following }) } });
  }

  /** Whether a change is one attendees need to hear of: when, where, what (not seats, reminders or who sees the list). */
  const concernsAttendees = (changes: UpdateInput['changes']) =>
    (['title', 'descriptionMarkdown', 'timeZone', 'allDay', 'start', 'end', 'recurrence', 'location'] as const).some((field) => changes[field] !== undefined);

  async function lockEvent(tx: Db, eventId: string): Promise<CalendarEventRow> {
    const [row] = await tx.select().from(calendarEvents).where(eq(calendarEvents.id, eventId)).for('update');
    if (!row) throw AppError.notFound('No such event');
    return row;
  }

  /** Offers freed seats to the waiting list, first come first, while the first one fits; answers how many were offered. */
  async function offerFreedSeats(uow: UnitOfWork, event: CalendarEventRow, key: string): Promise<number> {
    if (event.capacity === null) return 0;
    let offers = 0;
    let free = event.capacity - (await seatsTaken(uow.tx, event.id, key));
    for (const waiter of await waitingList(uow.tx, event.id, key)) {
      if (waiter.status === 'offered') continue;
      const seats = 1 + waiter.guests;
      if (seats > free) break;
      const expires = new Date(now().getTime() + event.offerWindowMinutes * 60_000);
      const [offered] = await uow.tx
        .update(calendarRsvps)
        .set({ status: 'offered', offerExpiresAt: expires, updatedAt: now() })
        .where(and(eq(calendarRsvps.eventId, event.id), eq(calendarRsvps.occurrenceKey, key), eq(calendarRsvps.userId, waiter.userId)))
        .returning();
      free -= seats;
      offers++;
      uow.enqueue({ kind: OFFER_EXPIRES, runAt: expires, payload: { eventId: event.id, occurrence: key, userId: waiter.userId, expiresAt: expires.toISOString() } });
      await memberLog.tell(uow, waiter.userId, 'calendar:my-rsvp-changed', { spaceId: event.spaceId, eventId: event.id, occurrence: key, rsvp: await toMyRsvp(uow.tx, offered!), reason: 'offered' });
      notifyLater(uow, 'event.offer', event, key, [waiter.userId], null);
    }
    return offers;
  }

  type RsvpAnswer = { status: 'going' | 'maybe' | 'declined'; guests: number };
  type RsvpOutcome = { eventId: string; occurrence: string; rsvp: MyRsvp; counts: RsvpCounts };
  interface Ask {
    userId: string;
    input: RsvpAnswer;
    resolve(outcome: RsvpOutcome): void;
    reject(error: unknown): void;
  }

  /**
   * RSVPs to one occurrence are answered in turns on each node (decision 021): while one turn's
   * transaction holds the event's row lock, the RSVPs that arrive wait here, in memory rather
   * than each on a pooled connection, and the next turn places all of them in one transaction —
   * one lock, one read, one write, one log entry with the counts after. A crowd answering at
   * once costs a few transactions a second instead of one each; the row lock still orders the
   * nodes among themselves. Each RSVP is placed in arrival order, as if alone.
   */
  const turns = new Map<string, Ask[]>();
  const MAX_TURN = 200;

  function askRsvp(eventId: string, key: string, userId: string, input: RsvpAnswer): Promise<RsvpOutcome> {
    const id = `${eventId}|${key}`;
    return new Promise((resolve, reject) => {
      const queue = turns.get(id);
      if (queue) queue.push({ userId, input, resolve, reject });
      else {
        const started: Ask[] = [{ userId, input, resolve, reject }];
        turns.set(id, started);
        void takeTurns(id, eventId, key, started);
      }
    });
  }

  async function takeTurns(id: string, eventId: string, key: string, queue: Ask[]) {
    while (queue.length > 0) {
      // A member twice in one turn would be placed twice from the same row: their second answer waits for the next turn.
      const users = new Set<string>();
      let size = 0;
      while (size < queue.length && size < MAX_TURN && !users.has(queue[size]!.userId)) users.add(queue[size++]!.userId);
      const asks = queue.splice(0, size);
      try {
        const outcomes = await rsvpTurn(eventId, key, asks);
        asks.forEach((ask, i) => {
          const outcome = outcomes[i]!;
          if (outcome instanceof Error) ask.reject(outcome);
          else ask.resolve(outcome);
        });
      } catch (error) {
        for (const ask of asks) ask.reject(error);
      }
    }
    turns.delete(id);
  }

  /** One turn: each RSVP placed in order under the event's lock, written together. */
  function rsvpTurn(eventId: string, key: string, asks: Ask[]): Promise<(RsvpOutcome | AppError)[]> {
    return work.transaction(async (uow) => {
      const locked = await lockEvent(uow.tx, eventId);
      const { rows, mine } = await occupancyOf(uow.tx, eventId, key, asks.map((a) => a.userId));
      const counts = countsFrom(rows, locked.capacity);
      let seated = rows.filter((r) => r.status === 'going' || r.status === 'offered').reduce((sum, r) => sum + r.seats, 0);
      let queued = rows.filter((r) => r.status === 'waiting' || r.status === 'offered').reduce((sum, r) => sum + r.people, 0);
      const holds = (status: RsvpStatus) => status === 'going' || status === 'offered';
      const inLine = (status: RsvpStatus) => status === 'waiting' || status === 'offered';
      let freed = false;
      const placed: ({ status: RsvpStatus; guests: number } | AppError)[] = [];
      for (const ask of asks) {
        const existing = mine.get(ask.userId);
        let status: RsvpStatus;
        try {
          status = ask.input.status === 'going' ? placeGoingIn(locked, existing, ask.input.guests, false, seated, queued) : ask.input.status;
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          placed.push(error);
          continue;
        }
        if (existing) {
          if (holds(existing.status)) seated -= 1 + existing.guests;
          if (inLine(existing.status)) queued -= 1;
          const leaves = existing.status !== status && (holds(existing.status) || existing.status === 'waiting');
          if (leaves || (existing.status === 'going' && status === 'going' && ask.input.guests < existing.guests)) freed = true;
        }
        if (holds(status)) seated += 1 + ask.input.guests;
        if (inLine(status)) queued += 1;
        const after = { ...(existing ?? { eventId, occurrenceKey: key, userId: ask.userId, checkedInAt: null, queuedAt: null, offerExpiresAt: null, respondedAt: now(), updatedAt: now() }), status, guests: ask.input.guests };
        Object.assign(counts, withChange(counts, existing, after));
        placed.push({ status, guests: ask.input.guests });
      }
      const written = new Map<string, RsvpRow>();
      const writes = asks.flatMap((ask, i) => {
        const p = placed[i]!;
        return p instanceof AppError ? [] : [{ ask, ...p, order: i }];
      });
      if (writes.length > 0) {
        // Newly in line: clock_timestamp() plus the order in this turn (µs), so queued_at orders them as they were placed.
        const result = await uow.tx
          .insert(calendarRsvps)
          .values(
            writes.map((w) => ({
              eventId,
              occurrenceKey: key,
              userId: w.ask.userId,
              status: w.status,
              guests: w.guests,
              queuedAt: w.status === 'waiting' ? sql`clock_timestamp() + ${w.order} * interval '1 microsecond'` : null,
              offerExpiresAt: null,
              respondedAt: now(),
              updatedAt: now(),
            })) as never,
          )
          .onConflictDoUpdate({
            target: [calendarRsvps.eventId, calendarRsvps.occurrenceKey, calendarRsvps.userId],
            set: {
              status: sql`excluded.status`,
              guests: sql`excluded.guests`,
              offerExpiresAt: null,
              updatedAt: sql`excluded.updated_at`,
              // Staying in line keeps one's place (to the microsecond); joining it takes the new time; leaving it, none.
              queuedAt: sql`case when excluded.status <> 'waiting' then null when ${calendarRsvps.status} = 'waiting' then ${calendarRsvps.queuedAt} else excluded.queued_at end`,
            } as never,
          })
          .returning();
        for (const row of result) written.set(row.userId, row);
        // Newly going (a confirmed offer too): the confirmation mail, made by a job after COMMIT.
        for (const w of writes) if (w.status === 'going' && mine.get(w.ask.userId)?.status !== 'going') confirmLater(uow, eventId, key, w.ask.userId);
      }
      const waiters = queued > 0 && locked.capacity !== null && seated < locked.capacity;
      const offered = freed && waiters ? await offerFreedSeats(uow, locked, key) : 0;
      const final = offered > 0 ? await countsOfOccurrence(uow.tx, eventId, key, locked.capacity) : counts;
      if (offered > 0) for (const row of await rsvpsOfUsers(uow.tx, eventId, key, [...written.keys()])) written.set(row.userId, row);
      if (written.size > 0) await logCounts(uow, locked, key, final);
      const lined = [...written.values()].filter((r) => inLine(r.status)).map((r) => r.userId);
      const positions = await waitingPositions(uow.tx, eventId, key, lined);
      return asks.map((ask, i) => {
        const p = placed[i]!;
        if (p instanceof AppError) return p;
        const row = written.get(ask.userId)!;
        return { eventId, occurrence: key, rsvp: myRsvpOf(row, positions.get(row.userId) ?? null), counts: final };
      });
    });
  }

  /** Where an answer of "going" lands now: going, pending approval, or the waiting list. */
  async function placeGoing(tx: Db, event: CalendarEventRow, key: string, existing: RsvpRow | undefined, guests: number, byHost: boolean): Promise<RsvpStatus> {
    const queued = (await waitingList(tx, event.id, key)).length;
    return placeGoingIn(event, existing, guests, byHost, await seatsTaken(tx, event.id, key), queued);
  }

  /** The same, from the seats held (going and offered) and the people queued (waiting and offered) read under the lock. */
  function placeGoingIn(event: CalendarEventRow, existing: RsvpRow | undefined, guests: number, byHost: boolean, seated: number, queued: number): RsvpStatus {
    if (existing?.status === 'going' || existing?.status === 'offered') {
      const others = seated - (1 + existing.guests);
      if (event.capacity !== null && others + 1 + guests > event.capacity) throw new AppError('conflict', 'There are not enough places left for your guests');
      return 'going';
    }
    if (event.approval && !byHost) return 'pending';
    if (event.capacity === null) return 'going';
    return queued === 0 && seated + 1 + guests <= event.capacity ? 'going' : 'waiting';
  }

  function checkRsvpOpen(event: CalendarEventRow, own: OccurrenceRow | undefined, slot: Slot) {
    if (event.cancelledAt || own?.cancelledAt) throw new AppError('conflict', 'This event was cancelled');
    if (now() >= rsvpClosesAt(event, slot.startsAt)) throw new AppError('conflict', 'RSVPs for this event are closed');
  }

  async function writeRsvp(uow: UnitOfWork, event: CalendarEventRow, key: string, userId: string, status: RsvpStatus, guests: number, existing: RsvpRow | undefined) {
    // Staying in line keeps the place: the column as it is, never a Date read back (milliseconds
    // only, it would move the member behind whoever queued later in the same millisecond).
    const queued = status !== 'waiting' ? null : existing?.status === 'waiting' ? sql`${calendarRsvps.queuedAt}` : sql`clock_timestamp()`;
    const values = { eventId: event.id, occurrenceKey: key, userId, status, guests, offerExpiresAt: null, updatedAt: now() };
    const [row] = await uow.tx
      .insert(calendarRsvps)
      .values({ ...values, queuedAt: status === 'waiting' ? sql`clock_timestamp()` : null, respondedAt: now() } as never)
      .onConflictDoUpdate({ target: [calendarRsvps.eventId, calendarRsvps.occurrenceKey, calendarRsvps.userId], set: { ...values, queuedAt: queued } as never })
      .returning();
    return row!;
  }

  function checkGuests(event: CalendarEventRow, guests: number) {
    if (guests > event.maxGuests) throw new AppError('validation_failed', 'Too many guests for this event', { errors: [{ path: 'guests', message: 'is more than the event allows' }] });
  }

  function checkOccurrence(event: CalendarEventRow, key: string): Slot {
    const timing = timingOf(event);
    if (!occurrenceKeySchema.safeParse(key).success || !isSlot(timing, key)) throw AppError.notFound('No such occurrence');
    return slotAt(timing, key);
  }

  // ---- feeds -----------------------------------------------------------------------------

  async function icsEventsOf(found: EventWithSpace[], showOnline: (eventId: string) => boolean): Promise<IcsEvent[]> {
    const own = await occurrencesOf(db, found.map((f) => f.event.id));
    return found.map(({ event }) => ({
      ...timingOf(event),
      id: event.id,
      title: event.title,
      description: event.descriptionMarkdown,
      location: [event.locationAddress, showOnline(event.id) || event.onlineLinkVisibleTo === 'members' ? event.onlineUrl : null].filter(Boolean).join(' · ') || null,
      url: `${deps.publicUrl}/events/${event.id}`,
      cancelled: event.cancelledAt !== null,
      createdAt: event.createdAt,
      updatedAt: event.updatedAt,
      occurrences: [...(own.get(event.id)?.values() ?? [])].map((o) => ({
        key: o.occurrenceKey,
        cancelled: o.cancelledAt !== null,
        startLocal: o.startLocal,
        endLocal: o.endLocal,
        title: o.title,
        description: o.descriptionMarkdown,
        location: o.locationAddress,
      })),
    }));
  }

  /** Feeds cover a year back and two ahead; a series is one VEVENT whatever its length. */
  const feedRange = () => ({ from: new Date(now().getTime() - 365 * 86_400_000), to: new Date(now().getTime() + 730 * 86_400_000) });

  return {
    spaceSettings,

    async accessSpaceSettings(actor: Actor, spaceId: string) {
      const access = await loadAccess(db, actor, { id: spaceId });
      if (!access || !canRead(access)) throw AppError.notFound('No such space');
      return { whoCreates: (await spaceSettings.get(spaceId)).whoCreates };
    },

    async doUpdateSpaceSettings(actor: Actor, spaceId: string, patch: { whoCreates: 'hosts' | 'members' }) {
      const access = await loadAccess(db, actor, { id: spaceId });
      if (!access || !canRead(access)) throw AppError.notFound('No such space');
      if (!(access.membership?.status === 'active' && access.membership.role === 'host') && actor.user.role !== 'admin') {
        throw new AppError('forbidden', 'Only the space’s hosts can do this');
      }
      return { whoCreates: (await spaceSettings.update(db, patch, spaceId)).whoCreates };
    },

    async doCreateEvent(actor: Actor, spaceId: string, input: CreateInput) {
      const access = await loadAccess(db, actor, { id: spaceId });
      if (!access || !canRead(access)) throw AppError.notFound('No such space');
      checkCanPost(access);
      if ((await spaceSettings.get(spaceId)).whoCreates === 'hosts' && !canModerate(access)) {
        throw new AppError('forbidden', 'Only the space’s hosts can create events here');
      }
      if (input.networkWide && (actor.user.role !== 'admin' || access.space.visibility !== 'public')) {
        throw new AppError('forbidden', 'Only site admins can make network-wide events, in public spaces');
      }
      const timing: Timing = { timeZone: input.timeZone, allDay: input.allDay, startLocal: input.start, endLocal: input.end, recurrence: input.recurrence };
      checkTiming(timing);
      // The post first (its own one-statement write, decision 008), then the event that it carries.
      const post = await stream.doCreatePost(actor, { spaceId, bodyMarkdown: postBodyOf(input.title, input.descriptionMarkdown), tags: ['event'] });
      const eventId = await work.transaction(async (uow) => {
        const [row] = await uow.tx
          .insert(calendarEvents)
          .values({ spaceId, postId: post.id, createdBy: actor.user.id, ...columnsOf(input), ...bounds(timing), title: input.title, timeZone: input.timeZone, startLocal: input.start, endLocal: input.end } as typeof calendarEvents.$inferInsert)
          .returning({ id: calendarEvents.id });
        // No notice of its own: the space's followers hear of the new post that carries it.
        await logEventChanged(uow, row!.id, 'created', null);
        return row!.id;
      });
      return detail(actor, await accessEvent(actor, eventId));
    },

    /**
     * An .ics file's events into a space, each through doCreateEvent (its post, its checks), its
     * EXDATEs cancelled; what cannot be imported is listed. Hosts and moderators only.
     */
    async doImportIcs(actor: Actor, spaceId: string, input: { ics: string; timeZone: string }) {
      const access = await loadAccess(db, actor, { id: spaceId });
      if (!access || !canRead(access)) throw AppError.notFound('No such space');
      checkCanPost(access);
      if (!canModerate(access)) throw new AppError('forbidden', 'Only the space’s hosts can import events');
      const { events, skipped } = parseIcs(input.ics, input.timeZone);
      const left: { uid: string; title: string; reason: SkipReason }[] = [...skipped];
      const created: { uid: string; eventId: string; title: string }[] = [];
      for (const imported of events) {
        const parsed = createEventInput.safeParse({
          title: imported.title,
          descriptionMarkdown: imported.description,
          timeZone: imported.timeZone,
          allDay: imported.allDay,
          start: imported.start,
          end: imported.end,
          recurrence: imported.recurrence,
          location: imported.address ? { address: imported.address } : {},
        });
        if (!parsed.success) {
          left.push({ uid: imported.uid, title: imported.title, reason: 'invalid-time' });
          continue;
        }
        let detail;
        try {
          detail = await this.doCreateEvent(actor, spaceId, parsed.data);
        } catch (error) {
          if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
          left.push({ uid: imported.uid, title: imported.title, reason: 'invalid-time' });
          continue;
        }
        const { timeZone, allDay, start, end, recurrence } = detail.event;
        const timing = timingOf({ timeZone, allDay, startLocal: start, endLocal: end, recurrence });
        for (const key of new Set(imported.cancelled)) {
          if (isSlot(timing, key)) await this.doCancelEvent(actor, detail.event.id, { scope: 'this', occurrence: key });
        }
        // An override the event's rules refuse (an end before its start…) leaves that date as the series makes it.
        for (const { occurrence, start: movedStart, end: movedEnd, title, description, address } of imported.overrides) {
          if (imported.cancelled.includes(occurrence) || !isSlot(timing, occurrence)) continue;
          const update = updateEventInput.safeParse({
            scope: 'this',
            occurrence,
            changes: {
              ...(movedStart !== undefined && { start: movedStart, end: movedEnd }),
              ...(title !== undefined && { title }),
              ...(description !== undefined && { descriptionMarkdown: description }),
              ...(address !== undefined && { location: address ? { address } : {} }),
            },
          });
          if (!update.success || Object.keys(update.data.changes).length === 0) continue;
          try {
            await this.doUpdateEvent(actor, detail.event.id, update.data);
          } catch (error) {
            if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
          }
        }
        created.push({ uid: imported.uid, eventId: detail.event.id, title: detail.event.title });
      }
      return { created, skipped: left };
    },

    async accessDetail(actor: Actor, eventId: string, key?: string) {
      return detail(actor, await accessEvent(actor, eventId), key);
    },

    async accessSpaceCalendar(actor: Actor, spaceId: string, range: { from: string; to: string; limit: number }) {
      const access = await loadAccess(db, actor, { id: spaceId });
      if (!access || !canRead(access)) throw AppError.notFound('No such space');
      const seq = access.space.seq;
      const from = new Date(range.from);
      const to = new Date(range.to);
      const found = (await eventsBetween(db, { spaceIds: [spaceId] }, from, to)).map((f) => ({ ...f, access }));
      return { from: from.toISOString(), to: to.toISOString(), seq, ...(await listOccurrences(found, from, to, range.limit, actor)) };
    },

    async accessMyCalendar(actor: Actor, range: { from: string; to: string; limit: number; going: 'true' | 'false' }) {
      const from = new Date(range.from);
      const to = new Date(range.to);
      const going = await eventIdsAttending(db, actor.user.id);
      let found: EventWithSpace[];
      if (range.going === 'true') found = await eventsBetween(db, { spaceIds: [], eventIds: going.length ? going : ['00000000-0000-0000-0000-000000000000'] }, from, to);
      else found = await eventsBetween(db, { spaceIds: await spaceIdsOf(db, actor.user.id), networkWide: true, eventIds: going }, from, to);
      let listed = await listOccurrences(await readableOf(actor, found), from, to, range.limit, actor);
      if (range.going === 'true') {
        listed = { ...listed, occurrences: listed.occurrences.filter((o) => o.my?.status === 'going' || o.my?.status === 'offered') };
      }
      return { from: from.toISOString(), to: to.toISOString(), seq: null, ...listed };
    },

    async accessEventsOfPosts(actor: Actor, postIds: string[]) {
      const readable = await readableOf(actor, await eventsOfPosts(db, postIds));
      const going = new Set(await eventIdsAttending(db, actor.user.id, { among: readable.map((f) => f.event.id) }));
      const items: Record<string, CalendarEvent> = {};
      for (const f of readable) items[f.event.postId] = toEvent(f, seesOnlineLink(f, going));
      return { items };
    },

    async doUpdateEvent(actor: Actor, eventId: string, input: UpdateInput) {
      const found = await accessEvent(actor, eventId);
      const { event, access } = found;
      checkCanEdit(access, event);
      const changes = input.changes;
      if (changes.networkWide && (actor.user.role !== 'admin' || access.space.visibility !== 'public')) {
        throw new AppError('forbidden', 'Only site admins can make network-wide events, in public spaces');
      }
      if (input.scope === 'this') {
        const slot = checkOccurrence(event, input.occurrence!);
        const start = changes.start ?? undefined;
        const end = changes.end ?? (start ? slotAt({ ...timingOf(event) }, start).endLocal : undefined);
        if (start && end) checkTiming({ ...timingOf(event), startLocal: start, endLocal: end, recurrence: null });
        await work.transaction(async (uow) => {
          await uow.tx
            .insert(calendarOccurrences)
            .values({ eventId, occurrenceKey: slot.key, startLocal: start ?? null, endLocal: end ?? null, title: changes.title ?? null, descriptionMarkdown: changes.descriptionMarkdown ?? null, locationAddress: changes.location?.address ?? null, onlineUrl: changes.location?.onlineUrl ?? null })
            .onConflictDoUpdate({
              target: [calendarOccurrences.eventId, calendarOccurrences.occurrenceKey],
              set: {
                ...(start && { startLocal: start, endLocal: end }),
                ...(changes.title !== undefined && { title: changes.title }),
                ...(changes.descriptionMarkdown !== undefined && { descriptionMarkdown: changes.descriptionMarkdown }),
                ...(changes.location !== undefined && { locationAddress: changes.location.address ?? null, onlineUrl: changes.location.onlineUrl ?? null }),
                updatedAt: now(),
              },
            });
          await uow.tx.update(calendarEvents).set({ updatedAt: now() }).where(eq(calendarEvents.id, eventId));
          await logEventChanged(uow, eventId, 'updated', slot.key);
          notifyLater(uow, 'event.changed', event, slot.key, 'attendees', actor.user.id);
        });
        return detail(actor, await accessEvent(actor, eventId), slot.key);
      }
      // "This and following" from the first occurrence is the whole series.
      if (input.scope === 'following' && input.occurrence !== event.startLocal) {
        const slot = checkOccurrence(event, input.occurrence!);
        const old = timingOf(event);
        if (!old.recurrence) throw new AppError('conflict', 'Only a repeating event has following occurrences');
        const before = countBefore(old, slot.startsAt);
        const shift = plainShift(old, slot.key);
        const next: Timing = {
          timeZone: changes.timeZone ?? old.timeZone,
          allDay: changes.allDay ?? old.allDay,
          startLocal: changes.start ?? slot.key,
          endLocal: changes.end ?? shift,
          recurrence: changes.recurrence !== undefined ? changes.recurrence : old.recurrence.count !== undefined ? { ...old.recurrence, count: Math.max(1, old.recurrence.count - before) } : old.recurrence,
        };
        checkTiming(next);
        const ended: Timing = { ...old, recurrence: { ...old.recurrence, count: undefined, until: dayBefore(slot.key) } };
        const title = changes.title ?? event.title;
        const description = changes.descriptionMarkdown ?? event.descriptionMarkdown;
        const post = await stream.doCreatePost(actor, { spaceId: event.spaceId, bodyMarkdown: postBodyOf(title, description), tags: ['event'] });
        const newId = await work.transaction(async (uow) => {
          await lockEvent(uow.tx, eventId);
          await uow.tx.update(calendarEvents).set({ recurrence: ended.recurrence, ...bounds(ended), updatedAt: now() }).where(eq(calendarEvents.id, eventId));
          const { id: _id, postId: _post, createdAt: _c, updatedAt: _u, splitFrom: _s, ...copied } = event;
          const [row] = await uow.tx
            .insert(calendarEvents)
            .values({ ...copied, ...columnsOf(changes), timeZone: next.timeZone, allDay: next.allDay, startLocal: next.startLocal, endLocal: next.endLocal, recurrence: next.recurrence, ...bounds(next), postId: post.id, splitFrom: eventId } as typeof calendarEvents.$inferInsert)
            .returning({ id: calendarEvents.id });
          // The new series keeps the cover image (its row is the new event's own).
          if (event.imageVersion > 0) {
            await uow.tx.execute(sql`insert into ${calendarEventImages} (event_id, content_type, data, updated_at)
              select ${row!.id}, content_type, data, updated_at from ${calendarEventImages} where event_id = ${eventId}`);
          }
          // The answers and edits of the moved occurrences follow them to the new series.
          const movedKeys = (await uow.tx.select({ key: calendarRsvps.occurrenceKey }).from(calendarRsvps).where(eq(calendarRsvps.eventId, eventId))).map((r) => r.key).filter((k) => k >= slot.key);
          if (movedKeys.length) {
            await uow.tx.update(calendarRsvps).set({ eventId: row!.id }).where(and(eq(calendarRsvps.eventId, eventId), inArray(calendarRsvps.occurrenceKey, movedKeys)));
          }
          await uow.tx.update(calendarOccurrences).set({ eventId: row!.id }).where(and(eq(calendarOccurrences.eventId, eventId), sql`${calendarOccurrences.occurrenceKey} >= ${slot.key}`));
          await logEventChanged(uow, eventId, 'updated', null);
          await logEventChanged(uow, row!.id, 'created', null);
          if (concernsAttendees(changes)) notifyLater(uow, 'event.changed', { ...event, id: row!.id } as CalendarEventRow, null, 'attendees', actor.user.id);
          return row!.id;
        });
        return detail(actor, await accessEvent(actor, newId));
      }
      const timing: Timing = {
        timeZone: changes.timeZone ?? event.timeZone,
        allDay: changes.allDay ?? event.allDay,
        startLocal: changes.start ?? event.startLocal,
        endLocal: changes.end ?? event.endLocal,
        recurrence: changes.recurrence !== undefined ? changes.recurrence : (event.recurrence ?? null),
      };
      checkTiming(timing);
      if (changes.title !== undefined || changes.descriptionMarkdown !== undefined) {
        await stream.doUpdatePost(actor, { postId: event.postId, bodyMarkdown: postBodyOf(changes.title ?? event.title, changes.descriptionMarkdown ?? event.descriptionMarkdown) });
      }
      await work.transaction(async (uow) => {
        const locked = await lockEvent(uow.tx, eventId);
        await uow.tx.update(calendarEvents).set({ ...columnsOf(changes), ...bounds(timing), updatedAt: now() }).where(eq(calendarEvents.id, eventId));
        await logEventChanged(uow, eventId, 'updated', null);
        // A larger capacity frees seats for the next in line of each occurrence with a waiting list.
        if (changes.capacity !== undefined && (changes.capacity === null || (locked.capacity !== null && changes.capacity > locked.capacity))) {
          const updated = { ...locked, capacity: changes.capacity };
          const keys = await uow.tx.selectDistinct({ key: calendarRsvps.occurrenceKey }).from(calendarRsvps).where(and(eq(calendarRsvps.eventId, eventId), eq(calendarRsvps.status, 'waiting')));
          for (const { key } of keys) {
            if (changes.capacity === null) {
              await uow.tx.update(calendarRsvps).set({ status: 'going', queuedAt: null, offerExpiresAt: null }).where(and(eq(calendarRsvps.eventId, eventId), eq(calendarRsvps.occurrenceKey, key), inArray(calendarRsvps.status, ['waiting', 'offered'])));
            } else await offerFreedSeats(uow, updated, key);
            await logCounts(uow, updated, key);
          }
        }
        if (concernsAttendees(changes)) notifyLater(uow, 'event.changed', event, null, 'attendees', actor.user.id);
      });
      return detail(actor, await accessEvent(actor, eventId));
    },

    async accessImage(actor: Actor, eventId: string): Promise<StoredImage> {
      await accessEvent(actor, eventId);
      const [image] = await db.select().from(calendarEventImages).where(eq(calendarEventImages.eventId, eventId));
      if (!image) throw AppError.notFound('This event has no image');
      return image;
    },

    /** A new cover image: the event's readers see it at once through calendar:event-changed. */
    async doSetImage(actor: Actor, eventId: string, file: { buffer: Buffer; size: number } | undefined) {
      const { event, access } = await accessEvent(actor, eventId);
      checkCanEdit(access, event);
      const image = await checkImage(file, 'image');
      await work.transaction(async (uow) => {
        await lockEvent(uow.tx, eventId);
        await uow.tx
          .insert(calendarEventImages)
          .values({ eventId, ...image, updatedAt: now() })
          .onConflictDoUpdate({ target: calendarEventImages.eventId, set: { ...image, updatedAt: now() } });
        await uow.tx.update(calendarEvents).set({ imageVersion: sql`${calendarEvents.imageVersion} + 1`, updatedAt: now() }).where(eq(calendarEvents.id, eventId));
        await logEventChanged(uow, eventId, 'updated', null);
      });
      return detail(actor, await accessEvent(actor, eventId));
    },

    async doRemoveImage(actor: Actor, eventId: string) {
      const { event, access } = await accessEvent(actor, eventId);
      checkCanEdit(access, event);
      await work.transaction(async (uow) => {
        await lockEvent(uow.tx, eventId);
        await uow.tx.delete(calendarEventImages).where(eq(calendarEventImages.eventId, eventId));
        await uow.tx.update(calendarEvents).set({ imageVersion: 0, updatedAt: now() }).where(eq(calendarEvents.id, eventId));
        await logEventChanged(uow, eventId, 'updated', null);
      });
      return detail(actor, await accessEvent(actor, eventId));
    },

    async doCancelEvent(actor: Actor, eventId: string, input: CancelInput) {
      const { event, access } = await accessEvent(actor, eventId);
      checkCanEdit(access, event);
      if (input.scope === 'this') {
        const slot = checkOccurrence(event, input.occurrence!);
        await work.transaction(async (uow) => {
          await uow.tx
            .insert(calendarOccurrences)
            .values({ eventId, occurrenceKey: slot.key, cancelledAt: now() })
            .onConflictDoUpdate({ target: [calendarOccurrences.eventId, calendarOccurrences.occurrenceKey], set: { cancelledAt: now(), updatedAt: now() } });
          await uow.tx.update(calendarEvents).set({ updatedAt: now() }).where(eq(calendarEvents.id, eventId));
          await logEventChanged(uow, eventId, 'cancelled', slot.key);
          notifyLater(uow, 'event.cancelled', event, slot.key, 'attendees', actor.user.id);
        });
        return detail(actor, await accessEvent(actor, eventId), slot.key);
      }
      if (input.scope === 'following' && event.recurrence) {
        const slot = checkOccurrence(event, input.occurrence!);
        if (slot.key !== event.startLocal) {
          const ended: Timing = { ...timingOf(event), recurrence: { ...event.recurrence, count: undefined, until: dayBefore(slot.key) } };
          await work.transaction(async (uow) => {
            await uow.tx.update(calendarEvents).set({ recurrence: ended.recurrence, ...bounds(ended), updatedAt: now() }).where(eq(calendarEvents.id, eventId));
            await logEventChanged(uow, eventId, 'updated', null);
            notifyLater(uow, 'event.cancelled', event, slot.key, 'attendees', actor.user.id, true);
          });
          return detail(actor, await accessEvent(actor, eventId));
        }
      }
      await work.transaction(async (uow) => {
        await uow.tx.update(calendarEvents).set({ cancelledAt: now(), updatedAt: now() }).where(eq(calendarEvents.id, eventId));
        await logEventChanged(uow, eventId, 'cancelled', null);
        notifyLater(uow, 'event.cancelled', event, null, 'attendees', actor.user.id);
      });
      return detail(actor, await accessEvent(actor, eventId));
    },

    /**
     * An RSVP, placed in a transaction under the event row's lock (SELECT … FOR UPDATE), in a
     * turn with the others that arrived meanwhile (askRsvp): the seats counted are the seats
     * there are, so capacity holds whatever the concurrency. Freed seats go to the waiting list
     * in the same transaction.
     */
    async doRsvp(actor: Actor, eventId: string, key: string, input: { status: 'going' | 'maybe' | 'declined'; guests: number }) {
      const { event, access } = await accessEvent(actor, eventId);
      if (access.membership?.status !== 'active' && actor.user.role !== 'admin') {
        if (access.space.visibility !== 'public') throw AppError.notFound('No such event');
      }
      const slot = checkOccurrence(event, key);
      checkGuests(event, input.guests);
      const own = (await occurrencesOf(db, [eventId])).get(eventId)?.get(key);
      checkRsvpOpen(event, own, resolve(event, slot, own).slot);
      return askRsvp(eventId, key, actor.user.id, input);
    },

    /** The job when an offer's time ran out: the seat goes to the next in line (idempotent). */
    async doExpireOffer(payload: { eventId: string; occurrence: string; userId: string }) {
      await work.transaction(async (uow) => {
        const [locked] = await uow.tx.select().from(calendarEvents).where(eq(calendarEvents.id, payload.eventId)).for('update');
        if (!locked) return;
        const row = await rsvpOf(uow.tx, payload.eventId, payload.occurrence, payload.userId);
        if (!row || row.status !== 'offered' || !row.offerExpiresAt || row.offerExpiresAt > now()) return;
        await uow.tx.delete(calendarRsvps).where(and(eq(calendarRsvps.eventId, row.eventId), eq(calendarRsvps.occurrenceKey, row.occurrenceKey), eq(calendarRsvps.userId, row.userId)));
        await memberLog.tell(uow, row.userId, 'calendar:my-rsvp-changed', { spaceId: locked.spaceId, eventId: locked.id, occurrence: row.occurrenceKey, rsvp: null, reason: 'offer-expired' });
        await offerFreedSeats(uow, locked, row.occurrenceKey);
        await logCounts(uow, locked, row.occurrenceKey);
      });
    },

    /** Every minute: offers whose time ran out (when their own job was late), then reminders. */
    async doMinutely() {
      const expired = await db
        .select({ eventId: calendarRsvps.eventId, occurrence: calendarRsvps.occurrenceKey, userId: calendarRsvps.userId })
        .from(calendarRsvps)
        .where(and(eq(calendarRsvps.status, 'offered'), sql`${calendarRsvps.offerExpiresAt} <= ${now().toISOString()}`));
      for (const offer of expired) await this.doExpireOffer(offer);
      return this.doSendReminders();
    },

    /**
     * Reminders due now: for each occurrence of the next four weeks, each member going or maybe
     * and each of their offsets (their own, else the event's) whose time has come in the last
     * hour. A row per reminder sent keeps it once, however often the schedule runs.
     */
    async doSendReminders(): Promise<{ eventId: string; occurrence: string; userId: string; minutes: number }[]> {
      const at = now();
      const horizon = new Date(at.getTime() + 28 * 86_400_000 + 3_600_000);
      const attending = await db.selectDistinct({ id: calendarRsvps.eventId }).from(calendarRsvps).where(inArray(calendarRsvps.status, ['going', 'maybe', 'offered']));
      if (attending.length === 0) return [];
      const found = await eventsBetween(db, { spaceIds: [], eventIds: attending.map((a) => a.id) }, at, horizon);
      const due: { eventId: string; occurrence: string; userId: string; minutes: number }[] = [];
      for (const { event } of found) {
        if (event.cancelledAt) continue;
        const own = (await occurrencesOf(db, [event.id])).get(event.id);
        const slots = slotsBetween(timingOf(event), at, horizon).map((s) => resolve(event, s, own?.get(s.key)));
        const rsvps = await db.select().from(calendarRsvps).where(and(eq(calendarRsvps.eventId, event.id), inArray(calendarRsvps.status, ['going', 'maybe', 'offered'])));
        const choices = new Map((await db.select().from(calendarReminderChoices).where(eq(calendarReminderChoices.eventId, event.id))).map((c) => [c.userId, c.minutes]));
        for (const { slot, own: edit } of slots) {
          if (edit?.cancelledAt || slot.startsAt <= at) continue;
          for (const rsvp of rsvps.filter((r) => r.occurrenceKey === slot.key)) {
            for (const minutes of choices.get(rsvp.userId) ?? event.reminderMinutes) {
              const when = slot.startsAt.getTime() - minutes * 60_000;
              if (when <= at.getTime() && when > at.getTime() - 3_600_000) due.push({ eventId: event.id, occurrence: slot.key, userId: rsvp.userId, minutes });
            }
          }
        }
      }
      const sent: typeof due = [];
      for (const reminder of due) {
        await work.transaction(async (uow) => {
          const inserted = await uow.tx.execute(sql`insert into calendar_reminders_sent (event_id, occurrence_key, user_id, minutes)
            values (${reminder.eventId}, ${reminder.occurrence}, ${reminder.userId}, ${reminder.minutes}) on conflict do nothing returning event_id`);
          if ((inserted as unknown as { rows: unknown[] }).rows.length === 0) return;
          sent.push(reminder);
          uow.enqueue({ kind: NOTIFY, payload: { kind: 'event.reminder', eventId: reminder.eventId, occurrence: reminder.occurrence, userIds: [reminder.userId], actorId: null, minutes: reminder.minutes } });
        });
      }
      return sent;
    },

    /** Who a notice job tells: the members named, or the occurrence's (or whole event's) attendees. */
    async recipientsOf(eventId: string, occurrence: string | null, userIds: string[] | 'attendees', actorId: string | null, following = false): Promise<{ event: CalendarEventRow; userIds: string[] } | undefined> {
      const [event] = await db.select().from(calendarEvents).where(eq(calendarEvents.id, eventId));
      if (!event) return undefined;
      if (userIds !== 'attendees') return { event, userIds };
      const rows = await db
        .selectDistinct({ userId: calendarRsvps.userId })
        .from(calendarRsvps)
        .where(and(eq(calendarRsvps.eventId, eventId), inArray(calendarRsvps.status, ['going', 'maybe', 'waiting', 'offered', 'pending']), !occurrence ? sql`true` : following ? sql`${calendarRsvps.occurrenceKey} >= ${occurrence}` : eq(calendarRsvps.occurrenceKey, occurrence)));
      return { event, userIds: rows.map((r) => r.userId).filter((id) => id !== actorId) };
    },

    async accessAttendees(actor: Actor, eventId: string, key: string) {
      const { event, access } = await accessEvent(actor, eventId);
      checkOccurrence(event, key);
      if (!canSeeAttendees(access, event)) throw new AppError('forbidden', 'Only the event’s hosts can see who is coming');
      const hosts = canEditEvent(access, event);
      const rows = await attendeesOf(db, eventId, key);
      const rank: Record<RsvpStatus, number> = { going: 0, pending: 1, offered: 2, waiting: 2, maybe: 3, declined: 4 };
      const items = [];
      let position = 0;
      for (const { rsvp, user } of rows.sort((a, b) => rank[a.rsvp.status] - rank[b.rsvp.status])) {
        if (rsvp.status === 'declined' && !hosts) continue;
        const waiting = rsvp.status === 'waiting' || rsvp.status === 'offered';
        items.push({
          user: authorOf(user),
          status: rsvp.status,
          guests: rsvp.guests,
          waitingPosition: waiting ? ++position : null,
          offerExpiresAt: rsvp.offerExpiresAt?.toISOString() ?? null,
          checkedInAt: rsvp.checkedInAt?.toISOString() ?? null,
          respondedAt: rsvp.respondedAt.toISOString(),
        });
      }
      return { items, counts: await countsOfOccurrence(db, eventId, key, event.capacity) };
    },

    async accessAttendeesCsv(actor: Actor, eventId: string, key: string): Promise<string> {
      const { event, access } = await accessEvent(actor, eventId);
      if (!canEditEvent(access, event)) throw new AppError('forbidden', 'Only the event’s hosts can export who is coming');
      const { items } = await this.accessAttendees(actor, eventId, key);
      // A cell that starts with = + - @ would be a formula in a spreadsheet: quoted and prefixed.
      const cell = (value: string) => `"${(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value).replace(/"/g, '""')}"`;
      const lines = [['handle', 'name', 'status', 'guests', 'waiting position', 'checked in at'].map(cell).join(',')];
      for (const a of items) lines.push([a.user.handle, a.user.displayName, a.status, String(a.guests), a.waitingPosition ? String(a.waitingPosition) : '', a.checkedInAt ?? ''].map(cell).join(','));
      return lines.join('\r\n') + '\r\n';
    },

    async doCheckIn(actor: Actor, eventId: string, key: string, userId: string, checkedIn: boolean) {
      const { event, access } = await accessEvent(actor, eventId);
      checkCanEdit(access, event);
      checkOccurrence(event, key);
      await work.transaction(async (uow) => {
        const row = await rsvpOf(uow.tx, eventId, key, userId);
        if (!row || row.status !== 'going') throw new AppError('conflict', 'Only members who are going can be checked in');
        await uow.tx
          .update(calendarRsvps)
          .set({ checkedInAt: checkedIn ? (row.checkedInAt ?? now()) : null })
          .where(and(eq(calendarRsvps.eventId, eventId), eq(calendarRsvps.occurrenceKey, key), eq(calendarRsvps.userId, userId)));
        await logCounts(uow, event, key);
      });
      return (await this.accessAttendees(actor, eventId, key)).items.find((a) => a.user.id === userId)!;
    },

    async doApprove(actor: Actor, eventId: string, key: string, userId: string, approve: boolean) {
      const { event, access } = await accessEvent(actor, eventId);
      checkCanEdit(access, event);
      checkOccurrence(event, key);
      await work.transaction(async (uow) => {
        const locked = await lockEvent(uow.tx, eventId);
        const row = await rsvpOf(uow.tx, eventId, key, userId);
        if (!row || row.status !== 'pending') throw new AppError('conflict', 'This RSVP is not waiting for approval');
        const status = approve ? await placeGoing(uow.tx, locked, key, undefined, row.guests, true) : 'declined';
        const written = await writeRsvp(uow, locked, key, userId, status, row.guests, row);
        if (written.status === 'going') confirmLater(uow, eventId, key, userId);
        await memberLog.tell(uow, userId, 'calendar:my-rsvp-changed', { spaceId: locked.spaceId, eventId, occurrence: key, rsvp: await toMyRsvp(uow.tx, written), reason: approve ? 'approved' : 'declined-by-host' });
        await logCounts(uow, locked, key);
      });
      return (await this.accessAttendees(actor, eventId, key)).items.find((a) => a.user.id === userId)!;
    },

    async doSetReminders(actor: Actor, eventId: string, minutes: number[] | null) {
      const { event } = await accessEvent(actor, eventId);
      if (minutes === null) {
        await db.delete(calendarReminderChoices).where(and(eq(calendarReminderChoices.eventId, eventId), eq(calendarReminderChoices.userId, actor.user.id)));
        return { minutes: event.reminderMinutes, isDefault: true };
      }
      const chosen = [...new Set(minutes)].sort((a, b) => b - a);
      await db
        .insert(calendarReminderChoices)
        .values({ eventId, userId: actor.user.id, minutes: chosen })
        .onConflictDoUpdate({ target: [calendarReminderChoices.eventId, calendarReminderChoices.userId], set: { minutes: chosen } });
      return { minutes: chosen, isDefault: false };
    },

    /**
     * The confirmation of a member now going, by mail in their language with the occurrence's
     * .ics attached (made when sent). Only to a confirmed address that does not bounce, and only
     * while they are still going.
     */
    async doSendConfirmation(payload: { eventId: string; occurrence: string; userId: string }): Promise<boolean> {
      const actor = await actorOfUser(payload.userId);
      const user = actor?.user as (Actor['user'] & { email: string | null; emailVerifiedAt: Date | null; emailBouncedAt: Date | null }) | undefined;
      if (!actor || !user?.email || !user.emailVerifiedAt || user.emailBouncedAt) return false;
      const rsvp = await rsvpOf(db, payload.eventId, payload.occurrence, payload.userId);
      if (rsvp?.status !== 'going') return false;
      let found;
      try {
        found = await accessEvent(actor, payload.eventId);
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found') return false;
        throw error;
      }
      const slot = checkOccurrence(found.event, payload.occurrence);
      const own = (await occurrencesOf(db, [payload.eventId])).get(payload.eventId)?.get(payload.occurrence);
      const placed = resolve(found.event, slot, own).slot;
      const locale = await deps.languages.of(payload.userId);
      const t = translator(locale);
      // The member may have turned these off (Settings → Notifications, or the mail's own link).
      const wanted = await deps.kindMail(payload.userId, CONFIRMATION_KIND, t);
      if (!wanted) return false;
      const when = new Intl.DateTimeFormat(locale, { dateStyle: 'full', ...(found.event.allDay ? {} : { timeStyle: 'short' }), timeZone: found.event.timeZone }).format(placed.startsAt);
      const title = own?.title ?? found.event.title;
      const vars = { name: user.displayName, title, when, zone: found.event.timeZone, space: found.space.name, link: `${deps.publicUrl}/events/${payload.eventId}?on=${encodeURIComponent(payload.occurrence)}` };
      await deps.mail.enqueue(db, {
        kind: 'calendar.confirmation',
        userId: payload.userId,
        to: user.email,
        subject: t('mail:calendar.confirmSubject', vars),
        text: `${t('mail:calendar.confirmBody', vars)}\n\n${wanted.footerText}`,
        headers: wanted.headers,
        attachments: [{ kind: EVENT_ICS, ref: { eventId: payload.eventId, occurrence: payload.occurrence } }],
      });
      return true;
    },

    /** The outbox's maker of `event-ics`: the occurrence's file as its recipient may see it; null once they may not. */
    async makeOccurrenceIcs(ref: Record<string, unknown>, mail: { userId: string | null }) {
      const actor = mail.userId ? await actorOfUser(mail.userId) : undefined;
      if (!actor) return null;
      try {
        const file = await occurrenceIcs(actor, String(ref.eventId), String(ref.occurrence));
        const safe = file.name.replace(/[^\p{L}\p{N} _-]/gu, '').replace(/\s+/g, ' ').trim().slice(0, 60) || 'event';
        return { filename: `${safe}.ics`, contentType: 'text/calendar; charset=utf-8; method=PUBLISH', content: file.ics };
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found') return null;
        throw error;
      }
    },

    async accessEventIcs(actor: Actor, eventId: string): Promise<{ name: string; ics: string }> {
      const found = await accessEvent(actor, eventId);
      const going = (await attendsEvent(db, actor.user.id, eventId)) || canEditEvent(found.access, found.event);
      return { name: found.event.title, ics: toIcs({ name: found.event.title, host, events: await icsEventsOf([found], () => going) }) };
    },

    /** A public space's feed; any other space (private, secret, missing) is the same 404. */
    async accessSpaceFeed(slug: string): Promise<{ name: string; ics: string }> {
      const [space] = await db.execute(sql`select id, name, visibility from spaces where slug = ${slug.toLowerCase()}`).then((r) => (r as unknown as { rows: { id: string; name: string; visibility: string }[] }).rows);
      if (!space || space.visibility !== 'public') throw AppError.notFound('No such calendar');
      const { from, to } = feedRange();
      const found = await eventsBetween(db, { spaceIds: [space.id] }, from, to);
      return { name: space.name, ics: toIcs({ name: space.name, host, events: await icsEventsOf(found, () => false) }) };
    },

    /** The personal feed: the events its owner is going to, in spaces they may still read. */
    async accessPersonalFeed(token: string): Promise<{ name: string; ics: string }> {
      const user = await userOfFeedToken(db, hash(token));
      if (!user || user.status !== 'active') throw AppError.notFound('No such calendar');
      const actor = { user, sessionId: '', currentGuidelinesVersion: 0, ssoLinked: false } as Actor;
      const ids = await eventIdsAttending(db, user.id, { statuses: ['going', 'maybe', 'offered'] });
      const { from, to } = feedRange();
      const found = ids.length ? await eventsBetween(db, { spaceIds: [], eventIds: ids }, from, to) : [];
      const readable = await readableOf(actor, found);
      return { name: 'Hearth', ics: toIcs({ name: 'Hearth', host, events: await icsEventsOf(readable, () => true) }) };
    },

    async accessFeedToken(actor: Actor) {
      const row = await feedTokenOf(db, actor.user.id);
      return { active: Boolean(row), createdAt: row?.createdAt.toISOString() ?? null };
    },

    async doRotateFeedToken(actor: Actor) {
      const token = randomBytes(32).toString('base64url');
      const [row] = await db
        .insert(calendarFeedTokens)
        .values({ userId: actor.user.id, tokenHash: hash(token), createdAt: now() })
        .onConflictDoUpdate({ target: calendarFeedTokens.userId, set: { tokenHash: hash(token), createdAt: now() } })
        .returning();
      return { url: `${deps.publicUrl}/calendar/feed/${token}.ics`, createdAt: row!.createdAt.toISOString() };
    },

    async doRevokeFeedToken(actor: Actor) {
      await db.delete(calendarFeedTokens).where(eq(calendarFeedTokens.userId, actor.user.id));
      return { active: false, createdAt: null };
    },
  };

  /** The local end of the occurrence at `key` by the series' length. */
  function plainShift(timing: Timing, key: string): string {
    return slotAt(timing, key).endLocal;
  }
}

export type CalendarService = ReturnType<typeof createCalendarService>;
