// My conversations as I see them (titles, unread counts, presence), a space's chat, and opening a
// direct conversation (docs/permissions.md, "Chat").
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Conversation, createConversationSchema } from '../../../shared/api/chat.routes';
import type { Db } from '../../core/db/database';
import { blocks, conversationParticipants, conversationReads, conversations, messages, spaceMembers, spaces, users } from '../../core/db/schema';
import { AppError, problem } from '../../core/errors';
import type { Realtime } from '../../core/realtime/realtime';
import { authorOf } from '../accounts/accounts.dto';
import type { Actor } from '../accounts/actor';
import { readSiteRow } from '../site/site.public';
import { canRead, loadAccess } from '../spaces/spaces.access';
import { userRoom, type ChatAccess, type ChatPermissions } from './chat.access';
import { unreadIn, type ChatReads } from './chat.reads';
import type { ConversationRow } from './chat.repository';
import type { Presence } from './presence';

export function createChatConversations(deps: {
  db: Db;
  realtime: Realtime;
  presence: Presence;
  access: Pick<ChatPermissions, 'accessConversation'>;
  reads: Pick<ChatReads, 'unreadOf' | 'lastReadOf'>;
}) {
  const { db, realtime, presence, access: permissions, reads } = deps;

  /** Conversations as one member sees them (titles, unread counts and presence are per viewer). */
  async function viewsFor(
    viewerId: string,
    rows: { conversation: ConversationRow; space: { id: string; slug: string; name: string; color: string } | null; lastReadSeq: number; unread: number }[],
  ): Promise<Conversation[]> {
    const direct = rows.filter((r) => r.conversation.kind === 'direct').map((r) => r.conversation.id);
    const participantRows = direct.length
      ? await db
          .select({ conversationId: conversationParticipants.conversationId, user: users })
          .from(conversationParticipants)
          .innerJoin(users, eq(users.id, conversationParticipants.userId))
          .where(inArray(conversationParticipants.conversationId, direct))
          .orderBy(users.displayName)
      : [];
    const online = await presence.onlineAmong(participantRows.map((r) => r.user.id));
    return rows.map((r) => {
      const participants = participantRows
        .filter((p) => p.conversationId === r.conversation.id)
        .map((p) => ({ ...authorOf(p.user), online: online.has(p.user.id), lastSeenAt: p.user.lastSeenAt?.toISOString() ?? null }));
      const others = participants.filter((p) => p.id !== viewerId);
      return {
        id: r.conversation.id,
        kind: r.conversation.kind,
        space: r.space,
        participants,
        title: r.space ? r.space.name : others.map((p) => p.displayName).join(', ') || 'Only you',
        seq: r.conversation.seq,
        lastReadSeq: r.lastReadSeq,
        unread: r.unread,
        lastMessageAt: r.conversation.lastMessageAt?.toISOString() ?? null,
      };
    });
  }

  async function viewOne(access: ChatAccess, viewerId: string): Promise<Conversation> {
    const lastReadSeq = await reads.lastReadOf(access.conversation.id, viewerId);
    const space = access.space?.space;
    const [view] = await viewsFor(viewerId, [
      {
        conversation: access.conversation,
        space: space ? { id: space.id, slug: space.slug, name: space.name, color: space.color } : null,
        lastReadSeq,
        unread: await reads.unreadOf(access.conversation.id, viewerId, lastReadSeq),
      },
    ]);
    return view!;
  }

  /** The chat of a space, made when first needed. */
  async function spaceConversation(spaceId: string): Promise<ConversationRow> {
    await db.insert(conversations).values({ kind: 'space', spaceId }).onConflictDoNothing({ target: conversations.spaceId });
    const [row] = await db.select().from(conversations).where(eq(conversations.spaceId, spaceId));
    if (!row) throw AppError.notFound('No such space');
    return row;
  }

  return {
    async accessConversations(actor: Actor) {
      // Every space I belong to has a chat; make the missing ones so they list like the rest.
      await db.execute(sql`
        insert into ${conversations} (kind, space_id)
        select 'space', ${spaceMembers.spaceId} from ${spaceMembers}
         where ${spaceMembers.userId} = ${actor.user.id} and ${spaceMembers.status} = 'active'
        on conflict (space_id) do nothing`);
      const me = actor.user.id;
      const rows = await db
        .select({
          conversation: conversations,
          spaceId: spaces.id,
          spaceSlug: spaces.slug,
          spaceName: spaces.name,
          spaceColor: spaces.color,
          lastReadSeq: sql<number>`coalesce(${conversationReads.lastReadSeq}, 0)`.mapWith(Number),
          // In the same query: one count per conversation, not one round trip each.
          unread: sql<number>`(select count(*) from ${messages} where ${unreadIn(sql`${conversations.id}`, me, sql`coalesce(${conversationReads.lastReadSeq}, 0)`)})`.mapWith(Number),
        })
        .from(conversations)
        .leftJoin(spaces, eq(spaces.id, conversations.spaceId))
        .leftJoin(conversationReads, and(eq(conversationReads.conversationId, conversations.id), eq(conversationReads.userId, me)))
        .where(
          sql`(${conversations.kind} = 'space' and exists (select 1 from ${spaceMembers} where ${spaceMembers.spaceId} = ${conversations.spaceId} and ${spaceMembers.userId} = ${me} and ${spaceMembers.status} = 'active'))
           or (${conversations.kind} = 'direct' and exists (select 1 from ${conversationParticipants} where ${conversationParticipants.conversationId} = ${conversations.id} and ${conversationParticipants.userId} = ${me}))`,
        )
        .orderBy(desc(sql`coalesce(${conversations.lastMessageAt}, ${conversations.createdAt})`))
        .limit(500);
      const withUnread = rows.map((r) => ({
        conversation: r.conversation,
        space: r.spaceId ? { id: r.spaceId, slug: r.spaceSlug!, name: r.spaceName!, color: r.spaceColor! } : null,
        lastReadSeq: r.lastReadSeq,
        unread: r.unread,
      }));
      const items = await viewsFor(me, withUnread);
      return { items, unreadTotal: items.reduce((sum, c) => sum + c.unread, 0) };
    },

    async accessConversation(actor: Actor, conversationId: string) {
      return viewOne(await permissions.accessConversation(actor, conversationId), actor.user.id);
    },

    async accessSpaceChat(actor: Actor, spaceId: string) {
      const space = await loadAccess(db, actor, { id: spaceId });
      if (!space || !canRead(space)) throw AppError.notFound('No such space');
      const conversation = await spaceConversation(spaceId);
      return viewOne({ conversation, space, participantIds: [] }, actor.user.id);
    },

    async accessSpacePresence(actor: Actor, spaceId: string) {
      const space = await loadAccess(db, actor, { id: spaceId });
      if (!space || !canRead(space)) throw AppError.notFound('No such space');
      const members = await db
        .select({ userId: spaceMembers.userId })
        .from(spaceMembers)
        .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.status, 'active')));
      const online = await presence.onlineAmong(members.map((m) => m.userId));
      return { online: [...online] };
    },

    /** Opens (or finds) the direct conversation of exactly these people. */
    async doOpenConversation(actor: Actor, input: z.output<typeof createConversationSchema>) {
      const handles = [...new Set(input.handles.filter((h) => h !== actor.user.handle))];
      if (handles.length === 0) throw new AppError('validation_failed', 'Name at least one other member', { errors: [{ path: 'handles', message: 'name someone else' }] });
      const others = await db.select().from(users).where(and(inArray(users.handle, handles), eq(users.status, 'active')));
      const missing = handles.filter((h) => !others.some((u) => u.handle === h));
      if (missing.length) throw AppError.notFound(problem('No member with the handle {{handles}}', { handles: missing.map((h) => `@${h}`).join(', ') }));
      const { maxGroupSize } = await readSiteRow(db);
      if (others.length + 1 > maxGroupSize) {
        throw new AppError('validation_failed', problem('A conversation can have at most {{max}} people', { max: maxGroupSize }), {
          errors: [{ path: 'handles', message: `at most ${maxGroupSize - 1} others` }],
        });
      }
      const ids = others.map((u) => u.id);
      const blocking = await db
        .select({ blocker: blocks.blockerId, blocked: blocks.blockedId })
        .from(blocks)
        .where(
          sql`(${blocks.blockerId} in ${ids} and ${blocks.blockedId} = ${actor.user.id}) or (${blocks.blockerId} = ${actor.user.id} and ${blocks.blockedId} in ${ids})`,
        );
      const iBlocked = blocking.find((b) => b.blocker === actor.user.id);
      if (iBlocked) throw new AppError('forbidden', problem('Unblock @{{handle}} first', { handle: others.find((u) => u.id === iBlocked.blocked)!.handle }));
      if (blocking.length) throw new AppError('forbidden', 'You cannot start a conversation with this member');
      const everyone = [actor.user.id, ...ids].sort();
      const participantKey = everyone.join(',');
      const created = await db.transaction(async (txRaw) => {
        const tx = txRaw as unknown as Db;
        const [row] = await tx
          .insert(conversations)
          .values({ kind: 'direct', participantKey, createdBy: actor.user.id })
          .onConflictDoNothing({ target: conversations.participantKey })
          .returning();
        if (row) await tx.insert(conversationParticipants).values(everyone.map((userId) => ({ conversationId: row.id, userId })));
        return row;
      });
      const [conversation] = created ? [created] : await db.select().from(conversations).where(eq(conversations.participantKey, participantKey));
      const access: ChatAccess = { conversation: conversation!, participantIds: everyone };
      if (created) {
        for (const userId of ids) realtime.publish(userRoom(userId), 'chat:conversation-updated', await viewOne(access, userId));
      }
      return viewOne(access, actor.user.id);
    },
  };
}
