import type { z } from 'zod';
import type {
  blockListSchema,
  blockSchema,
  chatSearchSchema,
  Conversation,
  conversationListSchema,
  MAX_MESSAGE_CHARS,
  Message,
  messageHistorySchema,
  messagePageSchema,
  presenceSchema,
  threadSchema,
} from '../../../shared/api/chat.routes';
import type { EventPayload } from '../../../shared/protocol/events';
import { api } from './api';
import { routes } from './api-routes';
import { queryString } from './url';

// Types of the chat contract, and its REST calls. Like spaces-api.ts: only types come from shared/.

export type { Conversation, Message };
export type Participant = Conversation['participants'][number];
export type ConversationList = z.output<typeof conversationListSchema>;
export type MessagePage = z.output<typeof messagePageSchema>;
export type Thread = z.output<typeof threadSchema>;
export type MessageHistory = z.output<typeof messageHistorySchema>;
export type ChatSearchResults = z.output<typeof chatSearchSchema>;
export type ChatSearchHit = ChatSearchResults['items'][number];
export type Block = z.output<typeof blockSchema>;
export type BlockList = z.output<typeof blockListSchema>;
export type SpacePresence = z.output<typeof presenceSchema>;
export type MessageEvent = EventPayload<'chat:message-created'>;

export const maxMessageChars: typeof MAX_MESSAGE_CHARS = 4_000;

/** The server's pattern for a client id (`sendMessageBodySchema`). */
const clientIdPattern = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * A fresh id for one message, chosen before it is sent: sending it again (after a timeout or a
 * reconnect) returns the message the first send made instead of a copy.
 * @example newClientId() // → '3f0c1e9a4b2d4c8e9f7a6b5c4d3e2f10'
 */
export function newClientId(): string {
  const id = typeof crypto.randomUUID === 'function' ? crypto.randomUUID().replaceAll('-', '') : randomHex(32);
  if (!clientIdPattern.test(id)) throw new Error('Could not make a client id');
  return id;
}

function randomHex(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length / 2));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

export const chatApi = {
  conversations: () => api.call(routes.conversations),
  conversation: (conversationId: string) => api.call(routes.conversation, { params: { conversationId } }),
  open: (handles: string[]) => api.call(routes.createConversation, { body: { handles } }),
  spaceChat: (spaceId: string) => api.call(routes.spaceChat, { params: { spaceId } }),
  spacePresence: (spaceId: string) => api.call(routes.spacePresence, { params: { spaceId } }),
  messages: (conversationId: string, query: { before?: number; around?: string; limit?: number } = {}) =>
    api.call(routes.messages, { params: { conversationId }, query }),
  thread: (messageId: string) => api.call(routes.thread, { params: { messageId } }),
  history: (messageId: string) => api.call(routes.messageHistory, { params: { messageId } }),
  /** Messages I may read matching `q` (at least 2 characters), best first; in one conversation with `conversationId`. */
  search: (q: string, conversationId?: string) => api.call(routes.searchMessages, { query: { q, conversationId } }),
  blocks: () => api.call(routes.blocks),
  block: (handle: string) => api.call(routes.block, { body: { handle } }),
  unblock: (userId: string) => api.call(routes.unblock, { params: { userId } }),
};

/** Where a message lives in the app: its space's chat, or the conversation page. */
export function messageHref(conversation: Pick<Conversation, 'id' | 'kind' | 'space'>, messageId?: string): string {
  const base = conversation.kind === 'space' && conversation.space ? `/s/${conversation.space.slug}/chat` : `/messages/${conversation.id}`;
  return base + queryString({ message: messageId });
}
