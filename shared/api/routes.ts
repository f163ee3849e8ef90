import { accountRoutes } from './accounts.routes';
import { adminRoutes } from './admin.routes';
import { oidcRoutes } from './oidc.routes';
import { spaceRoutes } from './spaces.routes';
import type { RouteSpec } from './route-spec';
import { systemRoutes } from './system.routes';

/** Every REST endpoint of Hearth. The server mounts each one; the OpenAPI document lists each one. */
export const apiRoutes = {
  ...systemRoutes,
  ...accountRoutes,
  ...oidcRoutes,
  ...adminRoutes,
  ...spaceRoutes,
} satisfies Record<string, RouteSpec>;

export type ApiRouteName = keyof typeof apiRoutes;
