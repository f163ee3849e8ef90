import table from 'virtual:hearth/api-routes';
import type { apiRoutes as specs } from '../../../shared/api/routes';
import type { RouteSpec } from '../../../shared/api/route-spec';

declare const specOf: unique symbol;

/**
 * A REST endpoint as the browser holds it: only its method and path at run time (the schemas stay
 * on the server), and its whole RouteSpec in the type, for `api.call` to type what goes in and out.
 */
export interface RouteRef<R extends RouteSpec = RouteSpec> {
  readonly method: R['method'];
  readonly path: R['path'];
  readonly [specOf]?: R;
}

export type ApiRoutes = { readonly [K in keyof typeof specs]: RouteRef<(typeof specs)[K]> };

/**
 * Every REST endpoint, by the name the shared specs give it (`shared/api/routes.ts`).
 * @example api.call(routes.space, { params: { slug } }) // → Promise<Space>
 */
export const routes = table as unknown as ApiRoutes;
