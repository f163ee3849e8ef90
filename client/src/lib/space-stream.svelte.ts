import { SvelteMap } from 'svelte/reactivity';
import type { EventPayload } from '../../../shared/protocol/events';
import { liveStores } from '../realtime/live-stores';
import { spaceFeeds, type SpaceFeed, type StreamEvent } from '../realtime/space-feeds';
import { api, ApiError } from './api';
import { routes } from './api-routes';
import { messageOf } from './forms.svelte';
import { insertNewestFirst, postIdOf } from './home-stream.svelte';
import { Overtaken, PagedLoadable } from './loadable.svelte';
import type { Comment, Post, Space } from './spaces-api';

const PAGE_SIZE = 20;

export interface CommentsState {
  status: 'loading' | 'ready' | 'failed';
  /** Oldest first; replies are grouped under their parent when shown. */
  items: Comment[];
  error?: string;
}

/** What the page shows: one space's stream (`/s/:slug`) or one post with its comments (`/p/:postId`). */
export type StreamFocus = { slug: string } | { postId: string };

/**
 * One space as its page shows it: the space with my membership, its posts newest first, the
 * pinned ones, and the comments of the posts whose comments are open. Its feed applies the
 * space's events exactly once, in order, from the seq the REST page reflects, so the state
 * after live events is the state a reload would show.
 */
export class SpaceStream extends PagedLoadable<StreamEvent> {
  /** Every stream a page has open, for membership changes. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  static readonly open = new Set<SpaceStream>();

  space = $state<Space | undefined>(undefined);
  posts = new SvelteMap<string, Post>();
  order = $state<string[]>([]);
  pinnedIds = $state<string[]>([]);
  nextCursor = $state<string | null>(null);
  comments = new SvelteMap<string, CommentsState>();
  /** The last seq of the space's log that the shown state reflects. */
  seq = $state(0);

  #feed: SpaceFeed | undefined;
  #stopped = false;
  /** Comment events for posts whose comments are loading, applied once they are there. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  #commentsLoading = new Map<string, StreamEvent[]>();

  constructor(readonly focus: StreamFocus) {
    // A reload comes when what I may read changed or the feed lost its place: a failed one shows
    // the failure rather than posts that may no longer be right.
    super({ initial: 'loading', reloadFailure: 'replace', notFoundIsMissing: true });
  }

  get pinned(): Post[] {
    return this.pinnedIds.map((id) => this.posts.get(id)).filter((post): post is Post => post !== undefined);
  }

  get stream(): Post[] {
    return this.order.map((id) => this.posts.get(id)).filter((post): post is Post => post !== undefined);
  }

  /** Loads the page and follows its space; returns the undo. */
  start(): () => void {
    SpaceStream.open.add(this);
    void this.load();
    return () => this.stop();
  }

  stop(): void {
    this.#stopped = true;
    this.forget();
    SpaceStream.open.delete(this);
    this.#closeFeed();
  }

  async load(): Promise<void> {
    this.#feed?.pause();
    if ('postId' in this.focus) await this.#loadPost(this.focus.postId);
    else await this.#loadSpace(this.focus.slug);
  }

  async #loadSpace(slug: string): Promise<void> {
    await this.track(
      async (latest) => {
        const space = await api.call(routes.space, { params: { slug } });
        if (!space.canRead) return { space, page: undefined };
        if (!latest()) throw new Overtaken();
        // Subscribe before reading the page: every event after the page's seq then reaches the feed.
        await this.#openFeed(space);
        if (!latest()) throw new Overtaken();
        return { space, page: await api.call(routes.spacePosts, { params: { spaceId: space.id }, query: { limit: PAGE_SIZE } }) };
      },
      ({ space, page }) => {
        this.#clearPosts();
        this.space = space;
        if (!page) {
          // Not readable: the page shows the space and how to join.
          this.#closeFeed();
          return;
        }
        for (const post of [...page.pinned, ...page.items]) this.#setPost(post);
        this.order = page.items.map((post) => post.id);
        this.pinnedIds = page.pinned.map((post) => post.id);
        this.nextCursor = page.nextCursor;
        this.seq = page.seq;
        this.#feed?.start(page.seq);
      },
      () => this.#closeFeed(),
    );
  }

  async #loadPost(postId: string): Promise<void> {
    await this.track(
      () => api.call(routes.post, { params: { postId } }),
      async (found, latest) => {
        const ready = this.#openFeed(found.space);
        this.#clearPosts();
        this.posts.set(found.post.id, found.post);
        this.order = [found.post.id];
        this.comments.set(found.post.id, { status: 'ready', items: sortComments(found.comments) });
        this.space = found.space;
        this.seq = found.space.seq;
        await ready;
        if (!latest()) return;
        // The post was read before the subscription: ask for whatever happened since.
        this.#feed?.start(found.space.seq);
        spaceFeeds.requestResume(found.space.id);
      },
      () => this.#closeFeed(),
    );
  }

  /** A member's socket is in the space's room already; anyone else viewing it subscribes. */
  #openFeed(space: Space): Promise<void> {
    if (this.#feed?.spaceId === space.id) return Promise.resolve();
    this.#feed?.close();
    const { feed, ready } = spaceFeeds.open(
      space.id,
      { apply: (event) => this.#apply(event), reset: () => void this.load() },
      { subscribe: space.membership?.status !== 'active' },
    );
    this.#feed = feed;
    return ready;
  }

  #closeFeed(): void {
    this.#feed?.close();
    this.#feed = undefined;
  }

  #clearPosts(): void {
    this.posts.clear();
    this.comments.clear();
    this.#commentsLoading.clear();
    this.order = [];
    this.pinnedIds = [];
    this.nextCursor = null;
  }

  /** A post whose comment count is 0 has no comments to fetch: its list starts empty and live. */
  #setPost(post: Post): void {
    this.posts.set(post.id, post);
    if (post.commentCount === 0 && !this.comments.has(post.id)) this.comments.set(post.id, { status: 'ready', items: [] });
  }

  async loadOlder(): Promise<void> {
    const space = this.space;
    const before = this.nextCursor;
    if (!space || !before || this.olderStatus === 'loading') return;
    await this.trackOlder(
      () => api.call(routes.spacePosts, { params: { spaceId: space.id }, query: { limit: PAGE_SIZE, before } }),
      (page, missed) => {
        const fresh = page.items.filter((post) => !this.order.includes(post.id));
        // A pinned post already known keeps the state its events gave it.
        for (const post of fresh) if (!this.posts.has(post.id)) this.#setPost(post);
        const added = fresh.map((post) => post.id);
        this.order = [...this.order, ...added];
        this.nextCursor = page.nextCursor;
        // The page may be older than events that arrived while it loaded; they carry whole posts.
        for (const event of missed) if (added.includes(postIdOf(event) ?? '')) this.#applyToPosts(event);
      },
    );
  }

  /** Opens a post's comments: loads them once; live events keep them current. */
  async loadComments(postId: string): Promise<void> {
    const current = this.comments.get(postId);
    if (current && current.status !== 'failed') return;
    const latest = this.latest();
    this.comments.set(postId, { status: 'loading', items: [] });
    this.#commentsLoading.set(postId, []);
    try {
      const found = await api.call(routes.post, { params: { postId } });
      if (!latest() || this.#stopped) return;
      this.comments.set(postId, { status: 'ready', items: sortComments(found.comments) });
      const missed = this.#commentsLoading.get(postId) ?? [];
      this.#commentsLoading.delete(postId);
      for (const event of missed) this.#applyToPosts(event);
    } catch (error) {
      this.#commentsLoading.delete(postId);
      this.comments.set(postId, { status: 'failed', items: [], error: messageOf(error) });
    }
  }

  /** `space:membership-changed` for this space: my buttons, and perhaps what I may read, change. */
  async membershipChanged(change: EventPayload<'space:membership-changed'>): Promise<void> {
    const space = this.space;
    if (!space || space.id !== change.spaceId || this.#stopped) return;
    const before = space.membership;
    const after = change.membership;
    // Only the read marker moved:
    if (before && after && before.role === after.role && before.status === after.status && before.mutedUntil === after.mutedUntil) return;
    try {
      const fresh = await api.call(routes.space, { params: { slug: space.slug } });
      if (this.#stopped) return;
      this.replaceSpace(fresh);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'not_found') this.status = 'missing';
    }
  }

  /**
   * The space as an API answer has it (after join, leave or settings): a change of what I may
   * read reloads the stream; leaving a public space I keep viewing needs the subscription again.
   */
  replaceSpace(fresh: Space): void {
    const before = this.space;
    if (!before || before.id !== fresh.id) return;
    // Settings and member count come with the log's events; only my own part is new here.
    this.space = { ...before, membership: fresh.membership, canRead: fresh.canRead, memberCount: fresh.memberCount };
    if (fresh.canRead !== before.canRead) {
      void this.load();
    } else if (fresh.canRead && !fresh.membership && before.membership) {
      void spaceFeeds.resubscribe(fresh.id);
    }
  }

  #apply(event: StreamEvent): void {
    this.seq = event.payload.seq;
    if (event.name === 'space:updated') {
      const space = this.space;
      if (!space) return;
      this.space = { ...space, ...event.payload.space, membership: space.membership, canRead: space.canRead };
      // No longer public: what a non-member may read changes, and the server stops sending it.
      if (event.payload.space.visibility !== space.visibility && space.membership?.status !== 'active') void this.load();
      return;
    }
    this.holdForOlder(event);
    const postId = postIdOf(event);
    if (postId && event.name.startsWith('comment:')) this.#commentsLoading.get(postId)?.push(event);
    this.#applyToPosts(event);
  }

  #applyToPosts(event: StreamEvent): void {
    switch (event.name) {
      case 'post:created': {
        const { post } = event.payload;
        // The single-post page shows its post only.
        if ('postId' in this.focus) break;
        const known = this.order.includes(post.id);
        this.#setPost(post);
        if (!known) this.order = insertNewestFirst(this.order, post, this.posts);
        this.#syncPinned(post);
        break;
      }
      case 'post:updated':
      case 'post:deleted': {
        const { post } = event.payload;
        // A post not loaded yet comes with its older page; a newly pinned one shows at once.
        if (!this.posts.has(post.id) && !post.pinned) break;
        this.posts.set(post.id, post);
        this.#syncPinned(post);
        break;
      }
      case 'comment:created':
      case 'comment:updated':
      case 'comment:deleted': {
        const { comment, commentCount } = event.payload;
        const post = this.posts.get(comment.postId);
        if (post) this.posts.set(post.id, { ...post, commentCount });
        const state = this.comments.get(comment.postId);
        if (state?.status === 'ready') this.comments.set(comment.postId, { ...state, items: upsertComment(state.items, comment) });
        break;
      }
      case 'space:updated':
        break;
    }
  }

  /** Pinned posts, newest first like the page's `pinned`. */
  #syncPinned(post: Post): void {
    const listed = this.pinnedIds.includes(post.id);
    if (post.pinned && !post.deleted && !listed) this.pinnedIds = insertNewestFirst(this.pinnedIds, post, this.posts);
    else if ((!post.pinned || post.deleted) && listed) this.pinnedIds = this.pinnedIds.filter((id) => id !== post.id);
  }
}

/** Oldest first, as the server lists them (creation time, then id). */
function sortComments(items: Comment[]): Comment[] {
  const key = (comment: Comment) => `${comment.createdAt}|${comment.id}`;
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function upsertComment(items: Comment[], comment: Comment): Comment[] {
  const index = items.findIndex((item) => item.id === comment.id);
  if (index === -1) return sortComments([...items, comment]);
  return items.map((item) => (item.id === comment.id ? comment : item));
}

liveStores.register({
  name: 'space-streams',
  events: {
    'space:membership-changed': (change) => {
      for (const stream of SpaceStream.open) void stream.membershipChanged(change);
    },
  },
});
