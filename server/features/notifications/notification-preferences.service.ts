// What a member, the admins and a space's hosts choose about notifications (decision 020,
// "Preferences, defaults and quiet hours"). The values live in the settings groups of
// notification-preferences.ts; this service checks who may change which, and that every kind named
// is registered, before it writes.
import { and, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type {
  NetworkNotificationDefaults,
  NotificationPreferencesView,
  updateNetworkNotificationDefaultsSchema,
  updateNotificationPreferencesSchema,
} from '../../../shared/api/notifications.routes';
import type { Db } from '../../core/db/database';
import { notificationLevels, spaceMembers, spaces } from '../../core/db/schema';
import { AppError, problem, type FieldError } from '../../core/errors';
import { checkAdmin, type Actor } from '../accounts/actor';
import { accessVisibleSpace, checkCanManage } from '../spaces/spaces.access';
import type { NotificationChannels, NotificationKindRegistry } from './notification-kinds';
import type { NotificationPreferences } from './notification-preferences';

type ChannelChoices = Record<string, Partial<NotificationChannels> | null>;
type StoredChannels = Readonly<Record<string, Partial<NotificationChannels>>>;

export function createNotificationPreferencesService(deps: { db: Db; kinds: NotificationKindRegistry; preferences: NotificationPreferences }) {
  const { db, kinds, preferences } = deps;

  /**
   * Every kind named must be registered; a notice about one's own account (not mutable) keeps its
   * in-app channel: it is how the member learns of a moderation decision or new guidelines.
   */
  function checkChannelChoices(choices: ChannelChoices): void {
    const errors: FieldError[] = [];
    for (const [name, choice] of Object.entries(choices)) {
      const kind = kinds.find(name);
      if (!kind) errors.push({ path: `channels.${name}`, message: 'is not a kind of notification' });
      else if (kind.mailOnly && (choice?.app || choice?.push || choice?.email === 'digest')) {
        errors.push({ path: `channels.${name}`, message: 'is an email of its own: it is sent at once or not at all' });
      } else if (choice?.app === false && !kind.mutable && !kind.mailOnly) errors.push({ path: `channels.${name}.app`, message: 'cannot be turned off for notices about your own account' });
    }
    if (errors.length) throw new AppError('validation_failed', problem('Invalid {{where}}: {{path}} {{message}}', { where: 'body', path: errors[0]!.path, message: errors[0]!.message }), { errors });
  }

  /** The stored choices with these merged in kind by kind (null, or nothing left: the kind's choice goes). */
  function merged(stored: StoredChannels, choices: ChannelChoices): Record<string, Partial<NotificationChannels>> {
    const next: Record<string, Partial<NotificationChannels>> = { ...stored };
    for (const [name, choice] of Object.entries(choices)) {
      const value = choice === null ? {} : { ...next[name], ...defined(choice) };
      if (Object.keys(value).length === 0) delete next[name];
      else next[name] = value;
    }
    // Kinds no longer registered (a feature removed) are dropped on the next write.
    return Object.fromEntries(Object.entries(next).filter(([name]) => kinds.find(name)));
  }

  async function preferencesView(userId: string): Promise<NotificationPreferencesView> {
    const [own, network, effective] = await Promise.all([preferences.member.get(userId), preferences.networkChannels(), preferences.effective(userId)]);
    return {
      kinds: kinds.all().map((kind) => ({
        kind: kind.kind,
        mutable: kind.mutable,
        mailOnly: kind.mailOnly ?? false,
        channels: effective.channels[kind.kind] ?? kind.channels,
        own: defined(own.channels[kind.kind] ?? {}),
        network: network[kind.kind] ?? kind.channels,
      })),
      quietHours: own.quietHours,
      digest: own.digest,
      effectiveDigest: effective.digest,
      pushPreview: own.pushPreview,
    };
  }

  async function networkView(): Promise<NetworkNotificationDefaults> {
    const [network, site] = await Promise.all([preferences.networkChannels(), preferences.site.get()]);
    return {
      kinds: kinds.all().map((kind) => ({ kind: kind.kind, mutable: kind.mutable, mailOnly: kind.mailOnly ?? false, channels: network[kind.kind] ?? kind.channels, builtIn: kind.channels })),
      digest: site.digest,
      emailDelayMinutes: site.emailDelayMinutes,
    };
  }

  return {
    accessPreferences: (actor: Actor) => preferencesView(actor.user.id),

    async doUpdatePreferences(actor: Actor, input: z.output<typeof updateNotificationPreferencesSchema>) {
      const userId = actor.user.id;
      const patch: Parameters<typeof preferences.member.update>[1] = {};
      if (input.channels) {
        checkChannelChoices(input.channels);
        patch.channels = merged((await preferences.member.get(userId)).channels, input.channels);
      }
      if (input.quietHours !== undefined) patch.quietHours = input.quietHours;
      if (input.digest !== undefined) patch.digest = input.digest;
      if (input.pushPreview !== undefined) patch.pushPreview = input.pushPreview;
      if (Object.keys(patch).length) await preferences.member.update(db, patch, userId);
      return preferencesView(userId);
    },

    /** The member's active spaces with their level (their choice in force, else the space's default). */
    async accessMySpaceLevels(actor: Actor) {
      const rows = await db
        .select({ id: spaces.id, slug: spaces.slug, name: spaces.name, color: spaces.color, level: notificationLevels.level, mutedUntil: notificationLevels.mutedUntil })
        .from(spaceMembers)
        .innerJoin(spaces, eq(spaces.id, spaceMembers.spaceId))
        .leftJoin(
          notificationLevels,
          and(eq(notificationLevels.userId, spaceMembers.userId), eq(notificationLevels.targetKind, 'space'), eq(notificationLevels.targetId, spaceMembers.spaceId)),
        )
        .where(and(eq(spaceMembers.userId, actor.user.id), eq(spaceMembers.status, 'active')))
        .orderBy(spaces.name);
      const now = Date.now();
      return {
        items: await Promise.all(
          rows.map(async (row) => {
            const inForce = row.level !== null && (row.mutedUntil === null || row.mutedUntil.getTime() > now);
            return {
              space: { id: row.id, slug: row.slug, name: row.name, color: row.color },
              level: {
                targetKind: 'space' as const,
                targetId: row.id,
                level: inForce ? row.level! : (await preferences.space.get(row.id)).defaultLevel,
                mutedUntil: inForce && row.mutedUntil ? row.mutedUntil.toISOString() : null,
                isDefault: !inForce,
              },
            };
          }),
        ),
      };
    },

    async accessNetworkDefaults(actor: Actor) {
      checkAdmin(actor);
      return networkView();
    },

    async doUpdateNetworkDefaults(actor: Actor, input: z.output<typeof updateNetworkNotificationDefaultsSchema>) {
      checkAdmin(actor);
      const patch: Parameters<typeof preferences.site.update>[1] = {};
      if (input.channels) {
        checkChannelChoices(input.channels);
        patch.channels = merged((await preferences.site.get()).channels, input.channels);
      }
      if (input.digest !== undefined) patch.digest = input.digest;
      if (input.emailDelayMinutes !== undefined) patch.emailDelayMinutes = input.emailDelayMinutes;
      if (Object.keys(patch).length) await preferences.site.update(db, patch);
      return networkView();
    },

    /** Anyone who may know the space exists: the level pickers say what "default" means. */
    async accessSpaceDefault(actor: Actor, spaceId: string) {
      const { space } = await accessVisibleSpace(db, actor, { id: spaceId });
      return { spaceId: space.id, defaultLevel: (await preferences.space.get(space.id)).defaultLevel };
    },

    async doSetSpaceDefault(actor: Actor, spaceId: string, input: { defaultLevel: 'all' | 'mentions' }) {
      const access = await accessVisibleSpace(db, actor, { id: spaceId });
      checkCanManage(access);
      const saved = await preferences.space.update(db, { defaultLevel: input.defaultLevel }, access.space.id);
      return { spaceId: access.space.id, defaultLevel: saved.defaultLevel };
    },
  };
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

export type NotificationPreferencesService = ReturnType<typeof createNotificationPreferencesService>;
