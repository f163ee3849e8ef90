import { subscribe } from '../../core/events/domain-events';
import type { FeatureModule, Platform } from '../../core/module';
import type { Actor } from '../accounts/actor';
import type { ChatService } from '../chat/chat.service';
import type { StreamService } from '../spaces/stream.service';
import { mountWelcomeRoutes } from './welcome.routes';
import { createWelcomeService } from './welcome.service';
import { defineWelcomeSettings } from './welcome.settings';

/** The welcome bot and the welcome email: they greet every newcomer, and in spaces with a greeting. */
export function welcomeModule(platform: Platform<Actor>, deps: { chat: ChatService; stream: StreamService }) {
  const { db, config, mail } = platform;
  const settings = defineWelcomeSettings(platform.settings);
  const welcome = createWelcomeService({ db, config, chat: deps.chat, stream: deps.stream, mail, settings });
  return {
    name: 'welcome',
    settings: [settings],
    routes(router) {
      mountWelcomeRoutes(router, { welcome });
    },
    subscriptions: [
      subscribe({
        event: 'account.guidelines-first-accepted',
        name: 'welcome.greet-newcomer',
        durable: true,
        dedupeKey: ({ userId }) => userId,
        handle: ({ userId }) => welcome.greetNewcomer(userId),
      }),
      subscribe({
        event: 'space.membership-changed',
        name: 'welcome.greet-in-space',
        durable: true,
        // Joined, approved or accepted an invitation; a space's first members are its creators, not newcomers.
        when: (change) => change.after === 'active' && change.before !== 'active' && change.via !== 'creation',
        dedupeKey: ({ spaceId, userId }) => `${spaceId}:${userId}`,
        handle: ({ userId, spaceId }) => welcome.greetInSpace(userId, spaceId),
      }),
    ],
  } satisfies FeatureModule<Actor>;
}
