import type { EventPayload } from '../../../shared/protocol/events';
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
