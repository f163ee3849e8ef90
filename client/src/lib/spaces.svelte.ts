import type { EventPayload } from '../../../shared/protocol/events';
import { liveStores } from '../realtime/live-stores';
import { spaceFeeds, type SpaceFeed, type StreamEvent } from '../realtime/space-feeds';
import { api } from './api';
import { routes } from './api-routes';
import { Loadable, worthRetrying } from './loadable.svelte';
import { session } from './session.svelte';
import type { MySpace, MySpaceList } from './spaces-api';

/** What the home stream hears from the spaces store: my spaces' events, each once and in order. */
export interface MySpacesListener {
  event(event: StreamEvent): void;
  /** My spaces changed (joined, left) or one of them had to be reloaded: a reload shows it right. */
  changed(): void;
}

const RETRY_MS = 5_000;

/**
 * The spaces I belong to, with their unread counts. Follows each space's log while signed in:
 * a new post by someone else counts as unread unless its space is open in front of me.
 */
export class SpacesStore extends Loadable {
  items = $state<MySpace[]>([]);
  /** The space whose page is open and visible: its new posts are read as they come. */
  viewing = $state<string | null>(null);

  readonly totalUnread: number = $derived(this.items.reduce((sum, space) => sum + space.unread, 0));

  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  #feeds = new Map<string, SpaceFeed>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  #listeners = new Set<MySpacesListener>();
  #retry: ReturnType<typeof setTimeout> | undefined;
  #reload: ReturnType<typeof setTimeout> | undefined;
  /** A feed could not catch up: whoever follows my spaces must reload too. */
  #missedEvents = false;

  byId(spaceId: string): MySpace | undefined {
    return this.items.find((space) => space.id === spaceId);
  }

  /** Loads my spaces; their feeds hold events meanwhile and replay from the answer's positions. */
  async load(): Promise<void> {
    clearTimeout(this.#retry);
    clearTimeout(this.#reload);
    for (const feed of this.#feeds.values()) feed.pause();
    await this.track(
      () => api.call(routes.mySpaces),
      (list) => this.#loaded(list),
      (error) => {
        // The paused feeds hold what arrives until a load succeeds.
        if (worthRetrying(error)) this.#retry = setTimeout(() => void this.load(), RETRY_MS);
      },
    );
  }

  #loaded(list: MySpaceList): void {
    const before = this.items.map((space) => space.id).join();
    this.items = list.items;
    const ids = list.items.map((space) => space.id);
    for (const [id, feed] of this.#feeds) {
      if (ids.includes(id)) continue;
      feed.close();
      this.#feeds.delete(id);
    }
    for (const space of list.items) {
      let feed = this.#feeds.get(space.id);
      const isNew = !feed;
      if (!feed) {
        feed = spaceFeeds.open(space.id, { apply: (event) => this.#apply(event), reset: () => this.#reset() }).feed;
        this.#feeds.set(space.id, feed);
      }
      feed.start(space.seq);
      // Events between the answer and opening this feed went nowhere: ask for them.
      if (isNew) spaceFeeds.requestResume(space.id);
    }
    const changed = this.#missedEvents || before !== this.items.map((space) => space.id).join();
    this.#missedEvents = false;
    if (changed) for (const listener of this.#listeners) listener.changed();
  }

  #reset(): void {
    this.#missedEvents = true;
    void this.load();
  }

  /** Signed out: forget everything. */
  clear(): void {
    this.forget();
    clearTimeout(this.#retry);
    for (const feed of this.#feeds.values()) feed.close();
    this.#feeds.clear();
    this.items = [];
    this.viewing = null;
  }

  /**
   * `space:membership-changed`: joined, left, a new role — or only my read marker moved (here or
   * in another tab). A reload gives the space's position and unread count.
   */
  membershipChanged(change: EventPayload<'space:membership-changed'>): void {
    const item = this.byId(change.spaceId);
    const next = change.membership;
    if (item?.membership && next?.status === 'active' && next.role === item.membership.role) {
      // The server also sends the read marker with it.
      const lastReadSeq = (next as { lastReadSeq?: unknown }).lastReadSeq;
      if (typeof lastReadSeq === 'number' && lastReadSeq >= item.seq) {
        item.membership.lastReadSeq = lastReadSeq;
        item.membership.mutedUntil = next.mutedUntil;
        item.unread = 0;
        return;
      }
    }
    void this.load();
  }

  /** Follows my spaces' events (the home stream); returns the undo. */
  follow(listener: MySpacesListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Marks a space read up to `seq`, here and (through the server) in my other tabs. */
  async markRead(spaceId: string, seq: number): Promise<void> {
    const space = await api.call(routes.markRead, { params: { spaceId }, body: { seq } });
    const item = this.byId(spaceId);
    if (!item) return;
    if (item.membership && space.membership) item.membership.lastReadSeq = space.membership.lastReadSeq;
    if ((space.membership?.lastReadSeq ?? 0) >= item.seq) item.unread = 0;
  }

  #apply(event: StreamEvent): void {
    const item = this.byId(event.payload.spaceId);
    if (item) {
      item.seq = event.payload.seq;
      const mine = 'post' in event.payload && event.payload.post.author.id === session.user?.id;
      if (event.name === 'post:created') {
        if (!mine && this.viewing !== item.id) item.unread += 1;
      } else if (event.name === 'post:deleted' && !mine && item.unread > 0) {
        // A deleted post no longer counts, if it was unread: only the server knows which were.
        clearTimeout(this.#reload);
        this.#reload = setTimeout(() => void this.load(), 300);
      } else if (event.name === 'space:updated') {
        const { membership, canRead, unread } = item;
        Object.assign(item, event.payload.space, { membership, canRead, unread });
      }
    }
    for (const listener of this.#listeners) listener.event(event);
  }
}

export const spaces = new SpacesStore();

liveStores.register({
  name: 'spaces',
  events: { 'space:membership-changed': (change) => spaces.membershipChanged(change) },
  // My spaces (and their unread counts) follow the member who may read them.
  load: () => spaces.load(),
  clear: () => spaces.clear(),
});
spaceFeeds.setMembershipCheck((spaceId) => spaces.byId(spaceId) !== undefined);
