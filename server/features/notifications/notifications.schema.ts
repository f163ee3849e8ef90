import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.schema';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/**
 * A member's notifications (decision 020). One row per group while it is unread: a second reaction
 * to the same post updates the open row ("Ann and 3 others reacted") instead of adding one. The
 * row keeps references and small facts, never the content's text: what the member sees is built
 * when they read it, through the content's own access check, so a post they may no longer read
 * shows as gone.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** A registered kind ('mention', 'reply', 'reaction', 'join-request', 'event.reminder'…). */
    kind: text('kind').notNull(),
    /** Rows with the same key group while unread, e.g. 'reaction:post:<id>'. */
    groupKey: text('group_key').notNull(),
    /** The space it happened in, when any (muting and access follow it). */
    spaceId: uuid('space_id'),
    /** What it is about, in the content registry's words ('post', 'comment', 'message', 'space'…). */
    subjectKind: text('subject_kind'),
    subjectId: uuid('subject_id'),
    /** Who did it, latest first (at most a few kept); the count says how many in all. */
    actorIds: uuid('actor_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    actorCount: integer('actor_count').notNull().default(1),
    /** Small kind-specific facts (ids, a role, a version), never content text. */
    data: jsonb('data').notNull().default({}),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    readAt: timestamptz('read_at'),
    /** Immediate email: 'none' (not wanted), 'due' (sent unless read in time), 'sent', 'skipped'. */
    emailState: text('email_state', { enum: ['none', 'due', 'sent', 'skipped'] })
      .notNull()
      .default('none'),
    /** Taken into a digest (so the next one leaves it out). */
    digestedAt: timestamptz('digested_at'),
  },
  (t) => [
    uniqueIndex('notifications_open_group_idx').on(t.userId, t.groupKey).where(sql`${t.readAt} is null`),
    index('notifications_recent_idx').on(t.userId, t.updatedAt.desc(), t.id.desc()),
    index('notifications_unread_idx').on(t.userId).where(sql`${t.readAt} is null`),
    index('notifications_subject_idx').on(t.subjectKind, t.subjectId),
    // The minutely immediate-mail run looks only at due rows (decision 022).
    index('notifications_email_due_idx').on(t.createdAt).where(sql`${t.emailState} = 'due'`),
  ],
);

/**
 * How much a member hears of a space, a thread or a conversation: 'all' (every new post, every
 * comment of a thread I follow), 'mentions' (only mentions and replies to me), 'muted' (nothing);
 * `mutedUntil` ends a mute for a while (an hour, a day, a week) — null with 'muted' is until I unmute.
 * No row: the default (the space's, the admins' default for new members).
 */
export const notificationLevels = pgTable(
  'notification_levels',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    targetKind: text('target_kind', { enum: ['space', 'thread', 'conversation'] }).notNull(),
    targetId: uuid('target_id').notNull(),
    level: text('level', { enum: ['all', 'mentions', 'muted'] }).notNull(),
    mutedUntil: timestamptz('muted_until'),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.targetKind, t.targetId] }), index('notification_levels_target_idx').on(t.targetKind, t.targetId, t.level)],
);

/** A browser a member allowed to receive web push (one row per device and browser). */
export const pushSubscriptions = pgTable(
  'push_subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    endpoint: text('endpoint').notNull(),
    p256dh: text('p256dh').notNull(),
    auth: text('auth').notNull(),
    /** The member's own name for the device ("Phone"), or the browser's description. */
    label: text('label').notNull().default(''),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    lastSuccessAt: timestamptz('last_success_at'),
    failures: integer('failures').notNull().default(0),
  },
  (t) => [uniqueIndex('push_subscriptions_endpoint_idx').on(t.endpoint), index('push_subscriptions_user_idx').on(t.userId)],
);

/**
 * Which version of a notification (its `updated_at`) went to which device: a push job that runs
 * again (its lease ran out mid-run, its node died) sends nothing twice; a group that grew ("Ann
 * and 3 others") is a newer version and is pushed again.
 */
export const pushSends = pgTable(
  'push_sends',
  {
    notificationId: uuid('notification_id')
      .notNull()
      .references(() => notifications.id, { onDelete: 'cascade' }),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => pushSubscriptions.id, { onDelete: 'cascade' }),
    version: timestamptz('version').notNull(),
  },
  (t) => [primaryKey({ columns: [t.notificationId, t.subscriptionId] }), index('push_sends_subscription_idx').on(t.subscriptionId)],
);

/**
 * Single-use links sent by email: a password reset, an address to verify. Only the SHA-256 of the
 * token is kept, so a copy of the database opens no account.
 */
export const accountTokens = pgTable(
  'account_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: ['password-reset', 'verify-email'] }).notNull(),
    tokenHash: text('token_hash').notNull(),
    /** The address it was sent to (verification is of that address, not whatever the account has now). */
    email: text('email').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    expiresAt: timestamptz('expires_at').notNull(),
    usedAt: timestamptz('used_at'),
  },
  (t) => [uniqueIndex('account_tokens_hash_idx').on(t.tokenHash), index('account_tokens_user_idx').on(t.userId, t.purpose)],
);

/** When each member last got a digest, so the next one starts there. */
export const notificationDigests = pgTable('notification_digests', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  lastSentAt: timestamptz('last_sent_at').notNull(),
});
