import { z } from 'zod';
import { notificationLevels, notificationTargetKinds } from '../protocol/notifications';
import { publicProfileSchema } from './accounts.routes';
import { cursor } from './input';
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
