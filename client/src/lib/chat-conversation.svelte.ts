import { SvelteMap } from 'svelte/reactivity';
import { chatFeeds, type ChatEvent, type ChatFeed } from '../realtime/chat-feeds';
import { live } from '../realtime/connection.svelte';
import { ApiError } from './api';
import { chatApi, type Conversation, type Message } from './chat-api';
import { chatOutbox } from './chat-outbox.svelte';
import { conversations } from './conversations.svelte';
import { messageOf } from './forms.svelte';
import { Overtaken, PagedLoadable } from './loadable.svelte';
import { session } from './session.svelte';
import type { ReactionEmoji } from './spaces-api';
import { typing } from './typing.svelte';

const PAGE_SIZE = 50;

export interface ThreadState {
  rootId: string;
  status: 'loading' | 'ready' | 'failed';
  /** Oldest first. */
  replyIds: string[];
  error?: string;
}

/** Which conversation: a direct one by id, or a space's chat by the space's id. */
export type ConversationSource = { conversationId: string } | { spaceId: string };

/**
 * One conversation as its view shows it: the conversation, a window of its messages oldest first
 * (the newest page, older pages loaded upwards, or the page around a message jumped to), and the
 * open thread. Its feed applies the conversation's events exactly once and in order from the seq
 * the REST answer reflects, so live events give the state a reload would show.
 */
export class ChatConversation extends PagedLoadable {
  conversation = $state<Conversation | undefined>(undefined);
  messages = new SvelteMap<string, Message>();
  /** Top-level messages shown, by seq. */
  order = $state<string[]>([]);
  hasOlder = $state(false);
  /** The window ends before the newest message (after a jump): live messages wait for "Jump to latest". */
  hasNewer = $state(false);
  /** The last seq of the log that the shown state reflects. */
  seq = $state(0);
  /** My read marker when the conversation was opened: the "new messages" divider sits after it. */
  readMarkerAtOpen = $state(0);
  /** The message jumped to, highlighted once shown. */
  focusId = $state<string | undefined>(undefined);
  thread = $state<ThreadState | undefined>(undefined);
  /** Bumped whenever messages are added at the bottom, for the view's scrolling. */
  appended = $state(0);
  /** Bumped by every (re)load: the view scrolls to the newest, or to the message jumped to. */
  loaded = $state(0);

  #feed: ChatFeed | undefined;
  #stopped = false;
  #markedSeq = 0;
  #threadEvents: ChatEvent[] | null = null;
  #undelivered: (() => void) | undefined;

  constructor(readonly source: ConversationSource) {
    // A reload comes when the feed lost its place or the member jumps: a failed one shows the
    // failure rather than a window that may no longer be right.
    super({ initial: 'loading', reloadFailure: 'replace', notFoundIsMissing: true });
  }

  get id(): string | undefined {
    return this.conversation?.id;
  }

  get shown(): Message[] {
    return this.order.map((id) => this.messages.get(id)).filter((message): message is Message => message !== undefined);
  }

  get threadRoot(): Message | undefined {
    return this.thread ? this.messages.get(this.thread.rootId) : undefined;
  }

  get threadReplies(): Message[] {
    return (this.thread?.replyIds ?? []).map((id) => this.messages.get(id)).filter((message): message is Message => message !== undefined);
  }

  /** Loads and follows the conversation (around `jumpTo` if given); returns the undo. */
  start(jumpTo?: string): () => void {
    this.#undelivered = chatOutbox.onDelivered((message) => this.#delivered(message));
    void this.load(jumpTo);
    return () => this.stop();
  }

  stop(): void {
    this.#stopped = true;
    this.forget();
    this.#undelivered?.();
    this.#feed?.close();
    this.#feed = undefined;
    if (this.conversation) conversations.viewing.delete(this.conversation.id);
  }

  async load(jumpTo?: string): Promise<void> {
    if (this.#stopped) return;
    this.#feed?.pause();
    // Read now: by the time `track` applies the answer, the status is `ready`.
    const opening = this.status !== 'ready';
    await this.track(
      async (latest) => {
        // The conversation's seq first, then the page: the page holds at least what that seq says,
        // and the feed applies every event after it (upserts make the overlap harmless).
        const conversation =
          'spaceId' in this.source ? await chatApi.spaceChat(this.source.spaceId) : await chatApi.conversation(this.source.conversationId);
        if (!latest()) throw new Overtaken();
        const feed = this.#feedFor(conversation.id);
        try {
          const page = await chatApi.messages(conversation.id, jumpTo ? { around: jumpTo, limit: PAGE_SIZE } : { limit: PAGE_SIZE });
          return { conversation, feed, page, focusId: jumpTo };
        } catch (error) {
          // A message jumped to that is not there (any more): the newest page instead.
          if (!(jumpTo && error instanceof ApiError && error.code === 'not_found')) throw error;
          return { conversation, feed, page: await chatApi.messages(conversation.id, { limit: PAGE_SIZE }), focusId: undefined };
        }
      },
      ({ conversation, feed, page, focusId }) => {
        this.messages.clear();
        this.thread = undefined;
        this.#threadEvents = null;
        for (const message of page.items) this.messages.set(message.id, message);
        this.order = page.items.map((message) => message.id);
        this.hasOlder = page.hasOlder;
        this.hasNewer = page.hasNewer;
        this.focusId = focusId && this.messages.has(focusId) ? focusId : undefined;
        if (opening || this.conversation?.id !== conversation.id) this.readMarkerAtOpen = conversation.lastReadSeq;
        this.conversation = conversation;
        this.seq = conversation.seq;
        this.#markedSeq = Math.max(this.#markedSeq, conversation.lastReadSeq);
        this.loaded += 1;
        conversations.upsert(conversation);
        feed.start(conversation.seq);
        // An event between reading the conversation and opening its feed would otherwise wait for the next one.
        chatFeeds.requestResume(conversation.id);
      },
    );
  }

  /** The conversation's feed, paused until the page is shown. */
  #feedFor(conversationId: string): ChatFeed {
    if (!this.#feed || this.#feed.conversationId !== conversationId) {
      this.#feed?.close();
      this.#feed = chatFeeds.open(conversationId, { apply: (event) => this.#apply(event), reset: () => void this.load() });
      this.#feed.pause();
    }
    return this.#feed;
  }

  /** "Jump to latest" after a jump to an older message. */
  jumpToLatest(): Promise<void> {
    return this.load();
  }

  async loadOlder(): Promise<void> {
    const conversation = this.conversation;
    const first = this.shown[0];
    if (!conversation || !first || !this.hasOlder || this.olderStatus === 'loading') return;
    await this.trackOlder(
      () => chatApi.messages(conversation.id, { before: first.seq, limit: PAGE_SIZE }),
      (page) => {
        // A message already known keeps the state its events gave it.
        const fresh = page.items.filter((message) => !this.messages.has(message.id));
        for (const message of fresh) this.messages.set(message.id, message);
        this.order = [...fresh.map((message) => message.id), ...this.order];
        this.hasOlder = page.hasOlder;
      },
    );
  }

  async openThread(rootId: string): Promise<void> {
    if (this.thread?.rootId === rootId && this.thread.status !== 'failed') return;
    const latest = this.latest();
    this.thread = { rootId, status: 'loading', replyIds: [] };
    this.#threadEvents = [];
    try {
      const found = await chatApi.thread(rootId);
      if (!latest() || this.thread?.rootId !== rootId) return;
      if (!this.messages.has(found.root.id)) this.messages.set(found.root.id, found.root);
      for (const reply of found.replies) if (!this.messages.has(reply.id)) this.messages.set(reply.id, reply);
      this.thread = { rootId, status: 'ready', replyIds: found.replies.map((reply) => reply.id) };
      const missed = this.#threadEvents ?? [];
      this.#threadEvents = null;
      for (const event of missed) this.#applyToThread(event.payload.message);
    } catch (error) {
      if (this.thread?.rootId !== rootId) return;
      this.#threadEvents = null;
      this.thread = { rootId, status: 'failed', replyIds: [], error: messageOf(error) };
    }
  }

  closeThread(): void {
    this.thread = undefined;
    this.#threadEvents = null;
  }

  send(bodyMarkdown: string, parentId: string | null = null): void {
    const id = this.conversation?.id;
    if (!id) return;
    chatOutbox.send(id, bodyMarkdown, parentId);
    typing.sent(id);
    // My own message: everything before it is read.
    this.readMarkerAtOpen = Number.MAX_SAFE_INTEGER;
  }

  // Edits, deletions and reactions show when their event arrives (it reaches this socket too):
  // applying the ack as well could put back an older state over a newer event.
  async edit(messageId: string, bodyMarkdown: string): Promise<void> {
    await live.command('chat:edit', { messageId, bodyMarkdown });
  }

  async remove(messageId: string): Promise<void> {
    await live.command('chat:delete', { messageId });
  }

  async react(messageId: string, emoji: ReactionEmoji): Promise<void> {
    await live.command('chat:react', { messageId, emoji });
  }

  /**
   * I blocked this member: their messages leave the view (and its open thread), as a reload would
   * show it, since the server no longer gives them to me.
   */
  forgetAuthor(userId: string): void {
    const theirs = (id: string) => this.messages.get(id)?.author.id === userId;
    if (this.thread && theirs(this.thread.rootId)) this.closeThread();
    this.order = this.order.filter((id) => !theirs(id));
    if (this.thread) this.thread = { ...this.thread, replyIds: this.thread.replyIds.filter((id) => !theirs(id)) };
  }

  /** Marks what is shown as read (the view calls this while it is visible). */
  markRead(): void {
    const id = this.conversation?.id;
    if (!id || this.status !== 'ready' || this.hasNewer || this.seq <= this.#markedSeq || !live.connected) return;
    const seq = this.seq;
    const before = this.#markedSeq;
    this.#markedSeq = seq;
    live.command('chat:read', { conversationId: id, seq }).then(
      (marker) => conversations.read(marker),
      () => (this.#markedSeq = before),
    );
  }

  #apply(event: ChatEvent): void {
    this.seq = event.payload.seq;
    const message = event.payload.message;
    if (this.#threadEvents && message.parentId === this.thread?.rootId) this.#threadEvents.push(event);
    if (event.name === 'chat:message-created') {
      typing.stopped(event.payload.conversationId, message.author.id);
      if (message.author.id === session.user?.id) chatOutbox.delivered(message);
      this.#insert(message);
    } else if (this.messages.has(message.id)) {
      this.messages.set(message.id, message);
    }
  }

  /** My message acknowledged: shown even if its event is still on the way (the event then changes nothing). */
  #delivered(message: Message): void {
    if (message.conversationId !== this.conversation?.id || this.messages.has(message.id)) return;
    this.#insert(message);
  }

  #insert(message: Message): void {
    if (message.parentId) {
      this.#applyToThread(message);
      return;
    }
    // Past the end of an older window: it shows with "Jump to latest".
    if (this.hasNewer) return;
    const known = this.messages.has(message.id);
    this.messages.set(message.id, message);
    if (known && this.order.includes(message.id)) return;
    const last = this.shown.at(-1);
    if (!last || last.seq < message.seq) this.order = [...this.order, message.id];
    else this.order = [...this.order, message.id].sort((a, b) => (this.messages.get(a)?.seq ?? 0) - (this.messages.get(b)?.seq ?? 0));
    this.appended += 1;
  }

  #applyToThread(message: Message): void {
    const thread = this.thread;
    if (!thread || message.parentId !== thread.rootId || thread.status !== 'ready') return;
    this.messages.set(message.id, message);
    if (thread.replyIds.includes(message.id)) return;
    const replyIds = [...thread.replyIds, message.id].sort((a, b) => (this.messages.get(a)?.seq ?? 0) - (this.messages.get(b)?.seq ?? 0));
    this.thread = { ...thread, replyIds };
  }
}
