const SHOW_MS = 15_000;
const MAX_SHOWN = 3;

/** Things that arrived while this page is open, each shown as a notice for a while (newest first). */
export class Toasts<T extends object> {
  items = $state<(T & { key: number })[]>([]);
  #next = 0;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  #timers = new Map<number, ReturnType<typeof setTimeout>>();

  show(item: T): void {
    const key = ++this.#next;
    const shown = [{ ...item, key }, ...this.items];
    for (const dropped of shown.slice(MAX_SHOWN)) this.#forget(dropped.key);
    this.items = shown.slice(0, MAX_SHOWN);
    this.#timers.set(
      key,
      setTimeout(() => this.dismiss(key), SHOW_MS),
    );
  }

  dismiss(key: number): void {
    this.#forget(key);
    this.items = this.items.filter((item) => item.key !== key);
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.items = [];
  }

  #forget(key: number): void {
    clearTimeout(this.#timers.get(key));
    this.#timers.delete(key);
  }
}
