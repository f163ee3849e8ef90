import type { Express, Request } from 'express';
import { systemRoutes } from '../../../shared/api/system.routes';
import type { RouteSpec } from '../../../shared/api/route-spec';
import type { Config } from '../../config';
import type { Database } from '../../core/db/database';
import { AppError } from '../../core/errors';
import { mountRoute } from '../../core/http/routes';
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
  app: Express,
  mounted: Set<RouteSpec>,
  deps: {
    config: Config;
    database: Database;
    metrics: Metrics;
    site: SiteService;
    documents: { openapi: () => unknown; asyncapi: () => unknown };
  },
): void {
  mountRoute(app, mounted, systemRoutes.health, () => ({ status: 'ok' as const }));

  mountRoute(app, mounted, systemRoutes.ready, async () => {
    try {
      await deps.database.ping();
    } catch {
      throw new AppError('unavailable', 'The database is not reachable');
    }
    return { status: 'ready' as const, database: deps.database.kind };
  });

  mountRoute(app, mounted, systemRoutes.metrics, async ({ req, res }) => {
    if (!isLocalCaller(req) && !hasMetricsToken(req, deps.config.metricsToken)) {
      throw new AppError('forbidden', 'Metrics are served to loopback callers or with the metrics token');
    }
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    return undefined;
  });

  mountRoute(app, mounted, systemRoutes.site, () => deps.site.accessSite());
  mountRoute(app, mounted, systemRoutes.openapi, () => deps.documents.openapi());
  mountRoute(app, mounted, systemRoutes.asyncapi, () => deps.documents.asyncapi());
}
