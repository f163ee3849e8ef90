// My own events (mentions, notices, read markers) applied once, in order, across reconnects: docs/ARCHITECTURE.md#one-replay-log
import type { EventPayload } from '../../../shared/protocol/events';
import type { MemberEventName } from '../../../shared/protocol/member';
import { api } from '../lib/api';
import { routes } from '../lib/api-routes';
import { session } from '../lib/session.svelte';
import { live } from './connection.svelte';
import { liveStores } from './live-stores';
import { SeqFeed, SeqFeeds, type Replay, type ReplayRequest } from './seq-feeds';

/** One event of my own log, as emitted live or replayed by `member:resume`. */
export type MemberEvent = { [K in MemberEventName]: { name: K; payload: EventPayload<K> } }[MemberEventName];

/** What a store does with my own events. */
export interface MemberEventRoutes {
  /** For messages in the console. */
  name: string;
  events: { [K in MemberEventName]?: (payload: EventPayload<K>) => void };
  /** My log could not be replayed (too much missed): read again what these events keep current. */
  reload?(): unknown;
}

/**
 * My own log: one feed, keyed by me, started where the session said my log stood and replayed
 * with `member:resume` after every reconnection, so a mention or a notice sent while the socket
 * was away arrives once, in order. Stores take these events through `memberFeed.route(...)`
 * instead of the socket, so none is applied twice or skipped.
 */
export class MemberFeed extends SeqFeeds<MemberEvent, SeqFeed<MemberEvent>> {
  readonly noun = 'member log';
  #routes: MemberEventRoutes[] = [];
  #feed: SeqFeed<MemberEvent> | null = null;
  #userId: string | null = null;

  /** A store's routes; returns the undo. */
  route(routes: MemberEventRoutes): () => void {
    this.#routes = [...this.#routes.filter((known) => known.name !== routes.name), routes];
    return () => (this.#routes = this.#routes.filter((known) => known !== routes));
  }

  /** Signed in: my log is applied from `memberSeq` on (where the session said it stood). */
  begin(userId: string, memberSeq: number | null): void {
    if (this.#feed && this.#userId === userId) return;
    this.end();
    this.#userId = userId;
    const feed = new SeqFeed<MemberEvent>(userId, { apply: (event) => this.#apply(event), reset: () => void this.#restart(feed) }, this);
    this.#feed = feed;
    this.attach(feed);
    if (memberSeq === null) void this.#restart(feed);
    else feed.start(memberSeq);
  }

  end(): void {
    this.#feed?.close();
    this.#feed = null;
    this.#userId = null;
  }

  override seqOf(event: MemberEvent): number {
    return event.payload.memberSeq ?? 0;
  }

  protected keyOf(): string {
    return this.#userId ?? '';
  }

  protected async replay(wanted: ReplayRequest[]): Promise<Replay<MemberEvent>[]> {
    const answers: Replay<MemberEvent>[] = [];
    for (const { key, afterSeq } of wanted) {
      const result = await live.command('member:resume', { afterSeq });
      answers.push({
        key,
        events: result.events.map((logged) => ({ name: logged.event, payload: logged.payload }) as MemberEvent),
        reset: result.reset,
        upToSeq: result.upToSeq,
        more: result.more,
      });
    }
    return answers;
  }

  #apply(event: MemberEvent): void {
    for (const routes of this.#routes) {
      const handler = routes.events[event.name] as ((payload: MemberEvent['payload']) => void) | undefined;
      try {
        handler?.(event.payload);
      } catch (error) {
        console.error(`The ${routes.name} store failed to apply ${event.name}`, error);
      }
    }
  }

  /** Too much missed: start again from where my log stands now, and let the stores read again. */
  async #restart(feed: SeqFeed<MemberEvent>): Promise<void> {
    try {
      const { memberSeq } = await api.call(routes.session);
      if (feed.closed) return;
      feed.start(memberSeq ?? 0);
    } catch (error) {
      console.error('Could not read where my own log stands', error);
      return;
    }
    for (const routes of this.#routes) {
      try {
        const reloading = routes.reload?.();
        if (reloading instanceof Promise) reloading.catch((error: unknown) => console.error(`The ${routes.name} store failed to reload`, error));
      } catch (error) {
        console.error(`The ${routes.name} store failed to reload`, error);
      }
    }
  }
}

export const memberFeed = new MemberFeed();

const offer = <K extends MemberEventName>(name: K) => (payload: EventPayload<K>) => memberFeed.receive({ name, payload } as MemberEvent);

liveStores.register({
  name: 'member-feed',
  events: {
    'mention:received': offer('mention:received'),
    'chat:mentioned': offer('chat:mentioned'),
    'moderation:notice': offer('moderation:notice'),
    'moderation:notices-read': offer('moderation:notices-read'),
    'chat:read': offer('chat:read'),
    'notification:changed': offer('notification:changed'),
    'notification:read': offer('notification:read'),
    'calendar:my-rsvp-changed': offer('calendar:my-rsvp-changed'),
  },
  load: () => {
    if (session.userId) memberFeed.begin(session.userId, session.memberSeq);
  },
  clear: () => memberFeed.end(),
  // What arrived while the socket was away is replayed.
  reconnected: () => memberFeed.connected(),
});
