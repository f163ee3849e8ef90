// The browser's words in the member's language: docs/decisions/017-one-i18n-library.md
//
// One i18next instance; `t('chat:composer.placeholder')` reads the current language's catalogue.
// `t` reads the reactive locale, so every template that calls it re-renders when the language
// changes. The language is the member's choice (remembered in this browser and on their account),
// else the browser's; each language's catalogues are one lazily loaded chunk.
import i18next, { type TFunction } from 'i18next';
import type { clientNamespaces } from '../../../shared/i18n/locales';
import type enCatalogue from '../i18n/en';
import { defaultLocale, isLocale, localeNames, locales, matchLocale, rtlLocales, type Locale } from '../../../shared/i18n/locales';

export { localeNames, locales, type Locale };

type Catalogue = typeof enCatalogue;

const loaders: Record<Locale, () => Promise<{ default: Catalogue }>> = {
  en: () => import('../i18n/en'),
  fr: () => import('../i18n/fr'),
  ar: () => import('../i18n/ar'),
};

/** Where this browser remembers the member's explicit choice ('auto' when absent). */
const STORAGE_KEY = 'hearth.language';

function storedChoice(): Locale | undefined {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return isLocale(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The browser's preferred supported language. */
export function browserLocale(): Locale {
  return matchLocale(typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]));
}

class I18n {
  /** The language the page is in. */
  locale = $state<Locale>(defaultLocale);
  /** The member's explicit choice, or 'auto' to follow the browser. */
  choice = $state<Locale | 'auto'>('auto');
  readonly #loaded = new Set<Locale>();

  get dir(): 'ltr' | 'rtl' {
    return rtlLocales.has(this.locale) ? 'rtl' : 'ltr';
  }

  /** Loads the starting language before the app mounts (the choice this browser remembers, else the browser's). */
  async start(): Promise<void> {
    await i18next.init({
      initAsync: false,
      lng: defaultLocale,
      // Every language has every key (test/i18n.test.ts); English fills in only while developing.
      fallbackLng: import.meta.env.DEV ? defaultLocale : false,
      supportedLngs: [...locales],
      defaultNS: false,
      nsSeparator: ':',
      keySeparator: '.',
      // Svelte escapes what it renders; escaping here would show "&amp;".
      interpolation: { escapeValue: false },
      returnNull: false,
      resources: {},
    });
    const stored = storedChoice();
    this.choice = stored ?? 'auto';
    await this.#use(stored ?? browserLocale());
  }

  /**
   * Switches to the member's choice ('auto': the browser's language) and remembers it in this
   * browser; the account's setting is saved by the caller (settings page, session load).
   */
  async choose(choice: Locale | 'auto'): Promise<void> {
    try {
      if (choice === 'auto') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, choice);
    } catch {
      // Private mode: the choice lasts for this page.
    }
    this.choice = choice;
    await this.#use(choice === 'auto' ? browserLocale() : choice);
  }

  async #load(locale: Locale): Promise<void> {
    if (this.#loaded.has(locale)) return;
    const catalogue = (await loaders[locale]()).default;
    for (const [namespace, messages] of Object.entries(catalogue)) {
      i18next.addResourceBundle(locale, namespace, messages, true, true);
    }
    this.#loaded.add(locale);
  }

  async #use(locale: Locale): Promise<void> {
    await Promise.all([this.#load(locale), import.meta.env.DEV ? this.#load(defaultLocale) : undefined]);
    await i18next.changeLanguage(locale);
    this.locale = locale;
    document.documentElement.lang = locale;
    document.documentElement.dir = this.dir;
  }
}

export const i18n = new I18n();

/**
 * A message in the page's language; keys are `namespace:path` and type-checked against the English
 * catalogue.
 * @example t('common:actions.save') // → 'Save' (or 'Enregistrer')
 */
type ClientT = TFunction<[...typeof clientNamespaces]>;

export const t = ((...args: Parameters<ClientT>) => {
  void i18n.locale; // re-render on a language change
  return (i18next.t as unknown as (...a: unknown[]) => string)(...args);
}) as ClientT;
