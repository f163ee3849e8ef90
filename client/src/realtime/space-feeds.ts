// Each space's events applied once, in log order, across races and reconnects: docs/ARCHITECTURE.md#the-live-path
import type { StreamEventName } from '../../../shared/protocol/stream';
import type { EventPayload } from '../../../shared/protocol/events';
import { live } from './connection.svelte';

/** One logged event of a space, as emitted live or replayed by `stream:resume`. */
export type StreamEvent = { [K in StreamEventName]: { name: K; payload: EventPayload<K> } }[StreamEventName];

/** What a store does with its space's events. */
export interface FeedHandlers {
  /** Called once per event, in seq order, starting after the seq given to `start`. */
  apply(event: StreamEvent): void;
  /**
   * The log cannot be replayed (too much missed, or access changed): load the space's page from
   * REST again and call `start` with its seq. The feed holds new events meanwhile.
   */
  reset(): void;
}

/** More held events than this, and catching up is slower than reloading. */
const MAX_HELD = 500;

/**
 * One store's position in one space's log. Events arrive in any order and any number of times
 * (live, raced, replayed after a reconnect); the feed hands them to the store exactly once, in
 * seq order, and asks for a replay when it sees a gap.
 */
export class SpaceFeed {
  /** The last seq applied; null while the store loads its baseline (events are held meanwhile). */
  #last: number | null = null;
  #held = new Map<number, StreamEvent>();
  #closed = false;
  /** The connection came up while the baseline was loading: what fell between is asked for at start. */
  #verifyOnStart = false;

  constructor(
    readonly spaceId: string,
    readonly handlers: FeedHandlers,
    /** Whether this feed needs `space:subscribe` (viewing a space one is not a member of). */
    public subscribe: boolean,
    readonly feeds: SpaceFeeds,
  ) {}

  get lastSeq(): number | null {
    return this.#last;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether events beyond the next one are waiting for the ones between. */
  get hasGap(): boolean {
    return this.#last !== null && this.#held.size > 0;
  }

  /**
   * The store's data reflects the log up to `seq` (the REST page's `seq`): applies what arrived
   * after it while loading, and asks for a replay if something is missing in between.
   */
  start(seq: number): void {
    if (this.#closed) return;
    this.#last = seq;
    this.#drain();
    if (this.#verifyOnStart) {
      this.#verifyOnStart = false;
      this.feeds.requestResume(this.spaceId);
    }
  }

  /** Marks a feed still loading its baseline when the connection (re)started. */
  verifyOnStart(): void {
    if (this.#last === null) this.#verifyOnStart = true;
  }

  /** Holds events again until the next `start` (the store is reloading). */
  pause(): void {
    this.#last = null;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#held.clear();
    this.feeds.detach(this);
  }

  /** Takes one event, live or replayed; whatever it already applied is ignored. */
  offer(event: StreamEvent): void {
    if (this.#closed) return;
    const seq = event.payload.seq;
    if (this.#last !== null && seq <= this.#last) return;
    this.#held.set(seq, event);
    if (this.#held.size > MAX_HELD) {
      this.#held.clear();
      this.#last = null;
      this.handlers.reset();
      return;
    }
    if (this.#last !== null) this.#drain();
  }

  #drain(): void {
    if (this.#last === null) return;
    for (const seq of this.#held.keys()) if (seq <= this.#last) this.#held.delete(seq);
    for (let next = this.#held.get(this.#last + 1); next; next = this.#held.get(this.#last + 1)) {
      this.#held.delete(this.#last + 1);
      this.#last += 1;
      try {
        this.handlers.apply(next);
      } catch (error) {
        // A store's bug must not stop the other stores, nor this feed's later events.
        console.error(`Applying ${next.name} #${next.payload.seq} in space ${this.spaceId} failed`, error);
      }
      if (this.#closed || this.#last === null) return;
    }
    if (this.#held.size > 0) this.feeds.requestResume(this.spaceId);
  }
}

/**
 * Every open feed, by space: routes each space event to its feeds, subscribes to spaces viewed
 * without membership, and asks the server (`stream:resume`) for what a feed missed after a gap
 * and after every (re)connection.
 */
export class SpaceFeeds {
  #bySpace = new Map<string, Set<SpaceFeed>>();
  /** Spaces with a `stream:resume` on the way, and those that want another when it is back. */
  #resuming = new Set<string>();
  #again = new Set<string>();
  #scheduled = new Set<string>();
  /** Consecutive replays that still left a gap, per space (a broken log is reloaded instead). */
  #failures = new Map<string, number>();
  #isMember: (spaceId: string) => boolean = () => false;

  /**
   * Tells the feeds which spaces I am a member of. `space:unsubscribe` leaves the space's room,
   * and a member's socket is in that room for their membership: it must not be sent for those.
   */
  setMembershipCheck(isMember: (spaceId: string) => boolean): void {
    this.#isMember = isMember;
  }

  /**
   * Opens a feed; events for the space are held until `start(seq)`. With `subscribe`, the socket
   * is subscribed to the space first: load the REST page after `ready` so nothing falls between.
   */
  open(spaceId: string, handlers: FeedHandlers, options: { subscribe?: boolean } = {}): { feed: SpaceFeed; ready: Promise<void> } {
    const feed = new SpaceFeed(spaceId, handlers, options.subscribe ?? false, this);
    let set = this.#bySpace.get(spaceId);
    if (!set) this.#bySpace.set(spaceId, (set = new Set()));
    const wasSubscribed = [...set].some((f) => f.subscribe);
    set.add(feed);
    const ready = feed.subscribe && !wasSubscribed ? this.#subscribe(spaceId) : Promise.resolve();
    return { feed, ready };
  }

  /** Subscribes again (e.g. after leaving a public space one keeps viewing) and catches up. */
  async resubscribe(spaceId: string): Promise<void> {
    for (const feed of this.#bySpace.get(spaceId) ?? []) feed.subscribe = true;
    await this.#subscribe(spaceId);
    this.requestResume(spaceId);
  }

  detach(feed: SpaceFeed): void {
    const set = this.#bySpace.get(feed.spaceId);
    if (!set) return;
    set.delete(feed);
    if (set.size === 0) this.#bySpace.delete(feed.spaceId);
    if (feed.subscribe && ![...set].some((f) => f.subscribe) && live.connected && !this.#isMember(feed.spaceId)) {
      live.command('space:unsubscribe', { spaceId: feed.spaceId }).catch(() => {});
    }
  }

  /** A space event from the socket. */
  receive(event: StreamEvent): void {
    for (const feed of this.#bySpace.get(event.payload.spaceId) ?? []) feed.offer(event);
  }

  /** After every (re)connection: subscribe again where needed, then replay what each feed missed. */
  async connected(): Promise<void> {
    const subscribed = [...this.#bySpace].filter(([, set]) => [...set].some((f) => f.subscribe)).map(([id]) => id);
    await Promise.all(subscribed.map((id) => this.#subscribe(id)));
    for (const set of this.#bySpace.values()) for (const feed of set) feed.verifyOnStart();
    await this.#resume([...this.#bySpace.keys()]);
  }

  /** Asks for a replay of one space soon (several requests in one tick become one command). */
  requestResume(spaceId: string): void {
    if (this.#scheduled.size === 0) {
      queueMicrotask(() => {
        const ids = [...this.#scheduled];
        this.#scheduled.clear();
        void this.#resume(ids);
      });
    }
    this.#scheduled.add(spaceId);
  }

  async #subscribe(spaceId: string): Promise<void> {
    if (!live.connected) return; // `connected()` subscribes once the socket is up.
    try {
      await live.command('space:subscribe', { spaceId });
    } catch {
      // Not readable (any more) or not answered: the stores find out when they reload or resume.
    }
  }

  async #resume(spaceIds: string[]): Promise<void> {
    const wanted: { spaceId: string; afterSeq: number }[] = [];
    for (const spaceId of spaceIds) {
      if (this.#resuming.has(spaceId)) {
        this.#again.add(spaceId);
        continue;
      }
      // From the feed that is furthest behind; the others skip what they already applied.
      const positions = [...(this.#bySpace.get(spaceId) ?? [])]
        .map((feed) => feed.lastSeq)
        .filter((seq): seq is number => seq !== null);
      if (positions.length === 0) continue;
      wanted.push({ spaceId, afterSeq: Math.min(...positions) });
    }
    if (wanted.length === 0 || !live.connected) return;
    for (const { spaceId } of wanted) this.#resuming.add(spaceId);
    try {
      const result = await live.command('stream:resume', { spaces: wanted });
      for (const { spaceId, events, reset } of result.spaces) {
        const feeds = [...(this.#bySpace.get(spaceId) ?? [])];
        if (reset) {
          this.#resetAll(feeds);
          continue;
        }
        for (const logged of events) {
          const event = { name: logged.event, payload: logged.payload } as StreamEvent;
          for (const feed of feeds) feed.offer(event);
        }
        this.#checkCaughtUp(spaceId, feeds);
      }
    } catch {
      // Not answered (the connection dropped: `connected()` replays everything when it is back).
      // Refused: the stores reload what they show.
      if (live.connected) for (const { spaceId } of wanted) this.#resetAll([...(this.#bySpace.get(spaceId) ?? [])]);
    } finally {
      for (const { spaceId } of wanted) this.#resuming.delete(spaceId);
      const again = wanted.map((w) => w.spaceId).filter((id) => this.#again.delete(id));
      if (again.length > 0) void this.#resume(again);
    }
  }

  /** A replay must close every gap; when it does not twice in a row, reloading is the safe way out. */
  #checkCaughtUp(spaceId: string, feeds: SpaceFeed[]): void {
    const gapped = feeds.filter((feed) => feed.hasGap);
    if (gapped.length === 0) {
      this.#failures.delete(spaceId);
      return;
    }
    const failures = (this.#failures.get(spaceId) ?? 0) + 1;
    if (failures >= 2) {
      this.#failures.delete(spaceId);
      this.#resetAll(gapped);
    } else {
      this.#failures.set(spaceId, failures);
      this.#again.add(spaceId);
    }
  }

  #resetAll(feeds: SpaceFeed[]): void {
    for (const feed of feeds) {
      if (feed.closed) continue;
      feed.pause();
      feed.handlers.reset();
    }
  }
}

export const spaceFeeds = new SpaceFeeds();
