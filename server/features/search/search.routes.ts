import { searchRoutes } from '../../../shared/api/search.routes';
import type { RouteMounter } from '../../core/http/routes';
import type { Actor } from '../accounts/actor';
import type { SearchService } from './search.service';

export function mountSearchRoutes(router: RouteMounter<Actor>, deps: { search: SearchService }): void {
  router.mount(searchRoutes.search, ({ actor, query }) => deps.search.accessSearch(actor, query));
}
