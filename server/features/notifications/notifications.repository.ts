// The notification rows: one statement makes a notification for every member it concerns and
// logs it in each one's own log (decision 020), so 5,000 followers cost one round trip.
import { and, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { olderThan, type Cursor } from '../../core/db/keyset';
import { accountTokens, blocks, comments, conversationParticipants, conversationReads, conversations, messages, notificationDigests, notificationLevels, notifications, posts, pushSubscriptions, spaceMembers, spaces, users } from '../../core/db/schema';
import type { MemberLog, ToldEach } from '../../core/replay-log/member-log';
import type { NotificationLevel, NotificationTargetKind } from '../../../shared/protocol/notifications';

export type NotificationRow = typeof notifications.$inferSelect;

/** Who did it is kept for the latest this many distinct actors; the count goes on beyond. */
export const KEPT_ACTORS = 20;

export interface NewNotification {
  kind: string;
  /** Whom it may concern; the actor, anyone who blocked them, inactive accounts and bots are left out. */
  userIds: string[];
  actorId: string | null;
  groupKey: string;
  spaceId?: string | null;
  subject?: { kind: string; id: string } | null;
  /** The thread (a post) and conversation it happens in: their mutes silence it. */
  threadId?: string | null;
  conversationId?: string | null;
  data?: Record<string, unknown>;
  /** Muting a space, thread or conversation silences it (false for notices about one's own account). */
  mutable: boolean;
  /** SQL over `u.id`: whether the member has this kind's in-app channel on (notification-preferences.ts). */
  appOn: SQL;
  /** Only members who may read the space (its content is what the notification is about). */
  readersOnly?: boolean;
}

/** A level row that is in force: set, and not a timed mute that ran out. */
const inForce = sql`(${notificationLevels.mutedUntil} is null or ${notificationLevels.mutedUntil} > now())`;

function mutedBy(kind: NotificationTargetKind, id: string | null | undefined): SQL {
  if (!id) return sql`false`;
  return sql`exists (select 1 from ${notificationLevels} where ${notificationLevels.userId} = u.id and ${notificationLevels.targetKind} = ${kind}
    and ${notificationLevels.targetId} = ${id}::uuid and ${notificationLevels.level} = 'muted' and ${inForce})`;
}

export function createNotificationsRepository(deps: { db: Db; memberLog: MemberLog }) {
  const { db, memberLog } = deps;

  return {
    /**
     * Makes (or, while unread, grows) the notification of each member concerned and logs
     * `notification:changed` for each; returns what to publish.
     */
    async insert(input: NewNotification): Promise<ToldEach<'notification:changed'>> {
      const userIds = [...new Set(input.userIds)].filter((id) => id !== input.actorId);
      if (userIds.length === 0) return [];
      const actor = input.actorId ? sql`${input.actorId}::uuid` : sql`null::uuid`;
      const muted = input.mutable
        ? sql`(${mutedBy('space', input.spaceId)} or ${mutedBy('thread', input.threadId)} or ${mutedBy('conversation', input.conversationId)})`
        : sql`false`;
      const reader =
        input.readersOnly && input.spaceId
          ? sql`(u.role = 'admin' or exists (select 1 from ${spaces} s where s.id = ${input.spaceId}::uuid and s.visibility = 'public')
              or exists (select 1 from ${spaceMembers} sm where sm.space_id = ${input.spaceId}::uuid and sm.user_id = u.id and sm.status = 'active'))`
          : sql`true`;
      const blocked = input.actorId
        ? sql`exists (select 1 from ${blocks} where ${blocks.blockerId} = u.id and ${blocks.blockedId} = ${actor})`
        : sql`false`;
      const told = memberLog.tellEachSql(
        'notification:changed',
        sql`select n.user_id, jsonb_build_object('notificationId', n.id, 'kind', ${input.kind}::text, 'created', n.created,
            'unread', coalesce((select count(*) from ${notifications} o where o.user_id = n.user_id and o.read_at is null), 0)::int + (case when n.created then 1 else 0 end)) as payload
          from notified n`,
      );
      const statement = sql`with recipients as (
          select u.id from ${users} u
          where u.id in (select jsonb_array_elements_text(${JSON.stringify(userIds)}::jsonb)::uuid)
            and u.status = 'active' and not u.is_bot
            and not ${blocked} and not ${muted} and ${reader}
            and ${input.appOn}
        ), notified as (
          insert into ${notifications} as existing (user_id, kind, group_key, space_id, subject_kind, subject_id, actor_ids, actor_count, data)
          select r.id, ${input.kind}, ${input.groupKey}, ${input.spaceId ?? null}::uuid, ${input.subject?.kind ?? null}, ${input.subject?.id ?? null}::uuid,
            case when ${actor} is null then '{}'::uuid[] else array[${actor}] end, case when ${actor} is null then 0 else 1 end,
            ${JSON.stringify(input.data ?? {})}::jsonb
          from recipients r
          on conflict (user_id, group_key) where read_at is null do update set
            actor_ids = case when ${actor} is null then existing.actor_ids
              else (array[${actor}] || array_remove(existing.actor_ids, ${actor}))[1:${KEPT_ACTORS}] end,
            actor_count = existing.actor_count + case when ${actor} is null or ${actor} = any(existing.actor_ids) then 0 else 1 end,
            subject_kind = excluded.subject_kind, subject_id = excluded.subject_id, data = excluded.data, updated_at = now()
          returning existing.id, existing.user_id, (xmax = 0) as created
        ), ${told.ctes}
        select ${told.told} as told`;
      const result = await db.execute(statement);
      const row = (result as unknown as { rows: { told: unknown }[] }).rows[0];
      const value = row?.told;
      return (typeof value === 'string' ? JSON.parse(value) : (value ?? [])) as ToldEach<'notification:changed'>;
    },

    async page(userId: string, options: { before?: Cursor; unreadOnly: boolean; limit: number; kinds: string[] }): Promise<NotificationRow[]> {
      const where = [eq(notifications.userId, userId), inArray(notifications.kind, options.kinds)];
      if (options.unreadOnly) where.push(isNull(notifications.readAt));
      if (options.before) where.push(olderThan(notifications.updatedAt, notifications.id, options.before));
      return db
        .select()
        .from(notifications)
        .where(and(...where))
        .orderBy(desc(notifications.updatedAt), desc(notifications.id))
        .limit(options.limit);
    },

    async one(userId: string, id: string): Promise<NotificationRow | undefined> {
      const [row] = await db.select().from(notifications).where(and(eq(notifications.userId, userId), eq(notifications.id, id)));
      return row;
    },

    /** `on`: the transaction when counting inside one (PGlite has one connection). */
    async unreadCount(userId: string, kinds: string[], on: Db = db): Promise<number> {
      const [row] = await on
        .select({ count: sql<number>`count(*)::int` })
        .from(notifications)
        .where(and(eq(notifications.userId, userId), isNull(notifications.readAt), inArray(notifications.kind, kinds)));
      return row?.count ?? 0;
    },

    /**
     * Marks read (these ids, or all unread) and logs `notification:read` in the member's log, in
     * one transaction; returns the ids that changed (none: nothing to tell).
     */
    async markRead(tx: Db, userId: string, ids: string[] | null): Promise<string[]> {
      const where = [eq(notifications.userId, userId), isNull(notifications.readAt)];
      if (ids) where.push(inArray(notifications.id, ids));
      const rows = await tx.update(notifications).set({ readAt: new Date() }).where(and(...where)).returning({ id: notifications.id });
      return rows.map((row) => row.id);
    },

    async level(userId: string, targetKind: NotificationTargetKind, targetId: string) {
      const [row] = await db
        .select()
        .from(notificationLevels)
        .where(and(eq(notificationLevels.userId, userId), eq(notificationLevels.targetKind, targetKind), eq(notificationLevels.targetId, targetId)));
      return row;
    },

    async setLevel(userId: string, targetKind: NotificationTargetKind, targetId: string, level: NotificationLevel, mutedUntil: Date | null) {
      const [row] = await db
        .insert(notificationLevels)
        .values({ userId, targetKind, targetId, level, mutedUntil })
        .onConflictDoUpdate({
          target: [notificationLevels.userId, notificationLevels.targetKind, notificationLevels.targetId],
          set: { level, mutedUntil, updatedAt: new Date() },
        })
        .returning();
      return row!;
    },

    async resetLevel(userId: string, targetKind: NotificationTargetKind, targetId: string) {
      await db
        .delete(notificationLevels)
        .where(and(eq(notificationLevels.userId, userId), eq(notificationLevels.targetKind, targetKind), eq(notificationLevels.targetId, targetId)));
    },

    /** Members of a space who follow it at 'all' (their own choice in force, else the space's default). */
    async followersOfSpace(spaceId: string, spaceDefault: NotificationLevel): Promise<string[]> {
      const result = await db.execute(sql`select m.user_id from ${spaceMembers} m
        left join ${notificationLevels} l on l.user_id = m.user_id and l.target_kind = 'space' and l.target_id = m.space_id
          and (l.muted_until is null or l.muted_until > now())
        where m.space_id = ${spaceId}::uuid and m.status = 'active' and coalesce(l.level, ${spaceDefault}) = 'all'`);
      return (result as unknown as { rows: { user_id: string }[] }).rows.map((row) => row.user_id);
    },

    /** Where a post or comment is: its post (the thread), space and the post's author. */
    async threadOf(kind: string, id: string): Promise<{ postId: string; spaceId: string; postAuthorId: string } | undefined> {
      if (kind === 'post') {
        const [row] = await db.select({ postId: posts.id, spaceId: posts.spaceId, postAuthorId: posts.authorId }).from(posts).where(eq(posts.id, id));
        return row;
      }
      if (kind === 'comment') {
        const [row] = await db
          .select({ postId: posts.id, spaceId: posts.spaceId, postAuthorId: posts.authorId })
          .from(comments)
          .innerJoin(posts, eq(posts.id, comments.postId))
          .where(eq(comments.id, id));
        return row;
      }
      return undefined;
    },

    /** Active members by handle (lower-cased). */
    async usersByHandle(handles: string[]): Promise<string[]> {
      if (handles.length === 0) return [];
      const rows = await db.select({ id: users.id }).from(users).where(and(inArray(users.handle, handles), eq(users.status, 'active')));
      return rows.map((row) => row.id);
    },

    /** Who comments follows the thread, unless they chose otherwise before. */
    async followOnComment(userId: string, postId: string): Promise<void> {
      await db.insert(notificationLevels).values({ userId, targetKind: 'thread', targetId: postId, level: 'all', mutedUntil: null }).onConflictDoNothing();
    },

    /** An erased member's notifications, levels, devices and links go (their account row stays, anonymised). */
    async forget(userId: string): Promise<void> {
      await db.transaction(async (txRaw) => {
        const tx = txRaw as unknown as Db;
        for (const table of [notifications, notificationLevels, pushSubscriptions, accountTokens, notificationDigests]) await tx.delete(table).where(eq(table.userId, userId));
      });
    },

    /** A chat message's conversation: its kind, its space (a space's chat) and the message's place in it. */
    async messageOf(id: string): Promise<{ conversationId: string; conversationKind: 'space' | 'direct'; spaceId: string | null; seq: number; authorId: string; gone: boolean } | undefined> {
      const [row] = await db
        .select({
          conversationId: messages.conversationId,
          conversationKind: conversations.kind,
          spaceId: conversations.spaceId,
          seq: messages.seq,
          authorId: messages.authorId,
          gone: sql<boolean>`(${messages.deletedAt} is not null or ${messages.hiddenAt} is not null)`,
        })
        .from(messages)
        .innerJoin(conversations, eq(conversations.id, messages.conversationId))
        .where(eq(messages.id, id));
      return row;
    },

    /** The participants (not the author) whose read marker is still before the message. */
    async unreadBy(conversationId: string, seq: number, authorId: string): Promise<string[]> {
      const result = await db.execute(sql`select p.user_id from ${conversationParticipants} p
        left join ${conversationReads} r on r.conversation_id = p.conversation_id and r.user_id = p.user_id
        where p.conversation_id = ${conversationId}::uuid and p.user_id <> ${authorId}::uuid and coalesce(r.last_read_seq, 0) < ${seq}`);
      return (result as unknown as { rows: { user_id: string }[] }).rows.map((row) => row.user_id);
    },

    /** Every active member but one (a new guidelines version concerns them all). */
    async activeMembers(except: string | null): Promise<string[]> {
      const rows = await db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.status, 'active'), eq(users.isBot, false), except ? sql`${users.id} <> ${except}::uuid` : undefined));
      return rows.map((row) => row.id);
    },

    /** Marks a member's unread notifications of one kind read (they read them where they live, e.g. the notices page). */
    async markKindRead(tx: Db, userId: string, kind: string): Promise<string[]> {
      const rows = await tx
        .update(notifications)
        .set({ readAt: new Date() })
        .where(and(eq(notifications.userId, userId), eq(notifications.kind, kind), isNull(notifications.readAt)))
        .returning({ id: notifications.id });
      return rows.map((row) => row.id);
    },

    /** Members who follow a thread (a post) at 'all'. */
    async followersOfThread(postId: string): Promise<string[]> {
      const rows = await db
        .select({ userId: notificationLevels.userId })
        .from(notificationLevels)
        .where(and(eq(notificationLevels.targetKind, 'thread'), eq(notificationLevels.targetId, postId), eq(notificationLevels.level, 'all')));
      return rows.map((row) => row.userId);
    },
  };
}

export type NotificationsRepository = ReturnType<typeof createNotificationsRepository>;
