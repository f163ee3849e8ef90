import type { Site } from '../../../shared/api/system.routes';
import type { Db } from '../../core/db/database';
import { readSiteRow } from './site.repository';

export interface SiteService {
  accessSite(): Promise<Site>;
}

export function createSiteService(deps: { db: Db; defaultName: string; version: string }): SiteService {
  return {
    async accessSite() {
      const row = await readSiteRow(deps.db);
      return {
        name: row.name ?? deps.defaultName,
        instanceId: row.instanceId,
        createdAt: row.createdAt.toISOString(),
        version: deps.version,
      };
    },
  };
}
