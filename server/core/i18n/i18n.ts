// Words the server writes for people (problem details, emails, the welcome bot), in their language:
// docs/decisions/017-one-i18n-library.md
//
// One i18next instance over the server's namespaces of every language, loaded once at import; a
// member's language is their setting ('auto' follows the browser that last signed them in, else
// the request's Accept-Language), read through the settings registry like any member setting.
import i18next, { type i18n as I18next } from 'i18next';
import type { Request } from 'express';
import { z } from 'zod';
import { acceptedLanguages, defaultLocale, isLocale, locales, matchLocale, serverNamespaces, type Locale } from '../../../shared/i18n/locales';
import type { Db } from '../db/database';
import type { UnitOfWork } from '../events/unit-of-work';
import type { SettingsGroup, SettingsRegistry } from '../settings/settings';
import { serverCatalogues } from './catalogues';

export type { Locale } from '../../../shared/i18n/locales';

/** Words in one language: `t('mail:welcome.subject', { site })`. Keys are `namespace:path`. */
export type Translate = (key: string, vars?: Record<string, unknown>) => string;

const instance: I18next = i18next.createInstance();
void instance.init({
  initAsync: false,
  resources: serverCatalogues,
  lng: defaultLocale,
  fallbackLng: defaultLocale,
  supportedLngs: [...locales],
  ns: [...serverNamespaces],
  defaultNS: false,
  nsSeparator: ':',
  keySeparator: '.',
  // Mail templates escape what they put into HTML themselves; plain text must not be escaped.
  interpolation: { escapeValue: false },
  returnNull: false,
});

const fixed = new Map<Locale, Translate>(locales.map((locale) => [locale, instance.getFixedT(locale) as unknown as Translate]));

/**
 * The words of one language.
 * @example translator('fr')('mail:welcome.subject', { site: 'Hearth' })
 */
export function translator(locale: Locale): Translate {
  return fixed.get(locale) ?? (fixed.get(defaultLocale) as Translate);
}

/** Whether a key exists in English (the source catalogue). */
export function hasMessage(key: string): boolean {
  return instance.exists(key, { lng: defaultLocale });
}

/** The language an HTTP request asks for (its Accept-Language), English when it asks for none we have. */
export function requestLocale(req: Pick<Request, 'headers'>): Locale {
  return matchLocale(acceptedLanguages(req.headers['accept-language']));
}

const languageSchema = z.object({
  /** 'auto': the browser's language; else one of `locales`. */
  language: z.enum(['auto', ...locales]),
  /** The browser language seen when the member last signed in, for mail sent while they are away. */
  lastBrowserLanguage: z.enum(locales),
});

export type LanguageSettings = z.output<typeof languageSchema>;

export interface Languages {
  readonly group: SettingsGroup<LanguageSettings, 'member'>;
  /** The language to write to a member in (emails, bot messages): their choice, else their browser's. */
  of(userId: string): Promise<Locale>;
  /** The language of a request by a (possibly signed-in) member: their choice, else the request's. */
  forRequest(req: Pick<Request, 'headers'>, userId?: string): Promise<Locale>;
  /** Sets a member's choice ('auto' to follow the browser). */
  choose(target: Db | UnitOfWork, userId: string, language: LanguageSettings['language']): Promise<LanguageSettings>;
  /** Remembers the browser language of a member's request (at sign-in), when it changed. */
  noteBrowser(target: Db | UnitOfWork, userId: string, req: Pick<Request, 'headers'>): Promise<void>;
}

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
    choose: (target, userId, language) => group.update(target, { language }, userId),
    async noteBrowser(target, userId, req) {
      const seen = requestLocale(req);
      const value = await group.get(userId);
      if (value.lastBrowserLanguage !== seen) await group.update(target, { lastBrowserLanguage: seen }, userId);
    },
  };
}
