import { notificationRoutes } from '../../../shared/api/notifications.routes';
import type { RouteMounter } from '../../core/http/routes';
import type { Actor } from '../accounts/actor';
import type { NotificationsService } from './notifications.service';

export function mountNotificationRoutes(router: RouteMounter<Actor>, deps: { notifications: NotificationsService }): void {
  const { notifications } = deps;
  router.mount(notificationRoutes.notifications, ({ actor, query }) => notifications.accessPage(actor, query));
  router.mount(notificationRoutes.notification, ({ actor, params }) => notifications.accessOne(actor, params.notificationId));
  router.mount(notificationRoutes.markNotificationsRead, ({ actor, body }) => notifications.doMarkRead(actor, body.ids));
  router.mount(notificationRoutes.notificationLevel, ({ actor, params }) => notifications.accessLevel(actor, params.targetKind, params.targetId));
  router.mount(notificationRoutes.setNotificationLevel, ({ actor, params, body }) => notifications.doSetLevel(actor, params.targetKind, params.targetId, body));
  router.mount(notificationRoutes.resetNotificationLevel, ({ actor, params }) => notifications.doResetLevel(actor, params.targetKind, params.targetId));
}
