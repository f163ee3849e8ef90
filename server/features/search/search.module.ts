import type { FeatureModule, Platform } from '../../core/module';
import type { Actor } from '../accounts/actor';
import { mountSearchRoutes } from './search.routes';
import { createSearchService } from './search.service';

/** Search across what a member may read: posts and comments of readable spaces. */
export function searchModule(platform: Platform<Actor>) {
  const search = createSearchService({ db: platform.db });
  return {
    name: 'search',
    routes(router) {
      mountSearchRoutes(router, { search });
    },
  } satisfies FeatureModule<Actor>;
}
