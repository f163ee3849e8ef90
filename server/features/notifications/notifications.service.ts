// The notification centre: docs/decisions/020-notifications.md
//
// Features tell this service facts through domain events (after their commit, as durable jobs);
// it decides who hears of them (not the actor, not who blocked them, not who muted the space,
// thread or conversation, not who turned the kind off), groups them while unread, and tells each
// member's sockets through their own log. Reading builds each notification through the access
// checks of what it is about, so nothing reveals content its member may no longer read.
import type { ContentRegistry } from '../../core/content/content-registry';
import type { Db } from '../../core/db/database';
import { decodeCursor, encodeCursor } from '../../core/db/keyset';
import { users } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import type { Work } from '../../core/events/unit-of-work';
import type { MemberLog, ToldEach } from '../../core/replay-log/member-log';
import { sql } from 'drizzle-orm';
import type { NotificationView } from '../../../shared/api/notifications.routes';
import type { NotificationLevel, NotificationTargetKind } from '../../../shared/protocol/notifications';
import { inArray } from 'drizzle-orm';
import { mentionedHandles } from '../../core/markdown';
import { toPublicProfile } from '../accounts/accounts.dto';
import type { Actor } from '../accounts/actor';
import { accessVisibleSpace } from '../spaces/spaces.access';
import type { NotificationKindRegistry } from './notification-kinds';
import type { NotificationPreferences } from './notification-preferences';
import type { NewNotification, NotificationRow, NotificationsRepository } from './notifications.repository';

const MUTES: Record<'1h' | '1d' | '1w', number> = { '1h': 3_600_000, '1d': 86_400_000, '1w': 7 * 86_400_000 };

/** Actors shown per notification ("Ann, Bo and 3 others"). */
const SHOWN_ACTORS = 3;

export type NotifyInput = Omit<NewNotification, 'mutable' | 'appOn'>;

/**
 * A channel beyond the centre (email, push): told of each batch of notifications just made or
 * grown, in the job that made them. It should only enqueue its own durable work (a failure here
 * retries the whole batch).
 */
export interface NotificationDelivery {
  name: string;
  afterNotify(made: { kind: string; told: ToldEach<'notification:changed'> }): Promise<void>;
}

/** A post or comment was written (the fact `content.written` states). */
export interface WrittenContent {
  kind: string;
  id: string;
  authorId: string;
  markdown: string;
}

export function createNotificationsService(deps: {
  db: Db;
  work: Work;
  memberLog: MemberLog;
  repository: NotificationsRepository;
  kinds: NotificationKindRegistry;
  content: ContentRegistry<Actor>;
  preferences: NotificationPreferences;
  /** Throws not_found unless the member takes part in the conversation. */
  conversations: { accessConversation(actor: Actor, conversationId: string): Promise<unknown> };
}) {
  const { db, work, memberLog, repository, kinds, content, preferences } = deps;
  const deliveries: NotificationDelivery[] = [];

  /** The kinds a member sees in the centre (their in-app channel on). */
  async function visibleKinds(userId: string): Promise<string[]> {
    const { channels } = await preferences.effective(userId);
    return kinds
      .all()
      .filter((kind) => channels[kind.kind]?.app ?? kind.channels.app)
      .map((kind) => kind.kind);
  }

  async function checkTarget(actor: Actor, targetKind: NotificationTargetKind, targetId: string): Promise<void> {
    if (targetKind === 'space') await accessVisibleSpace(db, actor, { id: targetId });
    else if (targetKind === 'thread') await content.get('post').accessForReader(actor, targetId);
    else await deps.conversations.accessConversation(actor, targetId);
  }

  /** Builds the member's view of rows, each subject through its own access check. */
  async function view(actor: Actor, rows: NotificationRow[]): Promise<NotificationView[]> {
    const actorIds = [...new Set(rows.flatMap((row) => row.actorIds.slice(0, SHOWN_ACTORS)))];
    const people = actorIds.length ? await db.select().from(users).where(inArray(users.id, actorIds)) : [];
    const byId = new Map(people.map((user) => [user.id, toPublicProfile(user)]));
    const spaces = new Map<string, NotificationView['space']>();
    for (const spaceId of new Set(rows.map((row) => row.spaceId).filter((id): id is string => !!id))) {
      try {
        // Its name, where the space exists for me (a private space's name is public; a secret one's is not).
        const { space } = await accessVisibleSpace(db, actor, { id: spaceId });
        spaces.set(spaceId, { id: space.id, slug: space.slug, name: space.name });
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'not_found') throw error;
        spaces.set(spaceId, null);
      }
    }
    return Promise.all(
      rows.map(async (row): Promise<NotificationView> => {
        const space = row.spaceId ? (spaces.get(row.spaceId) ?? null) : null;
        let subject: NotificationView['subject'] = null;
        if (row.subjectKind && row.subjectId) {
          subject = { kind: row.subjectKind, id: row.subjectId, available: false, excerpt: '', link: null };
          const kind = content.find(row.subjectKind);
          if (kind && (!row.spaceId || space)) {
            try {
              const found = await kind.accessForReader(actor, row.subjectId);
              subject = { kind: row.subjectKind, id: row.subjectId, available: true, excerpt: found.excerpt, link: found.link };
            } catch (error) {
              if (!(error instanceof AppError) || error.code !== 'not_found') throw error;
            }
          } else if (row.subjectKind === 'space' && space) {
            subject = { kind: 'space', id: row.subjectId, available: true, excerpt: space.name, link: `/s/${space.slug}` };
          }
        }
        // Gone: the space or the content is no longer mine to read; say nothing of who or what.
        const gone = (row.spaceId !== null && !space) || (subject !== null && !subject.available);
        return {
          id: row.id,
          kind: row.kind,
          actors: gone ? [] : row.actorIds.slice(0, SHOWN_ACTORS).flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])),
          actorCount: gone ? 0 : row.actorCount,
          space,
          subject,
          data: gone ? {} : (row.data as Record<string, unknown>),
          link: subject?.available ? subject.link : space ? `/s/${space.slug}` : typeof row.data === 'object' && row.data && 'link' in row.data ? String((row.data as { link: unknown }).link) : null,
          createdAt: row.createdAt.toISOString(),
          updatedAt: row.updatedAt.toISOString(),
          read: row.readAt !== null,
        };
      }),
    );
  }

  function levelView(targetKind: NotificationTargetKind, targetId: string, row: { level: NotificationLevel; mutedUntil: Date | null } | undefined, fallback: NotificationLevel) {
    const inForce = row && (row.mutedUntil === null || row.mutedUntil.getTime() > Date.now());
    return {
      targetKind,
      targetId,
      level: inForce ? row.level : fallback,
      mutedUntil: inForce && row.mutedUntil ? row.mutedUntil.toISOString() : null,
      isDefault: !inForce,
    };
  }

  async function doNotify(input: NotifyInput): Promise<number> {
    const kind = kinds.get(input.kind);
    const appOn = await preferences.channelSql(kind.kind, 'app', sql`u.id`);
    const told = await repository.insert({ ...input, mutable: kind.mutable, appOn });
    work.release({ publishes: memberLog.toldEach(told, 'notification:changed') });
    if (told.length) for (const delivery of deliveries) await delivery.afterNotify({ kind: kind.kind, told });
    return told.length;
  }

  /** No choice made: a conversation tells everything, a space what its hosts chose ("notify by default"), a thread mentions. */
  async function defaultLevel(targetKind: NotificationTargetKind, targetId: string): Promise<NotificationLevel> {
    if (targetKind === 'conversation') return 'all';
    if (targetKind === 'space') return (await preferences.space.get(targetId)).defaultLevel;
    return 'mentions';
  }

  return {
    preferences,

    /** Adds a channel (email, push) told of every batch made; see NotificationDelivery. */
    addDelivery(delivery: NotificationDelivery): void {
      deliveries.push(delivery);
    },

    /**
     * Trusted: notifies the members concerned (one statement, whatever their number) and tells
     * their sockets. Called by the module's subscribers, after the fact committed.
     */
    doNotify,

    /**
     * Trusted, after a post or comment committed: mentions, the post's author (a comment on my
     * post), the thread's followers, and the space's followers at 'all' (a new post). Each member
     * hears of it once, in the most direct way that applies.
     */
    async doContentWritten(written: WrittenContent): Promise<void> {
      const where = await repository.threadOf(written.kind, written.id);
      if (!where) return;
      const { postId, spaceId, postAuthorId } = where;
      const subject = { kind: written.kind, id: written.id };
      const told = new Set<string>([written.authorId]);
      const notify = async (kind: string, userIds: string[], groupKey: string) => {
        const fresh = userIds.filter((id) => !told.has(id));
        for (const id of fresh) told.add(id);
        if (fresh.length) await doNotify({ kind, userIds: fresh, actorId: written.authorId, groupKey, spaceId, subject, threadId: postId, readersOnly: true });
      };
      const mentioned = await repository.usersByHandle(mentionedHandles(written.markdown));
      await notify('mention', mentioned, `mention:${written.kind}:${written.id}`);
      if (written.kind === 'comment') {
        await notify('reply', [postAuthorId], `reply:post:${postId}`);
        await notify('thread', await repository.followersOfThread(postId), `thread:post:${postId}`);
        await repository.followOnComment(written.authorId, postId);
      } else {
        await notify('new-post', await repository.followersOfSpace(spaceId, (await preferences.space.get(spaceId)).defaultLevel), `new-post:space:${spaceId}`);
      }
    },

    /** Trusted, after a reaction committed: the content's author hears of it, grouped while unread ("Ann and 3 others reacted"). */
    async doReacted(reacted: { kind: string; id: string; authorId: string; reactorId: string }): Promise<void> {
      const where = await repository.threadOf(reacted.kind, reacted.id);
      if (!where) return;
      await doNotify({
        kind: 'reaction',
        userIds: [reacted.authorId],
        actorId: reacted.reactorId,
        groupKey: `reaction:${reacted.kind}:${reacted.id}`,
        spaceId: where.spaceId,
        subject: { kind: reacted.kind, id: reacted.id },
        threadId: where.postId,
        readersOnly: true,
      });
    },

    /**
     * Trusted, after a chat message committed: members it mentions hear of it at once (in a space's
     * chat only its readers); in a direct conversation, returns whether the others should hear of it
     * later if they have not read it by then (the module schedules `doMessageUnread`).
     */
    async doMessageWritten(written: WrittenContent): Promise<{ direct: boolean }> {
      const found = await repository.messageOf(written.id);
      if (!found || found.gone) return { direct: false };
      let mentioned = await repository.usersByHandle(mentionedHandles(written.markdown));
      if (found.conversationKind === 'direct') {
        // Participants hear of the message itself; no one else may learn of a direct conversation.
        return { direct: true };
      }
      mentioned = mentioned.filter((id) => id !== written.authorId);
      if (mentioned.length) {
        await doNotify({
          kind: 'mention',
          userIds: mentioned,
          actorId: written.authorId,
          groupKey: `mention:message:${written.id}`,
          spaceId: found.spaceId,
          subject: { kind: 'message', id: written.id },
          conversationId: found.conversationId,
          readersOnly: true,
        });
      }
      return { direct: false };
    },

    /** Trusted, a few minutes after a direct message: whoever has not read it by now hears of it (grouped per conversation). */
    async doMessageUnread(messageId: string): Promise<void> {
      const found = await repository.messageOf(messageId);
      if (!found || found.gone || found.conversationKind !== 'direct') return;
      const unread = await repository.unreadBy(found.conversationId, found.seq, found.authorId);
      if (unread.length === 0) return;
      await doNotify({
        kind: 'message',
        userIds: unread,
        actorId: found.authorId,
        groupKey: `message:conversation:${found.conversationId}`,
        subject: { kind: 'message', id: messageId },
        conversationId: found.conversationId,
      });
    },

    /** Trusted: a new guidelines version concerns every member but its publisher. */
    async doGuidelinesPublished(published: { version: number; publishedBy: string }): Promise<void> {
      await doNotify({
        kind: 'guidelines',
        userIds: await repository.activeMembers(published.publishedBy),
        actorId: null,
        groupKey: `guidelines:${published.version}`,
        data: { version: published.version, link: '/guidelines' },
      });
    },

    /** Trusted: each moderators' notice is an item of the centre too, leading to the notices page. */
    async doModerationNoticed(noticed: { notices: { userId: string; noticeId: string; kind: string }[] }): Promise<void> {
      for (const notice of noticed.notices) {
        await doNotify({
          kind: 'moderation',
          userIds: [notice.userId],
          actorId: null,
          groupKey: `moderation:notice:${notice.noticeId}`,
          data: { noticeKind: notice.kind, link: '/notices' },
        });
      }
    },

    /** Trusted: notifications of a kind read where they live (the notices page), and every tab told. */
    async doMarkKindRead(userId: string, kind: string): Promise<void> {
      const visible = await visibleKinds(userId);
      await work.transaction(async (uow) => {
        const changed = await repository.markKindRead(uow.tx, userId, kind);
        if (!changed.length) return;
        const unread = await repository.unreadCount(userId, visible, uow.tx);
        await memberLog.tell(uow, userId, 'notification:read', { ids: changed, unread });
      });
    },

    /** Trusted: an erased member's notifications and choices go with them. */
    doForget: (userId: string) => repository.forget(userId),

    async accessPage(actor: Actor, query: { cursor?: string; unread?: 'true' | 'false'; limit: number }) {
      const visible = await visibleKinds(actor.user.id);
      const before = query.cursor ? decodeCursor(query.cursor, 'cursor') : undefined;
      const rows = await repository.page(actor.user.id, { before, unreadOnly: query.unread === 'true', limit: query.limit + 1, kinds: visible });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: await view(actor, page),
        unread: await repository.unreadCount(actor.user.id, visible),
        nextCursor: rows.length > query.limit && last ? encodeCursor({ createdAt: last.updatedAt, id: last.id }) : null,
      };
    },

    async accessOne(actor: Actor, id: string) {
      const row = await repository.one(actor.user.id, id);
      if (!row) throw AppError.notFound('No such notification');
      const [item] = await view(actor, [row]);
      return item!;
    },

    /** Marks some or all read; every tab and device of the member hears it. */
    async doMarkRead(actor: Actor, ids: string[] | undefined) {
      const userId = actor.user.id;
      const visible = await visibleKinds(userId);
      return work.transaction(async (uow) => {
        const changed = await repository.markRead(uow.tx, userId, ids ?? null);
        // Counted inside the transaction, after the update: the number every tab shows next.
        const unread = await repository.unreadCount(userId, visible, uow.tx);
        if (changed.length) await memberLog.tell(uow, userId, 'notification:read', { ids: ids ? changed : null, unread });
        return { unread };
      });
    },

    async accessLevel(actor: Actor, targetKind: NotificationTargetKind, targetId: string) {
      await checkTarget(actor, targetKind, targetId);
      return levelView(targetKind, targetId, await repository.level(actor.user.id, targetKind, targetId), await defaultLevel(targetKind, targetId));
    },

    async doSetLevel(actor: Actor, targetKind: NotificationTargetKind, targetId: string, input: { level: NotificationLevel; muteFor?: '1h' | '1d' | '1w' | 'forever' }) {
      await checkTarget(actor, targetKind, targetId);
      const until = input.level === 'muted' && input.muteFor && input.muteFor !== 'forever' ? new Date(Date.now() + MUTES[input.muteFor]) : null;
      const row = await repository.setLevel(actor.user.id, targetKind, targetId, input.level, until);
      return levelView(targetKind, targetId, row, await defaultLevel(targetKind, targetId));
    },

    async doResetLevel(actor: Actor, targetKind: NotificationTargetKind, targetId: string) {
      await checkTarget(actor, targetKind, targetId);
      await repository.resetLevel(actor.user.id, targetKind, targetId);
      return levelView(targetKind, targetId, undefined, await defaultLevel(targetKind, targetId));
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
