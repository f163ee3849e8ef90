// The kinds of content (posts, comments, chat messages; later events and files) and what the
// platform may ask of each, so moderation and the other cross-cutting features never switch on a
// kind. Each feature registers its own kinds (`*.content.ts`) and the app fills one registry; core knows none.

/** What the moderators (or the author, through their own delete) may do to an item. */
export type VisibilityChange = 'hide' | 'unhide' | 'delete';

/** Whether an item is shown as a placeholder now, and why. */
export interface ContentState {
  hidden: boolean;
  deleted: boolean;
}

/** Where an item is, whose it is, and a snapshot of it as it is now. */
export interface ContentDescription {
  /** The space it belongs to; null for a direct message. */
  spaceId: string | null;
  authorId: string;
  /** A short plain-text excerpt of its body. */
  excerpt: string;
  /** Where it is shown; null when only its participants may open it (a direct message). */
  link: string | null;
}

/** One kind of content, as its feature describes it. `TActor` is whoever asks (core knows no accounts). */
export interface ContentKind<TActor> {
  /** The stable name stored with reports and cases: `post`, `comment`, `message`. */
  readonly kind: string;
  /** What texts call it: "your chat message in Gardening". */
  readonly noun: string;
  /** What stands in for it once gone, for everyone. */
  readonly placeholder: { readonly hidden: string; readonly deleted: string };
  /** The item without checking who asks (trusted callers: the word list, the moderators' queue). */
  describe(id: string): Promise<ContentDescription | undefined>;
  /** The item if the actor may read it; a 404 `AppError` otherwise, as everywhere (it tells nothing). */
  accessForReader(actor: TActor, id: string): Promise<ContentDescription>;
  /** Trusted write: changes it and tells every screen that shows it. False when nothing changed (already so, or gone). */
  changeVisibility(id: string, change: VisibilityChange): Promise<boolean>;
  /** The states of many items at once (one query); ids not found are absent. */
  statesOf(ids: string[]): Promise<Map<string, ContentState>>;
}

export interface ContentRegistry<TActor> {
  /** Adds kinds; a name registered twice is a programming error and throws. */
  register(...kinds: ContentKind<TActor>[]): ContentRegistry<TActor>;
  /** The kind by its name, or undefined when no feature registered it. */
  find(kind: string): ContentKind<TActor> | undefined;
  /** The kind by its name; throws when no feature registered it (a programming error, not the caller's). */
  get(kind: string): ContentKind<TActor>;
  /** The names of every registered kind, in registration order. */
  kinds(): string[];
  /** The states of items of mixed kinds by id (ids are random UUIDs), one `statesOf` call per kind; items of unregistered kinds are skipped. */
  statesOf(items: { kind: string; id: string }[]): Promise<Map<string, ContentState>>;
}

/**
 * An empty registry for the app to fill with every feature's kinds.
 * @example createContentRegistry<Actor>().register(...streamContentKinds(deps)).get('post').noun === 'post'
 */
export function createContentRegistry<TActor>(): ContentRegistry<TActor> {
  const byName = new Map<string, ContentKind<TActor>>();

  const registry: ContentRegistry<TActor> = {
    register(...kinds) {
      for (const kind of kinds) {
        if (byName.has(kind.kind)) throw new Error(`Content kind "${kind.kind}" is registered twice`);
        byName.set(kind.kind, kind);
      }
      return registry;
    },

    find: (kind) => byName.get(kind),

    get(kind) {
      const found = byName.get(kind);
      if (!found) throw new Error(`No content kind "${kind}" is registered`);
      return found;
    },

    kinds: () => [...byName.keys()],

    async statesOf(items) {
      const states = new Map<string, ContentState>();
      for (const [name, kind] of byName) {
        const ids = [...new Set(items.filter((item) => item.kind === name).map((item) => item.id))];
        if (ids.length === 0) continue;
        for (const [id, state] of await kind.statesOf(ids)) states.set(id, state);
      }
      return states;
    },
  };
  return registry;
}
