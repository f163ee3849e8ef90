// Read markers and unread counts: what "unread" means, and moving my marker (every tab of mine
// hears of it; docs/ARCHITECTURE.md, "Chat").
import { and, eq, isNull, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { conversationReads, messages } from '../../core/db/schema';
import type { Work } from '../../core/events/unit-of-work';
import type { MemberLog } from '../../core/replay-log/member-log';
import type { Actor } from '../accounts/actor';
import type { ChatPermissions } from './chat.access';
import { notBlockedBy } from './chat.repository';

/** Messages from others after a read marker that the reader may see: what "unread" counts. */
export const unreadIn = (conversationId: SQL | string, userId: string, lastReadSeq: SQL | number) =>
  and(
    sql`${messages.conversationId} = ${conversationId}`,
    sql`${messages.seq} > ${lastReadSeq}`,
    ne(messages.authorId, userId),
    isNull(messages.deletedAt),
    isNull(messages.hiddenAt),
    notBlockedBy(userId),
  );

export function createChatReads(deps: { db: Db; work: Work; memberLog: MemberLog; access: Pick<ChatPermissions, 'accessConversation'> }) {
  const { db, work, memberLog, access: permissions } = deps;

  /** `on`: the transaction to read in (PGlite has one connection: a read beside an open transaction waits for it). */
  async function unreadOf(conversationId: string, userId: string, lastReadSeq: number, on: Db = db): Promise<number> {
    const [row] = await on
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(messages)
      .where(unreadIn(conversationId, userId, lastReadSeq));
    return row?.n ?? 0;
  }

  return {
    unreadOf,

    async lastReadOf(conversationId: string, userId: string): Promise<number> {
      const [row] = await db
        .select({ seq: conversationReads.lastReadSeq })
        .from(conversationReads)
        .where(and(eq(conversationReads.conversationId, conversationId), eq(conversationReads.userId, userId)));
      return row?.seq ?? 0;
    },

    /** Moves my read marker (never backwards); every tab of mine hears of it, through my own log. */
    async doRead(actor: Actor, conversationId: string, seq: number) {
      const access = await permissions.accessConversation(actor, conversationId);
      const upTo = Math.min(seq, access.conversation.seq);
      return work.transaction(async (uow) => {
        const [marker] = await uow.tx
          .insert(conversationReads)
          .values({ conversationId, userId: actor.user.id, lastReadSeq: upTo })
          .onConflictDoUpdate({
            target: [conversationReads.conversationId, conversationReads.userId],
            set: { lastReadSeq: sql`greatest(${conversationReads.lastReadSeq}, ${upTo})` },
          })
          .returning();
        const lastReadSeq = marker?.lastReadSeq ?? upTo;
        const result = { conversationId, lastReadSeq, unread: await unreadOf(conversationId, actor.user.id, lastReadSeq, uow.tx) };
        await memberLog.tell(uow, actor.user.id, 'chat:read', result);
        return result;
      });
    },
  };
}

export type ChatReads = ReturnType<typeof createChatReads>;
