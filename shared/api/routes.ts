import { accountRoutes } from './accounts.routes';
import { adminRoutes } from './admin.routes';
import { calendarRoutes } from './calendar.routes';
import { chatRoutes } from './chat.routes';
import { moderationRoutes } from './moderation.routes';
import { notificationMailRoutes } from './notification-mail.routes';
import { notificationPreferenceRoutes, notificationRoutes } from './notifications.routes';
import { pushRoutes } from './push.routes';
import { oidcRoutes } from './oidc.routes';
import { recoveryRoutes } from './recovery.routes';
import { searchRoutes } from './search.routes';
import { spaceRoutes } from './spaces.routes';
import type { RouteSpec } from './route-spec';
import { systemRoutes } from './system.routes';
import { welcomeRoutes } from './welcome.routes';

/** Every REST endpoint of Hearth. The server mounts each one; the OpenAPI document lists each one. */
export const apiRoutes = {
  ...systemRoutes,
  ...accountRoutes,
  ...oidcRoutes,
  ...adminRoutes,
  ...spaceRoutes,
  ...chatRoutes,
  ...welcomeRoutes,
  ...moderationRoutes,
  ...searchRoutes,
  ...notificationRoutes,
  ...notificationPreferenceRoutes,
  ...pushRoutes,
  ...notificationMailRoutes,
  ...recoveryRoutes,
  ...calendarRoutes,
} satisfies Record<string, RouteSpec>;

export type ApiRouteName = keyof typeof apiRoutes;
