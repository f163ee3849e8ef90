import '../../core/content/content.events';
import { subscribe } from '../../core/events/domain-events';
import type { FeatureModule, Platform } from '../../core/module';
import type { Actor } from '../accounts/actor';
import type { ChatService } from '../chat/chat.service';
import type { SpacesService } from '../spaces/spaces.service';
import type { StreamService } from '../spaces/stream.service';
import { createChecklist } from './checklist';
import { createHelpRequests } from './help-requests';
import { mountWelcomeRoutes } from './welcome.routes';
import { createWelcomeService } from './welcome.service';
import { defineChecklistSettings, defineWelcomeSettings } from './welcome.settings';

/**
 * A newcomer's first minutes: the welcome bot and email, joining the welcome space, replies to the
 * bot routed to the community managers (decision 019), and the admins' first-run checklist.
 */
export function welcomeModule(platform: Platform<Actor>, deps: { chat: ChatService; stream: StreamService; spaces: SpacesService }) {
  const { db, config, mail, languages, logger } = platform;
  const settings = defineWelcomeSettings(platform.settings);
  const checklistSettings = defineChecklistSettings(platform.settings);
  const welcome = createWelcomeService({ db, config, chat: deps.chat, stream: deps.stream, mail, settings, languages, spaces: deps.spaces, logger });
  const help = createHelpRequests({ db, config, chat: deps.chat, mail, languages, welcome });
  const checklist = createChecklist({ db, config, settings: checklistSettings, welcomeSettings: welcome.currentSettings });
  let botId: string | undefined;
  return {
    name: 'welcome',
    settings: [settings, checklistSettings],
    routes(router) {
      mountWelcomeRoutes(router, { welcome, help, checklist });
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
      // Live, not durable: a job row per chat message would tax every message of the network for
      // the few that are replies to the bot (decision 019 says what a crash can cost).
      subscribe({
        event: 'content.written',
        name: 'welcome.help-request',
        durable: false,
        when: (written) => written.kind === 'message' && written.change === 'created' && written.authorId !== botId,
        handle: async (written) => {
          botId ??= (await welcome.botUser()).id;
          await help.noteMessage(written);
        },
      }),
    ],
  } satisfies FeatureModule<Actor>;
}
