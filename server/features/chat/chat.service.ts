// Space chats and direct messages: one service under the REST routes and the socket commands.
// Who may read what: docs/permissions.md ("Chat"). Every change is logged per conversation and
// published after its transaction commits, so a reconnecting client replays what it missed.
import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt, inArray, isNull, lt, lte, ne, sql, type SQL } from 'drizzle-orm';
import { BurstyRateLimiter, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { z } from 'zod';
import type { Conversation, createConversationSchema, Message } from '../../../shared/api/chat.routes';
import type { ChatEventName, chatResumeSchema, editMessageSchema, sendMessageSchema } from '../../../shared/protocol/chat';
import type { Db } from '../../core/db/database';
import {
  blocks,
  conversationParticipants,
  conversationReads,
  conversations,
  messageEdits,
  messages,
  reactions,
  spaceMembers,
  spaces,
  users,
} from '../../core/db/schema';
import { AppError } from '../../core/errors';
import { excerptOf, mentionedHandles, renderWithMentions } from '../../core/markdown';
import type { Realtime } from '../../core/realtime/realtime';
import { authorOf, toPublicProfile } from '../accounts/accounts.dto';
import type { Actor } from '../accounts/actor';
import { readSiteRow } from '../site/site.public';
import { canModerate, canRead, checkCanPost, loadAccess, type SpaceAccess } from '../spaces/spaces.access';
import { spaceRoom } from '../spaces/spaces.service';
import type { DomainEvents } from '../../core/events/domain-events';
import type { Work } from '../../core/events/unit-of-work';
import {
  appendChatEvent,
  blockedBy,
  blockersOf,
  chatEventsAfter,
  loadMessage,
  insertMessageLogged,
  toMessage,
  notBlockedBy,
  selectMessages,
  sendQueriesOf,
  type ConversationRow,
  type MessageRow,
} from './chat.repository';
import type { Presence } from './presence';

/** A client that missed more than this many events of a conversation reloads it instead. */
export const MAX_CHAT_REPLAY = 500;
/** How long a typing indicator lasts unless repeated; repeats closer than TYPING_THROTTLE_MS are dropped. */
export const TYPING_EXPIRES_MS = 5_000;
const TYPING_THROTTLE_MS = 1_500;

const userRoom = (userId: string) => `user:${userId}`;

interface ChatAccess {
  conversation: ConversationRow;
  /** For a space's chat. */
  space?: SpaceAccess;
  /** For a direct conversation: everyone in it. */
  participantIds: string[];
}

type Logged = { event: ChatEventName; payload: { conversationId: string; seq: number; message: Message } };

const isUniqueViolation = (error: unknown, constraint: string) =>
  new RegExp(constraint).test(String((error as { cause?: unknown }).cause ?? error)) ||
  (error as { cause?: { constraint?: string } }).cause?.constraint === constraint ||
  (error as { constraint?: string }).constraint === constraint;

export interface ChatLimits {
  /** Messages per member: sustained rate per second, plus a small burst over 10 s. */
  send: { points: number; durationSeconds: number };
  burst: { points: number; durationSeconds: number };
}

export function createChatService(deps: {
  db: Db;
  realtime: Realtime;
  presence: Presence;
  createLimiter: (options: { keyPrefix: string; points: number; durationSeconds: number }) => RateLimiterAbstract;
  limits?: ChatLimits;
  work: Work;
}) {
  const { db, realtime, presence, work } = deps;
  const limits = deps.limits ?? { send: { points: 5, durationSeconds: 1 }, burst: { points: 5, durationSeconds: 10 } };
  const sendLimiter = new BurstyRateLimiter(
    deps.createLimiter({ keyPrefix: 'chat-send', ...limits.send }),
    deps.createLimiter({ keyPrefix: 'chat-send-burst', ...limits.burst }),
  );
  const lastTyping = new Map<string, number>();

  // ── access ─────────────────────────────────────────────────────────────────────────────────

  async function participantsOf(conversationId: string): Promise<string[]> {
    const rows = await db
      .select({ userId: conversationParticipants.userId })
      .from(conversationParticipants)
      .where(eq(conversationParticipants.conversationId, conversationId));
    return rows.map((r) => r.userId);
  }

  /** The conversation if the member may read it, else 404: direct messages exist only for their participants (admins included). */
  async function accessConversation(actor: Actor, conversationId: string): Promise<ChatAccess> {
    const [conversation] = await sendQueriesOf(db).conversation.execute({ id: conversationId });
    if (conversation?.kind === 'space' && conversation.spaceId) {
      const space = await loadAccess(db, actor, { id: conversation.spaceId });
      if (space && canRead(space)) return { conversation, space, participantIds: [] };
    } else if (conversation) {
      const participantIds = await participantsOf(conversation.id);
      if (participantIds.includes(actor.user.id)) return { conversation, participantIds };
    }
    throw AppError.notFound('No such conversation');
  }

  /**
   * Space chat: as posting in the space. Direct: a participant nobody else in it has blocked (for
   * two people). `blockers` (who blocked the actor) saves the query when the caller has it.
   */
  async function checkCanSend(access: ChatAccess, actor: Actor, blockers?: string[]): Promise<void> {
    if (access.space) {
      checkCanPost(access.space);
      return;
    }
    const others = access.participantIds.filter((id) => id !== actor.user.id);
    if (others.length === 1) {
      const blocked = blockers
        ? blockers.includes(others[0]!)
        : (
            await db
              .select({ id: blocks.blockerId })
              .from(blocks)
              .where(and(eq(blocks.blockerId, others[0]!), eq(blocks.blockedId, actor.user.id)))
          ).length > 0;
      if (blocked) throw new AppError('forbidden', 'You cannot send messages to this member');
    }
  }

  /**
   * What a send needs, in one query: the conversation if the member may read it (else 404, as
   * accessConversation), who blocked them, or the message an earlier send with this client id made.
   */
  async function sendContext(actor: Actor, conversationId: string, clientId: string): Promise<{ earlier: Message } | { access: ChatAccess; blockers: string[] }> {
    const [found] = await sendQueriesOf(db).context.execute({ conversationId, userId: actor.user.id, clientId });
    if (found?.earlier) {
      if (found.earlier[1] !== conversationId) throw new AppError('conflict', 'That client id was already used for another message');
      return { earlier: (await loadMessage(db, found.earlier[0]))!.message };
    }
    if (found?.conversation.kind === 'space' && found.space) {
      const space: SpaceAccess = { space: found.space, membership: found.membership ?? undefined, actor };
      if (canRead(space)) return { access: { conversation: found.conversation, space, participantIds: [] }, blockers: found.blockers };
    } else if (found?.participants?.includes(actor.user.id)) {
      return { access: { conversation: found.conversation, participantIds: found.participants }, blockers: found.blockers };
    }
    if (!found) {
      // No such conversation; an earlier send elsewhere with this client id still says so first.
      const earlier = await existingSend(actor, clientId, conversationId);
      if (earlier) return { earlier };
    }
    throw AppError.notFound('No such conversation');
  }

  /** A space's chat goes to the space's room, a direct conversation to each participant's. */
  const audienceOf = (access: Pick<ChatAccess, 'conversation' | 'participantIds'>) =>
    access.conversation.kind === 'space' && access.conversation.spaceId ? [spaceRoom(access.conversation.spaceId)] : access.participantIds.map(userRoom);

  /** Publishes after commit, leaving out the sockets of those who blocked the author. */
  async function publishLogged(access: Pick<ChatAccess, 'conversation' | 'participantIds'>, authorId: string, logged: Logged[], blockers?: string[]): Promise<void> {
    const except = (blockers ?? (await blockersOf(db, authorId))).map(userRoom);
    for (const entry of logged) realtime.publish(audienceOf(access), entry.event, entry.payload, { except });
  }

  async function messageInConversation(actor: Actor, messageId: string) {
    const found = await loadMessage(db, messageId);
    if (!found) throw AppError.notFound('No such message');
    const access = await accessConversation(actor, found.row.conversationId);
    if ((await blockedBy(db, actor.user.id)).has(found.row.authorId)) throw AppError.notFound('No such message');
    return { ...found, access };
  }

  async function reloadMessage(tx: Db, messageId: string): Promise<Message> {
    const found = await loadMessage(tx, messageId);
    if (!found) throw AppError.notFound('No such message');
    return found.message;
  }

  /** Logs an update of one message (edit, delete, reaction, reply count) and publishes it after commit. */
  async function logUpdate(
    access: Pick<ChatAccess, 'conversation' | 'participantIds'>,
    row: MessageRow,
    change: (tx: Db) => Promise<void>,
    written?: DomainEvents['content.written'],
  ): Promise<Message> {
    const logged = await work.transaction(async ({ tx, emit }) => {
      if (written) emit('content.written', written);
      await change(tx);
      return appendChatEvent(tx, access.conversation.id, 'chat:message-updated', () => reloadMessage(tx, row.id));
    });
    await publishLogged(access, row.authorId, [logged]);
    return logged.payload.message;
  }

  /** A tombstone: the text stays in the row for the moderators' snapshot only; reactions go. */
  async function deleteMessageIn(tx: Db, messageId: string): Promise<void> {
    await tx.update(messages).set({ deletedAt: new Date() }).where(eq(messages.id, messageId));
    await tx.delete(reactions).where(eq(reactions.targetId, messageId));
  }

  // ── views ──────────────────────────────────────────────────────────────────────────────────

  /** Messages from others after a read marker that the reader may see: what "unread" counts. */
  const unreadIn = (conversationId: SQL | string, userId: string, lastReadSeq: SQL | number) =>
    and(
      sql`${messages.conversationId} = ${conversationId}`,
      sql`${messages.seq} > ${lastReadSeq}`,
      ne(messages.authorId, userId),
      isNull(messages.deletedAt),
      isNull(messages.hiddenAt),
      notBlockedBy(userId),
    );

  async function unreadOf(conversationId: string, userId: string, lastReadSeq: number): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(messages)
      .where(unreadIn(conversationId, userId, lastReadSeq));
    return row?.n ?? 0;
  }

  async function lastReadOf(conversationId: string, userId: string): Promise<number> {
    const [row] = await db
      .select({ seq: conversationReads.lastReadSeq })
      .from(conversationReads)
      .where(and(eq(conversationReads.conversationId, conversationId), eq(conversationReads.userId, userId)));
    return row?.seq ?? 0;
  }

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
    const lastReadSeq = await lastReadOf(access.conversation.id, viewerId);
    const space = access.space?.space;
    const [view] = await viewsFor(viewerId, [
      {
        conversation: access.conversation,
        space: space ? { id: space.id, slug: space.slug, name: space.name, color: space.color } : null,
        lastReadSeq,
        unread: await unreadOf(access.conversation.id, viewerId, lastReadSeq),
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

  /** Members mentioned who may read the conversation (a mention must not leak a private space or a DM). */
  async function readableMentions(access: ChatAccess, handles: string[]) {
    if (handles.length === 0) return [];
    const found = await db
      .select({ id: users.id, handle: users.handle, role: users.role, membership: spaceMembers.status })
      .from(users)
      .leftJoin(
        spaceMembers,
        and(eq(spaceMembers.userId, users.id), eq(spaceMembers.spaceId, access.space?.space.id ?? sql`null::uuid`)),
      )
      .where(and(inArray(users.handle, handles), eq(users.status, 'active')));
    if (!access.space) return found.filter((u) => access.participantIds.includes(u.id));
    const visibility = access.space.space.visibility;
    return found.filter((u) => visibility === 'public' || u.membership === 'active' || u.role === 'admin');
  }

  async function consumeSend(userId: string): Promise<void> {
    try {
      await sendLimiter.consume(userId);
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        throw new AppError('rate_limited', 'You are sending messages too fast; wait a moment', {
          retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)),
        });
      }
      throw error;
    }
  }

  async function existingSend(actor: Actor, clientId: string, conversationId: string): Promise<Message | undefined> {
    const [row] = await sendQueriesOf(db).sentBefore.execute({ authorId: actor.user.id, clientId });
    if (!row) return undefined;
    if (row.conversationId !== conversationId) throw new AppError('conflict', 'That client id was already used for another message');
    return (await loadMessage(db, row.id))!.message;
  }

  async function blockList(userId: string) {
    const rows = await db
      .select({ user: users, blockedAt: blocks.createdAt })
      .from(blocks)
      .innerJoin(users, eq(users.id, blocks.blockedId))
      .where(eq(blocks.blockerId, userId))
      .orderBy(desc(blocks.createdAt));
    return { items: rows.map((r) => ({ user: toPublicProfile(r.user), blockedAt: r.blockedAt.toISOString() })) };
  }

  return {
    /** Sends a message exactly once per (author, clientId): a retry returns the message the first send made. */
    async doSend(actor: Actor, input: z.output<typeof sendMessageSchema>): Promise<Message> {
      const context = await sendContext(actor, input.conversationId, input.clientId);
      if ('earlier' in context) return context.earlier;
      const { access, blockers } = context;
      await checkCanSend(access, actor, blockers);
      // The welcome bot greets every newcomer; members are limited, it is not.
      if (!actor.user.isBot) await consumeSend(actor.user.id);
      let parent: MessageRow | undefined;
      if (input.parentId) {
        [parent] = await db.select().from(messages).where(eq(messages.id, input.parentId));
        if (!parent || parent.conversationId !== access.conversation.id || parent.deletedAt || parent.hiddenAt) throw AppError.notFound('No such message to reply to');
        if (parent.parentId) throw new AppError('validation_failed', 'Reply to the thread’s first message', { errors: [{ path: 'parentId', message: 'threads are one level deep' }] });
      }
      const handles = mentionedHandles(input.bodyMarkdown);
      const mentioned = await readableMentions(access, handles);
      const bodyHtml = renderWithMentions(input.bodyMarkdown, mentioned.map((m) => m.handle));
      const id = randomUUID();
      const values = {
        id,
        conversationId: access.conversation.id,
        authorId: actor.user.id,
        clientId: input.clientId,
        bodyMarkdown: input.bodyMarkdown,
        bodyHtml,
        mentions: mentioned.map((m) => m.handle),
      };
      const written = { name: 'content.written', payload: { kind: 'message', id, authorId: actor.user.id, markdown: input.bodyMarkdown, change: 'created' } } as const;
      let logged: Logged[];
      try {
        if (!parent) {
          // The common case: one statement (decision 009), which also writes the follow-up jobs.
          const { authorId: _authorId, ...shown } = values;
          const followUps = await work.followUpsSql([written]);
          logged = [
            await insertMessageLogged(
              db,
              values,
              { ...shown, parentId: null, replyCount: 0, author: authorOf(actor.user), reactions: {}, editedAt: null, deleted: false, hidden: false },
              followUps,
            ),
          ];
          work.release({ events: [written] });
        } else {
          // A reply also bumps its thread's first message: two logged events in one transaction.
          const root = parent;
          logged = await work.transaction(async ({ tx, emit }) => {
            emit(written.name, written.payload);
            const created = await appendChatEvent(
              tx,
              access.conversation.id,
              'chat:message-created',
              async (seq) => {
                const [row] = await tx
                  .insert(messages)
                  .values({ ...values, seq, parentId: root.id })
                  .returning();
                return toMessage(row!, actor.user, new Map());
              },
              true,
            );
            await tx
              .update(messages)
              .set({ replyCount: sql`${messages.replyCount} + 1` })
              .where(eq(messages.id, root.id));
            const rootUpdated = await appendChatEvent(tx, access.conversation.id, 'chat:message-updated', () => reloadMessage(tx, root.id));
            return [created, rootUpdated];
          });
        }
      } catch (error) {
        if (isUniqueViolation(error, 'messages_author_client_idx')) {
          const raced = await existingSend(actor, input.clientId, input.conversationId);
          if (raced) return raced;
        }
        throw error;
      }
      await publishLogged(access, actor.user.id, logged, blockers);
      const message = logged[0]!.payload.message;
      for (const user of mentioned.filter((m) => m.id !== actor.user.id)) {
        realtime.publish(userRoom(user.id), 'chat:mentioned', {
          conversationId: access.conversation.id,
          messageId: message.id,
          by: { id: actor.user.id, handle: actor.user.handle, displayName: actor.user.displayName },
          excerpt: excerptOf(input.bodyMarkdown),
        });
      }
      return message;
    },

    async doEdit(actor: Actor, input: z.output<typeof editMessageSchema>): Promise<Message> {
      const { row, access } = await messageInConversation(actor, input.messageId);
      if (row.authorId !== actor.user.id) throw new AppError('forbidden', 'You can only edit your own messages');
      if (row.deletedAt) throw new AppError('conflict', 'This message was deleted');
      if (row.hiddenAt) throw new AppError('conflict', 'The moderators hid this message');
      await checkCanSend(access, actor);
      const mentioned = await readableMentions(access, mentionedHandles(input.bodyMarkdown));
      const edited = await logUpdate(access, row, async (tx) => {
        await tx.insert(messageEdits).values({ messageId: row.id, bodyMarkdown: row.bodyMarkdown });
        await tx
          .update(messages)
          .set({
            bodyMarkdown: input.bodyMarkdown,
            bodyHtml: renderWithMentions(input.bodyMarkdown, mentioned.map((m) => m.handle)),
            mentions: mentioned.map((m) => m.handle),
            editedAt: new Date(),
          })
          .where(eq(messages.id, row.id));
      }, { kind: 'message', id: row.id, authorId: row.authorId, markdown: input.bodyMarkdown, change: 'edited' });
      return edited;
    },

    async doDelete(actor: Actor, messageId: string): Promise<Message> {
      const { row, message, access } = await messageInConversation(actor, messageId);
      const moderator = access.space !== undefined && canModerate(access.space);
      if (row.authorId !== actor.user.id && !moderator) throw new AppError('forbidden', 'You can only delete your own messages');
      if (row.deletedAt) return message;
      return logUpdate(access, row, (tx) => deleteMessageIn(tx, row.id));
    },

    /**
     * Trusted write for the moderation service (it checked the moderator's rights): hides, unhides
     * or deletes a message and tells every screen of the conversation. False when nothing changed.
     */
    async doModerateMessage(messageId: string, change: 'hide' | 'unhide' | 'delete'): Promise<boolean> {
      const found = await loadMessage(db, messageId);
      if (!found || found.row.deletedAt) return false;
      if (change !== 'delete' && (change === 'hide') === (found.row.hiddenAt !== null)) return false;
      const [conversation] = await sendQueriesOf(db).conversation.execute({ id: found.row.conversationId });
      if (!conversation) return false;
      const participantIds = conversation.kind === 'direct' ? await participantsOf(conversation.id) : [];
      await logUpdate({ conversation, participantIds }, found.row, (tx) =>
        change === 'delete'
          ? deleteMessageIn(tx, messageId)
          : tx
              .update(messages)
              .set({ hiddenAt: change === 'hide' ? new Date() : null })
              .where(eq(messages.id, messageId))
              .then(() => undefined),
      );
      return true;
    },

    async doReact(actor: Actor, messageId: string, emoji: string): Promise<Message> {
      const { row, access } = await messageInConversation(actor, messageId);
      if (row.deletedAt || row.hiddenAt) throw new AppError('conflict', 'This message was deleted or hidden');
      await checkCanSend(access, actor);
      return logUpdate(access, row, async (tx) => {
        const removed = await tx
          .delete(reactions)
          .where(and(eq(reactions.targetId, row.id), eq(reactions.userId, actor.user.id), eq(reactions.emoji, emoji)))
          .returning();
        if (removed.length === 0) await tx.insert(reactions).values({ targetId: row.id, userId: actor.user.id, emoji });
      });
    },

    /** Tells the others someone is typing; repeats within the throttle window are dropped. */
    async doTyping(actor: Actor, conversationId: string): Promise<Record<string, never>> {
      const key = `${actor.user.id}:${conversationId}`;
      const now = Date.now();
      if (now - (lastTyping.get(key) ?? 0) < TYPING_THROTTLE_MS) return {};
      lastTyping.set(key, now);
      if (lastTyping.size > 10_000) {
        for (const [k, at] of lastTyping) if (now - at > TYPING_EXPIRES_MS) lastTyping.delete(k);
      }
      const access = await accessConversation(actor, conversationId);
      await checkCanSend(access, actor);
      const except = [userRoom(actor.user.id), ...(await blockersOf(db, actor.user.id)).map(userRoom)];
      realtime.publish(
        audienceOf(access),
        'chat:typing',
        {
          conversationId,
          user: { id: actor.user.id, handle: actor.user.handle, displayName: actor.user.displayName },
          expiresInMs: TYPING_EXPIRES_MS,
        },
        { except },
      );
      return {};
    },

    /** Moves my read marker (never backwards); every tab of mine hears of it. */
    async doRead(actor: Actor, conversationId: string, seq: number) {
      const access = await accessConversation(actor, conversationId);
      const upTo = Math.min(seq, access.conversation.seq);
      const [marker] = await db
        .insert(conversationReads)
        .values({ conversationId, userId: actor.user.id, lastReadSeq: upTo })
        .onConflictDoUpdate({
          target: [conversationReads.conversationId, conversationReads.userId],
          set: { lastReadSeq: sql`greatest(${conversationReads.lastReadSeq}, ${upTo})` },
        })
        .returning();
      const lastReadSeq = marker?.lastReadSeq ?? upTo;
      const result = { conversationId, lastReadSeq, unread: await unreadOf(conversationId, actor.user.id, lastReadSeq) };
      realtime.publish(userRoom(actor.user.id), 'chat:read', result);
      return result;
    },

    async accessResume(actor: Actor, input: z.output<typeof chatResumeSchema>) {
      const hidden = await blockedBy(db, actor.user.id);
      const results = [];
      for (const { conversationId, afterSeq } of input.conversations) {
        let access: ChatAccess;
        try {
          access = await accessConversation(actor, conversationId);
        } catch {
          results.push({ conversationId, events: [], reset: true, upToSeq: afterSeq });
          continue;
        }
        const rows = await chatEventsAfter(db, conversationId, afterSeq, MAX_CHAT_REPLAY + 1);
        // Too much missed, or the events after afterSeq were pruned from the log: reload instead.
        const firstSeq = rows[0]?.seq ?? access.conversation.seq + 1;
        const reset = rows.length > MAX_CHAT_REPLAY || (access.conversation.seq > afterSeq && firstSeq !== afterSeq + 1);
        const events = reset
          ? []
          : rows
              .map((r) => ({ event: r.event as ChatEventName, payload: r.payload as Logged['payload'] }))
              .filter((e) => !hidden.has(e.payload.message.author.id));
        results.push({ conversationId, events, reset, upToSeq: reset ? access.conversation.seq : (rows.at(-1)?.seq ?? afterSeq) });
      }
      return { conversations: results };
    },

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
      return viewOne(await accessConversation(actor, conversationId), actor.user.id);
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
      if (missing.length) throw AppError.notFound(`No member with the handle ${missing.map((h) => `@${h}`).join(', ')}`);
      const { maxGroupSize } = await readSiteRow(db);
      if (others.length + 1 > maxGroupSize) {
        throw new AppError('validation_failed', `A conversation can have at most ${maxGroupSize} people`, {
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
      if (iBlocked) throw new AppError('forbidden', `Unblock @${others.find((u) => u.id === iBlocked.blocked)!.handle} first`);
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

    /** A page of a conversation's messages (not thread replies), oldest first. */
    async accessMessages(actor: Actor, conversationId: string, query: { before?: number; around?: string; limit: number }) {
      const access = await accessConversation(actor, conversationId);
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
      const { row, message } = await messageInConversation(actor, messageId);
      if (row.parentId) throw AppError.notFound('That message is a reply; open its thread’s first message');
      const replies = await selectMessages(db, and(eq(messages.parentId, row.id), notBlockedBy(actor.user.id)), 'asc', 500);
      return { root: message, replies };
    },

    async accessHistory(actor: Actor, messageId: string) {
      const { row, access } = await messageInConversation(actor, messageId);
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
      const { row, access } = await messageInConversation(actor, messageId);
      const space = access.space?.space;
      return {
        row,
        spaceId: space?.id ?? null,
        link: space ? `/s/${space.slug}/chat?message=${row.id}` : null,
      };
    },

    async accessSearch(actor: Actor, query: { q: string; conversationId?: string }) {
      const me = actor.user.id;
      const readableSpace =
        actor.user.role === 'admin'
          ? sql`true`
          : sql`(s.visibility = 'public' or exists (select 1 from ${spaceMembers} sm where sm.space_id = s.id and sm.user_id = ${me} and sm.status = 'active'))`;
      const inConversation = query.conversationId ? sql`and c.id = ${query.conversationId}` : sql``;
      const tsq = sql`websearch_to_tsquery('simple', ${query.q})`;
      const result = (await db.execute(sql`
        select m.id, c.id as conversation_id, c.kind, s.name as space_name,
               ts_headline('simple', m.body_markdown, ${tsq}, 'MaxWords=30, MinWords=8, StartSel=«, StopSel=»') as snippet
          from ${messages} m
          join ${conversations} c on c.id = m.conversation_id
          left join ${spaces} s on s.id = c.space_id
         where m.search @@ ${tsq} and m.deleted_at is null and m.hidden_at is null
           and m.author_id not in (select blocked_id from ${blocks} where blocker_id = ${me})
           and ((c.kind = 'space' and ${readableSpace})
             or (c.kind = 'direct' and exists (select 1 from ${conversationParticipants} p where p.conversation_id = c.id and p.user_id = ${me})))
           ${inConversation}
         order by ts_rank(m.search, ${tsq}) desc, m.created_at desc
         limit 50`)) as unknown as { rows: { id: string; conversation_id: string; kind: 'space' | 'direct'; space_name: string | null; snippet: string }[] };
      const found = result.rows.length
        ? await selectMessages(db, inArray(messages.id, result.rows.map((r) => r.id)), 'asc', 50)
        : [];
      const byId = new Map(found.map((m) => [m.id, m]));
      const directIds = [...new Set(result.rows.filter((r) => r.kind === 'direct').map((r) => r.conversation_id))];
      const titles = new Map<string, string>();
      if (directIds.length) {
        const people = await db
          .select({ conversationId: conversationParticipants.conversationId, name: users.displayName, id: users.id })
          .from(conversationParticipants)
          .innerJoin(users, eq(users.id, conversationParticipants.userId))
          .where(inArray(conversationParticipants.conversationId, directIds));
        for (const id of directIds) {
          titles.set(id, people.filter((p) => p.conversationId === id && p.id !== me).map((p) => p.name).join(', ') || 'Only you');
        }
      }
      return {
        items: result.rows.flatMap((r) => {
          const message = byId.get(r.id);
          if (!message) return [];
          return [{ message, conversation: { id: r.conversation_id, kind: r.kind, title: r.space_name ?? titles.get(r.conversation_id) ?? '' }, snippet: r.snippet }];
        }),
      };
    },

    accessBlocks: (actor: Actor) => blockList(actor.user.id),

    async doBlock(actor: Actor, handle: string) {
      const [user] = await db.select().from(users).where(eq(users.handle, handle));
      if (!user || user.status === 'deleted') throw AppError.notFound(`No member with the handle @${handle}`);
      if (user.id === actor.user.id) throw new AppError('conflict', 'You cannot block yourself');
      const [row] = await db
        .insert(blocks)
        .values({ blockerId: actor.user.id, blockedId: user.id })
        .onConflictDoUpdate({ target: [blocks.blockerId, blocks.blockedId], set: { blockerId: actor.user.id } })
        .returning();
      return { user: toPublicProfile(user), blockedAt: row!.createdAt.toISOString() };
    },

    async doUnblock(actor: Actor, userId: string) {
      const removed = await db.delete(blocks).where(and(eq(blocks.blockerId, actor.user.id), eq(blocks.blockedId, userId))).returning();
      if (removed.length === 0) throw AppError.notFound('You have not blocked this member');
      return blockList(actor.user.id);
    },
  };
}

export type ChatService = ReturnType<typeof createChatService>;
