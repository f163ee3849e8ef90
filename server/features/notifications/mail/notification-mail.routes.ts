import { notificationMailRoutes } from '../../../../shared/api/notification-mail.routes';
import type { RouteMounter } from '../../../core/http/routes';
import type { Actor } from '../../accounts/actor';
import type { NotificationMail } from './notification-mail.service';

export function mountNotificationMailRoutes(router: RouteMounter<Actor>, deps: { notificationMail: NotificationMail }): void {
  const { notificationMail } = deps;
  router.mount(notificationMailRoutes.unsubscribe, ({ query }) => notificationMail.doUnsubscribe(query.token));
  router.mount(notificationMailRoutes.emailBounces, ({ actor }) => notificationMail.accessBounces(actor));
}
