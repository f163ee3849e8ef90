// Changing a sent message: its author edits it, reacts to it or deletes it, a space's moderators
// delete it, and the moderation service hides it. Each change is logged and published (chat.log.ts).
import { eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { Message } from '../../../shared/api/chat.routes';
import type { editMessageSchema } from '../../../shared/protocol/chat';
import type { MemberLimit } from '../../core/auth/rate-limit';
import type { Db } from '../../core/db/database';
import { messageEdits, messages, reactions } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import { mentionedHandles, renderWithMentions } from '../../core/markdown';
import type { Actor } from '../accounts/actor';
import { canModerate } from '../spaces/spaces.access';
import type { ChatPermissions } from './chat.access';
import type { ChatLog } from './chat.log';
import { toggleReaction } from '../spaces/reactions';
import { readableMentions } from './chat.mentions';
import { loadMessage, sendQueriesOf } from './chat.repository';

/** A tombstone: the text stays in the row for the moderators' snapshot only; reactions go. */
async function deleteMessageIn(tx: Db, messageId: string): Promise<void> {
  await tx.update(messages).set({ deletedAt: new Date() }).where(eq(messages.id, messageId));
  await tx.delete(reactions).where(eq(reactions.targetId, messageId));
}

export function createChatEdits(deps: { db: Db; access: ChatPermissions; log: Pick<ChatLog, 'logUpdate'>; limits: { reactions: MemberLimit; edits: MemberLimit } }) {
  const { db, access: permissions, log, limits } = deps;

  return {
    async doEdit(actor: Actor, input: z.output<typeof editMessageSchema>): Promise<Message> {
      await limits.edits(actor);
      const { row, access } = await permissions.accessMessageIn(actor, input.messageId);
      if (row.authorId !== actor.user.id) throw new AppError('forbidden', 'You can only edit your own messages');
      if (row.deletedAt) throw new AppError('conflict', 'This message was deleted');
      if (row.hiddenAt) throw new AppError('conflict', 'The moderators hid this message');
      await permissions.checkCanSend(access, actor);
      const mentioned = await readableMentions(db, access, mentionedHandles(input.bodyMarkdown));
      const edited = await log.logUpdate(access, row, async (tx) => {
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
      const { row, message, access } = await permissions.accessMessageIn(actor, messageId);
      const moderator = access.space !== undefined && canModerate(access.space);
      if (row.authorId !== actor.user.id && !moderator) throw new AppError('forbidden', 'You can only delete your own messages');
      if (row.deletedAt) return message;
      return log.logUpdate(access, row, (tx) => deleteMessageIn(tx, row.id));
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
      const participantIds = conversation.kind === 'direct' ? await permissions.participantsOf(conversation.id) : [];
      await log.logUpdate({ conversation, participantIds }, found.row, (tx) =>
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
      await limits.reactions(actor);
      const { row, access } = await permissions.accessMessageIn(actor, messageId);
      if (row.deletedAt || row.hiddenAt) throw new AppError('conflict', 'This message was deleted or hidden');
      await permissions.checkCanSend(access, actor);
      return log.logUpdate(access, row, async (tx) => {
        await toggleReaction(tx, row.id, actor.user.id, emoji);
      });
    },
  };
}
