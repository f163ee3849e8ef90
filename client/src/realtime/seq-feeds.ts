// Each log's events applied once, in seq order, across races and reconnects: docs/decisions/007-stream-event-log-and-replay.md
import { live } from './connection.svelte';

/** An event of a numbered log (a space's stream, a conversation's messages, my own log). */
export interface SeqEvent {
  name: string;
  payload: object;
}

/** What a store does with its log's events. */
export interface SeqFeedHandlers<E extends SeqEvent> {
  /** Called once per event, in seq order, starting after the seq given to `start`. */
  apply(event: E): void;
  /**
   * The log cannot be replayed (too much missed, or access changed): load the page from REST
   * again and call `start` with its seq. The feed holds new events meanwhile.
   */
  reset(): void;
}

/** One log the feeds want replayed, after the last seq every feed of it applied. */
export interface ReplayRequest {
  key: string;
  afterSeq: number;
}

/** The server's answer for one log: its missed events in order, or `reset`. */
export interface Replay<E extends SeqEvent> {
  key: string;
  events: E[];
  reset: boolean;
  /**
   * The log went up to here, whether or not every event was sent: seqs the server left out on
   * purpose (for this reader) are skipped. Absent where the log is replayed without holes.
   */
  upToSeq?: number;
  /** Only a page of a large gap: ask again after `upToSeq`. */
  more?: boolean;
}

/** More held events than this, and catching up is slower than reloading. */
const MAX_HELD = 500;

/**
 * One store's position in one log. Events arrive in any order and any number of times (live,
 * raced, replayed after a reconnect); the feed hands them to the store exactly once, in seq
 * order, and asks for a replay when it sees a gap.
 */
export class SeqFeed<E extends SeqEvent> {
  /** The last seq applied; null while the store loads its baseline (events are held meanwhile). */
  #last: number | null = null;
  #held = new Map<number, E>();
  #closed = false;
  /** The connection came up while the baseline was loading: what fell between is asked for at start. */
  #verifyOnStart = false;

  constructor(
    /** Which log: the space's or the conversation's id. */
    readonly key: string,
    readonly handlers: SeqFeedHandlers<E>,
    readonly feeds: SeqFeeds<E, SeqFeed<E>>,
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
      this.feeds.requestResume(this.key);
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
  offer(event: E): void {
    if (this.#closed) return;
    const seq = this.feeds.seqOf(event);
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

  /** A replay went up to `seq`: whatever is still missing below it was left out on purpose. */
  advanceTo(seq: number): void {
    if (this.#closed || this.#last === null || seq <= this.#last) return;
    // Apply what is held up to `seq`, in order, stepping over only the seqs that never came.
    for (let next: number = this.#last + 1; next <= seq && this.#last !== null && !this.#closed; next = this.#last + 1) {
      const held = this.#held.get(next);
      this.#held.delete(next);
      this.#last = next;
      if (held) this.#apply(held);
    }
    this.#drain();
  }

  #apply(event: E): void {
    try {
      this.handlers.apply(event);
    } catch (error) {
      // A store's bug must not stop the other stores, nor this feed's later events.
      console.error(`Applying ${event.name} #${this.feeds.seqOf(event)} in ${this.feeds.noun} ${this.key} failed`, error);
    }
  }

  #drain(): void {
    if (this.#last === null) return;
    for (const seq of this.#held.keys()) if (seq <= this.#last) this.#held.delete(seq);
    for (let next = this.#held.get(this.#last + 1); next; next = this.#held.get(this.#last + 1)) {
      this.#held.delete(this.#last + 1);
      this.#last += 1;
      this.#apply(next);
      if (this.#closed || this.#last === null) return;
    }
    if (this.#held.size > 0) this.feeds.requestResume(this.key);
  }
}

/**
 * Every open feed of one kind of log, by key: routes each event to its feeds, and asks the server
 * for what a feed missed after a gap and after every (re)connection. A subclass says how to read
 * an event's key and how to ask for a replay (`stream:resume`, `chat:resume`).
 */
export abstract class SeqFeeds<E extends SeqEvent, F extends SeqFeed<E>> {
  #byKey = new Map<string, Set<F>>();
  /** Keys with a replay on the way, and those that want another when it is back. */
  #resuming = new Set<string>();
  #again = new Set<string>();
  #scheduled = new Set<string>();
  /** Consecutive replays that still left a gap, per key (a broken log is reloaded instead). */
  #failures = new Map<string, number>();

  /** What a key names, for log messages: "space", "conversation". */
  abstract readonly noun: string;

  /** Which log an event belongs to. */
  protected abstract keyOf(event: E): string;

  /** An event's place in its log (`payload.seq` unless the log numbers it otherwise). */
  seqOf(event: E): number {
    return (event.payload as { seq: number }).seq;
  }

  /** Asks the server for the events after each `afterSeq`; throws when refused or not answered. */
  protected abstract replay(wanted: ReplayRequest[]): Promise<Replay<E>[]>;

  /** Adds a feed; its events are held until its `start(seq)`. */
  protected attach(feed: F): void {
    let set = this.#byKey.get(feed.key);
    if (!set) this.#byKey.set(feed.key, (set = new Set()));
    set.add(feed);
  }

  /** Called by `detach` with the feeds of the same key that are still open. */
  protected detached(_feed: F, _remaining: ReadonlySet<F>): void {}

  /** The open feeds of one log. */
  protected feedsOf(key: string): F[] {
    return [...(this.#byKey.get(key) ?? [])];
  }

  /** Every log with an open feed. */
  protected keys(): string[] {
    return [...this.#byKey.keys()];
  }

  detach(feed: F): void {
    const set = this.#byKey.get(feed.key);
    if (!set) return;
    set.delete(feed);
    if (set.size === 0) this.#byKey.delete(feed.key);
    this.detached(feed, set);
  }

  /** An event from the socket. */
  receive(event: E): void {
    for (const feed of this.#byKey.get(this.keyOf(event)) ?? []) feed.offer(event);
  }

  /** After every (re)connection: replay what each feed missed. */
  async connected(): Promise<void> {
    for (const set of this.#byKey.values()) for (const feed of set) feed.verifyOnStart();
    await this.#resume(this.keys());
  }

  /** Asks for a replay of one log soon (several requests in one tick become one command). */
  requestResume(key: string): void {
    if (this.#scheduled.size === 0) {
      queueMicrotask(() => {
        const keys = [...this.#scheduled];
        this.#scheduled.clear();
        void this.#resume(keys);
      });
    }
    this.#scheduled.add(key);
  }

  async #resume(keys: string[]): Promise<void> {
    const wanted: ReplayRequest[] = [];
    for (const key of keys) {
      if (this.#resuming.has(key)) {
        this.#again.add(key);
        continue;
      }
      // From the feed that is furthest behind; the others skip what they already applied.
      const positions = this.feedsOf(key)
        .map((feed) => feed.lastSeq)
        .filter((seq): seq is number => seq !== null);
      if (positions.length === 0) continue;
      wanted.push({ key, afterSeq: Math.min(...positions) });
    }
    if (wanted.length === 0 || !live.connected) return;
    for (const { key } of wanted) this.#resuming.add(key);
    try {
      for (const { key, events, reset, upToSeq, more } of await this.replay(wanted)) {
        const feeds = this.feedsOf(key);
        if (reset) {
          this.#resetAll(feeds);
          continue;
        }
        for (const event of events) for (const feed of feeds) feed.offer(event);
        if (upToSeq !== undefined) for (const feed of feeds) feed.advanceTo(upToSeq);
        // A page of a large gap: the next one follows at once.
        if (more) this.#again.add(key);
        else this.#checkCaughtUp(key, feeds);
      }
    } catch {
      // Not answered (the connection dropped: `connected()` replays everything when it is back).
      // Refused: the stores reload what they show.
      if (live.connected) for (const { key } of wanted) this.#resetAll(this.feedsOf(key));
    } finally {
      for (const { key } of wanted) this.#resuming.delete(key);
      const again = wanted.map((w) => w.key).filter((key) => this.#again.delete(key));
      if (again.length > 0) void this.#resume(again);
    }
  }

  /** A replay must close every gap; when it does not twice in a row, reloading is the safe way out. */
  #checkCaughtUp(key: string, feeds: F[]): void {
    const gapped = feeds.filter((feed) => feed.hasGap);
    if (gapped.length === 0) {
      this.#failures.delete(key);
      return;
    }
    const failures = (this.#failures.get(key) ?? 0) + 1;
    if (failures >= 2) {
      this.#failures.delete(key);
      this.#resetAll(gapped);
    } else {
      this.#failures.set(key, failures);
      this.#again.add(key);
    }
  }

  #resetAll(feeds: F[]): void {
    for (const feed of feeds) {
      if (feed.closed) continue;
      feed.pause();
      feed.handlers.reset();
    }
  }
}
