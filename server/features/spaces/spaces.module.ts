import { memberLimit } from '../../core/auth/rate-limit';
import { subscribe } from '../../core/events/domain-events';
import type { FeatureModule, Platform } from '../../core/module';
import type { Actor } from '../accounts/actor';
import './spaces.events';
import { mountSpaceRoutes } from './spaces.routes';
import { createSpacesService } from './spaces.service';
import { streamCommandHandlers } from './stream.socket';
import { streamLog } from './stream.repository';
import { createStreamService } from './stream.service';

/** Spaces with their members and roles, and each space's live stream of posts and comments. */
export function spacesModule(platform: Platform<Actor>) {
  const { db, realtime, config, work, createLimiter } = platform;
  const spaces = createSpacesService({ db, realtime, config, work });
  const perMinute = (keyPrefix: string, points: number, message: string) => memberLimit(createLimiter, { keyPrefix, points, durationSeconds: 60, message });
  const stream = createStreamService({
    db,
    realtime,
    work,
    memberLog: platform.memberLog,
    limits: {
      posts: perMinute('posts', config.limits.postsPerMinute, 'You are posting too fast; wait a moment'),
      comments: perMinute('comments', config.limits.commentsPerMinute, 'You are commenting too fast; wait a moment'),
      reactions: perMinute('reactions', config.limits.reactionsPerMinute, 'You are reacting too fast; wait a moment'),
      edits: perMinute('edits', config.limits.editsPerMinute, 'You are editing too fast; wait a moment'),
      resumeEvents: config.limits.resumeEventsPerCommand,
    },
  });
  return {
    name: 'spaces',
    api: { spaces, stream },
    routes(router) {
      mountSpaceRoutes(router, { spaces, stream });
    },
    commands: streamCommandHandlers(stream),
    // A member's sockets are in their spaces' rooms from the handshake on.
    roomsOnConnect: (actor) => spaces.roomsOf(actor.user.id),
    logs: [streamLog],
    subscriptions: [
      subscribe({
        event: 'account.erased',
        name: 'spaces.forget-member',
        durable: true,
        handle: ({ userId }) => spaces.doForgetMember(userId),
      }),
    ],
  } satisfies FeatureModule<Actor>;
}
