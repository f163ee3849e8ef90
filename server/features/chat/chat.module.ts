import type { FeatureModule, Platform } from '../../core/module';
import type { Actor } from '../accounts/actor';
import { chatLog } from './chat.repository';
import { mountChatRoutes } from './chat.routes';
import { createChatService } from './chat.service';
import { chatCommandHandlers } from './chat.socket';
import { createPresence } from './presence';

/** Space chats and direct messages, with presence, typing and read markers. */
export function chatModule(platform: Platform<Actor>) {
  const { db, realtime, logger, config, work, createLimiter, memberLog } = platform;
  const presence = createPresence({ db, realtime, logger });
  const chat = createChatService({
    db,
    realtime,
    presence,
    createLimiter,
    limits: {
      send: { points: config.limits.chatMessagesPerSecond, durationSeconds: 1 },
      burst: { points: config.limits.chatBurst, durationSeconds: 10 },
      reactionsPerMinute: config.limits.reactionsPerMinute,
      editsPerMinute: config.limits.editsPerMinute,
      resumeEvents: config.limits.resumeEventsPerCommand,
    },
    work,
    memberLog,
  });
  return {
    name: 'chat',
    api: { chat },
    routes(router) {
      mountChatRoutes(router, { chat });
    },
    commands: chatCommandHandlers(chat),
    logs: [chatLog],
    stop: () => presence.close(),
  } satisfies FeatureModule<Actor>;
}
