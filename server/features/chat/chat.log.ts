// Every change of a message is an event in its conversation's log, published after its transaction
// commits, so a reconnecting client replays what it missed (docs/ARCHITECTURE.md, "Chat").
import type { Message } from '../../../shared/api/chat.routes';
import type { ChatEventName } from '../../../shared/protocol/chat';
import type { Db } from '../../core/db/database';
import { AppError } from '../../core/errors';
import type { DomainEvents } from '../../core/events/domain-events';
import type { Work } from '../../core/events/unit-of-work';
import type { Realtime } from '../../core/realtime/realtime';
import { audienceOf, userRoom, type ChatAccess } from './chat.access';
import { appendChatEvent, blockersOf, loadMessage, type MessageRow } from './chat.repository';

export type Logged = { event: ChatEventName; payload: { conversationId: string; seq: number; message: Message } };

export async function reloadMessage(tx: Db, messageId: string): Promise<Message> {
  const found = await loadMessage(tx, messageId);
  if (!found) throw AppError.notFound('No such message');
  return found.message;
}

export function createChatLog(deps: { db: Db; realtime: Realtime; work: Work }) {
  const { db, realtime, work } = deps;

  /** Publishes after commit, leaving out the sockets of those who blocked the author. */
  async function publishLogged(access: Pick<ChatAccess, 'conversation' | 'participantIds'>, authorId: string, logged: Logged[], blockers?: string[]): Promise<void> {
    const except = (blockers ?? (await blockersOf(db, authorId))).map(userRoom);
    for (const entry of logged) realtime.publish(audienceOf(access), entry.event, entry.payload, { except });
  }

  return {
    publishLogged,

    /** Logs an update of one message (edit, delete, reaction, reply count) and publishes it after commit. */
    async logUpdate(
      access: Pick<ChatAccess, 'conversation' | 'participantIds'>,
      row: MessageRow,
      change: (tx: Db) => Promise<void>,
      written?: DomainEvents['content.written'],
    ): Promise<Message> {
      const logged = await work.transaction(async ({ tx, emit }) => {
        if (written) emit('content.written', written);
        await change(tx);
        return appendChatEvent(tx, access.conversation.id, 'chat:message-updated', () => reloadMessage(tx, row.id));
      });
      await publishLogged(access, row.authorId, [logged]);
      return logged.payload.message;
    },
  };
}

export type ChatLog = ReturnType<typeof createChatLog>;
