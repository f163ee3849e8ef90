// Error messages in the caller's language: docs/decisions/017-one-i18n-library.md (addendum)
//
// The English sentence a service throws IS its key: `new AppError('conflict', 'This space is archived')`
// is looked up as-is in `shared/i18n/<locale>/problems.json`, so the ~170 sites across the features
// need no key of their own. A second i18next instance reads that namespace with neither key nor
// namespace separators (a sentence has dots and colons). Messages with values are written
// `problem('No member with the handle @{{handle}}', { handle })` (server/core/errors.ts), and are
// interpolated after translation. A sentence that arrives already filled in (a zod message
// computed when its schema was built, a site not converted yet) is matched against the catalogue's
// templates; anything the catalogue does not know stays in English rather than failing.
import i18next, { type i18n as I18next } from 'i18next';
import { z } from 'zod';
import { defaultLocale, locales, type Locale } from '../../../shared/i18n/locales';
import { serverCatalogues } from './catalogues';

export type ProblemVars = Readonly<Record<string, unknown>>;

const resources = Object.fromEntries(locales.map((locale) => [locale, { problems: serverCatalogues[locale].problems }]));

const instance: I18next = i18next.createInstance();
void instance.init({
  initAsync: false,
  resources,
  lng: defaultLocale,
  // Every language has every sentence (test/i18n.test.ts); a missing one falls back below, not here.
  fallbackLng: false,
  supportedLngs: [...locales],
  ns: ['problems'],
  defaultNS: 'problems',
  keySeparator: false,
  nsSeparator: false,
  // Problems travel as JSON: nothing is HTML-escaped; values people chose stay as typed.
  interpolation: { escapeValue: false },
  returnNull: false,
  returnEmptyString: false,
});

const PLACEHOLDER = /\{\{\s*(\w+)[^}]*\}\}/g;
const HAS_PLACEHOLDER = /\{\{[^}]*\}\}/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** The catalogue's sentences with placeholders, as patterns that recognise them filled in. */
const templates: { key: string; pattern: RegExp; names: string[] }[] = Object.keys(serverCatalogues.en.problems as Record<string, string>)
  .filter((key) => HAS_PLACEHOLDER.test(key))
  .map((key) => {
    const names: string[] = [];
    let source = '';
    let last = 0;
    for (const match of key.matchAll(PLACEHOLDER)) {
      source += escapeRegExp(key.slice(last, match.index)) + '(.+?)';
      names.push(match[1] as string);
      last = (match.index ?? 0) + match[0].length;
    }
    source += escapeRegExp(key.slice(last));
    return { key, pattern: new RegExp(`^${source}$`, 's'), names };
  })
  // The most specific (longest fixed text) first, so "No member with the handle @{{h}}" beats "{{what}} settings".
  .sort((a, b) => b.key.replace(PLACEHOLDER, '').length - a.key.replace(PLACEHOLDER, '').length);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const translate = (locale: Locale, key: string, vars: ProblemVars) =>
  instance.t(key, { ...vars, lng: locale, interpolation: { escapeValue: false } }) as string;

/** Whether English has this sentence (the key every language must have). */
export function isCatalogued(text: string): boolean {
  return instance.exists(text, { lng: defaultLocale });
}

/** Fills in a sentence's placeholders without translating it (English, and sentences not catalogued). */
export function fillIn(text: string, vars: ProblemVars = {}, locale: Locale = defaultLocale): string {
  if (!HAS_PLACEHOLDER.test(text)) return text;
  return instance.services.interpolator.interpolate(text, { ...vars }, locale, {}) as string;
}

/**
 * A problem's sentence in a language: by its English text when catalogued, else by the catalogue
 * template it fills in, else the sentence as it came (English).
 * @example problemText('fr', 'Not found') // → 'Introuvable'
 * @example problemText('fr', 'No member with the handle @{{handle}}', { handle: 'ada' }) // → 'Aucun membre n’a l’identifiant @ada'
 */
export function problemText(locale: Locale, text: string, vars: ProblemVars = {}): string {
  if (isCatalogued(text)) return translate(locale, text, vars);
  if (Object.keys(vars).length === 0) {
    const known = matchTemplate(text);
    if (known) return translate(locale, known.key, known.vars);
  }
  return fillIn(text, vars, locale);
}

/** The catalogue template a filled-in sentence matches, with the values it was filled with. */
export function matchTemplate(text: string): { key: string; vars: Record<string, unknown> } | undefined {
  for (const template of templates) {
    const match = template.pattern.exec(text);
    if (!match) continue;
    const vars: Record<string, unknown> = {};
    template.names.forEach((name, i) => {
      const value = match[i + 1] as string;
      // A date that was written out (toISOString) is given back as a date, for `{{until, datetime}}`.
      vars[name] = ISO_INSTANT.test(value) ? new Date(value) : value;
    });
    return { key: template.key, vars };
  }
  return undefined;
}

// zod's own words for its checks, per language (zod 4 ships them: en, fr, ar among others).
const zodLocales: Record<Locale, z.core.$ZodErrorMap> = {
  en: z.locales.en().localeError,
  fr: z.locales.fr().localeError,
  ar: z.locales.ar().localeError,
};

/** zod's error map for a language: pass it to `safeParse(value, { error })` to have zod's default messages in it. */
export function zodErrorMap(locale: Locale): z.core.$ZodErrorMap {
  return zodLocales[locale];
}

/**
 * One validation message in a language. zod's default messages are said again by zod's own words
 * for that language; a schema's own message (`.min(10, 'must be at least 10 characters')`) goes
 * through the problems catalogue.
 */
export function issueMessage(locale: Locale, issue: z.core.$ZodIssue, options: { reparsed?: boolean } = {}): string {
  if (locale === defaultLocale) return issue.message;
  // After a parse with the language's error map, default messages are already in that language.
  if (!options.reparsed && isZodDefault(issue)) {
    const said = zodLocales[locale](issue as unknown as z.core.$ZodRawIssue);
    const message = typeof said === 'string' ? said : said?.message;
    if (message) return message;
  }
  return problemText(locale, issue.message);
}

/** Whether an issue carries zod's default English message rather than a schema's own. */
function isZodDefault(issue: z.core.$ZodIssue): boolean {
  const said = zodLocales.en(issue as unknown as z.core.$ZodRawIssue);
  return (typeof said === 'string' ? said : said?.message) === issue.message;
}
