import type { EventPayload } from '../../../shared/protocol/events';

export type Mention = EventPayload<'mention:received'> & { key: number };

const SHOW_MS = 15_000;
const MAX_SHOWN = 3;

/** Mentions of me that arrived while this page is open, shown as notices for a while. */
export class MentionsStore {
  items = $state<Mention[]>([]);
  #next = 0;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  #timers = new Map<number, ReturnType<typeof setTimeout>>();

  received(mention: EventPayload<'mention:received'>): void {
    const key = ++this.#next;
    this.items = [{ ...mention, key }, ...this.items].slice(0, MAX_SHOWN);
    this.#timers.set(
      key,
      setTimeout(() => this.dismiss(key), SHOW_MS),
    );
  }

  dismiss(key: number): void {
    clearTimeout(this.#timers.get(key));
    this.#timers.delete(key);
    this.items = this.items.filter((item) => item.key !== key);
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.items = [];
  }
}

export const mentions = new MentionsStore();
