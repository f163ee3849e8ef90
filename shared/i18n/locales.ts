/**
 * The languages Hearth speaks, and which message catalogues (namespaces) each side loads.
 * Catalogues live in `shared/i18n/<locale>/<namespace>.json`; English is the source, every other
 * language has every key (test/i18n.test.ts fails on a missing one). See docs/decisions/017.
 */
export const locales = ['en', 'fr', 'ar'] as const;
export type Locale = (typeof locales)[number];

export const defaultLocale: Locale = 'en';

/** Each language's own name for itself, for the language picker. */
export const localeNames: Record<Locale, string> = { en: 'English', fr: 'Français', ar: 'العربية' };

/** Right-to-left languages lay the page out mirrored (`<html dir="rtl">`). */
export const rtlLocales: ReadonlySet<Locale> = new Set<Locale>(['ar']);

/** Namespaces the browser loads (one chunk per language). */
export const clientNamespaces = ['common', 'shell', 'chat', 'content', 'moderation', 'onboarding', 'admin', 'spaces', 'account', 'errors', 'notifications', 'calendar'] as const;
/** Namespaces the server renders itself: problem details, emails, the welcome bot, moderation notices, notification and account mail. */
export const serverNamespaces = ['problems', 'mail', 'bot', 'moderation', 'notify'] as const;
export type Namespace = (typeof clientNamespaces)[number] | (typeof serverNamespaces)[number];

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

/**
 * The best supported language for a list of preferences (BCP 47 tags, best first), by exact tag
 * then by primary language; English when none matches.
 * @example matchLocale(['fr-CA', 'en']) // → 'fr'
 */
export function matchLocale(preferences: readonly string[]): Locale {
  for (const tag of preferences) {
    const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
    if (isLocale(primary)) return primary;
  }
  return defaultLocale;
}

/**
 * The languages of an `Accept-Language` header, best first.
 * @example acceptedLanguages('fr-CH, fr;q=0.9, en;q=0.8') // → ['fr-CH', 'fr', 'en']
 */
export function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .slice(0, 20)
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.trim(), q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((entry) => entry.tag && entry.tag !== '*' && entry.q > 0)
    .sort((a, b) => b.q - a.q)
    .map((entry) => entry.tag);
}
