import type { CommandHandlers } from '../../core/realtime/realtime';
import type { Actor } from '../accounts/actor';
import type { ChatService } from './chat.service';

type ChatCommand = 'chat:send' | 'chat:edit' | 'chat:delete' | 'chat:react' | 'chat:typing' | 'chat:read' | 'chat:resume';

/** Thin entry points: the payload is already validated; each calls one service function. */
export function chatCommandHandlers(chat: ChatService): Pick<CommandHandlers<Actor>, ChatCommand> {
  return {
    'chat:send': ({ actor }, payload) => chat.doSend(actor, payload),
    'chat:edit': ({ actor }, payload) => chat.doEdit(actor, payload),
    'chat:delete': ({ actor }, payload) => chat.doDelete(actor, payload.messageId),
    'chat:react': ({ actor }, payload) => chat.doReact(actor, payload.messageId, payload.emoji),
    'chat:typing': ({ actor }, payload) => chat.doTyping(actor, payload.conversationId),
    'chat:read': ({ actor }, payload) => chat.doRead(actor, payload.conversationId, payload.seq),
    'chat:resume': ({ actor }, payload) => chat.accessResume(actor, payload),
  };
}
