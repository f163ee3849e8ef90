import { notificationPreferenceRoutes, notificationRoutes } from '../../../shared/api/notifications.routes';
import type { RouteMounter } from '../../core/http/routes';
import type { Actor } from '../accounts/actor';
import type { NotificationPreferencesService } from './notification-preferences.service';
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

/** Preferences: mine, the network's defaults (admins), a space's default level (its hosts). */
export function mountNotificationPreferenceRoutes(router: RouteMounter<Actor>, deps: { preferences: NotificationPreferencesService }): void {
  const { preferences } = deps;
  const routes = notificationPreferenceRoutes;
  router.mount(routes.notificationPreferences, ({ actor }) => preferences.accessPreferences(actor));
  router.mount(routes.updateNotificationPreferences, ({ actor, body }) => preferences.doUpdatePreferences(actor, body));
  router.mount(routes.mySpaceLevels, ({ actor }) => preferences.accessMySpaceLevels(actor));
  router.mount(routes.networkNotificationDefaults, ({ actor }) => preferences.accessNetworkDefaults(actor));
  router.mount(routes.updateNetworkNotificationDefaults, ({ actor, body }) => preferences.doUpdateNetworkDefaults(actor, body));
  router.mount(routes.spaceNotificationDefault, ({ actor, params }) => preferences.accessSpaceDefault(actor, params.spaceId));
  router.mount(routes.setSpaceNotificationDefault, ({ actor, params, body }) => preferences.doSetSpaceDefault(actor, params.spaceId, body));
}
