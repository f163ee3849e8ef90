// The calendar's live state: one event (its page, its card in a stream), a range of occurrences
// (month, week, agenda, upcoming) and which stream posts are events. docs/decisions/021.
//
// Counts arrive as whole numbers (`calendar:rsvp-changed` carries the occurrence's counts, not a
// difference) and a changed event arrives whole, so applying an event twice or after a reload
// gives the state a reload shows; after a reconnection every open view reads again.
import { SvelteMap } from 'svelte/reactivity';
import type { EventPayload } from '../../../shared/protocol/events';
import { live } from '../realtime/connection.svelte';
import { liveStores } from '../realtime/live-stores';
import { memberFeed } from '../realtime/member-feed';
import { api } from './api';
import { routes } from './api-routes';
import type { CalendarEvent, CalendarEventSummary, EventDetail, MyRsvp, Occurrence, RsvpAnswer, RsvpCounts } from './calendar-api';
import { Loadable } from './loadable.svelte';

type RsvpChanged = EventPayload<'calendar:rsvp-changed'>;
type EventChanged = EventPayload<'calendar:event-changed'>;
type MyRsvpChanged = EventPayload<'calendar:my-rsvp-changed'>;

/** One event with one of its occurrences, as its page and its stream card show it. */
export class EventView extends Loadable {
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  static readonly open = new Set<EventView>();

  detail = $state<EventDetail | undefined>(undefined);
  #stopped = false;

  constructor(
    readonly eventId: string,
    /** The occurrence asked for (`?on=`); without it, the next one. */
    public occurrence?: string,
  ) {
    super({ initial: 'loading', notFoundIsMissing: true });
  }

  get event(): CalendarEvent | undefined {
    return this.detail?.event;
  }

  start(): () => void {
    EventView.open.add(this);
    void this.load();
    return () => this.stop();
  }

  stop(): void {
    this.#stopped = true;
    this.forget();
    EventView.open.delete(this);
  }

  async load(): Promise<void> {
    if (this.#stopped) return;
    const occurrence = this.occurrence;
    await this.track(
      () => api.call(routes.event, { params: { eventId: this.eventId }, query: occurrence ? { occurrence } : {} }),
      (detail) => {
        this.detail = detail;
      },
    );
  }

  /** Shows another occurrence of the same event. */
  async show(occurrence: string | undefined): Promise<void> {
    this.occurrence = occurrence;
    await this.load();
  }

  /** My answer to the shown occurrence; the ack carries my RSVP and the counts. */
  async rsvp(status: RsvpAnswer, guests = 0): Promise<void> {
    const occurrence = this.detail?.occurrence;
    if (!occurrence) return;
    const result = await live.command('calendar:rsvp', { eventId: this.eventId, occurrence: occurrence.occurrence, status, guests });
    this.#patchOccurrence(result.occurrence, { counts: result.counts, my: result.rsvp });
  }

  rsvpChanged(change: RsvpChanged): void {
    if (change.eventId !== this.eventId) return;
    this.#patchOccurrence(change.occurrence, { counts: change.counts });
  }

  myRsvpChanged(change: MyRsvpChanged): void {
    if (change.eventId !== this.eventId) return;
    this.#patchOccurrence(change.occurrence, { my: change.rsvp });
    // A seat offered, lost or approved moves the counts and what I may see (an online link).
    void this.load();
  }

  eventChanged(change: EventChanged): void {
    const event = this.detail?.event;
    if (!event) return;
    // A split ("this and following") makes a new event from mine: my page still shows mine.
    if (change.event.id === this.eventId || change.event.splitFrom === this.eventId) void this.load();
  }

  #patchOccurrence(key: string, patch: { counts?: RsvpCounts; my?: MyRsvp | null }): void {
    const detail = this.detail;
    const occurrence = detail?.occurrence;
    if (!detail || !occurrence || occurrence.occurrence !== key) return;
    this.detail = {
      ...detail,
      occurrence: { ...occurrence, ...(patch.counts ? { counts: patch.counts } : {}), ...(patch.my !== undefined ? { my: patch.my } : {}) },
    };
  }
}

/** Which occurrences a range shows: one space's, or mine across my spaces. */
export type RangeScope = { spaceId: string } | { mine: true; going?: boolean };

/** The occurrences of a range (a month, a week, an agenda, the next weeks), kept current. */
export class CalendarRange extends Loadable {
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  static readonly open = new Set<CalendarRange>();

  /** The listed events, without their descriptions (the event's page loads it whole). */
  events = new SvelteMap<string, CalendarEventSummary>();
  occurrences = $state<Occurrence[]>([]);
  from = $state<string | undefined>(undefined);
  to = $state<string | undefined>(undefined);
  /** A space's log position the list reflects (null for my calendar). */
  seq = $state<number | null>(null);
  #reloadTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(
    public scope: RangeScope,
    readonly options: { limit?: number } = {},
  ) {
    super({ initial: 'loading' });
  }

  start(): () => void {
    CalendarRange.open.add(this);
    if (this.from) void this.load();
    return () => this.stop();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#reloadTimer);
    this.forget();
    CalendarRange.open.delete(this);
  }

  /** Shows [from, to) (UTC instants). */
  setRange(from: string, to: string): void {
    if (from === this.from && to === this.to) return;
    this.from = from;
    this.to = to;
    void this.load();
  }

  setScope(scope: RangeScope): void {
    this.scope = scope;
    void this.load();
  }

  async load(): Promise<void> {
    const { from, to } = this;
    if (!from || !to || this.#stopped) return;
    const scope = this.scope;
    const query = { from, to, ...(this.options.limit ? { limit: this.options.limit } : {}) };
    await this.track(
      () =>
        'spaceId' in scope
          ? api.call(routes.spaceCalendar, { params: { spaceId: scope.spaceId }, query })
          : api.call(routes.myCalendar, { query: { ...query, going: scope.going ? 'true' : 'false' } }),
      (list) => {
        this.events.clear();
        for (const event of list.events) this.events.set(event.id, event);
        this.occurrences = list.occurrences;
        this.seq = list.seq;
      },
    );
  }

  /** Several changes in a burst make one reload. */
  reloadSoon(): void {
    clearTimeout(this.#reloadTimer);
    this.#reloadTimer = setTimeout(() => void this.load(), 150);
  }

  #concerns(spaceId: string): boolean {
    return 'spaceId' in this.scope ? this.scope.spaceId === spaceId : true;
  }

  rsvpChanged(change: RsvpChanged): void {
    if (!this.#concerns(change.spaceId)) return;
    const index = this.occurrences.findIndex((o) => o.eventId === change.eventId && o.occurrence === change.occurrence);
    if (index === -1) return;
    this.occurrences = this.occurrences.map((o, i) => (i === index ? { ...o, counts: change.counts } : o));
    // "Only those I'm going to" depends on my own answers, which come another way.
  }

  myRsvpChanged(change: MyRsvpChanged): void {
    if (!this.#concerns(change.spaceId)) return;
    this.occurrences = this.occurrences.map((o) => (o.eventId === change.eventId && o.occurrence === change.occurrence ? { ...o, my: change.rsvp } : o));
    if ('mine' in this.scope && this.scope.going) this.reloadSoon();
  }

  eventChanged(change: EventChanged): void {
    if (!this.#concerns(change.spaceId)) return;
    // Its occurrences (a new rule, a moved or cancelled date) are the server's to expand.
    this.reloadSoon();
  }
}

/**
 * Which posts of the streams carry an event: asked for in batches as post cards show, and told
 * at once by `calendar:event-changed`. `undefined` while unknown, `null` for a plain post.
 */
export class PostEvents {
  items = new SvelteMap<string, CalendarEvent | null>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  #queued = new Set<string>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  #asked = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** The event a post carries (asking the server the first time). Safe to call while rendering. */
  of(postId: string): CalendarEvent | null | undefined {
    if (!this.#asked.has(postId)) {
      this.#asked.add(postId);
      this.#queued.add(postId);
      if (this.#timer === undefined) this.#timer = setTimeout(() => void this.#flush(), 0);
    }
    return this.items.get(postId);
  }

  async #flush(): Promise<void> {
    this.#timer = undefined;
    const ids = [...this.#queued];
    this.#queued.clear();
    for (let i = 0; i < ids.length; i += 100) {
      const batch = ids.slice(i, i + 100);
      try {
        const { items } = await api.call(routes.eventsOfPosts, { query: { ids: batch.join(',') } });
        for (const id of batch) if (!this.items.has(id) || items[id]) this.items.set(id, items[id] ?? null);
      } catch {
        // Asked again when a card shows it next time.
        for (const id of batch) this.#asked.delete(id);
      }
    }
  }

  eventChanged(change: EventChanged): void {
    this.items.set(change.event.postId, change.event);
    this.#asked.add(change.event.postId);
  }

  clear(): void {
    this.items.clear();
    this.#asked.clear();
    this.#queued.clear();
  }
}

export const postEvents = new PostEvents();

/** The event pages and calendar ranges open now, the event pages first: each live change goes to every one. */
function openViews(): (EventView | CalendarRange)[] {
  return [...EventView.open, ...CalendarRange.open];
}

function reloadAll(): void {
  for (const view of openViews()) void view.load();
}

liveStores.register({
  name: 'calendar',
  events: {
    'calendar:rsvp-changed': (change) => {
      for (const view of openViews()) view.rsvpChanged(change);
    },
    'calendar:event-changed': (change) => {
      postEvents.eventChanged(change);
      for (const view of openViews()) view.eventChanged(change);
    },
  },
  clear: () => postEvents.clear(),
  // What changed while the socket was away: each open view reads again.
  reconnected: () => reloadAll(),
});

// My own RSVP moved by someone else (an offer, an approval) comes through my own log.
memberFeed.route({
  name: 'calendar',
  events: {
    'calendar:my-rsvp-changed': (change) => {
      for (const view of openViews()) view.myRsvpChanged(change);
    },
  },
  reload: () => reloadAll(),
});
