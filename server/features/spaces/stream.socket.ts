import type { CommandHandlers } from '../../core/realtime/realtime';
import type { Actor } from '../accounts/actor';
import { spaceRoom } from './spaces.service';
import type { StreamService } from './stream.service';

type StreamCommand =
  | 'post:create'
  | 'post:update'
  | 'post:delete'
  | 'post:pin'
  | 'post:react'
  | 'comment:create'
  | 'comment:update'
  | 'comment:delete'
  | 'comment:react'
  | 'space:subscribe'
  | 'space:unsubscribe'
  | 'stream:resume';

/** Thin entry points: the payload is already validated; each calls one service function. */
export function streamCommandHandlers(stream: StreamService): Pick<CommandHandlers<Actor>, StreamCommand> {
  return {
    'post:create': ({ actor }, payload) => stream.doCreatePost(actor, payload),
    'post:update': ({ actor }, payload) => stream.doUpdatePost(actor, payload),
    'post:delete': ({ actor }, payload) => stream.doDeletePost(actor, payload.postId),
    'post:pin': ({ actor }, payload) => stream.doPinPost(actor, payload.postId, payload.pinned),
    'post:react': ({ actor }, payload) => stream.doReactPost(actor, payload.postId, payload.emoji),
    'comment:create': ({ actor }, payload) => stream.doCreateComment(actor, payload),
    'comment:update': ({ actor }, payload) => stream.doUpdateComment(actor, payload),
    'comment:delete': ({ actor }, payload) => stream.doDeleteComment(actor, payload.commentId),
    'comment:react': ({ actor }, payload) => stream.doReactComment(actor, payload.commentId, payload.emoji),
    'space:subscribe': async ({ actor, socket }, payload) => {
      const result = await stream.doSubscribe(actor, payload.spaceId);
      await socket.join(spaceRoom(payload.spaceId));
      return result;
    },
    'space:unsubscribe': async ({ actor, socket }, payload) => {
      if (await stream.checkUnsubscribe(actor, payload.spaceId)) await socket.leave(spaceRoom(payload.spaceId));
      return {};
    },
    'stream:resume': ({ actor }, payload) => stream.accessResume(actor, payload),
  };
}
