import type { EventPayload } from '../../../shared/protocol/events';

/** A mention in a post or comment, or (with `href`) in a chat message. */
export type Mention = (EventPayload<'mention:received'> & { key: number; href?: undefined }) | (EventPayload<'chat:mentioned'> & { key: number; href: string });

const SHOW_MS = 15_000;
const MAX_SHOWN = 3;

/** Mentions of me that arrived while this page is open, shown as notices for a while. */
export class MentionsStore {
  items = $state<Mention[]>([]);
  #next = 0;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  #timers = new Map<number, ReturnType<typeof setTimeout>>();

  received(mention: EventPayload<'mention:received'>): void {
    this.#show({ ...mention, key: ++this.#next });
  }

  /** `chat:mentioned`; `href` opens the message in its chat. */
  chatReceived(mention: EventPayload<'chat:mentioned'>, href: string): void {
    this.#show({ ...mention, key: ++this.#next, href });
  }

  #show(mention: Mention): void {
    const key = mention.key;
    this.items = [mention, ...this.items].slice(0, MAX_SHOWN);
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
