import { z } from 'zod';
import { inMemberLog } from './member';
import type { EventSpec } from './spec';

// A member's notifications (decision 020): the rows live on the server; what reaches a member's
// sockets through their own log is small — which notification changed and the new unread count —
// and the client loads the item itself, through the same access checks as the list.

/** Every kind the platform knows; features register more (events, files) as they land. */
export const notificationKinds = [
  'mention',
  'reply',
  'thread',
  'reaction',
  'message',
  'join-request',
  'request-approved',
  'invitation',
  'moderation',
  'guidelines',
  'new-post',
  // The events calendar (decision 021). 'event.new' is registered but not sent today: a new event
  // reaches the space's followers as the new post that carries it ('new-post').
  'event.new',
  'event.changed',
  'event.cancelled',
  'event.reminder',
  'event.offer',
  // An email of its own (mailOnly): the confirmation, with a calendar file, of an RSVP "going".
  'event.confirmation',
] as const;

/** How much a member hears of a space, a thread or a conversation. */
export const notificationLevels = ['all', 'mentions', 'muted'] as const;
export type NotificationLevel = (typeof notificationLevels)[number];

export const notificationTargetKinds = ['space', 'thread', 'conversation'] as const;
export type NotificationTargetKind = (typeof notificationTargetKinds)[number];

export const notificationChangedSchema = z
  .object({
    notificationId: z.uuid(),
    kind: z.string().describe('A registered notification kind (see notificationKinds)'),
    /** True when it is new; false when an unread one grew ("Ann and 3 others…"). */
    created: z.boolean(),
    unread: z.number().int().min(0).describe('My unread notifications after this one'),
    ...inMemberLog,
  })
  .meta({ id: 'NotificationChanged' });

export const notificationsReadSchema = z
  .object({
    ids: z.array(z.uuid()).nullable().describe('The notifications marked read; null: all of them'),
    unread: z.number().int().min(0),
    ...inMemberLog,
  })
  .meta({ id: 'NotificationsRead' });

export const notificationEvents = {
  'notification:changed': {
    summary: 'A notification of mine was created or grew (grouped while unread). Load it with GET /api/v1/notifications/{id}.',
    audience: 'user:<userId>',
    payload: notificationChangedSchema,
  },
  'notification:read': {
    summary: 'Notifications of mine were marked read (in another tab or device too), with my unread count after.',
    audience: 'user:<userId>',
    payload: notificationsReadSchema,
  },
} satisfies Record<string, EventSpec>;
