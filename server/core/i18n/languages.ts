// The member language setting, declared on the settings registry (the types are in ./i18n.ts, which
// imports nothing of the platform, so that the realtime and HTTP layers can use it).
import { z } from 'zod';
import { defaultLocale, isLocale, locales } from '../../../shared/i18n/locales';
import type { UnitOfWork } from '../events/unit-of-work';
import type { SettingsRegistry } from '../settings/settings';
import { requestLocale, type Languages } from './i18n';

const languageSchema = z.object({
  /** 'auto': the browser's language; else one of `locales`. */
  language: z.enum(['auto', ...locales]),
  /** The browser language seen when the member last signed in, for mail sent while they are away. */
  lastBrowserLanguage: z.enum(locales),
});

/** Declares the member language setting on the registry (once per app). */
export function createLanguages(settings: SettingsRegistry): Languages {
  const group = settings.define({
    scope: 'member',
    key: 'language',
    schema: languageSchema,
    defaults: { language: 'auto', lastBrowserLanguage: defaultLocale },
  });
  return {
    group,
    async of(userId) {
      const value = await group.get(userId);
      return value.language === 'auto' ? value.lastBrowserLanguage : value.language;
    },
    async forRequest(req, userId) {
      if (!userId) return requestLocale(req);
      const value = await group.get(userId);
      return isLocale(value.language) ? value.language : requestLocale(req);
    },
    choose: (target, userId, language) => group.update(target as UnitOfWork, { language }, userId),
    async noteBrowser(target, userId, req) {
      const seen = requestLocale(req);
      const value = await group.get(userId);
      if (value.lastBrowserLanguage !== seen) await group.update(target as UnitOfWork, { lastBrowserLanguage: seen }, userId);
    },
  };
}
