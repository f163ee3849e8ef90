import { chatRoutes } from '../../../shared/api/chat.routes';
import type { RouteMounter } from '../../core/http/routes';
import type { Actor } from '../accounts/actor';
import type { ChatService } from './chat.service';

export function mountChatRoutes(router: RouteMounter<Actor>, deps: { chat: ChatService }): void {
  const { chat } = deps;
  router.mount(chatRoutes.conversations, ({ actor }) => chat.accessConversations(actor));
  router.mount(chatRoutes.createConversation, ({ actor, body }) => chat.doOpenConversation(actor, body));
  router.mount(chatRoutes.conversation, ({ actor, params }) => chat.accessConversation(actor, params.conversationId));
  router.mount(chatRoutes.spaceChat, ({ actor, params }) => chat.accessSpaceChat(actor, params.spaceId));
  router.mount(chatRoutes.spacePresence, ({ actor, params }) => chat.accessSpacePresence(actor, params.spaceId));
  router.mount(chatRoutes.messages, ({ actor, params, query }) => chat.accessMessages(actor, params.conversationId, query));
  router.mount(chatRoutes.markConversationRead, ({ actor, params, body }) => chat.doRead(actor, params.conversationId, body.seq));
  router.mount(chatRoutes.sendMessage, ({ actor, params, body }) => chat.doSend(actor, { ...body, conversationId: params.conversationId }));
  router.mount(chatRoutes.thread, ({ actor, params }) => chat.accessThread(actor, params.messageId));
  router.mount(chatRoutes.messageHistory, ({ actor, params }) => chat.accessHistory(actor, params.messageId));
  router.mount(chatRoutes.searchMessages, ({ actor, query }) => chat.accessSearch(actor, query));
  router.mount(chatRoutes.blocks, ({ actor }) => chat.accessBlocks(actor));
  router.mount(chatRoutes.block, ({ actor, body }) => chat.doBlock(actor, body.handle));
  router.mount(chatRoutes.unblock, ({ actor, params }) => chat.doUnblock(actor, params.userId));
}
