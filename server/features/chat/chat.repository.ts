import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Message } from '../../../shared/api/chat.routes';
import type { ChatEventName } from '../../../shared/protocol/chat';
import type { Db } from '../../core/db/database';
import { blocks, conversationEvents, conversations, messages, users } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import type { UserRow } from '../accounts/users.repository';
import { authorOf, reactionsOf } from '../spaces/stream.repository';

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;

type Reactions = Message['reactions'];

export function toMessage(row: MessageRow, author: UserRow, reactionMap: Map<string, Reactions>): Message {
  const deleted = row.deletedAt !== null;
  return {
    id: row.id,
    conversationId: row.conversationId,
    clientId: row.clientId,
    seq: row.seq,
    parentId: row.parentId,
    replyCount: row.replyCount,
    author: authorOf(author),
    bodyMarkdown: deleted ? '' : row.bodyMarkdown,
    bodyHtml: deleted ? '' : row.bodyHtml,
    mentions: deleted ? [] : row.mentions,
    reactions: deleted ? {} : (reactionMap.get(row.id) ?? {}),
    createdAt: row.createdAt.toISOString(),
    editedAt: row.editedAt?.toISOString() ?? null,
    deleted,
  };
}

/** Messages with their authors and reactions, in the order given. */
export async function messagesWithDetails(db: Db, rows: { message: MessageRow; author: UserRow }[]): Promise<Message[]> {
  const reactionMap = await reactionsOf(
    db,
    rows.map((r) => r.message.id),
  );
  return rows.map((r) => toMessage(r.message, r.author, reactionMap));
}

export async function loadMessage(db: Db, messageId: string): Promise<{ row: MessageRow; message: Message } | undefined> {
  const [row] = await db.select({ message: messages, author: users }).from(messages).innerJoin(users, eq(users.id, messages.authorId)).where(eq(messages.id, messageId));
  if (!row) return undefined;
  const [message] = await messagesWithDetails(db, [row]);
  return { row: row.message, message: message! };
}

/** Messages whose author the reader has blocked are hidden from the reader everywhere. */
export const notBlockedBy = (readerId: string): SQL =>
  sql`${messages.authorId} not in (select ${blocks.blockedId} from ${blocks} where ${blocks.blockerId} = ${readerId})`;

export async function selectMessages(db: Db, where: SQL | undefined, order: 'asc' | 'desc', limit: number): Promise<Message[]> {
  const rows = await db
    .select({ message: messages, author: users })
    .from(messages)
    .innerJoin(users, eq(users.id, messages.authorId))
    .where(where)
    .orderBy(order === 'asc' ? asc(messages.seq) : sql`${messages.seq} desc`)
    .limit(limit);
  return messagesWithDetails(db, rows);
}

/**
 * Appends an event to the conversation's log inside the caller's transaction: the conversation
 * row's `seq` is incremented under its row lock, so its events are numbered 1, 2, 3… with no gaps,
 * in commit order. `build` gets the seq before the payload is written.
 */
export async function appendChatEvent(
  tx: Db,
  conversationId: string,
  event: ChatEventName,
  build: (seq: number) => Promise<Message> | Message,
  touch = false,
): Promise<{ event: ChatEventName; payload: { conversationId: string; seq: number; message: Message } }> {
  const [row] = await tx
    .update(conversations)
    .set({ seq: sql`${conversations.seq} + 1`, ...(touch ? { lastMessageAt: new Date() } : {}) })
    .where(eq(conversations.id, conversationId))
    .returning({ seq: conversations.seq });
  if (!row) throw AppError.notFound('No such conversation');
  const payload = { conversationId, seq: row.seq, message: await build(row.seq) };
  await tx.insert(conversationEvents).values({ conversationId, seq: row.seq, event, payload });
  return { event, payload };
}

export async function chatEventsAfter(db: Db, conversationId: string, afterSeq: number, limit: number) {
  return db
    .select({ seq: conversationEvents.seq, event: conversationEvents.event, payload: conversationEvents.payload })
    .from(conversationEvents)
    .where(and(eq(conversationEvents.conversationId, conversationId), sql`${conversationEvents.seq} > ${afterSeq}`))
    .orderBy(asc(conversationEvents.seq))
    .limit(limit);
}

/** Who blocked this member (their sockets are left out of what the member sends). */
export async function blockersOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db.select({ id: blocks.blockerId }).from(blocks).where(eq(blocks.blockedId, userId));
  return rows.map((r) => r.id);
}

/** Whom this member blocked. */
export async function blockedBy(db: Db, userId: string): Promise<Set<string>> {
  const rows = await db.select({ id: blocks.blockedId }).from(blocks).where(eq(blocks.blockerId, userId));
  return new Set(rows.map((r) => r.id));
}

export async function usersByIds(db: Db, ids: string[]): Promise<Map<string, UserRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select().from(users).where(inArray(users.id, [...new Set(ids)]));
  return new Map(rows.map((u) => [u.id, u]));
}
