// Each space's events applied once, in log order, across races and reconnects: docs/ARCHITECTURE.md#the-live-path
import type { StreamEventName } from '../../../shared/protocol/stream';
import type { EventPayload } from '../../../shared/protocol/events';
import { live, type EventRoutes } from './connection.svelte';
import { liveStores } from './live-stores';
import { SeqFeed, SeqFeeds, type Replay, type ReplayRequest, type SeqFeedHandlers } from './seq-feeds';

/** One logged event of a space, as emitted live or replayed by `stream:resume`. */
export type StreamEvent = { [K in StreamEventName]: { name: K; payload: EventPayload<K> } }[StreamEventName];

/** What a store does with its space's events. */
export type FeedHandlers = SeqFeedHandlers<StreamEvent>;

/** One store's position in one space's log (`seq-feeds.ts`). */
export class SpaceFeed extends SeqFeed<StreamEvent> {
  constructor(
    spaceId: string,
    handlers: FeedHandlers,
    /** Whether this feed needs `space:subscribe` (viewing a space one is not a member of). */
    public subscribe: boolean,
    override readonly feeds: SpaceFeeds,
  ) {
    super(spaceId, handlers, feeds);
  }

  get spaceId(): string {
    return this.key;
  }
}

/**
 * Every open feed, by space: routes each space event to its feeds, subscribes to spaces viewed
 * without membership, and asks the server (`stream:resume`) for what a feed missed after a gap
 * and after every (re)connection.
 */
export class SpaceFeeds extends SeqFeeds<StreamEvent, SpaceFeed> {
  readonly noun = 'space';
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
    const wasSubscribed = this.feedsOf(spaceId).some((f) => f.subscribe);
    this.attach(feed);
    const ready = feed.subscribe && !wasSubscribed ? this.#subscribe(spaceId) : Promise.resolve();
    return { feed, ready };
  }

  /** Subscribes again (e.g. after leaving a public space one keeps viewing) and catches up. */
  async resubscribe(spaceId: string): Promise<void> {
    for (const feed of this.feedsOf(spaceId)) feed.subscribe = true;
    await this.#subscribe(spaceId);
    this.requestResume(spaceId);
  }

  /** After every (re)connection: subscribe again where needed, then replay what each feed missed. */
  override async connected(): Promise<void> {
    const subscribed = this.keys().filter((id) => this.feedsOf(id).some((f) => f.subscribe));
    await Promise.all(subscribed.map((id) => this.#subscribe(id)));
    await super.connected();
  }

  protected override detached(feed: SpaceFeed, remaining: ReadonlySet<SpaceFeed>): void {
    if (feed.subscribe && ![...remaining].some((f) => f.subscribe) && live.connected && !this.#isMember(feed.spaceId)) {
      live.command('space:unsubscribe', { spaceId: feed.spaceId }).catch(() => {});
    }
  }

  protected keyOf(event: StreamEvent): string {
    return event.payload.spaceId;
  }

  protected async replay(wanted: ReplayRequest[]): Promise<Replay<StreamEvent>[]> {
    const result = await live.command('stream:resume', { spaces: wanted.map(({ key, afterSeq }) => ({ spaceId: key, afterSeq })) });
    return result.spaces.map(({ spaceId, events, reset }) => ({
      key: spaceId,
      events: events.map((logged) => ({ name: logged.event, payload: logged.payload }) as StreamEvent),
      reset,
    }));
  }

  async #subscribe(spaceId: string): Promise<void> {
    if (!live.connected) return; // `connected()` subscribes once the socket is up.
    try {
      await live.command('space:subscribe', { spaceId });
    } catch {
      // Not readable (any more) or not answered: the stores find out when they reload or resume.
    }
  }
}

export const spaceFeeds = new SpaceFeeds();

// Every event of a space's log, checked against the protocol's list: a new one must be routed here.
const streamEvents = {
  'post:created': true,
  'post:updated': true,
  'post:deleted': true,
  'comment:created': true,
  'comment:updated': true,
  'comment:deleted': true,
  'space:updated': true,
  'calendar:event-changed': true,
  'calendar:rsvp-changed': true,
} as const satisfies Record<StreamEventName, true>;

liveStores.register({
  name: 'space-feeds',
  events: Object.fromEntries(
    Object.keys(streamEvents).map((name) => [name, (payload: StreamEvent['payload']) => spaceFeeds.receive({ name, payload } as StreamEvent)]),
  ) as EventRoutes,
  // What happened while the socket was away is replayed, space by space.
  reconnected: () => spaceFeeds.connected(),
});
