import { SvelteMap } from 'svelte/reactivity';
import type { EventPayload } from '../../../shared/protocol/events';
import { liveStores } from '../realtime/live-stores';

export interface PresenceState {
  online: boolean;
  lastSeenAt: string | null;
}

/**
 * Who is online, as far as this page knows: seeded by the REST answers that carry it (a space's
 * presence, the participants of my conversations) and kept current by `presence:changed`, which
 * reaches me for the members of my spaces and those I talk with directly.
 */
export class PresenceStore {
  #byUser = new SvelteMap<string, PresenceState>();

  get(userId: string): PresenceState | undefined {
    return this.#byUser.get(userId);
  }

  isOnline(userId: string): boolean {
    return this.#byUser.get(userId)?.online ?? false;
  }

  /** A REST answer's view; it does not undo a newer "last seen" the events gave. */
  seed(userId: string, state: PresenceState): void {
    this.#byUser.set(userId, state);
  }

  /** A space's presence answer: these are online, the other members listed are not. */
  seedSpace(memberIds: string[], onlineIds: string[]): void {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup, never shown
    const online = new Set(onlineIds);
    for (const id of [...memberIds, ...onlineIds.filter((id) => !memberIds.includes(id))]) {
      const known = this.#byUser.get(id);
      this.#byUser.set(id, { online: online.has(id), lastSeenAt: known?.lastSeenAt ?? null });
    }
  }

  changed({ userId, online, lastSeenAt }: EventPayload<'presence:changed'>): void {
    this.#byUser.set(userId, { online, lastSeenAt });
  }

  clear(): void {
    this.#byUser.clear();
  }
}

export const presence = new PresenceStore();

liveStores.register({
  name: 'presence',
  events: { 'presence:changed': (change) => presence.changed(change) },
  clear: () => presence.clear(),
});
