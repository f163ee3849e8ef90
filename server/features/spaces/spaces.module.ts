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
  const { db, realtime, config, work } = platform;
  const spaces = createSpacesService({ db, realtime, config, work });
  const stream = createStreamService({ db, realtime, work, memberLog: platform.memberLog });
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
