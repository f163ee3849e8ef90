// Words the server writes for people (problem details, emails, the welcome bot), in their language:
// docs/decisions/017-one-i18n-library.md
//
// One i18next instance over the server's namespaces of every language, loaded once at import; a
// member's language is their setting ('auto' follows the browser that last signed them in, else
// the request's Accept-Language), read through the settings registry like any member setting.
import i18next, { type i18n as I18next } from 'i18next';
import type { Request } from 'express';
import { acceptedLanguages, defaultLocale, locales, matchLocale, serverNamespaces, type Locale } from '../../../shared/i18n/locales';
import type { Db } from '../db/database';
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

/** The member language setting (server/core/i18n/languages.ts declares it on the settings registry). */
export interface LanguageSettings {
  /** 'auto': the browser's language; else one of `locales`. */
  language: 'auto' | Locale;
  /** The browser language seen when the member last signed in, for mail sent while they are away. */
  lastBrowserLanguage: Locale;
}

/** Where a setting is written: the database, or a unit of work's transaction (written there, told after COMMIT). */
export type WriteTarget = Db | { readonly tx: Db };

export interface Languages {
  /** The stored setting (the choice and the browser language noted for mail). */
  readonly group: { get(userId: string): Promise<Readonly<LanguageSettings>> };
  /** The language to write to a member in (emails, bot messages): their choice, else their browser's. */
  of(userId: string): Promise<Locale>;
  /** The language of a request by a (possibly signed-in) member: their choice, else the request's. */
  forRequest(req: Pick<Request, 'headers'>, userId?: string): Promise<Locale>;
  /** Sets a member's choice ('auto' to follow the browser). */
  choose(target: WriteTarget, userId: string, language: LanguageSettings['language']): Promise<LanguageSettings>;
  /** Remembers the browser language of a member's request (at sign-in), when it changed. */
  noteBrowser(target: WriteTarget, userId: string, req: Pick<Request, 'headers'>): Promise<void>;
}
