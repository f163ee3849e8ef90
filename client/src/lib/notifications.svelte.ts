import type { NotificationView } from '../../../shared/api/notifications.routes';
import type { EventPayload } from '../../../shared/protocol/events';
import { liveStores } from '../realtime/live-stores';
import { memberFeed } from '../realtime/member-feed';
import { api } from './api';
import { routes } from './api-routes';
import { Loadable } from './loadable.svelte';

export type { NotificationView };

/**
 * My notifications (the bell and /notifications): the first page and the unread count after
 * sign-in, kept current by `notification:changed` (the item is then loaded through the same
 * access checks as the list) and `notification:read` (read here, in another tab or on another
 * device). Both come through my own log, so what happened while the socket was away is replayed.
 */
export class NotificationsStore extends Loadable {
  items = $state<NotificationView[]>([]);
  unread = $state(0);
  nextCursor = $state<string | null>(null);

  async load(): Promise<void> {
    await this.track(
      () => api.call(routes.notifications, { query: { limit: 30 } }),
      (page) => {
        this.items = page.items;
        this.unread = page.unread;
        this.nextCursor = page.nextCursor;
      },
    );
  }

  async more(): Promise<void> {
    if (!this.nextCursor) return;
    const page = await api.call(routes.notifications, { query: { limit: 30, cursor: this.nextCursor } });
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a lookup built and dropped here, never observed
    const known = new Set(this.items.map((item) => item.id));
    this.items = [...this.items, ...page.items.filter((item) => !known.has(item.id))];
    this.nextCursor = page.nextCursor;
    this.unread = page.unread;
  }

  reloadSoon(): void {
    if (this.status !== 'idle') void this.load();
  }

  /** `notification:changed`: new, or an unread one grew; it moves to the top. */
  async changed({ notificationId, unread }: EventPayload<'notification:changed'>): Promise<void> {
    this.unread = unread;
    if (this.status === 'idle') return;
    try {
      const item = await api.call(routes.notification, { params: { notificationId } });
      this.items = [item, ...this.items.filter((known) => known.id !== item.id)];
    } catch {
      // Gone meanwhile (read elsewhere and pruned, or the account changed): the count is still right.
    }
  }

  /** `notification:read`. */
  readElsewhere({ ids, unread }: EventPayload<'notification:read'>): void {
    this.unread = unread;
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a lookup built and dropped here, never observed
    const read = ids ? new Set(ids) : null;
    this.items = this.items.map((item) => (item.read || (read && !read.has(item.id)) ? item : { ...item, read: true }));
  }

  async markRead(ids?: string[]): Promise<void> {
    const { unread } = await api.call(routes.markNotificationsRead, { body: ids ? { ids } : {} });
    this.readElsewhere({ ids: ids ?? null, unread, memberSeq: 0 });
  }

  clear(): void {
    this.forget();
    this.items = [];
    this.unread = 0;
    this.nextCursor = null;
  }
}

export const notifications = new NotificationsStore();

memberFeed.route({
  name: 'notifications',
  events: {
    'notification:changed': (changed) => void notifications.changed(changed),
    'notification:read': (read) => notifications.readElsewhere(read),
  },
  reload: () => notifications.reloadSoon(),
});

liveStores.register({ name: 'notifications', load: () => notifications.load(), clear: () => notifications.clear() });
