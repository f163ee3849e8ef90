import { SvelteSet } from 'svelte/reactivity';
import type { EventPayload } from '../../../shared/protocol/events';
import type { ChatEvent } from '../realtime/chat-feeds';
import { liveStores } from '../realtime/live-stores';
import { memberFeed } from '../realtime/member-feed';
import { chatApi, type Conversation } from './chat-api';
import { Loadable, worthRetrying } from './loadable.svelte';
import { presence } from './presence.svelte';
import { session } from './session.svelte';

const RETRY_MS = 5_000;
const RELOAD_SOON_MS = 300;

/**
 * My conversations (direct ones and my spaces' chats) with their unread counts, for the messages
 * page and the header's badge. The REST list is the baseline; each conversation's `seq` says which
 * events it already counts, so an event is counted once however often it arrives. When an event
 * cannot be placed (an unknown conversation, a gap, a deleted unread message) the list is loaded
 * again rather than guessed, and after every reconnect.
 */
export class ConversationsStore extends Loadable {
  items = $state<Conversation[]>([]);
  /** Conversations open and visible on this page: what arrives there is read, not counted. */
  viewing = new SvelteSet<string>();

  readonly unreadTotal: number = $derived(this.items.reduce((sum, item) => sum + item.unread, 0));

  /** Events that arrived while the list loads, applied after it against its seqs. */
  #held: ChatEvent[] | null = null;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #soon: ReturnType<typeof setTimeout> | undefined;
  /** Conversations not in my list that sent events (a public space I only view): asked about once. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  #unknown = new Set<string>();

  byId(id: string): Conversation | undefined {
    return this.items.find((item) => item.id === id);
  }

  async load(): Promise<void> {
    clearTimeout(this.#retry);
    clearTimeout(this.#soon);
    this.#held ??= [];
    await this.track(
      () => chatApi.conversations(),
      (list) => {
        this.items = sortByRecent(list.items);
        for (const item of list.items) for (const p of item.participants) presence.seed(p.id, { online: p.online, lastSeenAt: p.lastSeenAt });
        const held = this.#held ?? [];
        this.#held = null;
        for (const event of held) this.event(event);
      },
      (error) => {
        if (worthRetrying(error)) this.#retry = setTimeout(() => void this.load(), RETRY_MS);
      },
    );
  }

  /** Several reasons to reload in a moment become one request. `membership`: my spaces changed. */
  reloadSoon(reason?: 'membership'): void {
    if (reason === 'membership') this.#unknown.clear();
    if (this.status === 'idle') return;
    clearTimeout(this.#soon);
    this.#soon = setTimeout(() => void this.load(), RELOAD_SOON_MS);
  }

  /** `chat:message-created` / `chat:message-updated`, live (replays only reach open conversations). */
  event(event: ChatEvent): void {
    if (this.#held) {
      this.#held.push(event);
      return;
    }
    if (this.status !== 'ready') return;
    const { conversationId, seq, message } = event.payload;
    const item = this.byId(conversationId);
    if (!item) {
      if (this.#unknown.has(conversationId)) return;
      this.#unknown.add(conversationId);
      this.reloadSoon();
      return;
    }
    if (seq <= item.seq) return;
    // Something in between never came (or was left out because I blocked its author): count again.
    if (seq > item.seq + 1) this.reloadSoon();
    const fromOther = message.author.id !== session.user?.id;
    const next: Conversation = { ...item, seq };
    if (event.name === 'chat:message-created') {
      next.lastMessageAt = message.createdAt;
      if (fromOther && !message.deleted && !message.hidden && message.seq > item.lastReadSeq && !this.viewing.has(conversationId)) next.unread += 1;
    } else if ((message.deleted || message.hidden) && fromOther && message.seq > item.lastReadSeq && item.unread > 0) {
      // An unread message was deleted or hidden: the server may no longer count it.
      this.reloadSoon();
    }
    this.#replace(next);
  }

  /** `chat:read`: my marker moved here or in another tab. */
  read({ conversationId, lastReadSeq, unread }: Omit<EventPayload<'chat:read'>, 'memberSeq'>): void {
    const item = this.byId(conversationId);
    if (!item) return;
    if (lastReadSeq < item.lastReadSeq) return;
    this.#replace({ ...item, lastReadSeq, unread });
  }

  /** `chat:conversation-updated`, and the answer when I open one. */
  upsert(conversation: Conversation): void {
    for (const p of conversation.participants) presence.seed(p.id, { online: p.online, lastSeenAt: p.lastSeenAt });
    const known = this.byId(conversation.id);
    // The list's counts follow the events; a newer snapshot from the server replaces them.
    if (known && known.seq > conversation.seq) return;
    this.items = sortByRecent([conversation, ...this.items.filter((item) => item.id !== conversation.id)]);
  }

  clear(): void {
    this.forget();
    clearTimeout(this.#retry);
    clearTimeout(this.#soon);
    this.#held = null;
    this.items = [];
    this.viewing.clear();
    this.#unknown.clear();
  }

  #replace(next: Conversation): void {
    this.items = sortByRecent(this.items.map((item) => (item.id === next.id ? next : item)));
  }
}

function sortByRecent(items: Conversation[]): Conversation[] {
  const key = (item: Conversation) => item.lastMessageAt ?? '';
  return [...items].sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
}

export const conversations = new ConversationsStore();

// My read markers come through my own log (replayed after a reconnect).
memberFeed.route({ name: 'conversations', events: { 'chat:read': (marker) => conversations.read(marker) } });

liveStores.register({
  name: 'conversations',
  events: {
    'chat:message-created': (payload) => conversations.event({ name: 'chat:message-created', payload }),
    'chat:message-updated': (payload) => conversations.event({ name: 'chat:message-updated', payload }),
    'chat:conversation-updated': (conversation) => conversations.upsert(conversation),
    // Joining or leaving a space adds or removes its chat from my conversations.
    'space:membership-changed': () => conversations.reloadSoon('membership'),
  },
  load: () => conversations.load(),
  clear: () => conversations.clear(),
  // The unread counts are not logged: read them again.
  reconnected: () => conversations.reloadSoon(),
});
