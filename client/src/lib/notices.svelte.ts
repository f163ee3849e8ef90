import type { EventPayload } from '../../../shared/protocol/events';
import { liveStores } from '../realtime/live-stores';
import { memberFeed } from '../realtime/member-feed';
import { Loadable } from './loadable.svelte';
import { moderationApi, type ModerationNotice } from './moderation-api';
import { Toasts } from './toasts.svelte';

/**
 * My notices from the moderators (`/notices` and the header's count): loaded after sign-in,
 * kept current by `moderation:notice` and `moderation:notices-read`, which come through my own
 * log: what was sent while the socket was away is replayed after it is back.
 */
export class NoticesStore extends Loadable {
  items = $state<ModerationNotice[]>([]);
  unread = $state(0);
  /** Notices that arrived while the page is open, shown for a while wherever the member is. */
  readonly toasts = new Toasts<ModerationNotice>();

  /** Notices that arrived while the list loads: the answer may or may not include them. */
  #held: ModerationNotice[] | null = null;

  async load(): Promise<void> {
    this.#held ??= [];
    await this.track(
      () => moderationApi.notices(),
      (found) => {
        this.items = found.items;
        this.unread = found.unread;
        const held = this.#held ?? [];
        this.#held = null;
        for (const notice of held) this.#upsert(notice);
      },
      () => (this.#held = null),
    );
  }

  /** After a reconnect: what arrived meanwhile (nothing, unless loaded already). */
  reloadSoon(): void {
    if (this.status !== 'idle') void this.load();
  }

  /** `moderation:notice`. */
  received(notice: ModerationNotice): void {
    if (!this.items.some((item) => item.id === notice.id)) this.toasts.show(notice);
    if (this.#held) this.#held.push(notice);
    else this.#upsert(notice);
  }

  /** `moderation:notices-read`: read here or in another tab. */
  readElsewhere({ unread }: EventPayload<'moderation:notices-read'>): void {
    this.unread = unread;
    if (unread === 0) this.#markShownRead();
  }

  /** Opening `/notices` reads them all (and tells my other tabs). */
  async markRead(): Promise<void> {
    if (this.unread === 0) return;
    const { unread } = await moderationApi.readNotices();
    this.unread = unread;
    if (unread === 0) this.#markShownRead();
  }

  async appeal(noticeId: string, text: string): Promise<void> {
    this.#upsert(await moderationApi.appeal(noticeId, text));
  }

  clear(): void {
    this.forget();
    this.#held = null;
    this.items = [];
    this.unread = 0;
    this.toasts.clear();
  }

  #upsert(notice: ModerationNotice): void {
    const known = this.items.some((item) => item.id === notice.id);
    if (known) {
      this.items = this.items.map((item) => (item.id === notice.id ? notice : item));
      return;
    }
    this.items = [notice, ...this.items].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    if (!notice.readAt) this.unread += 1;
  }

  #markShownRead(): void {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a timestamp, never observed
    const at = new Date().toISOString();
    this.items = this.items.map((item) => (item.readAt ? item : { ...item, readAt: at }));
  }
}

export const notices = new NoticesStore();

memberFeed.route({
  name: 'notices',
  events: {
    'moderation:notice': (notice) => notices.received(notice),
    'moderation:notices-read': (read) => notices.readElsewhere(read),
  },
  // Too much missed to replay: read them again.
  reload: () => notices.reloadSoon(),
});

liveStores.register({ name: 'notices', load: () => notices.load(), clear: () => notices.clear() });

