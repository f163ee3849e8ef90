// Chat messages as a kind of content (server/core/content/content-registry.ts): what moderation
// and the other cross-cutting features may ask of them, through the chat's own code.
import type { ContentDescription, ContentKind } from '../../core/content/content-registry';
import { visibilityStatesOf } from '../../core/content/visibility-states';
import type { Db } from '../../core/db/database';
import { messages } from '../../core/db/schema';
import { excerptText } from '../../core/plain-text';
import type { Actor } from '../accounts/actor';
import type { ChatService } from './chat.service';

/** The message kind, for the app to register. */
export function chatContentKinds(deps: { db: Db; chat: Pick<ChatService, 'locateMessage' | 'accessMessage' | 'doModerateMessage'> }): ContentKind<Actor>[] {
  const { db, chat } = deps;

  // A direct message is shown to moderators only as this snapshot: its link is null, they cannot open the conversation.
  const described = (found: { row: { authorId: string; bodyMarkdown: string }; spaceId: string | null; link: string | null }): ContentDescription => ({
    spaceId: found.spaceId,
    authorId: found.row.authorId,
    excerpt: excerptText(found.row.bodyMarkdown),
    link: found.link,
  });

  return [
    {
      kind: 'message',
      noun: 'chat message',
      placeholder: { hidden: 'Hidden by the moderators', deleted: 'This message was deleted.' },
      async describe(id) {
        const found = await chat.locateMessage(id);
        return found && described(found);
      },
      // Throws the chat's own 404 when the member may not read it (not in the conversation, or blocked).
      accessForReader: async (actor, id) => described(await chat.accessMessage(actor, id)),
      changeVisibility: (id, change) => chat.doModerateMessage(id, change),
      statesOf: (ids) => visibilityStatesOf(db, messages, ids),
    },
  ];
}
