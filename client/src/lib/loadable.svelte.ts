import { ApiError } from './api';
import { messageOf } from './forms.svelte';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'missing' | 'failed';

export interface LoadableOptions {
  /** The status before the first load: `loading` for a page's store, so no empty state shows before it starts. */
  initial?: LoadStatus;
  /**
   * What a failed reload does to what is shown: `keep` it (the status stays `ready` and `error`
   * says why), or `replace` it with the failure (for a page that must not show an old state as
   * current: its status becomes `failed` or `missing`).
   */
  reloadFailure?: 'keep' | 'replace';
  /** A `not_found` answer says the thing is gone: the status becomes `missing` rather than `failed`. */
  notFoundIsMissing?: boolean;
}

/** Thrown by a `fetch` that a newer load overtook between its steps: dropped like its answer would be. */
export class Overtaken extends Error {}

/**
 * The part every store loaded from the server shares: its status and error as the page shows
 * them, and the count that lets the latest load win (an answer to a load that a newer one, or
 * `forget`, overtook is dropped).
 */
export abstract class Loadable {
  status = $state<LoadStatus>('idle');
  error = $state<string | undefined>(undefined);
  #loads = 0;
  readonly #replaceOnFailure: boolean;
  readonly #notFoundIsMissing: boolean;

  constructor(options: LoadableOptions = {}) {
    this.status = options.initial ?? 'idle';
    this.#replaceOnFailure = options.reloadFailure === 'replace';
    this.#notFoundIsMissing = options.notFoundIsMissing ?? false;
  }

  /**
   * One load. Before the first success the status is `loading`, then `failed` (or `missing`) if it
   * fails; once `ready` it stays so through reloads (the page keeps what it shows) and `error` says
   * why a reload failed, unless the store chose `reloadFailure: 'replace'`. `apply` (after the
   * status is `ready`) and `failed` run for the latest load only. `fetch` and `apply` get the check
   * that says whether this load is still the latest, for the steps between their own awaits; a
   * `fetch` that finds itself overtaken stops with `throw new Overtaken()`.
   * @returns whether this load's answer was applied
   * @example await this.track(() => api.call(routes.mySpaces), (list) => (this.items = list.items));
   */
  protected async track<T>(
    fetch: (latest: () => boolean) => Promise<T>,
    apply: (answer: T, latest: () => boolean) => void | Promise<void>,
    failed?: (error: unknown) => void,
  ): Promise<boolean> {
    this.#loads += 1;
    const latest = this.latest();
    if (this.status !== 'ready') this.status = 'loading';
    let answer: T;
    try {
      answer = await fetch(latest);
    } catch (error) {
      if (!latest()) return false;
      this.error = messageOf(error);
      if (this.status !== 'ready' || this.#replaceOnFailure) {
        this.status = this.#notFoundIsMissing && error instanceof ApiError && error.code === 'not_found' ? 'missing' : 'failed';
      }
      failed?.(error);
      return false;
    }
    if (!latest()) return false;
    this.status = 'ready';
    this.error = undefined;
    await apply(answer, latest);
    return true;
  }

  /**
   * A check that stays true until the next load starts (or `forget`): for work that belongs to
   * what the latest load shows, such as an older page or a post's comments.
   */
  protected latest(): () => boolean {
    const load = this.#loads;
    return () => load === this.#loads;
  }

  /** Drops any load on its way and goes back to `idle` (signed out, or the page closed). */
  protected forget(): void {
    this.#loads += 1;
    this.status = 'idle';
    this.error = undefined;
  }
}

export type OlderStatus = 'idle' | 'loading' | 'failed';

/**
 * A Loadable that shows the newest page of a longer list and adds older pages on request ("Load
 * older"). An older page answers for the window the latest load showed: one that a reload
 * overtook is dropped, and a reload forgets why the last older page failed. Live events (`E`)
 * that arrive while an older page loads are held for it (`holdForOlder`): the page may be older
 * than they are.
 */
export abstract class PagedLoadable<E = never> extends Loadable {
  olderStatus = $state<OlderStatus>('idle');
  olderError = $state<string | undefined>(undefined);
  #heldForOlder: E[] | null = null;

  protected override track<T>(
    fetch: (latest: () => boolean) => Promise<T>,
    apply: (answer: T, latest: () => boolean) => void | Promise<void>,
    failed?: (error: unknown) => void,
  ): Promise<boolean> {
    return super.track(
      fetch,
      (answer, latest) => {
        if (this.olderStatus === 'failed') this.olderStatus = 'idle';
        this.olderError = undefined;
        return apply(answer, latest);
      },
      failed,
    );
  }

  /** A live event, applied already: the older page on its way may hold an older state of its item. */
  protected holdForOlder(event: E): void {
    this.#heldForOlder?.push(event);
  }

  /**
   * One older page (the caller returns first while `olderStatus` is `loading`, and when there is
   * nothing older). `apply` runs only if no reload started meanwhile, with the events held while
   * the page loaded.
   * @returns whether the page was applied
   */
  protected async trackOlder<T>(fetch: () => Promise<T>, apply: (answer: T, held: E[]) => void): Promise<boolean> {
    const latest = this.latest();
    this.olderStatus = 'loading';
    this.#heldForOlder = [];
    let answer: T;
    try {
      answer = await fetch();
    } catch (error) {
      this.#heldForOlder = null;
      if (latest()) {
        this.olderStatus = 'failed';
        this.olderError = messageOf(error);
      } else {
        // Reloaded meanwhile: it failed for a window no longer shown.
        this.olderStatus = 'idle';
      }
      return false;
    }
    const held = this.#heldForOlder ?? [];
    this.#heldForOlder = null;
    // Reloaded meanwhile: the new first page stands, and this one is older than it.
    if (!latest()) {
      this.olderStatus = 'idle';
      return false;
    }
    this.olderStatus = 'idle';
    this.olderError = undefined;
    apply(answer, held);
    return true;
  }
}

/**
 * Whether trying the same load again later may help: not when the member is signed out or has
 * guidelines to accept (the session store deals with those).
 */
export function worthRetrying(error: unknown): boolean {
  return !(error instanceof ApiError && (error.code === 'unauthorized' || error.code === 'guidelines_required'));
}
