import type { ContentRegistry } from '../../../core/content/content-registry';
import { resolveSessionSecret } from '../../../core/auth/session';
import type { FeatureModule, Platform } from '../../../core/module';
import type { Actor } from '../../accounts/actor';
import type { NotificationKindRegistry } from '../notification-kinds';
import type { NotificationPreferences } from '../notification-preferences';
import type { NotificationsService } from '../notifications.service';
import { mountNotificationMailRoutes } from './notification-mail.routes';
import { createNotificationMail } from './notification-mail.service';
import { createUnsubscribeTokens } from './unsubscribe-token';

export const IMMEDIATE_JOB = 'notification-mail.immediate';
export const DIGEST_JOB = 'notification-mail.digest';

/** A run's clock: the schedule's time (tests enqueue a run "as at" a later time). */
const atOf = (payload: { at?: string }) => (payload.at ? new Date(payload.at) : new Date());

/** Notification email (decision 022): immediate mail after the unseen delay, digests, one-click unsubscribe. */
export function notificationMailModule(
  platform: Platform<Actor>,
  deps: { centre: { notifications: NotificationsService; kinds: NotificationKindRegistry; preferences: NotificationPreferences }; content: ContentRegistry<Actor> },
) {
  const { db, work, mail, languages, config, logger } = platform;
  const { notifications, kinds, preferences } = deps.centre;
  const notificationMail = createNotificationMail({
    db,
    work,
    mail,
    languages,
    config,
    notifications,
    kinds,
    preferences,
    content: deps.content,
    // The same secret as the sessions (SESSION_SECRET, else the generated file), under a key of its own.
    tokens: createUnsubscribeTokens(resolveSessionSecret(config, logger)),
  });
  notifications.addDelivery({
    name: 'email',
    afterNotify: ({ kind, told }) => notificationMail.doMarkDue(kind, told.map((each) => each.payload.notificationId)),
  });
  return {
    name: 'notification-mail',
    api: { notificationMail },
    routes(router) {
      mountNotificationMailRoutes(router, { notificationMail });
    },
    jobs: {
      [IMMEDIATE_JOB]: { maxAttempts: 3, run: async (payload: { at?: string }) => void (await notificationMail.doSendDue(atOf(payload))) },
      [DIGEST_JOB]: { maxAttempts: 3, run: async (payload: { at?: string }) => void (await notificationMail.doSendDigests(atOf(payload))) },
    },
    schedules: [
      { name: IMMEDIATE_JOB, everyMs: 60_000, job: IMMEDIATE_JOB },
      { name: DIGEST_JOB, everyMs: 15 * 60_000, job: DIGEST_JOB },
    ],
  } satisfies FeatureModule<Actor>;
}
