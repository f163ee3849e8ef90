import { z } from 'zod';
import { notificationLevels, notificationTargetKinds } from '../protocol/notifications';
import { publicProfileSchema } from './accounts.routes';
import { cursor, timeZone } from './input';
import { defineRoute } from './route-spec';

// The notification centre (decision 020): my notifications, grouped while unread, each built when
// read through the access checks of what it is about, so one about a post I may no longer read
// shows as gone; how much I hear of each space, thread and conversation.

export const notificationSubjectSchema = z
  .object({
    kind: z.string().describe("The content registry's kind: post, comment, message, space…"),
    id: z.uuid(),
    /** False when it was deleted or hidden, or I may no longer read it: nothing of it is shown. */
    available: z.boolean(),
    excerpt: z.string().describe('A short plain-text excerpt; empty when not available'),
    link: z.string().nullable().describe('Where to open it; null when not available'),
  })
  .meta({ id: 'NotificationSubject' });

export const notificationSchema = z
  .object({
    id: z.uuid(),
    kind: z.string(),
    actors: z.array(publicProfileSchema).describe('Who did it, latest first (at most 3)'),
    actorCount: z.number().int().min(0).describe('How many did it in all ("Ann and 3 others")'),
    space: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }).nullable(),
    subject: notificationSubjectSchema.nullable(),
    data: z.record(z.string(), z.unknown()).describe('Small facts of the kind (a role, a guidelines version)'),
    link: z.string().nullable().describe('Where clicking it leads'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    read: z.boolean(),
  })
  .meta({ id: 'Notification' });

export type NotificationView = z.infer<typeof notificationSchema>;

export const notificationPageSchema = z
  .object({
    items: z.array(notificationSchema),
    unread: z.number().int().min(0),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'NotificationPage' });

export const markNotificationsReadSchema = z
  .object({
    ids: z.array(z.uuid()).min(1).max(200).optional().describe('These; without ids, all of mine'),
  })
  .strict()
  .meta({ id: 'MarkNotificationsRead' });

export const notificationLevelSchema = z
  .object({
    targetKind: z.enum(notificationTargetKinds),
    targetId: z.uuid(),
    level: z.enum(notificationLevels),
    /** Set with a timed mute: when it ends by itself. */
    mutedUntil: z.iso.datetime().nullable(),
    /** True when no choice of mine is stored: the level is the default. */
    isDefault: z.boolean(),
  })
  .meta({ id: 'NotificationLevel' });

export const setNotificationLevelSchema = z
  .object({
    level: z.enum(notificationLevels),
    /** With 'muted': for how long ('forever': until I unmute). */
    muteFor: z.enum(['1h', '1d', '1w', 'forever']).optional(),
  })
  .strict()
  .refine((value) => value.muteFor === undefined || value.level === 'muted', { message: 'muteFor goes with level "muted"', path: ['muteFor'] })
  .meta({ id: 'SetNotificationLevel' });

const levelParams = z.object({ targetKind: z.enum(notificationTargetKinds), targetId: z.uuid() }).strict();

export const notificationRoutes = {
  notifications: defineRoute({
    method: 'get',
    path: '/api/v1/notifications',
    summary: 'My notifications, latest activity first, with my unread count.',
    tag: 'notifications',
    access: 'member',
    query: z.object({ cursor: cursor().optional(), unread: z.enum(['true', 'false']).optional(), limit: z.coerce.number().int().min(1).max(50).default(30) }).strict(),
    responses: { 200: { description: 'A page of notifications', schema: notificationPageSchema } },
  }),
  notification: defineRoute({
    method: 'get',
    path: '/api/v1/notifications/:notificationId',
    summary: 'One of my notifications (after notification:changed).',
    tag: 'notifications',
    access: 'member',
    params: z.object({ notificationId: z.uuid() }).strict(),
    responses: { 200: { description: 'The notification', schema: notificationSchema } },
    errors: [404],
  }),
  markNotificationsRead: defineRoute({
    method: 'post',
    path: '/api/v1/notifications/read',
    summary: 'Marks some or all of my notifications read; every tab and device of mine hears it (notification:read).',
    tag: 'notifications',
    access: 'member',
    body: markNotificationsReadSchema,
    responses: { 200: { description: 'My unread count after', schema: z.object({ unread: z.number().int().min(0) }).meta({ id: 'UnreadNotifications' }) } },
  }),
  notificationLevel: defineRoute({
    method: 'get',
    path: '/api/v1/notifications/levels/:targetKind/:targetId',
    summary: 'How much I hear of a space, a thread (a post and its comments) or a conversation.',
    tag: 'notifications',
    access: 'member',
    params: levelParams,
    responses: { 200: { description: 'My level', schema: notificationLevelSchema } },
    errors: [404],
  }),
  setNotificationLevel: defineRoute({
    method: 'put',
    path: '/api/v1/notifications/levels/:targetKind/:targetId',
    summary: 'Follows (all), hears only mentions and replies (mentions), or mutes a space, thread or conversation, for a while or until unmuted.',
    tag: 'notifications',
    access: 'member',
    params: levelParams,
    body: setNotificationLevelSchema,
    responses: { 200: { description: 'My level', schema: notificationLevelSchema } },
    errors: [404],
  }),
  resetNotificationLevel: defineRoute({
    method: 'delete',
    path: '/api/v1/notifications/levels/:targetKind/:targetId',
    summary: 'Back to the default level for this space, thread or conversation.',
    tag: 'notifications',
    access: 'member',
    params: levelParams,
    responses: { 200: { description: 'My level', schema: notificationLevelSchema } },
    errors: [404],
  }),
};

// ── Preferences (decision 020, "Preferences, defaults and quiet hours") ─────────────────────────
// What reaches me per kind × channel, my quiet hours and digest; the admins' defaults for the
// network; a space's default level ("notify members of every new post by default").

export const emailModes = ['immediate', 'digest', 'off'] as const;
export const digestFrequencies = ['daily', 'weekly', 'off'] as const;

/** A time of day as a clock shows it, 00:00–23:59. */
export const clockTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time as HH:MM');

/** Any zone name the runtime's Intl accepts, aliases included (a browser may report Asia/Calcutta). */
export const zoneSchema = timeZone({ aliases: true });

/**
 * Quiet hours: no push and no immediate mail from `from` to `to` (which may run over midnight) in `timeZone`.
 * @example quietHoursInputSchema.parse({ from: '22:00', to: '07:00', timeZone: 'Europe/Paris' })
 */
export const quietHoursInputSchema = z
  .object({
    from: clockTimeSchema,
    to: clockTimeSchema,
    timeZone: zoneSchema,
  })
  .strict()
  .refine((value) => value.from !== value.to, { message: 'must end at another time than it starts', path: ['to'] })
  .meta({ id: 'QuietHours' });

export const notificationChannelsSchema = z
  .object({
    app: z.boolean().describe('In the bell and the list'),
    email: z.enum(emailModes).describe('immediate: mailed when still unread after the delay; digest: in the daily or weekly digest'),
    push: z.boolean(),
  })
  .meta({ id: 'NotificationChannels' });

/** Some channels of one kind; null for the kind: back to the default. */
const channelChoiceSchema = z
  .object({ app: z.boolean().optional(), email: z.enum(emailModes).optional(), push: z.boolean().optional() })
  .strict()
  .nullable();

const kindName = z.string().min(1).max(64);
const channelChoices = z
  .record(kindName, channelChoiceSchema)
  .refine((map) => Object.keys(map).length <= 64, 'has too many kinds')
  .describe('Per kind: the channels to set (others stay); null: back to the default for that kind');

export const notificationKindPreferenceSchema = z
  .object({
    kind: z.string(),
    /**
     * False for notices about my own account (moderation, guidelines, invitations): muting a space
     * does not silence them and their in-app channel stays on.
     */
    mutable: z.boolean(),
    /** An email of its own (the RSVP confirmation): no bell, no push, no digest; sent at once or not at all. */
    mailOnly: z.boolean(),
    channels: notificationChannelsSchema.describe('What holds for me: my choice, else the network default'),
    own: notificationChannelsSchema.partial().describe('What I chose myself; what is missing falls through to the network default'),
    network: notificationChannelsSchema.describe('The network default (what holds when I choose nothing)'),
  })
  .meta({ id: 'NotificationKindPreference' });

export const notificationPreferencesSchema = z
  .object({
    kinds: z.array(notificationKindPreferenceSchema).describe('Every registered kind'),
    quietHours: quietHoursInputSchema.nullable(),
    digest: z.enum(digestFrequencies).nullable().describe('My choice; null: the network default'),
    pushPreview: z.enum(['full', 'hidden']).describe('What my pushes show on a lock screen: who and what, or only that there is something'),
    effectiveDigest: z.enum(digestFrequencies),
  })
  .meta({ id: 'NotificationPreferences' });

export type NotificationPreferencesView = z.infer<typeof notificationPreferencesSchema>;

export const updateNotificationPreferencesSchema = z
  .object({
    channels: channelChoices.optional(),
    quietHours: quietHoursInputSchema.nullable().optional().describe('null: no quiet hours'),
    digest: z.enum(digestFrequencies).nullable().optional().describe('null: the network default'),
    pushPreview: z.enum(['full', 'hidden']).optional(),
  })
  .strict()
  .meta({ id: 'UpdateNotificationPreferences', description: 'What is left out stays as it is.' });

export const networkNotificationDefaultsSchema = z
  .object({
    kinds: z.array(
      z.object({
        kind: z.string(),
        mutable: z.boolean(),
        mailOnly: z.boolean(),
        channels: notificationChannelsSchema.describe('The network default: the admins’ choice, else the kind’s own'),
        builtIn: notificationChannelsSchema.describe('The kind’s own default'),
      }),
    ),
    digest: z.enum(digestFrequencies),
    emailDelayMinutes: z.number().int(),
  })
  .meta({ id: 'NetworkNotificationDefaults' });

export type NetworkNotificationDefaults = z.infer<typeof networkNotificationDefaultsSchema>;

export const updateNetworkNotificationDefaultsSchema = z
  .object({
    channels: channelChoices.optional(),
    digest: z.enum(digestFrequencies).optional(),
    emailDelayMinutes: z.number().int().min(1).max(1440).optional().describe('Immediate mail waits this long for the member to read it in the app'),
  })
  .strict()
  .meta({ id: 'UpdateNetworkNotificationDefaults', description: 'What is left out stays as it is.' });

export const spaceNotificationDefaultSchema = z
  .object({
    spaceId: z.uuid(),
    defaultLevel: z.enum(['all', 'mentions']).describe('all: members who chose nothing hear of every new post'),
  })
  .meta({ id: 'SpaceNotificationDefault' });

export const setSpaceNotificationDefaultSchema = z.object({ defaultLevel: z.enum(['all', 'mentions']) }).strict().meta({ id: 'SetSpaceNotificationDefault' });

export const mySpaceLevelsSchema = z
  .object({
    items: z.array(
      z.object({
        space: z.object({ id: z.uuid(), slug: z.string(), name: z.string(), color: z.string() }),
        level: notificationLevelSchema,
      }),
    ),
  })
  .meta({ id: 'MySpaceLevels' });

const spaceParams = z.object({ spaceId: z.uuid() }).strict();

export const notificationPreferenceRoutes = {
  notificationPreferences: defineRoute({
    method: 'get',
    path: '/api/v1/me/notification-preferences',
    summary: 'What reaches me of each kind in the app, by mail and by push; my quiet hours and digest.',
    tag: 'notifications',
    access: 'member',
    responses: { 200: { description: 'My preferences', schema: notificationPreferencesSchema } },
  }),
  updateNotificationPreferences: defineRoute({
    method: 'put',
    path: '/api/v1/me/notification-preferences',
    summary: 'Changes what reaches me (per kind and channel), my quiet hours or my digest; what is left out stays.',
    tag: 'notifications',
    access: 'member',
    body: updateNotificationPreferencesSchema,
    responses: { 200: { description: 'My preferences', schema: notificationPreferencesSchema } },
  }),
  mySpaceLevels: defineRoute({
    method: 'get',
    path: '/api/v1/me/notification-levels/spaces',
    summary: 'How much I hear of each space I am a member of.',
    tag: 'notifications',
    access: 'member',
    responses: { 200: { description: 'My spaces and their levels', schema: mySpaceLevelsSchema } },
  }),
  networkNotificationDefaults: defineRoute({
    method: 'get',
    path: '/api/v1/admin/notifications',
    summary: 'The network’s notification defaults (for members who chose nothing), digest and mail delay. Admins only.',
    tag: 'admin',
    access: 'member',
    responses: { 200: { description: 'The defaults', schema: networkNotificationDefaultsSchema } },
    errors: [403],
  }),
  updateNetworkNotificationDefaults: defineRoute({
    method: 'put',
    path: '/api/v1/admin/notifications',
    summary: 'Changes the network’s notification defaults; what is left out stays. Admins only.',
    tag: 'admin',
    access: 'member',
    body: updateNetworkNotificationDefaultsSchema,
    responses: { 200: { description: 'The defaults', schema: networkNotificationDefaultsSchema } },
    errors: [403],
  }),
  spaceNotificationDefault: defineRoute({
    method: 'get',
    path: '/api/v1/spaces/:spaceId/notification-default',
    summary: 'The level a member of this space has until they choose one.',
    tag: 'notifications',
    access: 'member',
    params: spaceParams,
    responses: { 200: { description: 'The space’s default', schema: spaceNotificationDefaultSchema } },
    errors: [404],
  }),
  setSpaceNotificationDefault: defineRoute({
    method: 'put',
    path: '/api/v1/spaces/:spaceId/notification-default',
    summary: 'Whether members who chose nothing hear of every new post (all) or only mentions and replies. Hosts and site admins.',
    tag: 'notifications',
    access: 'member',
    params: spaceParams,
    body: setSpaceNotificationDefaultSchema,
    responses: { 200: { description: 'The space’s default', schema: spaceNotificationDefaultSchema } },
    errors: [403, 404],
  }),
};
