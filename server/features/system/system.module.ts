import { buildAsyncApiDocument, buildOpenApiDocument } from '../../core/api/documents';
import type { FeatureModule, Platform } from '../../core/module';
import { version } from '../../version';
import type { Actor } from '../accounts/actor';
import { createSiteService } from '../site/site.service';
import { mountSystemRoutes } from './system.routes';
import { systemCommandHandlers } from './system.socket';

/** Health, readiness, metrics, the site's public face and the API documents. */
export function systemModule(platform: Platform<Actor>) {
  const { config, database, metrics } = platform;
  const site = createSiteService({ db: database.db, defaultName: config.siteName, version });
  const documentInfo = { version, serverUrl: config.publicUrl };
  let openapi: unknown;
  let asyncapi: unknown;
  return {
    name: 'system',
    api: { site },
    routes(router) {
      mountSystemRoutes(router, {
        config,
        database,
        metrics,
        site,
        documents: {
          openapi: () => (openapi ??= buildOpenApiDocument(documentInfo)),
          asyncapi: () => (asyncapi ??= buildAsyncApiDocument(documentInfo)),
        },
      });
    },
    commands: systemCommandHandlers({ db: database.db, memberLog: platform.memberLog }),
  } satisfies FeatureModule<Actor>;
}
