import type { Site } from '../../../shared/api/system.routes';
import { api, ApiError } from './api';
import { routes } from './api-routes';
import { t } from './i18n.svelte';

/** Facts about this network, loaded once at start (and again when an admin renames it). */
export class SiteStore {
  site = $state<Site | undefined>(undefined);
  error = $state<string | undefined>(undefined);

  async load(): Promise<void> {
    try {
      this.site = await api.call(routes.site);
      this.error = undefined;
    } catch (error) {
      // Behind the guidelines gate only the gate matters; the name falls back to "Hearth".
      if (error instanceof ApiError && error.code === 'guidelines_required') return;
      this.error = error instanceof ApiError ? error.message : t('account:session.siteFailed');
    }
  }
}

export const siteStore = new SiteStore();
