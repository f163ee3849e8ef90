// Replay after a reconnect: the logged events of each conversation after the seq the client has,
// or "reset" when it must reload (docs/ARCHITECTURE.md, "Chat": "Seq and resume").
import type { z } from 'zod';
import type { ChatEventName, chatResumeSchema } from '../../../shared/protocol/chat';
import { oneAtATime } from '../../core/auth/rate-limit';
import type { Db } from '../../core/db/database';
import type { Actor } from '../accounts/actor';
import type { ChatAccess, ChatPermissions } from './chat.access';
import type { Logged } from './chat.log';
import { blockedBy, chatLog } from './chat.repository';

export { MAX_CHAT_REPLAY } from './chat.repository';

export function createChatResume(deps: { db: Db; access: Pick<ChatPermissions, 'accessConversation'>; resumeEvents: number }) {
  const { db, access: permissions } = deps;
  // One resume per member at a time on this node, as stream:resume (issue #12).
  const resumeTurn = oneAtATime({ waiting: 2, message: 'A resume is already running for you; try again in a moment' });

  return {
    /**
     * A conversation named twice is answered once, after the smallest seq asked; past the
     * command's budget of events the rest are told to reset (reload over REST).
     */
    async accessResume(actor: Actor, input: z.output<typeof chatResumeSchema>) {
      return resumeTurn(actor.user.id, async () => {
        const asked = new Map<string, number>();
        for (const { conversationId, afterSeq } of input.conversations) asked.set(conversationId, Math.min(afterSeq, asked.get(conversationId) ?? afterSeq));
        const hidden = await blockedBy(db, actor.user.id);
        let budget = deps.resumeEvents;
        const results = [];
        for (const [conversationId, afterSeq] of asked) {
          let access: ChatAccess;
          try {
            access = await permissions.accessConversation(actor, conversationId);
          } catch {
            results.push({ conversationId, events: [], reset: true, upToSeq: afterSeq });
            continue;
          }
          if (access.conversation.seq - afterSeq > budget) {
            results.push({ conversationId, events: [], reset: true, upToSeq: access.conversation.seq });
            continue;
          }
          // Too much missed, or the events after afterSeq were pruned from the log: reload instead.
          const resumed = await chatLog.resume(db, conversationId, afterSeq, access.conversation.seq);
          budget = Math.max(0, budget - resumed.events.length);
          const events = resumed.events
            .map((r) => ({ event: r.event as ChatEventName, payload: r.payload as Logged['payload'] }))
            .filter((e) => !hidden.has(e.payload.message.author.id));
          results.push({ conversationId, events, reset: resumed.reset, upToSeq: resumed.upToSeq });
        }
        return { conversations: results };
      });
    },
  };
}
