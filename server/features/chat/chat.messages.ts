// Reading messages: a page of a conversation (or the page around one message), a thread, a
// message's edit history, and where a message is for the moderators (docs/permissions.md, "Chat").
import { and, desc, eq, gt, isNull, lt, lte } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { messageEdits, messages, spaces } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import type { Actor } from '../accounts/actor';
import { canModerate } from '../spaces/spaces.access';
import type { ChatPermissions } from './chat.access';
import { loadMessage, notBlockedBy, selectMessages, sendQueriesOf } from './chat.repository';

export function createChatMessages(deps: { db: Db; access: Pick<ChatPermissions, 'accessConversation' | 'accessMessageIn'> }) {
  const { db, access: permissions } = deps;

  return {
    /** A page of a conversation's messages (not thread replies), oldest first. */
    async accessMessages(actor: Actor, conversationId: string, query: { before?: number; around?: string; limit: number }) {
      const access = await permissions.accessConversation(actor, conversationId);
      const base = and(eq(messages.conversationId, access.conversation.id), isNull(messages.parentId), notBlockedBy(actor.user.id));
      if (query.around) {
        const [target] = await db.select().from(messages).where(and(eq(messages.id, query.around), eq(messages.conversationId, conversationId)));
        if (!target) throw AppError.notFound('No such message in this conversation');
        const anchorSeq = target.parentId
          ? ((await db.select({ seq: messages.seq }).from(messages).where(eq(messages.id, target.parentId)))[0]?.seq ?? target.seq)
          : target.seq;
        const half = Math.ceil(query.limit / 2);
        const [older, newer] = await Promise.all([
          selectMessages(db, and(base, lte(messages.seq, anchorSeq)), 'desc', half + 1),
          selectMessages(db, and(base, gt(messages.seq, anchorSeq)), 'asc', half + 1),
        ]);
        return { items: [...older.slice(0, half).reverse(), ...newer.slice(0, half)], hasOlder: older.length > half, hasNewer: newer.length > half };
      }
      const rows = await selectMessages(db, and(base, query.before ? lt(messages.seq, query.before) : undefined), 'desc', query.limit + 1);
      return { items: rows.slice(0, query.limit).reverse(), hasOlder: rows.length > query.limit, hasNewer: false };
    },

    async accessThread(actor: Actor, messageId: string) {
      const { row, message } = await permissions.accessMessageIn(actor, messageId);
      if (row.parentId) throw AppError.notFound('That message is a reply; open its thread’s first message');
      const replies = await selectMessages(db, and(eq(messages.parentId, row.id), notBlockedBy(actor.user.id)), 'asc', 500);
      return { root: message, replies };
    },

    async accessHistory(actor: Actor, messageId: string) {
      const { row, access } = await permissions.accessMessageIn(actor, messageId);
      if (access.space && !canModerate(access.space) && row.authorId !== actor.user.id) {
        throw new AppError('forbidden', 'Only the space’s hosts and moderators can read edit history');
      }
      const edits = await db.select().from(messageEdits).where(eq(messageEdits.messageId, row.id)).orderBy(desc(messageEdits.editedAt), desc(messageEdits.id));
      return { items: edits.map((e) => ({ bodyMarkdown: e.bodyMarkdown, editedAt: e.editedAt.toISOString() })) };
    },

    /** Trusted: a message with where it is (its space and link), for the moderators' word list. */
    async locateMessage(messageId: string) {
      const found = await loadMessage(db, messageId);
      if (!found) return undefined;
      const [conversation] = await sendQueriesOf(db).conversation.execute({ id: found.row.conversationId });
      if (conversation?.kind === 'space' && conversation.spaceId) {
        const [space] = await db.select({ slug: spaces.slug }).from(spaces).where(eq(spaces.id, conversation.spaceId));
        return { row: found.row, spaceId: conversation.spaceId, link: space ? `/s/${space.slug}/chat?message=${messageId}` : null };
      }
      return { row: found.row, spaceId: null, link: null };
    },

    /** A message the member may read, with where it is (for reports). */
    async accessMessage(actor: Actor, messageId: string) {
      const { row, access } = await permissions.accessMessageIn(actor, messageId);
      const space = access.space?.space;
      return {
        row,
        spaceId: space?.id ?? null,
        link: space ? `/s/${space.slug}/chat?message=${row.id}` : null,
      };
    },
  };
}
