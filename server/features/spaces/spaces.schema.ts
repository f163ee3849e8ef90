import { sql } from 'drizzle-orm';
import { boolean, customType, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { bytea, inviteLinkColumns, users } from '../accounts/accounts.schema';

// Millisecond precision, so a keyset cursor built from a JS Date names exactly one row.
const timestampMs = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const spaces = pgTable(
  'spaces',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slug: text('slug').notNull().unique(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    aboutMarkdown: text('about_markdown').notNull().default(''),
    color: text('color').notNull().default('#c2410c'),
    visibility: text('visibility', { enum: ['public', 'private', 'secret'] }).notNull().default('public'),
    joinPolicy: text('join_policy', { enum: ['open', 'request', 'invite'] }).notNull().default('open'),
    archivedAt: timestampMs('archived_at'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
    /** The last sequence number of this space's event log; incremented under the row lock. */
    seq: integer('seq').notNull().default(0),
    /** 0 without an uploaded avatar; bumped on each upload so its URL changes with it. */
    avatarVersion: integer('avatar_version').notNull().default(0),
    /** The welcome bot's greeting in the space's chat (empty: a short default). */
    welcomeMarkdown: text('welcome_markdown').notNull().default(''),
    welcomeBot: boolean('welcome_bot').notNull().default(true),
    /**
     * The creator asked not to be a host (`creatorIsHost: false`): they stay host until one of the
     * hosts they named accepts, then step down to member (docs/permissions.md, "Hosts accept first").
     */
    creatorStepsDown: boolean('creator_steps_down').notNull().default(false),
  },
  (t) => [index('spaces_name_idx').on(t.name)],
);

/** A space's uploaded avatar, in the database so that every node can serve it. */
export const spaceAvatars = pgTable('space_avatars', {
  spaceId: uuid('space_id')
    .primaryKey()
    .references(() => spaces.id, { onDelete: 'cascade' }),
  contentType: text('content_type').notNull(),
  data: bytea('data').notNull(),
  updatedAt: timestampMs('updated_at').notNull().defaultNow(),
});

/** Invitation links to a space, made by its hosts: whoever follows one (signed in) joins it. */
export const spaceInvites = pgTable(
  'space_invites',
  {
    ...inviteLinkColumns(),
    spaceId: uuid('space_id')
      .notNull()
      .references(() => spaces.id, { onDelete: 'cascade' }),
  },
  (t) => [index('space_invites_space_idx').on(t.spaceId, t.createdAt)],
);

export const spaceMembers = pgTable(
  'space_members',
  {
    spaceId: uuid('space_id')
      .notNull()
      .references(() => spaces.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['host', 'moderator', 'member'] }).notNull().default('member'),
    status: text('status', { enum: ['active', 'requested', 'invited'] }).notNull().default('active'),
    joinedAt: timestampMs('joined_at').notNull().defaultNow(),
    lastReadSeq: integer('last_read_seq').notNull().default(0),
    /** Muted by the moderators until then: may read, may not post, comment or chat in the space. */
    mutedUntil: timestampMs('muted_until'),
  },
  (t) => [primaryKey({ columns: [t.spaceId, t.userId] }), index('space_members_user_idx').on(t.userId, t.status)],
);

export const posts = pgTable(
  'posts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    spaceId: uuid('space_id')
      .notNull()
      .references(() => spaces.id, { onDelete: 'cascade' }),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id),
    bodyMarkdown: text('body_markdown').notNull(),
    bodyHtml: text('body_html').notNull(),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    mentions: text('mentions').array().notNull().default(sql`'{}'::text[]`),
    commentCount: integer('comment_count').notNull().default(0),
    /** The seq of the event that created it: unread = posts with a seq above my last read seq. */
    seq: integer('seq').notNull(),
    pinnedAt: timestampMs('pinned_at'),
    editedAt: timestampMs('edited_at'),
    deletedAt: timestampMs('deleted_at'),
    /** Hidden by the moderators (reversible): shown as a placeholder to everyone. */
    hiddenAt: timestampMs('hidden_at'),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
    search: tsvector('search').generatedAlwaysAs(sql`to_tsvector('simple', body_markdown)`),
  },
  (t) => [
    // Ascending, scanned backwards: exactly ORDER BY created_at DESC, id DESC (NULLS FIRST, the default).
    index('posts_space_stream_idx').on(t.spaceId, t.createdAt, t.id),
    // Pinned posts of a space: a handful of rows, found without touching the rest.
    index('posts_pinned_idx').on(t.spaceId, t.pinnedAt).where(sql`${t.pinnedAt} is not null and ${t.deletedAt} is null`),
    index('posts_search_idx').using('gin', t.search),
  ],
);

/** Earlier versions of edited posts; moderators can read them. */
export const postEdits = pgTable(
  'post_edits',
  {
    id: serial('id').primaryKey(),
    postId: uuid('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    bodyMarkdown: text('body_markdown').notNull(),
    editedAt: timestampMs('edited_at').notNull().defaultNow(),
    editedBy: uuid('edited_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [index('post_edits_post_idx').on(t.postId)],
);

export const comments = pgTable(
  'comments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    postId: uuid('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    spaceId: uuid('space_id')
      .notNull()
      .references(() => spaces.id, { onDelete: 'cascade' }),
    parentId: uuid('parent_id'),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id),
    bodyMarkdown: text('body_markdown').notNull(),
    bodyHtml: text('body_html').notNull(),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
    editedAt: timestampMs('edited_at'),
    deletedAt: timestampMs('deleted_at'),
    /** Hidden by the moderators (reversible): shown as a placeholder to everyone. */
    hiddenAt: timestampMs('hidden_at'),
    search: tsvector('search').generatedAlwaysAs(sql`to_tsvector('simple', body_markdown)`),
  },
  (t) => [index('comments_post_idx').on(t.postId, t.createdAt), index('comments_search_idx').using('gin', t.search)],
);

/** One row per (post or comment, member, emoji): a toggle. */
export const reactions = pgTable(
  'reactions',
  {
    targetId: uuid('target_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    emoji: text('emoji').notNull(),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.targetId, t.userId, t.emoji] })],
);

/**
 * Every change broadcast to a space, in order: what a reconnecting client replays from.
 * (space_id, seq) has no gaps because seq comes from the space row, updated in the same transaction.
 */
export const spaceEvents = pgTable(
  'space_events',
  {
    spaceId: uuid('space_id')
      .notNull()
      .references(() => spaces.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    event: text('event').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.spaceId, t.seq] })],
);
