import type { JobDefinition } from '../../core/jobs/jobs';
import type { FeatureModule, Platform } from '../../core/module';
import type { Actor } from '../accounts/actor';
import type { NotificationKindRegistry } from './notification-kinds';
import type { NotificationPreferences } from './notification-preferences';
import type { NotificationsService } from './notifications.service';
import { createPushRepository } from './push.repository';
import { mountPushRoutes } from './push.routes';
import { createPushSender } from './push.sender';
import { createPushService, PUSH_JOB, type PushJobPayload } from './push.service';

/** Web push (decision 023): members' devices, and a channel of the notification centre. */
export function pushModule(
  platform: Platform<Actor>,
  deps: { notifications: { notifications: NotificationsService; kinds: NotificationKindRegistry; preferences: NotificationPreferences } },
) {
  const { config, db, logger, jobs, languages, createLimiter } = platform;
  const { notifications, kinds, preferences } = deps.notifications;
  const repository = createPushRepository(db);
  const sender = createPushSender({ subject: config.push.subject, allowPrivateAddresses: config.env !== 'production' });
  const push = createPushService({ config, db, logger, jobs, repository, sender, notifications, preferences, kinds, languages, createLimiter });
  notifications.addDelivery(push.delivery);
  const deliver: JobDefinition<PushJobPayload> = { run: (payload, context) => push.doDeliver(payload, context), maxAttempts: 5 };

  return {
    name: 'push',
    api: { push },
    routes(router) {
      mountPushRoutes(router, { push });
    },
    jobs: { [PUSH_JOB]: deliver },
  } satisfies FeatureModule<Actor>;
}
