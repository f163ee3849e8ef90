// Replay after a reconnect: the logged events of each conversation after the seq the client has,
// or "reset" when it must reload (docs/ARCHITECTURE.md, "Chat": "Seq and resume").
import type { z } from 'zod';
import type { ChatEventName, chatResumeSchema } from '../../../shared/protocol/chat';
import type { Db } from '../../core/db/database';
import type { Actor } from '../accounts/actor';
import type { ChatAccess, ChatPermissions } from './chat.access';
import type { Logged } from './chat.log';
import { blockedBy, chatLog } from './chat.repository';

export { MAX_CHAT_REPLAY } from './chat.repository';

export function createChatResume(deps: { db: Db; access: Pick<ChatPermissions, 'accessConversation'> }) {
  const { db, access: permissions } = deps;

  return {
    async accessResume(actor: Actor, input: z.output<typeof chatResumeSchema>) {
      const hidden = await blockedBy(db, actor.user.id);
      const results = [];
      for (const { conversationId, afterSeq } of input.conversations) {
        let access: ChatAccess;
        try {
          access = await permissions.accessConversation(actor, conversationId);
        } catch {
          results.push({ conversationId, events: [], reset: true, upToSeq: afterSeq });
          continue;
        }
        // Too much missed, or the events after afterSeq were pruned from the log: reload instead.
        const resumed = await chatLog.resume(db, conversationId, afterSeq, access.conversation.seq);
        const events = resumed.events
          .map((r) => ({ event: r.event as ChatEventName, payload: r.payload as Logged['payload'] }))
          .filter((e) => !hidden.has(e.payload.message.author.id));
        results.push({ conversationId, events, reset: resumed.reset, upToSeq: resumed.upToSeq });
      }
      return { conversations: results };
    },
  };
}
