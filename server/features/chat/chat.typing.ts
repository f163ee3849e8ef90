// Typing indicators: told live to the others in the conversation, never logged or replayed
// (docs/ARCHITECTURE.md, "Chat": "Presence and typing").
import type { Db } from '../../core/db/database';
import type { Realtime } from '../../core/realtime/realtime';
import type { Actor } from '../accounts/actor';
import { audienceOf, userRoom, type ChatPermissions } from './chat.access';
import { blockersOf } from './chat.repository';

/** How long a typing indicator lasts unless repeated; repeats closer than TYPING_THROTTLE_MS are dropped. */
export const TYPING_EXPIRES_MS = 5_000;
const TYPING_THROTTLE_MS = 1_500;

export function createChatTyping(deps: { db: Db; realtime: Realtime; access: Pick<ChatPermissions, 'accessConversation' | 'checkCanSend'> }) {
  const { db, realtime, access: permissions } = deps;
  const lastTyping = new Map<string, number>();

  return {
    /** Tells the others someone is typing; repeats within the throttle window are dropped. */
    async doTyping(actor: Actor, conversationId: string): Promise<Record<string, never>> {
      const key = `${actor.user.id}:${conversationId}`;
      const now = Date.now();
      if (now - (lastTyping.get(key) ?? 0) < TYPING_THROTTLE_MS) return {};
      lastTyping.set(key, now);
      if (lastTyping.size > 10_000) {
        for (const [k, at] of lastTyping) if (now - at > TYPING_EXPIRES_MS) lastTyping.delete(k);
      }
      const access = await permissions.accessConversation(actor, conversationId);
      await permissions.checkCanSend(access, actor);
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
  };
}
