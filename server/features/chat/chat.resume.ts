// Replay after a reconnect: the logged events of each conversation after the seq the client has,
// or "reset" when it must reload (docs/ARCHITECTURE.md, "Chat": "Seq and resume").
import type { z } from 'zod';
import type { ChatEventName, chatResumeSchema } from '../../../shared/protocol/chat';
import type { Db } from '../../core/db/database';
import type { Actor } from '../accounts/actor';
import type { ChatAccess, ChatPermissions } from './chat.access';
import type { Logged } from './chat.log';
import { blockedBy, chatEventsAfter } from './chat.repository';

/** A client that missed more than this many events of a conversation reloads it instead. */
export const MAX_CHAT_REPLAY = 500;

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
        const rows = await chatEventsAfter(db, conversationId, afterSeq, MAX_CHAT_REPLAY + 1);
        // Too much missed, or the events after afterSeq were pruned from the log: reload instead.
        const firstSeq = rows[0]?.seq ?? access.conversation.seq + 1;
        const reset = rows.length > MAX_CHAT_REPLAY || (access.conversation.seq > afterSeq && firstSeq !== afterSeq + 1);
        const events = reset
          ? []
          : rows
              .map((r) => ({ event: r.event as ChatEventName, payload: r.payload as Logged['payload'] }))
              .filter((e) => !hidden.has(e.payload.message.author.id));
        results.push({ conversationId, events, reset, upToSeq: reset ? access.conversation.seq : (rows.at(-1)?.seq ?? afterSeq) });
      }
      return { conversations: results };
    },
  };
}
