import { and, eq } from 'drizzle-orm';
import { subscribe } from '../../core/events/domain-events';
import type { ContentRegistry } from '../../core/content/content-registry';
import '../../core/content/content.events';
import { spaceMembers } from '../../core/db/schema';
import type { FeatureModule, Platform } from '../../core/module';
import type { Actor } from '../accounts/actor';
import '../accounts/accounts.events';
import '../spaces/spaces.events';
import '../moderation/moderation.events';
import { coreNotificationKinds, createNotificationKinds } from './notification-kinds';
import { createNotificationPreferences } from './notification-preferences';
import { createNotificationsRepository } from './notifications.repository';
import { createNotificationPreferencesService } from './notification-preferences.service';
import { mountNotificationPreferenceRoutes, mountNotificationRoutes } from './notifications.routes';
import { createNotificationsService } from './notifications.service';

/** The job that tells the participants of a direct conversation of a message they have not read after the delay. */
export const MESSAGE_UNREAD_JOB = 'notifications.message-unread';

/** "A DM not read within a few minutes" (issue #14): the chat's own unread badge covers the first minutes. */
export const MESSAGE_UNREAD_DELAY_MS = 3 * 60_000;

/** The notification centre (decision 020): who hears of what, grouped, read state on every device. */
export function notificationsModule(platform: Platform<Actor>, deps: { content: ContentRegistry<Actor>; conversations: { accessConversation(actor: Actor, conversationId: string): Promise<unknown> } }) {
  const { db, work, memberLog } = platform;
  const { content } = deps;
  const kinds = createNotificationKinds().register(...coreNotificationKinds);
  const preferences = createNotificationPreferences({ settingsRegistry: platform.settings, kinds });
  const repository = createNotificationsRepository({ db, memberLog });
  const notifications = createNotificationsService({ db, work, memberLog, repository, kinds, content, preferences, conversations: deps.conversations });

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
    jobs: {
      [MESSAGE_UNREAD_JOB]: {
        run: async ({ messageId }: { messageId: string }) => notifications.doMessageUnread(messageId),
      },
    },
    subscriptions: [
      subscribe({
        event: 'content.reacted',
        name: 'notifications.reaction',
        durable: true,
        when: (reacted) => reacted.kind === 'post' || reacted.kind === 'comment',
        handle: (reacted) => notifications.doReacted(reacted),
      }),
      subscribe({
        event: 'content.written',
        name: 'notifications.message',
        durable: true,
        when: (written) => written.change === 'created' && written.kind === 'message',
        handle: async (written) => {
          const { direct } = await notifications.doMessageWritten(written);
          if (direct) {
            await platform.jobs.enqueue(db, {
              kind: MESSAGE_UNREAD_JOB,
              payload: { messageId: written.id },
              runAt: new Date(Date.now() + MESSAGE_UNREAD_DELAY_MS),
              dedupeKey: `${MESSAGE_UNREAD_JOB}:${written.id}`,
            });
          }
        },
      }),
      subscribe({
        event: 'account.guidelines-published',
        name: 'notifications.guidelines',
        durable: true,
        handle: (published) => notifications.doGuidelinesPublished(published),
      }),
      subscribe({
        event: 'moderation.noticed',
        name: 'notifications.moderation',
        durable: true,
        handle: (noticed) => notifications.doModerationNoticed(noticed),
      }),
      subscribe({
        event: 'moderation.notices-read',
        name: 'notifications.moderation-read',
        durable: true,
        handle: ({ userId }) => notifications.doMarkKindRead(userId, 'moderation'),
      }),
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
