import { untrack } from 'svelte';
import { liveStores } from '../realtime/live-stores';
import { ApiError } from './api';
import { messageOf } from './forms.svelte';
import { Loadable, type LoadableOptions } from './loadable.svelte';
import { moderationApi, undoableActions, type CaseStatus, type ModerationAction, type ModerationCase, type ModerationQueue } from './moderation-api';
import { session } from './session.svelte';
import { spaces } from './spaces.svelte';

const RELOAD_SOON_MS = 300;
/** How long the confirmation of an action (with its Undo) stays. */
const CONFIRMATION_MS = 20_000;

/** What the page confirms after "Do it": the action, on which case, and whether it can be undone. */
export interface Confirmation {
  key: number;
  caseId: string;
  targetKind: ModerationCase['targetKind'];
  action: ModerationAction | 'dismiss' | 'undone';
  undoable: boolean;
  /** Undo failed: the server's words. */
  error?: string;
}

/** Newest activity first, as the server lists them. */
function byActivity(a: ModerationCase, b: ModerationCase): number {
  return a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : a.id < b.id ? 1 : -1;
}

/** One list of cases (open or closed) as the queue page shows it; live events keep it current once loaded. */
export class CaseList extends Loadable {
  items = $state<ModerationCase[]>([]);

  constructor(
    readonly which: CaseStatus,
    options?: LoadableOptions,
  ) {
    super(options);
  }

  /**
   * Loads the list; `loaded` sees the whole answer (the open list's count).
   * @returns whether this answer was applied
   */
  load(loaded?: (queue: ModerationQueue) => void, failed?: (error: unknown) => void): Promise<boolean> {
    return this.track(
      () => moderationApi.queue(this.which),
      (queue) => {
        this.items = [...queue.items].sort(byActivity);
        loaded?.(queue);
      },
      failed,
    );
  }

  /** A check that stays true until this list loads again or is cleared. */
  override latest(): () => boolean {
    return super.latest();
  }

  clear(): void {
    this.forget();
    this.items = [];
  }
}

/**
 * The moderation queue of the signed-in member: whether they have one at all (a 403 says not),
 * the open cases with the server's count for the header badge, and the closed ones once the page
 * asks. `moderation:case-opened` and `moderation:case-updated` keep both lists current; those
 * events are not replayed, so every reconnect loads again. The server lists at most 200 cases
 * but counts them all: an event that cannot be placed in a capped list reloads it.
 */
export class ModerationStore {
  /** undefined until the first answer; false: this member moderates nothing. */
  available = $state<boolean | undefined>(undefined);
  readonly open = new CaseList('open');
  /** A failed reload of the closed cases shows the failure on their tab (with Try again). */
  readonly closed = new CaseList('closed', { reloadFailure: 'replace' });
  /** Open cases, counted by the server (it may have more than it lists). */
  openCount = $state(0);

  /** The confirmation of my last action, with its Undo while it may be undone. */
  confirmation = $state<Confirmation | undefined>(undefined);
  undoing = $state(false);
  #confirmationKey = 0;
  #confirmationTimer: ReturnType<typeof setTimeout> | undefined;

  /** The last `follow` decision, so that it is taken once per change. */
  #byRole: boolean | undefined;
  #held: ModerationCase[] | null = null;
  #soon: ReturnType<typeof setTimeout> | undefined;

  byId(caseId: string): ModerationCase | undefined {
    return this.open.items.find((item) => item.id === caseId) ?? this.closed.items.find((item) => item.id === caseId);
  }

  /**
   * Loads the queue of a member who may have one: a site moderator or admin, or a host or
   * moderator of one of my spaces (`byRole`), or else a safeguarding contact (the help page names
   * them). Anyone else is not asked: the 403 would show as an error in their browser's console on
   * every page.
   */
  async follow(byRole: boolean, myId: string): Promise<void> {
    if (byRole === this.#byRole) return;
    this.#byRole = byRole;
    if (byRole) {
      if (this.available !== true) await this.load();
      return;
    }
    const latest = this.open.latest();
    let contact = false;
    try {
      contact = (await moderationApi.help()).contacts.some((person) => person.id === myId);
    } catch {
      // Cannot tell: a case reaching me live still opens the queue (`received`).
    }
    if (!latest() || this.#byRole !== false) return;
    if (contact) await this.load();
    else this.#noQueue();
  }

  async load(): Promise<void> {
    clearTimeout(this.#soon);
    this.#held ??= [];
    await this.open.load(
      (queue) => {
        this.available = true;
        this.openCount = queue.openCount;
        const held = this.#held ?? [];
        this.#held = null;
        for (const item of held) this.received(item);
        if (this.closed.status === 'ready' || this.closed.status === 'failed') void this.loadClosed();
      },
      (error) => {
        this.#held = null;
        if (error instanceof ApiError && error.code === 'forbidden') this.#noQueue();
      },
    );
  }

  /** The closed cases, for their tab; live events keep them current once loaded. */
  async loadClosed(): Promise<void> {
    await this.closed.load(undefined, () => (this.closed.items = []));
  }

  /** `moderation:case-opened`, `moderation:case-updated`, and every answer that returns a case. */
  received(item: ModerationCase): void {
    if (this.available === false) {
      // A queue appeared (e.g. made a host or a moderator since): find out what is in it.
      this.available = undefined;
      void this.load();
      return;
    }
    if (this.#held) {
      this.#held.push(item);
      return;
    }
    const known = this.byId(item.id);
    if (known && known.updatedAt > item.updatedAt) return;
    const wasOpen = this.open.items.some((other) => other.id === item.id);
    if (item.status === 'open') {
      if (!wasOpen && !known && this.open.items.length < this.openCount) {
        // The open list is capped: this one may be counted already without being listed.
        this.reloadSoon();
      }
      if (!wasOpen) this.openCount += 1;
      this.open.items = [item, ...this.open.items.filter((other) => other.id !== item.id)].sort(byActivity);
      this.#dropFrom(this.closed, item.id);
    } else {
      if (wasOpen) {
        this.openCount = Math.max(0, this.openCount - 1);
        this.#dropFrom(this.open, item.id);
      } else if (this.open.items.length < this.openCount) {
        // Perhaps one of the open cases beyond the list: count again.
        this.reloadSoon();
      }
      if (this.closed.status === 'ready') {
        this.closed.items = [item, ...this.closed.items.filter((other) => other.id !== item.id)].sort(byActivity);
      }
    }
  }

  async take(caseId: string, force = false): Promise<void> {
    this.received(await moderationApi.take(caseId, force));
  }

  async dismiss(caseId: string, reason: string): Promise<void> {
    const item = await moderationApi.dismiss(caseId, reason);
    this.received(item);
    this.#confirm({ caseId, targetKind: item.targetKind, action: 'dismiss', undoable: false });
  }

  async act(caseId: string, action: Parameters<typeof moderationApi.act>[1]): Promise<void> {
    const item = await moderationApi.act(caseId, action);
    this.received(item);
    this.#confirm({ caseId, targetKind: item.targetKind, action: action.action, undoable: undoableActions.has(action.action) });
  }

  /** Takes back the action just confirmed: the case comes back as it was. */
  async undo(): Promise<void> {
    const shown = this.confirmation;
    if (!shown?.undoable || this.undoing) return;
    this.undoing = true;
    try {
      const item = await moderationApi.undo(shown.caseId);
      this.received(item);
      this.#confirm({ caseId: shown.caseId, targetKind: item.targetKind, action: 'undone', undoable: false });
    } catch (error) {
      this.confirmation = { ...shown, undoable: false, error: messageOf(error) };
    } finally {
      this.undoing = false;
    }
  }

  dismissConfirmation(): void {
    clearTimeout(this.#confirmationTimer);
    this.confirmation = undefined;
  }

  #confirm(next: Omit<Confirmation, 'key'>): void {
    clearTimeout(this.#confirmationTimer);
    this.confirmation = { ...next, key: ++this.#confirmationKey };
    this.#confirmationTimer = setTimeout(() => (this.confirmation = undefined), CONFIRMATION_MS);
  }

  /**
   * After a reconnect, or an event that cannot be placed. A member without a queue is not asked
   * again: a case reaching them (`received`) says that they have one now.
   */
  reloadSoon(): void {
    if (this.available === false || (this.available === undefined && this.open.status === 'idle')) return;
    clearTimeout(this.#soon);
    this.#soon = setTimeout(() => void this.load(), RELOAD_SOON_MS);
  }

  clear(): void {
    clearTimeout(this.#soon);
    this.dismissConfirmation();
    this.#held = null;
    this.#byRole = undefined;
    this.available = undefined;
    this.open.clear();
    this.closed.clear();
    this.openCount = 0;
  }

  #noQueue(): void {
    this.available = false;
    this.open.clear();
    this.closed.clear();
    this.openCount = 0;
  }

  #dropFrom(list: CaseList, caseId: string): void {
    if (list.items.some((item) => item.id === caseId)) list.items = list.items.filter((item) => item.id !== caseId);
  }
}

export const moderation = new ModerationStore();

liveStores.register({
  name: 'moderation',
  events: {
    'moderation:case-opened': (item) => moderation.received(item),
    'moderation:case-updated': (item) => moderation.received(item),
  },
  clear: () => moderation.clear(),
  // Not replayed: read the queue again.
  reconnected: () => moderation.reloadSoon(),
  // The queue, for those who may have one: my site role and my roles in my spaces say so (or
  // the help page, for a safeguarding contact).
  follow: () =>
    $effect.root(() => {
      $effect(() => {
        const user = session.user;
        if (!user || session.guidelinesRequired || user.status !== 'active' || spaces.status !== 'ready') return;
        const byRole =
          user.role === 'admin' ||
          user.role === 'moderator' ||
          spaces.items.some((space) => space.membership?.status === 'active' && (space.membership.role === 'host' || space.membership.role === 'moderator'));
        const myId = user.id;
        untrack(() => void moderation.follow(byRole, myId));
      });
    }),
});
