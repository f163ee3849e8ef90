// Sending a message: exactly once per client id, rate-limited, in one statement unless it is a
// thread reply (decision 009), with its mentions told live (docs/ARCHITECTURE.md, "Chat").
import { randomUUID } from 'node:crypto';
import { eq, sql, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type { Message } from '../../../shared/api/chat.routes';
import type { sendMessageSchema } from '../../../shared/protocol/chat';
import { memberLimit, type LimiterFactory } from '../../core/auth/rate-limit';
import type { Db } from '../../core/db/database';
import { messages } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import type { Work } from '../../core/events/unit-of-work';
import { mentionedHandles, renderWithMentions } from '../../core/markdown';
import { excerptText } from '../../core/plain-text';
import type { MemberEventBody, MemberLog } from '../../core/replay-log/member-log';
import { authorOf } from '../accounts/accounts.dto';
import type { Actor } from '../accounts/actor';
import { canRead, type SpaceAccess } from '../spaces/spaces.access';
import type { ChatAccess, ChatPermissions } from './chat.access';
import { reloadMessage, type ChatLog, type Logged } from './chat.log';
import { readableMentions } from './chat.mentions';
import { appendChatEvent, insertMessageLogged, loadMessage, sendQueriesOf, toMessage, type MessageRow } from './chat.repository';

export interface ChatLimits {
  /** Messages per member: sustained rate per second, plus a small burst over 10 s. */
  send: { points: number; durationSeconds: number };
  burst: { points: number; durationSeconds: number };
  /** Reaction toggles and edits per member per minute (issue #12). */
  reactionsPerMinute: number;
  editsPerMinute: number;
  /** Events one chat:resume answers at most. */
  resumeEvents: number;
}

const isUniqueViolation = (error: unknown, constraint: string) =>
  new RegExp(constraint).test(String((error as { cause?: unknown }).cause ?? error)) ||
  (error as { cause?: { constraint?: string } }).cause?.constraint === constraint ||
  (error as { constraint?: string }).constraint === constraint;

export function createChatSend(deps: {
  db: Db;
  memberLog: MemberLog;
  work: Work;
  createLimiter: LimiterFactory;
  limits?: Pick<ChatLimits, 'send' | 'burst'>;
  access: Pick<ChatPermissions, 'checkCanSend'>;
  log: Pick<ChatLog, 'publishLogged'>;
}) {
  const { db, memberLog, work, access: permissions, log } = deps;
  const limits = deps.limits ?? { send: { points: 5, durationSeconds: 1 }, burst: { points: 5, durationSeconds: 10 } };
  const limitSend = memberLimit(deps.createLimiter, {
    keyPrefix: 'chat-send',
    ...limits.send,
    burst: limits.burst,
    message: 'You are sending messages too fast; wait a moment',
  });

  async function existingSend(actor: Actor, clientId: string, conversationId: string): Promise<Message | undefined> {
    const [row] = await sendQueriesOf(db).sentBefore.execute({ authorId: actor.user.id, clientId });
    if (!row) return undefined;
    if (row.conversationId !== conversationId) throw new AppError('conflict', 'That client id was already used for another message');
    return (await loadMessage(db, row.id))!.message;
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

  return {
    /** Sends a message exactly once per (author, clientId): a retry returns the message the first send made. */
    async doSend(actor: Actor, input: z.output<typeof sendMessageSchema>): Promise<Message> {
      const context = await sendContext(actor, input.conversationId, input.clientId);
      if ('earlier' in context) return context.earlier;
      const { access, blockers } = context;
      await permissions.checkCanSend(access, actor, blockers);
      // The welcome bot greets every newcomer; members are limited, it is not (memberLimit).
      await limitSend(actor);
      let parent: MessageRow | undefined;
      if (input.parentId) {
        [parent] = await db.select().from(messages).where(eq(messages.id, input.parentId));
        if (!parent || parent.conversationId !== access.conversation.id || parent.deletedAt || parent.hiddenAt) throw AppError.notFound('No such message to reply to');
        if (parent.parentId) throw new AppError('validation_failed', 'Reply to the thread’s first message', { errors: [{ path: 'parentId', message: 'threads are one level deep' }] });
      }
      const handles = mentionedHandles(input.bodyMarkdown);
      const mentioned = await readableMentions(db, access, handles);
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
      // Each member mentioned (never the author) is told through their own log, with the message.
      const told = mentioned.filter((m) => m.id !== actor.user.id).map((m) => m.id);
      const mention: MemberEventBody<'chat:mentioned'> = {
        conversationId: access.conversation.id,
        messageId: id,
        by: { id: actor.user.id, handle: actor.user.handle, displayName: actor.user.displayName },
        excerpt: excerptText(input.bodyMarkdown),
      };
      const written = { name: 'content.written', payload: { kind: 'message', id, authorId: actor.user.id, markdown: input.bodyMarkdown, change: 'created' } } as const;
      let logged: Logged[];
      try {
        if (!parent) {
          // The common case: one statement (decision 009), which also writes the follow-up jobs.
          const { authorId: _authorId, ...shown } = values;
          const followUps = await work.followUpsSql([written]);
              const mentions = told.length > 0 ? (onlyIf: SQL) => memberLog.tellSql(told, 'chat:mentioned', mention, onlyIf) : undefined;
          const created = await insertMessageLogged(
            db,
            values,
            { ...shown, parentId: null, replyCount: 0, author: authorOf(actor.user), reactions: {}, editedAt: null, deleted: false, hidden: false },
            followUps,
            mentions,
          );
          logged = [created];
          work.release({ events: [written], publishes: memberLog.told(created.told, 'chat:mentioned', mention) });
        } else {
          // A reply also bumps its thread's first message: two logged events in one transaction.
          const root = parent;
          logged = await work.transaction(async (uow) => {
            const { tx, emit } = uow;
            emit(written.name, written.payload);
            for (const userId of told) await memberLog.tell(uow, userId, 'chat:mentioned', mention);
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
      await log.publishLogged(access, actor.user.id, logged, blockers);
      return logged[0]!.payload.message;
    },
  };
}
