// Each conversation's events applied once, in log order, across races and reconnects: docs/ARCHITECTURE.md#chat
import type { ChatEventName } from '../../../shared/protocol/chat';
import type { EventPayload } from '../../../shared/protocol/events';
import { live } from './connection.svelte';
import { liveStores } from './live-stores';
import { SeqFeed, SeqFeeds, type Replay, type ReplayRequest, type SeqFeedHandlers } from './seq-feeds';

/** One logged event of a conversation, as emitted live or replayed by `chat:resume`. */
export type ChatEvent = { [K in ChatEventName]: { name: K; payload: EventPayload<K> } }[ChatEventName];

/** What a store does with its conversation's events. */
export type ChatFeedHandlers = SeqFeedHandlers<ChatEvent>;

/** One store's position in one conversation's log (`seq-feeds.ts`). */
export class ChatFeed extends SeqFeed<ChatEvent> {
  constructor(
    conversationId: string,
    handlers: ChatFeedHandlers,
    override readonly feeds: ChatFeeds,
  ) {
    super(conversationId, handlers, feeds);
  }

  get conversationId(): string {
    return this.key;
  }
}

/**
 * Every open chat feed, by conversation: routes each `chat:message-*` event to its feeds and asks
 * `chat:resume` for what a feed missed, after a gap and after every (re)connection. Chat events
 * reach this socket through rooms it is in anyway (my spaces, my user room; a public space I
 * only view is subscribed by its stream), so there is nothing to subscribe here. The server
 * leaves out the events of members I blocked, so a replay answers `upToSeq` past seqs that will
 * never come, and the feeds skip them.
 */
export class ChatFeeds extends SeqFeeds<ChatEvent, ChatFeed> {
  readonly noun = 'conversation';

  open(conversationId: string, handlers: ChatFeedHandlers): ChatFeed {
    const feed = new ChatFeed(conversationId, handlers, this);
    this.attach(feed);
    return feed;
  }

  protected keyOf(event: ChatEvent): string {
    return event.payload.conversationId;
  }

  protected async replay(wanted: ReplayRequest[]): Promise<Replay<ChatEvent>[]> {
    const result = await live.command('chat:resume', {
      conversations: wanted.map(({ key, afterSeq }) => ({ conversationId: key, afterSeq })),
    });
    return result.conversations.map(({ conversationId, events, reset, upToSeq }) => ({
      key: conversationId,
      events: events.map((logged) => ({ name: logged.event, payload: logged.payload }) as ChatEvent),
      reset,
      upToSeq,
    }));
  }
}

export const chatFeeds = new ChatFeeds();

liveStores.register({
  name: 'chat-feeds',
  events: {
    'chat:message-created': (payload) => chatFeeds.receive({ name: 'chat:message-created', payload }),
    'chat:message-updated': (payload) => chatFeeds.receive({ name: 'chat:message-updated', payload }),
  },
  // Open conversations replay what they missed.
  reconnected: () => chatFeeds.connected(),
});
