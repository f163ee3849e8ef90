// What reaches a member, and how (decision 020): per kind × channel, quiet hours, digests.
//
// Three layers, the first that says something wins: the member's own choice, the admins' default
// for the network, the kind's own default (notification-kinds.ts). The same order is used in JS
// (`effective`) and in SQL (`channelSql`), so one statement can choose the recipients of 5,000
// notifications and the preferences page shows what that statement will do.
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { settings } from '../../core/db/schema';
import type { SettingsRegistry } from '../../core/settings/settings';
import { clockTimeSchema, zoneSchema } from '../../../shared/api/notifications.routes';
import type { NotificationChannels, NotificationKindRegistry } from './notification-kinds';

export type NotificationChannel = keyof NotificationChannels;
export type DigestFrequency = 'daily' | 'weekly' | 'off';

const channelsSchema = z.object({
  app: z.boolean().optional(),
  email: z.enum(['immediate', 'digest', 'off']).optional(),
  push: z.boolean().optional(),
});

/** No push and no immediate mail between `from` and `to` in the member's zone (they wait, nothing is lost). */
export const quietHoursSchema = z.object({ from: clockTimeSchema, to: clockTimeSchema, timeZone: zoneSchema });
export type QuietHours = z.infer<typeof quietHoursSchema>;

const channelMap = z.record(z.string().max(64), channelsSchema).refine((map) => Object.keys(map).length <= 64, 'has too many kinds');

/** What a push shows on a lock screen: who and what ('full'), or only that there is something ('hidden'). */
export const pushPreviews = ['full', 'hidden'] as const;
export type PushPreview = (typeof pushPreviews)[number];

/** A member's own choices (settings scope 'member', key 'notifications'); what they did not set falls through. */
export const memberPreferencesSchema = z.object({
  channels: channelMap,
  quietHours: quietHoursSchema.nullable(),
  digest: z.enum(['daily', 'weekly', 'off']).nullable(),
  pushPreview: z.enum(pushPreviews),
});

/** The admins' defaults for the network (settings scope 'site', key 'notifications'). */
export const sitePreferencesSchema = z.object({
  channels: channelMap,
  digest: z.enum(['daily', 'weekly', 'off']),
  /** Immediate mail goes only when the notification is still unread after this long. */
  emailDelayMinutes: z.number().int().min(1).max(1440),
});

/** A space's default for its members (settings scope 'space', key 'notifications'): "notify by default" is 'all'. */
export const spacePreferencesSchema = z.object({
  defaultLevel: z.enum(['all', 'mentions']),
});

export interface EffectivePreferences {
  channels: Record<string, NotificationChannels>;
  quietHours: QuietHours | null;
  digest: DigestFrequency;
}

/** Minutes since midnight of `at` in `timeZone`. */
function minutesIn(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const hour = Number(parts.find((part) => part.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((part) => part.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

const toMinutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** Whether `at` falls in the quiet hours (which may run over midnight: 22:00–07:00). */
export function isQuiet(quietHours: QuietHours | null, at: Date): boolean {
  if (!quietHours) return false;
  const now = minutesIn(quietHours.timeZone, at);
  const from = toMinutes(quietHours.from);
  const to = toMinutes(quietHours.to);
  if (from === to) return false;
  return from < to ? now >= from && now < to : now >= from || now < to;
}

/** When the quiet hours that hold at `at` end (the first minute outside them), or `at` when not quiet. */
export function quietUntil(quietHours: QuietHours | null, at: Date): Date {
  let probe = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  // At most a day of minutes; quiet hours end within it.
  for (let step = 0; step < 24 * 60 && isQuiet(quietHours, probe); step += 1) probe = new Date(probe.getTime() + 60_000);
  return probe.getTime() < at.getTime() ? at : probe;
}

export function createNotificationPreferences(deps: { settingsRegistry: SettingsRegistry; kinds: NotificationKindRegistry }) {
  const { settingsRegistry, kinds } = deps;
  const member = settingsRegistry.define({
    scope: 'member',
    key: 'notifications',
    schema: memberPreferencesSchema,
    defaults: { channels: {}, quietHours: null, digest: null, pushPreview: 'full' },
  });
  const site = settingsRegistry.define({
    scope: 'site',
    key: 'notifications',
    schema: sitePreferencesSchema,
    defaults: { channels: {}, digest: 'weekly', emailDelayMinutes: 10 },
  });
  const space = settingsRegistry.define({ scope: 'space', key: 'notifications', schema: spacePreferencesSchema, defaults: { defaultLevel: 'mentions' } });

  /** The network's default for each kind: the admins' choice, else the kind's own. */
  async function networkChannels(): Promise<Record<string, NotificationChannels>> {
    const { channels } = await site.get();
    return Object.fromEntries(kinds.all().map((kind) => [kind.kind, { ...kind.channels, ...stripUndefined(channels[kind.kind]) }]));
  }

  return {
    member,
    site,
    space,
    networkChannels,

    /** What holds for a member: their choices over the network's defaults, kind by kind. */
    async effective(userId: string): Promise<EffectivePreferences> {
      const [own, network, siteValues] = await Promise.all([member.get(userId), networkChannels(), site.get()]);
      const channels = Object.fromEntries(Object.entries(network).map(([kind, value]) => [kind, { ...value, ...stripUndefined(own.channels[kind]) }]));
      return { channels, quietHours: own.quietHours, digest: own.digest ?? siteValues.digest };
    },

    /**
     * SQL for a member's setting of one kind's channel (`userId` is the member's uuid column), with
     * the network's default when they said nothing: a boolean for app and push, the mode text for email.
     */
    async channelSql(kind: string, channel: NotificationChannel, userId: SQL): Promise<SQL> {
      const fallback = (await networkChannels())[kind]?.[channel] ?? kinds.get(kind).channels[channel];
      const own = sql`(select ${settings.value} -> 'channels' -> ${kind}::text ->> ${channel}::text from ${settings}
        where ${settings.scope} = 'member' and ${settings.scopeId} = ${userId}::text and ${settings.key} = 'notifications')`;
      return channel === 'email' ? sql`coalesce(${own}, ${fallback}::text)` : sql`coalesce((${own})::boolean, ${fallback}::boolean)`;
    },
  };
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

export type NotificationPreferences = ReturnType<typeof createNotificationPreferences>;
