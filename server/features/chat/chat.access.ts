// Who may read and write a conversation (docs/permissions.md, "Chat"): a space's chat as its
// stream, a direct conversation its participants only; and who hears of a change.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../core/db/database';
import { blocks, conversationParticipants } from '../../core/db/schema';
import { AppError } from '../../core/errors';
import type { Actor } from '../accounts/actor';
import { canRead, checkCanPost, loadAccess, type SpaceAccess } from '../spaces/spaces.access';
import { spaceRoom } from '../spaces/spaces.service';
import { blockedBy, loadMessage, sendQueriesOf, type ConversationRow } from './chat.repository';

export const userRoom = (userId: string) => `user:${userId}`;

export interface ChatAccess {
  conversation: ConversationRow;
  /** For a space's chat. */
  space?: SpaceAccess;
  /** For a direct conversation: everyone in it. */
  participantIds: string[];
}

/** A space's chat goes to the space's room, a direct conversation to each participant's. */
export const audienceOf = (access: Pick<ChatAccess, 'conversation' | 'participantIds'>) =>
  access.conversation.kind === 'space' && access.conversation.spaceId ? [spaceRoom(access.conversation.spaceId)] : access.participantIds.map(userRoom);

export function createChatAccess(deps: { db: Db }) {
  const { db } = deps;

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

  return {
    participantsOf,
    accessConversation,

    /**
     * Space chat: as posting in the space. Direct: a participant nobody else in it has blocked (for
     * two people). `blockers` (who blocked the actor) saves the query when the caller has it.
     */
    async checkCanSend(access: ChatAccess, actor: Actor, blockers?: string[]): Promise<void> {
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
    },

    /** A message with its conversation, if the member may read both (not by someone they blocked), else 404. */
    async accessMessageIn(actor: Actor, messageId: string) {
      const found = await loadMessage(db, messageId);
      if (!found) throw AppError.notFound('No such message');
      const access = await accessConversation(actor, found.row.conversationId);
      if ((await blockedBy(db, actor.user.id)).has(found.row.authorId)) throw AppError.notFound('No such message');
      return { ...found, access };
    },
  };
}

export type ChatPermissions = ReturnType<typeof createChatAccess>;
