import { ApiError } from './api';
import { messageOf } from './forms.svelte';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'failed';

/**
 * The part every store loaded from the server shares: its status and error as the page shows
 * them, and the count that lets the latest load win (an answer to a load that a newer one, or
 * `forget`, overtook is dropped).
 */
export abstract class Loadable {
  status = $state<LoadStatus>('idle');
  error = $state<string | undefined>(undefined);
  #loads = 0;

  /**
   * One load. Before the first success the status is `loading`, then `failed` if it fails; once
   * `ready` it stays so through reloads (the page keeps what it shows) and `error` says why a
   * reload failed. `apply` (after the status is `ready`) and `failed` run for the latest load only.
   * @returns whether this load's answer was applied
   * @example await this.track(() => api.call(routes.mySpaces), (list) => (this.items = list.items));
   */
  protected async track<T>(fetch: () => Promise<T>, apply: (answer: T) => void, failed?: (error: unknown) => void): Promise<boolean> {
    const load = ++this.#loads;
    if (this.status !== 'ready') this.status = 'loading';
    let answer: T;
    try {
      answer = await fetch();
    } catch (error) {
      if (load !== this.#loads) return false;
      this.error = messageOf(error);
      if (this.status !== 'ready') this.status = 'failed';
      failed?.(error);
      return false;
    }
    if (load !== this.#loads) return false;
    this.status = 'ready';
    this.error = undefined;
    apply(answer);
    return true;
  }

  /** Drops any load on its way and goes back to `idle` (signed out). */
  protected forget(): void {
    this.#loads += 1;
    this.status = 'idle';
    this.error = undefined;
  }
}

/**
 * Whether trying the same load again later may help: not when the member is signed out or has
 * guidelines to accept (the session store deals with those).
 */
export function worthRetrying(error: unknown): boolean {
  return !(error instanceof ApiError && (error.code === 'unauthorized' || error.code === 'guidelines_required'));
}
