import type { RouteSpec } from './route-spec';
import { systemRoutes } from './system.routes';

/** Every REST endpoint of Hearth. The server mounts each one; the OpenAPI document lists each one. */
export const apiRoutes = {
  ...systemRoutes,
} satisfies Record<string, RouteSpec>;

export type ApiRouteName = keyof typeof apiRoutes;
