import { and, eq } from 'drizzle-orm';
import { subscribe } from '../../core/events/domain-events';
import type { ContentRegistry } from '../../core/content/content-registry';
import '../../core/content/content.events';
import { spaceMembers } from '../../core/db/schema';
import type { FeatureModule, Platform } from '../../core/module';
import type { Actor } from '../accounts/actor';
import '../accounts/accounts.events';
import '../spaces/spaces.events';
import { coreNotificationKinds, createNotificationKinds } from './notification-kinds';
import { createNotificationPreferences } from './notification-preferences';
import { createNotificationsRepository } from './notifications.repository';
import { createNotificationPreferencesService } from './notification-preferences.service';
import { mountNotificationPreferenceRoutes, mountNotificationRoutes } from './notifications.routes';
import { createNotificationsService } from './notifications.service';

/** The notification centre (decision 020): who hears of what, grouped, read state on every device. */
export function notificationsModule(platform: Platform<Actor>, deps: { content: ContentRegistry<Actor> }) {
  const { db, work, memberLog } = platform;
  const { content } = deps;
  const kinds = createNotificationKinds().register(...coreNotificationKinds);
  const preferences = createNotificationPreferences({ settingsRegistry: platform.settings, kinds });
  const repository = createNotificationsRepository({ db, memberLog });
  const notifications = createNotificationsService({ db, work, memberLog, repository, kinds, content, preferences });

  async function hostsOf(spaceId: string): Promise<string[]> {
    const rows = await db
      .select({ userId: spaceMembers.userId })
      .from(spaceMembers)
      .where(and(eq(spaceMembers.spaceId, spaceId), eq(spaceMembers.role, 'host'), eq(spaceMembers.status, 'active')));
    return rows.map((row) => row.userId);
  }

  return {
    name: 'notifications',
    // Other features' kinds (events, files) register here as they land.
    api: { notifications, kinds, preferences },
    settings: [preferences.member, preferences.site, preferences.space],
    routes(router) {
      mountNotificationRoutes(router, { notifications });
      mountNotificationPreferenceRoutes(router, { preferences: createNotificationPreferencesService({ db, kinds, preferences }) });
    },
    subscriptions: [
      subscribe({
        event: 'account.erased',
        name: 'notifications.forget',
        durable: true,
        handle: ({ userId }) => notifications.doForget(userId),
      }),
      subscribe({
        event: 'content.written',
        name: 'notifications.content',
        durable: true,
        // New posts and comments; chat tells its own mentions, edits tell nobody again.
        when: (written) => written.change === 'created' && (written.kind === 'post' || written.kind === 'comment'),
        handle: (written) => notifications.doContentWritten(written),
      }),
      subscribe({
        event: 'space.membership-changed',
        name: 'notifications.join-request',
        durable: true,
        when: (change) => change.after === 'requested' && change.before !== 'requested',
        handle: async ({ spaceId, userId }) => {
          await notifications.doNotify({
            kind: 'join-request',
            userIds: await hostsOf(spaceId),
            actorId: userId,
            groupKey: `join-request:space:${spaceId}`,
            spaceId,
            subject: { kind: 'space', id: spaceId },
          });
        },
      }),
      subscribe({
        event: 'space.membership-changed',
        name: 'notifications.request-approved',
        durable: true,
        when: (change) => change.before === 'requested' && change.after === 'active',
        handle: async ({ spaceId, userId }) => {
          await notifications.doNotify({
            kind: 'request-approved',
            userIds: [userId],
            actorId: null,
            groupKey: `request-approved:space:${spaceId}`,
            spaceId,
            subject: { kind: 'space', id: spaceId },
          });
        },
      }),
      subscribe({
        event: 'space.membership-changed',
        name: 'notifications.invitation',
        durable: true,
        when: (change) => change.after === 'invited' && change.before !== 'invited',
        handle: async ({ spaceId, userId }) => {
          await notifications.doNotify({
            kind: 'invitation',
            userIds: [userId],
            actorId: null,
            groupKey: `invitation:space:${spaceId}`,
            // An invitation to a private space is readable by its invitee: the space is named.
            spaceId,
            subject: { kind: 'space', id: spaceId },
          });
        },
      }),
    ],
  } satisfies FeatureModule<Actor>;
}
