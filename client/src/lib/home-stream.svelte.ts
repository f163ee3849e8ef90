import { SvelteMap } from 'svelte/reactivity';
import type { StreamEvent } from '../realtime/space-feeds';
import { api } from './api';
import { routes } from './api-routes';
import { PagedLoadable } from './loadable.svelte';
import type { Post } from './spaces-api';
import { spaces } from './spaces.svelte';

const PAGE_SIZE = 20;

/**
 * My home stream: the newest posts of all my spaces. It hears my spaces' events through the
 * spaces store (each once, in order). Every event carries the whole post, so applying the events
 * that arrived while a page loaded on top of that page gives the state a reload would show.
 */
export class HomeStream extends PagedLoadable<StreamEvent> {
  posts = new SvelteMap<string, Post>();
  order = $state<string[]>([]);
  nextCursor = $state<string | null>(null);

  /** Events that arrived while the first page loaded (all of them). */
  #whileLoading: StreamEvent[] | null = null;

  constructor() {
    // A reload comes when my spaces changed or events were missed, so what is shown is out of
    // date: a failed one shows the failure (with Try again) rather than keeping it.
    super({ initial: 'loading', reloadFailure: 'replace' });
  }

  /** Starts following my spaces and loads the first page; returns the undo. */
  start(): () => void {
    const unfollow = spaces.follow({
      event: (event) => this.#apply(event),
      changed: () => void this.load(),
    });
    void this.load();
    return () => {
      unfollow();
      this.forget();
    };
  }

  async load(): Promise<void> {
    this.#whileLoading = [];
    await this.track(
      () => api.call(routes.homeStream, { query: { limit: PAGE_SIZE } }),
      (page) => {
        const missed = this.#whileLoading ?? [];
        this.#whileLoading = null;
        this.posts.clear();
        for (const post of page.items) this.posts.set(post.id, post);
        this.order = page.items.map((post) => post.id);
        this.nextCursor = page.nextCursor;
        for (const event of missed) this.#apply(event);
      },
      () => (this.#whileLoading = null),
    );
  }

  async loadOlder(): Promise<void> {
    const before = this.nextCursor;
    if (!before || this.olderStatus === 'loading') return;
    await this.trackOlder(
      () => api.call(routes.homeStream, { query: { limit: PAGE_SIZE, before } }),
      (page, missed) => {
        const fresh = page.items.filter((post) => !this.posts.has(post.id));
        for (const post of fresh) this.posts.set(post.id, post);
        const added = fresh.map((post) => post.id);
        this.order = [...this.order, ...added];
        this.nextCursor = page.nextCursor;
        for (const event of missed) if (added.includes(postIdOf(event) ?? '')) this.#apply(event);
      },
    );
  }

  #apply(event: StreamEvent): void {
    if (this.#whileLoading) {
      this.#whileLoading.push(event);
      return;
    }
    this.holdForOlder(event);
    switch (event.name) {
      case 'post:created': {
        const { post } = event.payload;
        // Hidden on arrival (the word list): not for the home stream.
        if (post.hidden) break;
        const known = this.posts.has(post.id);
        this.posts.set(post.id, post);
        if (!known) this.order = insertNewestFirst(this.order, post, this.posts);
        break;
      }
      case 'post:updated':
      case 'post:deleted': {
        // The home stream leaves deleted and hidden posts out, as a reload would; a post the
        // moderators show again comes back in its place.
        const { post } = event.payload;
        if (post.deleted || post.hidden) {
          if (this.posts.delete(post.id)) this.order = this.order.filter((id) => id !== post.id);
        } else if (this.posts.has(post.id)) {
          this.posts.set(post.id, post);
        } else if (event.name === 'post:updated' && this.#withinLoaded(post)) {
          this.posts.set(post.id, post);
          this.order = insertNewestFirst(this.order, post, this.posts);
        }
        break;
      }
      case 'comment:created':
      case 'comment:updated':
      case 'comment:deleted': {
        const { comment, commentCount } = event.payload;
        const post = this.posts.get(comment.postId);
        if (post) this.posts.set(post.id, { ...post, commentCount });
        break;
      }
      case 'space:updated':
        break;
    }
  }

  /** Whether a post falls among the pages loaded so far (newer than the oldest one shown, or all are shown). */
  #withinLoaded(post: Post): boolean {
    const oldest = this.posts.get(this.order.at(-1) ?? '');
    return this.nextCursor === null || (oldest !== undefined && oldest.createdAt <= post.createdAt);
  }
}

/** The post a stream event is about, if any. */
export function postIdOf(event: StreamEvent): string | undefined {
  switch (event.name) {
    case 'post:created':
    case 'post:updated':
    case 'post:deleted':
      return event.payload.post.id;
    case 'comment:created':
    case 'comment:updated':
    case 'comment:deleted':
      return event.payload.comment.postId;
    default:
      return undefined;
  }
}

/**
 * Puts a post among ids ordered newest first (a new post normally goes on top; one that raced
 * another finds its place by creation time).
 */
export function insertNewestFirst(order: string[], post: Post, posts: ReadonlyMap<string, Post>): string[] {
  const index = order.findIndex((id) => {
    const other = posts.get(id);
    return other !== undefined && other.createdAt <= post.createdAt && other.id !== post.id;
  });
  if (index === -1) return [...order, post.id];
  return [...order.slice(0, index), post.id, ...order.slice(index)];
}
