import type { EventPayload } from '../../../shared/protocol/events';
import { liveStores } from '../realtime/live-stores';
import { memberFeed } from '../realtime/member-feed';
import { messageHref } from './chat-api';
import { conversations } from './conversations.svelte';
import { Toasts } from './toasts.svelte';

type MentionEvent = (EventPayload<'mention:received'> & { href?: undefined }) | (EventPayload<'chat:mentioned'> & { href: string });

/** A mention in a post or comment, or (with `href`) in a chat message. */
export type Mention = MentionEvent & { key: number };

/** Mentions of me that arrived while this page is open, shown as notices for a while. */
export class MentionsStore extends Toasts<MentionEvent> {
  received(mention: EventPayload<'mention:received'>): void {
    this.show(mention);
  }

  /** `chat:mentioned`; `href` opens the message in its chat. */
  chatReceived(mention: EventPayload<'chat:mentioned'>, href: string): void {
    this.show({ ...mention, href });
  }
}

export const mentions = new MentionsStore();

// Through my own log: a mention made while the socket was away is shown once it is back.
memberFeed.route({
  name: 'mentions',
  events: {
    'mention:received': (mention) => mentions.received(mention),
    'chat:mentioned': (mention) => {
      // Already in front of me: the message itself says it.
      if (conversations.viewing.has(mention.conversationId)) return;
      const known = conversations.byId(mention.conversationId);
      // An unknown conversation's address finds its way (a space's chat redirects to its page).
      const href = known ? messageHref(known, mention.messageId) : `/messages/${mention.conversationId}?message=${mention.messageId}`;
      mentions.chatReceived(mention, href);
    },
  },
});

liveStores.register({ name: 'mentions', clear: () => mentions.clear() });
