import type { FeatureModule, Platform } from '../../core/module';
import type { Actor } from '../accounts/actor';
import type { StreamService } from '../spaces/stream.service';
import type { createNotificationsService } from '../notifications/notifications.service';
import type { NotificationKindRegistry } from '../notifications/notification-kinds';
import { mountCalendarRoutes } from './calendar.routes';
import type { NotificationMail } from '../notifications/mail/notification-mail.service';
import { CONFIRM, CONFIRMATION_KIND, createCalendarService, EVENT_ICS, MINUTELY, NOTIFY, OFFER_EXPIRES } from './calendar.service';

type Notifications = ReturnType<typeof createNotificationsService>;

/** The events calendar (decision 021): events as posts, recurrence in real zones, RSVPs with a waiting list, feeds. */
export function calendarModule(
  platform: Platform<Actor>,
  deps: {
    stream: StreamService;
    notifications: { notifications: Notifications; kinds: NotificationKindRegistry };
    /** The confirmation mail follows the member's email choice for `event.confirmation`, with its unsubscribe link. */
    notificationMail: Pick<NotificationMail, 'kindMail'>;
    now?: () => Date;
  },
) {
  const { db, work, jobs, memberLog, settings, config, mail, languages } = platform;
  const calendar = createCalendarService({
    db,
    work,
    jobs,
    memberLog,
    stream: deps.stream,
    settings,
    publicUrl: config.publicUrl,
    mail,
    languages,
    kindMail: deps.notificationMail.kindMail,
    now: deps.now,
  });
  mail.registerAttachment(EVENT_ICS, (ref, to) => calendar.makeOccurrenceIcs(ref, to));
  const direct = { app: true, email: 'immediate', push: true } as const;
  deps.notifications.kinds.register(
    { kind: 'event.new', channels: { app: true, email: 'digest', push: false }, mutable: true },
    { kind: 'event.changed', channels: direct, mutable: true },
    { kind: 'event.cancelled', channels: direct, mutable: false },
    { kind: 'event.reminder', channels: direct, mutable: false },
    { kind: 'event.offer', channels: direct, mutable: false },
    { kind: CONFIRMATION_KIND, channels: { app: false, email: 'immediate', push: false }, mutable: false, mailOnly: true },
  );
  const notify = deps.notifications.notifications;

  return {
    name: 'calendar',
    api: { calendar },
    settings: [calendar.spaceSettings],
    routes(router) {
      mountCalendarRoutes(router, { calendar });
    },
    commands: {
      'calendar:rsvp': ({ actor }, payload) => calendar.doRsvp(actor, payload.eventId, payload.occurrence, { status: payload.status, guests: payload.guests }),
    },
    jobs: {
      [OFFER_EXPIRES]: { run: (payload: { eventId: string; occurrence: string; userId: string }) => calendar.doExpireOffer(payload) },
      [MINUTELY]: { run: async () => void (await calendar.doMinutely()), maxAttempts: 1 },
      [CONFIRM]: { run: async (payload: { eventId: string; occurrence: string; userId: string }) => void (await calendar.doSendConfirmation(payload)) },
      [NOTIFY]: {
        async run(payload: { kind: string; eventId: string; occurrence: string | null; userIds: string[] | 'attendees'; actorId: string | null; minutes?: number; following?: boolean }) {
          const to = await calendar.recipientsOf(payload.eventId, payload.occurrence, payload.userIds, payload.actorId, payload.following);
          if (!to || to.userIds.length === 0) return;
          await notify.doNotify({
            kind: payload.kind,
            userIds: to.userIds,
            actorId: payload.actorId,
            groupKey: `${payload.kind}:${payload.eventId}:${payload.occurrence ?? 'all'}${payload.following ? ':following' : ''}${payload.minutes !== undefined ? `:${payload.minutes}` : ''}`,
            spaceId: to.event.spaceId,
            subject: { kind: 'post', id: to.event.postId },
            threadId: to.event.postId,
            data: {
              eventId: payload.eventId,
              occurrence: payload.occurrence,
              ...(payload.following && { following: true }),
              ...(payload.minutes !== undefined && { minutes: payload.minutes }),
            },
            readersOnly: true,
          });
        },
      },
    },
    schedules: [{ name: MINUTELY, everyMs: 60_000, job: MINUTELY }],
  } satisfies FeatureModule<Actor>;
}
