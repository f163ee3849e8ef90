import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Message } from '../../../shared/api/chat.routes';
import type { ChatEventName } from '../../../shared/protocol/chat';
import type { Db } from '../../core/db/database';
import { blocks, conversationEvents, conversationParticipants, conversations, messages, spaceMembers, spaces, users } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import type { FollowUps } from '../../core/jobs/jobs';
import { toldNobody, type MemberTellSql, type Told } from '../../core/replay-log/member-log';
import { defineReplayLog } from '../../core/replay-log/replay-log';
import { isoOf } from '../../core/db/sql';
import { authorOf, type UserRow } from '../accounts/accounts.dto';
import { reactionsOf } from '../spaces/reactions';

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;

type Reactions = Message['reactions'];

export function toMessage(row: MessageRow, author: UserRow, reactionMap: Map<string, Reactions>): Message {
  const deleted = row.deletedAt !== null;
  const hidden = row.hiddenAt !== null;
  const gone = deleted || hidden;
  return {
    id: row.id,
    conversationId: row.conversationId,
    clientId: row.clientId,
    seq: row.seq,
    parentId: row.parentId,
    replyCount: row.replyCount,
    author: authorOf(author),
    bodyMarkdown: gone ? '' : row.bodyMarkdown,
    bodyHtml: gone ? '' : row.bodyHtml,
    mentions: gone ? [] : row.mentions,
    reactions: gone ? {} : (reactionMap.get(row.id) ?? {}),
    createdAt: row.createdAt.toISOString(),
    editedAt: row.editedAt?.toISOString() ?? null,
    deleted,
    hidden,
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

/** A client that missed more than this many events of a conversation reloads it instead. */
export const MAX_CHAT_REPLAY = 500;

/** Each conversation's log: numbered by the conversation row's `seq` (server/core/replay-log). */
export const chatLog = defineReplayLog({
  noun: 'conversation',
  head: { table: conversations, key: conversations.id, seq: conversations.seq },
  events: { table: conversationEvents, key: conversationEvents.conversationId },
  maxReplay: MAX_CHAT_REPLAY,
});

/**
 * Appends an event to the conversation's log inside the caller's transaction (numbered 1, 2, 3…
 * in commit order). `build` gets the seq before the payload is written; `touch` moves the
 * conversation's last message time in the same statement.
 */
export async function appendChatEvent(
  tx: Db,
  conversationId: string,
  event: ChatEventName,
  build: (seq: number) => Promise<Message> | Message,
  touch = false,
): Promise<{ event: ChatEventName; payload: { conversationId: string; seq: number; message: Message } }> {
  const { payload } = await chatLog.append(tx, conversationId, event, async (seq) => ({ conversationId, seq, message: await build(seq) }), {
    set: touch ? { lastMessageAt: new Date() } : undefined,
  });
  return { event, payload };
}

/** Who blocked this member (their sockets are left out of what the member sends). */
export async function blockersOf(db: Db, userId: string): Promise<string[]> {
  const rows = await sendQueriesOf(db).blockers.execute({ userId });
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

/**
 * Sends a message (not a thread reply) and logs its `chat:message-created` event in one statement:
 * the conversation's seq is bumped under its row lock, the message inserted with it and the event
 * written with the message's database-assigned `createdAt` — one round trip, atomic without
 * BEGIN/COMMIT (as posts, decision 008). A repeated (author, clientId) fails the whole statement on
 * the unique index, so no seq is used up. The caller has checked that the author may send.
 */
export async function insertMessageLogged(
  db: Db,
  values: { id: string; conversationId: string; authorId: string; clientId: string; bodyMarkdown: string; bodyHtml: string; mentions: string[] },
  message: Omit<Message, 'createdAt' | 'seq'>,
  /** Jobs that must follow the message (durable subscribers of `content.written`): written by the same statement, only if the message is. */
  followUps?: FollowUps,
  /** The mentioned members' own logs (`memberLog.tellSql`): written by the same statement, only if the message is. */
  mentions?: (onlyIf: SQL) => MemberTellSql,
): Promise<{ event: ChatEventName; payload: { conversationId: string; seq: number; message: Message }; told: Told }> {
  const { id, conversationId } = values;
  const told = mentions?.(sql`exists (select 1 from m)`);
  const result = (await db.execute(sql`
    with c as (
      update ${conversations} set seq = seq + 1, last_message_at = now() where id = ${conversationId} returning seq
    ), m as (
      insert into ${messages} (id, conversation_id, seq, author_id, client_id, body_markdown, body_html, mentions)
      select ${id}::uuid, ${conversationId}::uuid, c.seq, ${values.authorId}::uuid, ${values.clientId}, ${values.bodyMarkdown}, ${values.bodyHtml},
             ${sql.param(values.mentions, messages.mentions)}::text[]
        from c
      returning created_at
    ), e as (
      insert into ${conversationEvents} (conversation_id, seq, event, payload)
      select ${conversationId}::uuid, c.seq, 'chat:message-created',
             jsonb_build_object('conversationId', ${conversationId}::text, 'seq', c.seq,
               'message', ${JSON.stringify(message)}::jsonb || jsonb_build_object('seq', c.seq, 'createdAt', ${isoOf(sql`m.created_at`)}))
        from c, m
    )${followUps ? sql`, j as (${followUps(sql`exists (select 1 from m)`)})` : sql``}${told ? sql`, ${told.ctes}` : sql``}
    select c.seq, ${isoOf(sql`m.created_at`)} as created_at,
           ${told?.told ?? toldNobody} as told
      from c, m`)) as unknown as { rows: { seq: number; created_at: string; told: Told }[] };
  const row = result.rows[0];
  if (!row) throw AppError.notFound('No such conversation');
  const seq = Number(row.seq);
  return { event: 'chat:message-created', payload: { conversationId, seq, message: { ...message, seq, createdAt: row.created_at } }, told: row.told };
}

/** The hot reads of sending a message, as prepared statements (Drizzle builds their SQL once per database). */
function prepareSendQueries(db: Db) {
  return {
    sentBefore: db
      .select({ id: messages.id, conversationId: messages.conversationId })
      .from(messages)
      .where(and(eq(messages.authorId, sql.placeholder('authorId')), eq(messages.clientId, sql.placeholder('clientId'))))
      .prepare('hearth_chat_sent_before'),
    conversation: db.select().from(conversations).where(eq(conversations.id, sql.placeholder('id'))).prepare('hearth_chat_conversation'),
    blockers: db.select({ id: blocks.blockerId }).from(blocks).where(eq(blocks.blockedId, sql.placeholder('userId'))).prepare('hearth_chat_blockers'),
    /**
     * Everything a send needs to know before it writes, in one round trip (decision 009): the
     * conversation; for a space's chat, the space and the author's membership; for a direct
     * conversation, its participants; an earlier message of the author with this client id; and
     * who blocked the author (their screens are left out, and they refuse direct messages).
     */
    context: db
      .select({
        conversation: conversations,
        space: spaces,
        membership: spaceMembers,
        earlier: sql<[string, string] | null>`(select json_build_array(m.id, m.conversation_id) from ${messages} m
          where m.author_id = ${sql.placeholder('userId')} and m.client_id = ${sql.placeholder('clientId')})`,
        blockers: sql<string[]>`(select coalesce(array_agg(b.blocker_id::text), '{}') from ${blocks} b where b.blocked_id = ${sql.placeholder('userId')})`,
        participants: sql<string[] | null>`case when ${conversations.kind} = 'direct' then
          (select array_agg(p.user_id::text) from ${conversationParticipants} p where p.conversation_id = ${conversations.id}) end`,
      })
      .from(conversations)
      .leftJoin(spaces, eq(spaces.id, conversations.spaceId))
      .leftJoin(spaceMembers, and(eq(spaceMembers.spaceId, conversations.spaceId), eq(spaceMembers.userId, sql.placeholder('userId'))))
      .where(eq(conversations.id, sql.placeholder('conversationId')))
      .prepare('hearth_chat_send_context'),
  };
}

const sendQueries = new WeakMap<Db, ReturnType<typeof prepareSendQueries>>();

export function sendQueriesOf(db: Db): ReturnType<typeof prepareSendQueries> {
  let queries = sendQueries.get(db);
  if (!queries) sendQueries.set(db, (queries = prepareSendQueries(db)));
  return queries;
}
