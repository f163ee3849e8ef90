import { sql } from 'drizzle-orm';
import { customType, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.schema';
import { spaces } from '../spaces/spaces.schema';

const timestampMs = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * A chat: a space's (one per space, made when first needed) or a direct conversation between a
 * set of members. `seq` orders its event log and is bumped under the row lock.
 */
export const conversations = pgTable('conversations', {
  id: uuid('id').primaryKey().defaultRandom(),
  kind: text('kind', { enum: ['space', 'direct'] }).notNull(),
  spaceId: uuid('space_id')
    .unique()
    .references(() => spaces.id, { onDelete: 'cascade' }),
  /** Direct conversations: the sorted participant ids, so the same people always get the same one. */
  participantKey: text('participant_key').unique(),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: timestampMs('created_at').notNull().defaultNow(),
  seq: integer('seq').notNull().default(0),
  lastMessageAt: timestampMs('last_message_at'),
});

/** Who is in a direct conversation (space chats follow the space's membership). */
export const conversationParticipants = pgTable(
  'conversation_participants',
  {
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    joinedAt: timestampMs('joined_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.userId] }), index('conversation_participants_user_idx').on(t.userId)],
);

/** A member's read marker in a conversation: the last seq they have seen. */
export const conversationReads = pgTable(
  'conversation_reads',
  {
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    lastReadSeq: integer('last_read_seq').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.userId] })],
);

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** The seq of the event that created it: its place in the conversation. */
    seq: integer('seq').notNull(),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The sender's id for it: a retried send finds the first one by (author, client id). */
    clientId: text('client_id').notNull(),
    parentId: uuid('parent_id'),
    replyCount: integer('reply_count').notNull().default(0),
    bodyMarkdown: text('body_markdown').notNull(),
    bodyHtml: text('body_html').notNull(),
    mentions: text('mentions').array().notNull().default(sql`'{}'::text[]`),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
    editedAt: timestampMs('edited_at'),
    deletedAt: timestampMs('deleted_at'),
    /** Hidden by the moderators (reversible): shown as a placeholder to everyone. */
    hiddenAt: timestampMs('hidden_at'),
    search: tsvector('search').generatedAlwaysAs(sql`to_tsvector('simple', body_markdown)`),
  },
  (t) => [
    uniqueIndex('messages_conversation_seq_idx').on(t.conversationId, t.seq),
    uniqueIndex('messages_author_client_idx').on(t.authorId, t.clientId),
    index('messages_thread_idx').on(t.parentId, t.seq).where(sql`${t.parentId} is not null`),
    index('messages_search_idx').using('gin', t.search),
  ],
);

/** Earlier versions of edited messages. */
export const messageEdits = pgTable(
  'message_edits',
  {
    id: serial('id').primaryKey(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    bodyMarkdown: text('body_markdown').notNull(),
    editedAt: timestampMs('edited_at').notNull().defaultNow(),
  },
  (t) => [index('message_edits_message_idx').on(t.messageId)],
);

/** Every change broadcast to a conversation, in order: what a reconnecting client replays from. */
export const conversationEvents = pgTable(
  'conversation_events',
  {
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    event: text('event').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.seq] })],
);

/** A member who blocked another: no direct messages from them, and their messages hidden. */
export const blocks = pgTable(
  'blocks',
  {
    blockerId: uuid('blocker_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    blockedId: uuid('blocked_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.blockerId, t.blockedId] }), index('blocks_blocked_idx').on(t.blockedId)],
);
