import type { Request } from 'express';
import { systemRoutes } from '../../../shared/api/system.routes';
import type { Config } from '../../config';
import type { Database } from '../../core/db/database';
import { AppError } from '../../core/errors';
import type { RouteMounter } from '../../core/http/routes';
import type { Metrics } from '../../core/metrics';
import type { SiteService } from '../site/site.service';

// A request relayed by a reverse proxy on the same host also arrives from loopback, so a
// forwarded request never counts as local.
function isLocalCaller(req: Request): boolean {
  if (req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined) return false;
  const address = req.socket.remoteAddress ?? '';
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function hasMetricsToken(req: Request, token: string | undefined): boolean {
  return token !== undefined && req.headers.authorization === `Bearer ${token}`;
}

export function mountSystemRoutes(
  router: RouteMounter<unknown>,
  deps: {
    config: Config;
    database: Database;
    metrics: Metrics;
    site: SiteService;
    documents: { openapi: () => unknown; asyncapi: () => unknown };
  },
): void {
  router.mount(systemRoutes.health, () => ({ status: 'ok' as const }));

  router.mount(systemRoutes.ready, async () => {
    try {
      await deps.database.ping();
    } catch {
      throw new AppError('unavailable', 'The database is not reachable');
    }
    return { status: 'ready' as const, database: deps.database.kind };
  });

  router.mount(systemRoutes.metrics, async ({ req, res }) => {
    if (!isLocalCaller(req) && !hasMetricsToken(req, deps.config.metricsToken)) {
      throw new AppError('forbidden', 'Metrics are served to loopback callers or with the metrics token');
    }
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    return undefined;
  });

  router.mount(systemRoutes.site, () => deps.site.accessSite());
  router.mount(systemRoutes.openapi, () => deps.documents.openapi());
  router.mount(systemRoutes.asyncapi, () => deps.documents.asyncapi());
}
